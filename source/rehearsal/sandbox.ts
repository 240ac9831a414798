/**
 * The rehearsal's sandbox "production", all on this machine and all in one temp dir: a git checkout
 * of a small site with a gitignored dist/, an SSH server, a web server that behaves like a
 * PythonAnywhere web app (with its reload API), and a private MariaDB with a `trainee$bankroll`
 * database when MariaDB is installed. A drill's faults are applied on top. Everything goes away in
 * teardown(), or teardownSync() when the process is exiting.
 */
import {randomBytes} from 'node:crypto';
import {appendFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import {validateConfig} from '../core/config/load.js';
import type {Config} from '../core/config/schema.js';
import {mergeDefaults} from '../core/config/presets.js';
import type {HintContext} from '../core/hints.js';
import {quoteWord} from '../core/command.js';
import {loadSsh2} from '../core/remote/load-ssh2.js';
import {createAppRepository, MARKER, SITE_TITLE, type AppRepository} from './app-repo.js';
import type {Drill} from './drills.js';
import {findMariaDb, startMariaDb, type MariaDb} from './mariadb.js';
import {setUpDatabase, TRAINEE} from './sandbox-database.js';
import {findFlask} from './flask-worker.js';
import {startSiteServer, type SiteServer} from './site-server.js';
import {startSandboxSsh, type SandboxSsh} from './ssh-server.js';

export {TRAINEE} from './sandbox-database.js';
export const DOMAIN = 'trainee.pythonanywhere.com';
export const TOKEN_ENV = 'REWIND_REHEARSAL_TOKEN';
export const BUILD_COMMANDS = ['npm ci --no-audit --no-fund', 'npm run build'];

export type Sandbox = {
	readonly dir: string;
	readonly home: string;
	readonly app: AppRepository;
	readonly wsgiPath: string;
	readonly backupDir: string;
	readonly config: Config;
	readonly hintContext: HintContext;
	readonly secrets: readonly string[];
	readonly site: SiteServer;
	readonly ssh: SandboxSsh;
	readonly database: MariaDb | null;
	/** Why this sandbox has no database (MariaDB not installed), or null. */
	readonly noDatabaseReason: string | null;
	readonly drill: Drill | undefined;
	teardown(options?: {keep?: boolean}): Promise<void>;
	teardownSync(): void;
};

export type SandboxOptions = {
	readonly drill?: Drill;
	readonly runsDir?: string;
	readonly onStatus?: (text: string) => void;
	/** Extra commits of old history (the picker's paging benchmark). */
	readonly extraHistory?: number;
};

function fill(text: string, places: Record<string, string>): string {
	return text.replace(/\$\{(\w+)\}/g, (whole, name: string) => places[name] ?? whole);
}

/** `fill` on every string of a drill's config (e.g. a reload by touch of `${wsgi}`). */
function fillAll(value: unknown, places: Record<string, string>): unknown {
	if (typeof value === 'string') return fill(value, places);
	if (Array.isArray(value)) return value.map(item => fillAll(item, places));
	if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillAll(item, places)]));
	return value;
}

export function realCommand(name: string, pathValue: string): string | undefined {
	const found = spawnSync('sh', ['-c', `command -v ${quoteWord(name)}`], {encoding: 'utf8', env: {...process.env, PATH: pathValue}}).stdout.trim();
	return found === '' ? undefined : found;
}

/** A shell script standing in front of a real command on the sandbox server's PATH. */
export function shimScript(shim: Drill['server']['shims'][number], real: string, places: Record<string, string>): string {
	const conditions: string[] = [];
	if (shim.when?.argMissing) conditions.push(`case " $* " in *${quoteWord(` ${shim.when.argMissing} `)}*) false;; *) true;; esac`);
	if (shim.when?.fileExists) conditions.push(`[ -e ${quoteWord(fill(shim.when.fileExists, places))} ]`);
	const misbehave = [
		...(shim.sleepSeconds > 0 ? [`sleep ${shim.sleepSeconds}`] : []),
		...(shim.stderr ? [`printf '%s\\n' ${quoteWord(fill(shim.stderr, places))} >&2`] : []),
		shim.exit === 'passthrough' ? `exec ${quoteWord(real)} "$@"` : `exit ${shim.exit}`,
	].join('\n\t');
	const test = conditions.length > 0 ? conditions.join(' && ') : 'true';
	return `#!/bin/sh\n# rewind rehearsal drill shim for ${shim.command}\nif ${test}; then\n\t${misbehave}\nfi\nexec ${quoteWord(real)} "$@"\n`;
}

