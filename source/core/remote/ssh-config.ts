/**
 * The parts of ~/.ssh/config rewind honours: Host blocks (patterns, negation, first value wins),
 * HostName, User, Port, IdentityFile (several), IdentitiesOnly, UserKnownHostsFile and Include.
 * Match blocks are skipped; ProxyJump/ProxyCommand are reported as unsupported.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {globToRegExp, matchesPatternList} from './glob.js';

export type SshHostSettings = {
	hostName?: string;
	user?: string;
	port?: number;
	identityFiles: string[];
	identitiesOnly?: boolean;
	userKnownHostsFile?: string;
	unsupported: string[];
};

type Line = {readonly keyword: string; readonly args: readonly string[]};
type Block = {readonly patterns: readonly string[] | 'match'; readonly lines: Line[]};

const MAX_INCLUDE_DEPTH = 8;

function splitArgs(rest: string): string[] {
	const args: string[] = [];
	const pattern = /"([^"]*)"|(\S+)/g;
	for (const match of rest.matchAll(pattern)) args.push(match[1] ?? match[2]!);
	return args;
}

function parseBlocks(text: string, baseDir: string, depth: number, blocks: Block[]): void {
	for (const rawLine of text.split(/\r?\n/)) {
		const line = rawLine.trim();
		if (line === '' || line.startsWith('#')) continue;
		const match = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
		if (!match) continue;
		const keyword = match[1]!.toLowerCase();
		const args = splitArgs(match[2]!);
		if (keyword === 'host') {
			blocks.push({patterns: args, lines: []});
		} else if (keyword === 'match') {
			blocks.push({patterns: 'match', lines: []});
		} else if (keyword === 'include') {
			if (depth >= MAX_INCLUDE_DEPTH) continue;
			for (const arg of args) {
				for (const file of expandInclude(arg, baseDir)) {
					parseBlocks(readFileSync(file, 'utf8'), baseDir, depth + 1, blocks);
				}
			}
		} else {
			blocks.at(-1)!.lines.push({keyword, args});
		}
	}
}

function expandInclude(pattern: string, baseDir: string): string[] {
	const expanded = expandTilde(pattern);
	const full = path.isAbsolute(expanded) ? expanded : path.join(baseDir, expanded);
	const dir = path.dirname(full);
	const base = path.basename(full);
	if (!base.includes('*') && !base.includes('?')) return existsSync(full) ? [full] : [];
	if (!existsSync(dir)) return [];
	const regex = globToRegExp(base, '');
	return readdirSync(dir)
		.filter(name => regex.test(name))
		.sort()
		.map(name => path.join(dir, name));
}

export function expandTilde(value: string, home = os.homedir()): string {
	if (value === '~') return home;
	if (value.startsWith('~/')) return path.join(home, value.slice(2));
	return value;
}

/** Settings for `alias` from the text of an ssh config file (and the files it includes). */
export function resolveSshHost(text: string, alias: string, baseDir: string): SshHostSettings {
	// Lines before the first Host block apply to every host.
	const blocks: Block[] = [{patterns: ['*'], lines: []}];
	parseBlocks(text, baseDir, 0, blocks);
	const settings: SshHostSettings = {identityFiles: [], unsupported: []};
	for (const block of blocks) {
		if (block.patterns === 'match' || !matchesPatternList(block.patterns, alias)) continue;
		for (const {keyword, args} of block.lines) {
			const value = args[0];
			if (value === undefined) continue;
			switch (keyword) {
				case 'hostname':
					settings.hostName ??= value;
					break;
				case 'user':
					settings.user ??= value;
					break;
				case 'port': {
					const port = Number(value);
					if (settings.port === undefined && Number.isInteger(port) && port > 0 && port < 65_536) settings.port = port;
					break;
				}
				case 'identityfile':
					if (value.toLowerCase() !== 'none') settings.identityFiles.push(value);
					break;
				case 'identitiesonly':
					settings.identitiesOnly ??= value.toLowerCase() === 'yes';
					break;
				case 'userknownhostsfile':
					settings.userKnownHostsFile ??= value;
					break;
				case 'proxyjump':
				case 'proxycommand':
					if (value.toLowerCase() !== 'none' && !settings.unsupported.includes(keyword)) settings.unsupported.push(keyword);
					break;
				default:
					break;
			}
		}
	}
	return settings;
}

/** Expands `%h %u %r %d %%` and `~` in an IdentityFile or known-hosts path. */
export function expandSshTokens(value: string, tokens: {host: string; remoteUser: string; localUser: string; home: string}): string {
	const expanded = value.replace(/%([hurd%])/g, (_match, token: string) => {
		switch (token) {
			case 'h':
				return tokens.host;
			case 'u':
				return tokens.localUser;
			case 'r':
				return tokens.remoteUser;
			case 'd':
				return tokens.home;
			default:
				return '%';
		}
	});
	return expandTilde(expanded, tokens.home);
}

export function readSshConfig(file: string, alias: string): SshHostSettings {
	if (!existsSync(file)) return {identityFiles: [], unsupported: []};
	return resolveSshHost(readFileSync(file, 'utf8'), alias, path.dirname(file));
}
