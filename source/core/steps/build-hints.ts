/**
 * What a failing front-end build says and what fixes it: the hints of the build step and of the
 * prebuild (the same commands, in a worktree beside the live site).
 */
import {posix} from 'node:path';
import type {Config} from '../config/schema.js';
import type {Fix, HintRule} from '../hints.js';
import {installsDependencies} from '../prebuild.js';

const cleanInstall: Fix = {
	id: 'clean-install',
	label: 'Remove node_modules (clean reinstall) and retry the build',
	rerunFrom: 'build',
	apply: (config: Config) => ({...config, build: {...config.build, cleanInstall: true}}),
};

const CLEAN_REINSTALL = 'Do a clean reinstall: remove node_modules, then npm ci (config: build.cleanInstall: true).';

/** Where the build commands run, as the operator configured it. */
const buildDir = (config: Config) => posix.join(config.app.dir, config.build.dir);
/** package.json as `git show <target>:…` names it. */
const packageJson = (config: Config) => posix.join(config.build.dir, 'package.json');
/** build.commands, when short enough to repeat in advice. */
const commandsShown = (config: Config) => {
	const joined = config.build.commands.join(' && ');
	return joined.length > 0 && joined.length <= 120 ? ` (${joined})` : '';
};
/** The directory to give back to its owner: node_modules as a whole, else the one the file is in. */
const ownedDir = (path: string) => /^(.*?\/?node_modules)(?:\/|$)/.exec(path)?.[1] ?? posix.dirname(path);

export const BUILD_HINTS: readonly HintRule[] = [
	{
		id: 'npm-missing-script',
		title: 'package.json has no such script',
		pattern: /Missing script: "?([^"\s]+)"?/i,
		severity: 'error',
		quote: true,
		advice: (config, _context, found) => {
			const script = found?.match[1] ?? '<name>';
			return (
				`package.json in ${buildDir(config)} has no "${script}" script at this commit. Check build.commands${commandsShown(config)} against the "scripts" ` +
				`of package.json at the target commit (git show <target>:${packageJson(config)}): the script may be newer than the target, or build.dir may name another package. ` +
				'A clean reinstall would not help.'
			);
		},
	},
	{
		id: 'npm-no-package-json',
		title: 'there is no package.json where the build runs',
		pattern: /ENOENT[^\n]*'((?:(?!node_modules\/)[^'\n])*package\.json)'/i,
		severity: 'error',
		quote: true,
		advice: (config, _context, found) =>
			`${found?.match[1] ?? 'package.json'} does not exist at this commit. build.commands run in app.dir joined with build.dir (${buildDir(config)}): ` +
			`check app.dir and build.dir, and that the target commit has ${packageJson(config)} (git show <target>:${packageJson(config)}).`,
	},
	{
		id: 'build-permission-denied',
		title: 'the build may not write a file: it belongs to another user',
		pattern: /EACCES: permission denied, \w+ '([^']+)'|cannot [a-z ]+ '([^']+)': Permission denied/i,
		severity: 'error',
		quote: true,
		advice: (config, _context, found) => {
			const path = found?.match[1] ?? found?.match[2];
			const user = config.ssh.user ?? '<ssh user>';
			return (
				`${path ? `'${path}'` : 'The file'} (or the directory it goes in) is not writable by ${config.ssh.user ?? 'the SSH user'}: typically left by a build once run as root or with sudo. ` +
				`Check the owner (ls -ld), give it back (sudo chown -R ${user} '${path ? ownedDir(path) : buildDir(config)}'), then retry. A clean reinstall does not help while the files are not yours.`
			);
		},
	},
	{
		id: 'npm-corrupted-install',
		title: 'node_modules is probably corrupted',
		// npm's rename over a half-extracted package, a tarball failing its checksum, a truncated package.json, a bin that lost its mode.
		pattern:
			/\bENOTEMPTY\b|\bEINTEGRITY\b|ERR_INVALID_PACKAGE_CONFIG|Unexpected end of JSON input[^\n]*node_modules\/|node_modules\/[^\n]*Unexpected end of JSON input|node_modules\/\.bin\/[^\s:'"]+:? (?:not found|No such file or directory)|\bsh: \d+: [\w.-]+: Permission denied/i,
		severity: 'error',
		quote: true,
		advice: () => CLEAN_REINSTALL,
		fix: () => cleanInstall,
	},
	{
		id: 'node-modules-broken',
		title: 'a package in node_modules is missing or broken',
		pattern:
			/(?:ENOENT|Cannot find module|Cannot find package|SyntaxError|Unexpected token)[^\n]*node_modules|node_modules[^\n]*(?:SyntaxError|Unexpected token|ENOENT)/i,
		severity: 'error',
		quote: true,
		advice: () => CLEAN_REINSTALL,
		fix: () => cleanInstall,
	},
	{
		id: 'build-tool-missing',
		title: 'the build tool is not installed',
		// A bare name: a path into node_modules/.bin is the corrupted install's.
		pattern: /(?<![\w./-])(?:vite|webpack|tsc|npm|node|npx|yarn|pnpm): (?:command )?not found/i,
		severity: 'error',
		quote: true,
		advice: config =>
			installsDependencies(config.build.commands)
				? 'The dependencies were installed but the tool is not in node_modules/.bin: it is a devDependency left out (NODE_ENV=production or --omit=dev; use npm ci --include=dev), ' +
					'or node_modules is incomplete (config: build.cleanInstall: true). If it is node or npm itself, put it on the PATH of a non-interactive shell.'
				: 'Install dependencies before building (npm ci as the first build command), and check that node/npm are on the PATH of a non-interactive shell.',
		fix: (config, _context, found) =>
			installsDependencies(config.build.commands) && !/\b(?:node|npm|npx|yarn|pnpm):/.test(found?.line ?? '') ? cleanInstall : undefined,
	},
];