export async function buildSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
	const status = options.onStatus ?? (() => {});
	const drill = options.drill;
	const dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-rehearsal-'));
	const home = path.join(dir, 'home', TRAINEE);
	const appDir = path.join(home, 'bankroll');
	const backupDir = path.join(home, 'backups');
	const wsgiPath = path.join(dir, 'var', 'www', `${DOMAIN.replaceAll('.', '_')}_wsgi.py`);
	const tmp = path.join(dir, 'tmp');
	const shims = path.join(dir, 'shims');
	for (const folder of [home, path.dirname(wsgiPath), tmp, shims, path.join(dir, 'keys')]) mkdirSync(folder, {recursive: true, mode: 0o700});
	const places = {sandbox: dir, home, app: appDir, wsgi: wsgiPath};
	let site: SiteServer | undefined;
	let ssh: SandboxSsh | undefined;
	let database: MariaDb | null = null;
	const token = randomBytes(20).toString('hex');

	const teardownSync = () => {
		ssh?.killNow();
		database?.killNow();
		rmSync(dir, {recursive: true, force: true});
		delete process.env[TOKEN_ENV];
	};

	try {
		status('Creating the app repository (git history, gitignored dist/)…');
		const app = await createAppRepository(appDir, {
			extraHistory: options.extraHistory ?? 0,
			badDeployFiles: drill?.app.badDeployFiles ?? [],
			goodDeployFiles: drill?.app.goodDeployFiles ?? [],
		});
		writeFileSync(wsgiPath, `# WSGI file of ${DOMAIN}: touching it reloads the app\n`);
		for (const file of drill?.server.files ?? []) {
			const target = path.join(appDir, file.path);
			mkdirSync(path.dirname(target), {recursive: true});
			if (file.append) appendFileSync(target, fill(file.content, places));
			else writeFileSync(target, fill(file.content, places));
		}

		const systemPath = process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
		for (const shim of drill?.server.shims ?? []) {
			const real = realCommand(shim.command, systemPath);
			if (!real) throw new Error(`the drill needs ${shim.command}, which is not installed`);
			const file = path.join(shims, shim.command);
			writeFileSync(file, shimScript(shim, real, places));
			chmodSync(file, 0o755);
		}

		const needsDatabase = drill?.needs.includes('database') ?? false;
		let noDatabaseReason: string | null = null;
		const mariadb = findMariaDb();
		// With Python and Flask, the app is the real Flask app and its schema comes from its migrations.
		const flask = mariadb && !('missing' in mariadb) ? findFlask() : {missing: 'a database first'};
		if (drill?.needs.includes('flask') && 'missing' in flask) throw new DrillNeedsSoftware(drill.id, 'missing' in mariadb ? mariadb.missing : flask.missing);
		const python = 'python' in flask ? flask.python : undefined;
		let appEnv: NodeJS.ProcessEnv = {};
		if ('missing' in mariadb) {
			noDatabaseReason = `this rehearsal has no database: MariaDB is not installed (needs ${mariadb.missing})`;
			if (needsDatabase) throw new DrillNeedsDatabase(drill!.id, mariadb.missing);
		} else {
			status('Starting a private MariaDB with trainee$bankroll…');
			database = await startMariaDb({parentDir: dir});
			appEnv = setUpDatabase(database, {
				home,
				appDir,
				backupDir,
				python,
				goodCommit: app.good,
				earlierBackup: drill?.server.earlierBackup ?? false,
				status,
				noSocket: path.join(dir, 'no-local-mysqld.sock'),
			});
		}

		status('Starting the web app and the SSH server…');
		site = await startSiteServer({
			appDir,
			wsgiPath,
			username: TRAINEE,
			domain: DOMAIN,
			token,
			mode: drill?.site ?? {},
			...(python ? {app: {python, env: appEnv}} : {}),
		});
		const {utils} = await loadSsh2();
		const hostKeys = generateEd25519(utils);
		const clientKeys = generateEd25519(utils);
		const identityFile = path.join(dir, 'keys', 'id_ed25519');
		writeFileSync(identityFile, clientKeys.private, {mode: 0o600});
		const env: NodeJS.ProcessEnv = {
			PATH: `${shims}:${systemPath}`,
			HOME: home,
			USER: TRAINEE,
			LOGNAME: TRAINEE,
			SHELL: '/bin/bash',
			TMPDIR: tmp,
			LANG: 'C.UTF-8',
			NPM_CONFIG_UPDATE_NOTIFIER: 'false',
			NPM_CONFIG_AUDIT: 'false',
			NPM_CONFIG_FUND: 'false',
			...(appEnv['BANKROLL_DB'] ? {BANKROLL_DB: appEnv['BANKROLL_DB']} : {}),
		};
		for (const [key, value] of Object.entries(drill?.server.env ?? {})) env[key] = fill(value, places);
		ssh = await startSandboxSsh({
			user: TRAINEE,
			home,
			env,
			authorizedKey: clientKeys.public,
			hostKey: hostKeys.private,
			...(drill?.server.dropConnectionOn ? {dropOnCommand: new RegExp(drill.server.dropConnectionOn)} : {}),
		});
		// The client verifies the sandbox's host key like any other: it is in this known_hosts.
		const knownHostsFile = path.join(dir, 'keys', 'known_hosts');
		const [keyType, keyBase64] = hostKeys.public.split(' ');
		writeFileSync(knownHostsFile, `[127.0.0.1]:${ssh.port} ${keyType} ${keyBase64}\n`);

		process.env[TOKEN_ENV] = token;
		const raw: Record<string, unknown> = {
			preset: 'pythonanywhere',
			pythonanywhere: {username: TRAINEE, domain: DOMAIN, ...(database ? {database: 'bankroll'} : {})},
			app: {name: 'bankroll', dir: appDir, branch: 'main'},
			ssh: {
				host: '127.0.0.1',
				port: ssh.port,
				user: TRAINEE,
				identityFile,
				knownHostsFile,
				configFile: path.join(dir, 'keys', 'no-ssh-config'),
				useAgent: false,
			},
			// The sandbox's worker starts in under a second: a 5 s settle time keeps a touch-reload drill within the 8 s window.
			site: {url: site.url, mustContain: [SITE_TITLE], mustNotContain: [MARKER], timeoutSeconds: 8, intervalSeconds: 0.5, settleSeconds: 5},
			reload: {method: 'pythonanywhere-api', url: site.reloadUrl, tokenEnv: TOKEN_ENV},
			build: {commands: BUILD_COMMANDS},
			...(database ? {database: {host: database.host, port: database.port, backupDir}} : {}),
			// Flask-Migrate through the Python that has it; without it the site is static and has no migrations.
			migrations: python ? {kind: 'flask-migrate', command: `${python} -m flask db`, env: {FLASK_APP: 'app.py'}} : {kind: 'none'},
			...(options.runsDir ? {runsDir: options.runsDir} : {}),
		};
		// The drill's changes to the runbook go on top of the sandbox's own config.
		const drillConfig = fillAll(drill?.config ?? {}, places) as Record<string, unknown>;
		// A drill's reload is a method of its own, not settings merged into the sandbox's API reload.
		if (drillConfig['reload']) delete raw['reload'];
		const config = validateConfig(mergeDefaults(raw, drillConfig), drill ? `the sandbox config with drill ${drill.id}` : 'the sandbox config');
		return {
			dir,
			home,
			app,
			wsgiPath,
			backupDir,
			config,
			hintContext: {
				...(database ? {managedDb: {host: database.host, port: database.port}} : {}),
				wsgiPath,
				defaultBuildCommands: BUILD_COMMANDS,
			},
			secrets: [token],
			site,
			ssh,
			database,
			noDatabaseReason,
			drill,
			async teardown({keep = false} = {}) {
				await ssh?.stop();
				await site?.stop();
				await database?.stop();
				delete process.env[TOKEN_ENV];
				if (!keep) rmSync(dir, {recursive: true, force: true});
			},
			teardownSync,
		};
	} catch (error) {
		await ssh?.stop().catch(() => {});
		await site?.stop().catch(() => {});
		await database?.stop().catch(() => {});
		teardownSync();
		throw error;
	}
}

export class DrillNeedsSoftware extends Error {
	constructor(drill: string, missing: string) {
		super(`The drill "${drill}" needs the sandbox app to run its own migrations, and this machine lacks ${missing}.`);
		this.name = 'DrillNeedsSoftware';
	}
}

export class DrillNeedsDatabase extends Error {
	constructor(drill: string, missing: string) {
		super(`The drill "${drill}" needs a database, and MariaDB is not installed here (needs ${missing}).`);
		this.name = 'DrillNeedsDatabase';
	}
}

/**
 * An ed25519 key pair ssh2 can read back. ssh2's generator drops a leading zero byte of the public
 * key about once in 370 pairs (a 31-byte key, "Malformed OpenSSH public key"): such pairs are redrawn.
 */
export function generateEd25519(utils: typeof import('ssh2').utils): {private: string; public: string} {
	for (let attempt = 0; attempt < 20; attempt++) {
		const pair = utils.generateKeyPairSync('ed25519');
		if (!(utils.parseKey(pair.public) instanceof Error) && !(utils.parseKey(pair.private) instanceof Error)) return pair;
	}
	throw new Error('could not generate a readable ed25519 key pair');
}
