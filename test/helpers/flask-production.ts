/**
 * A "production" whose app is the real Flask app with Flask-Migrate migrations, on the shared
 * MariaDB, served by the sandbox site server's Python worker and reached over the private sshd:
 * the schema was built by the app's own migrations, as it happened (the good release's revision,
 * its rows, then the bad deploy's migrations and rows).
 */
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {configSchema, type Config} from '../../source/core/config/schema.js';
import {mergeDefaults} from '../../source/core/config/presets.js';
import {createAppRepository, MARKER, SITE_TITLE, type AppRepository} from '../../source/rehearsal/app-repo.js';
import {REVISIONS, seedAfterTheDeploySql, seedBeforeTheDeploySql} from '../../source/rehearsal/flask-app.js';
import {startSiteServer, type SiteServer} from '../../source/rehearsal/site-server.js';
import {afterAll, beforeAll} from 'vitest';
import {findFlask} from '../../source/rehearsal/flask-worker.js';
import {sharedDatabase, type TestDatabase} from './database.js';
import {sshSettings, startSshd, type Sshd} from './sshd.js';

export const FLASK_PASSWORD_ENV = 'REWIND_TEST_FLASK_DB_PASSWORD';

export type FlaskProduction = {
	readonly root: string;
	readonly app: AppRepository;
	readonly site: SiteServer;
	readonly name: string;
	readonly env: NodeJS.ProcessEnv;
	readonly runsDir: string;
	/** `flask db <args>` as the app's own tooling, on this machine. */
	flask(...args: string[]): string;
	config(overrides?: Record<string, unknown>): Config;
	stop(): Promise<void>;
};

let counter = 0;

export async function startFlaskProduction(
	sshd: Sshd,
	database: TestDatabase,
	python: string,
	options: {badDeployFiles?: ReadonlyArray<{path: string; content: string}>; root?: string} = {},
): Promise<FlaskProduction> {
	// A test may lay the production out in a folder it made (the sessions' home, as on PythonAnywhere).
	const root = options.root ?? mkdtempSync(path.join(os.tmpdir(), 'rewind-flask-'));
	const app = await createAppRepository(path.join(root, 'app'), {badDeployFiles: options.badDeployFiles ?? []});
	counter++;
	const user = `f${process.pid % 10000}x${counter}`;
	const name = `${user}$bankroll`;
	const password = `pw-${process.pid}-${counter}`;
	process.env[FLASK_PASSWORD_ENV] = password;
	database.sql(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4;
CREATE USER '${user}'@'%' IDENTIFIED BY '${password}';
CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}';
GRANT ALL ON \`${name}\`.* TO '${user}'@'%';
GRANT ALL ON \`${name}\`.* TO '${user}'@'localhost';`);
	const myCnf = path.join(root, 'app.my.cnf');
	writeFileSync(myCnf, `[client]\nuser=${user}\npassword="${password}"\n`, {mode: 0o600});
	const appEnv = {FLASK_APP: 'app.py', BANKROLL_DB: `${database.host}:${database.port}/${name}`, BANKROLL_MYCNF: myCnf};
	const env = {...process.env, ...appEnv};
	const flask = (...args: string[]) => {
		const result = spawnSync(python, ['-m', 'flask', 'db', ...args], {cwd: app.dir, env, encoding: 'utf8', timeout: 60_000});
		if (result.status !== 0) throw new Error(`flask db ${args.join(' ')} failed: ${result.stderr}`);
		return `${result.stdout}${result.stderr}`;
	};
	flask('upgrade', REVISIONS.stakes);
	database.sql(seedBeforeTheDeploySql(), name);
	flask('upgrade', 'heads');
	database.sql(seedAfterTheDeploySql(), name);
	const wsgiPath = path.join(root, 'var', 'www', 'app_wsgi.py');
	mkdirSync(path.dirname(wsgiPath), {recursive: true});
	writeFileSync(wsgiPath, '# WSGI entry point\n');
	const site = await startSiteServer({appDir: app.dir, wsgiPath, username: 'trainee', domain: 'example.com', token: 'unused', app: {python, env}});
	const runsDir = path.join(root, 'runs');
	return {
		root,
		app,
		site,
		name,
		env,
		runsDir,
		flask,
		config(overrides = {}) {
			const base = {
				app: {name: 'bankroll', dir: app.dir, branch: 'main'},
				ssh: sshSettings(sshd, path.join(root, 'no-ssh-config')),
				site: {url: site.url, mustContain: [SITE_TITLE], mustNotContain: [MARKER], timeoutSeconds: 10, intervalSeconds: 0.2},
				reload: {method: 'touch', path: wsgiPath},
				build: {commands: ['node build.mjs']},
				database: {host: database.host, port: database.port, user, name, passwordEnv: FLASK_PASSWORD_ENV, backupDir: path.join(root, 'backups')},
				migrations: {kind: 'flask-migrate', command: `${python} -m flask db`, env: appEnv},
			};
			return configSchema.parse(mergeDefaults(base, overrides));
		},
		async stop() {
			await site.stop();
			database.sql(`DROP DATABASE IF EXISTS \`${name}\`; DROP USER IF EXISTS '${user}'@'%'; DROP USER IF EXISTS '${user}'@'localhost';`);
			// A server command cut off by a test (a slowed git reset) may still write into .git for a moment: retried.
			rmSync(root, {recursive: true, force: true, maxRetries: 10, retryDelay: 100});
		},
	};
}

/** For a describe block: a private sshd (stopped after it), the shared MariaDB and the Python that has Flask-Migrate. */
export function useFlaskServers(): {readonly sshd: Sshd; readonly database: TestDatabase; readonly python: string} {
	let sshd: Sshd | undefined;
	beforeAll(async () => {
		sshd = await startSshd();
	});
	afterAll(async () => {
		await sshd?.stop();
	});
	return {
		get sshd() {
			return sshd!;
		},
		get database() {
			return sharedDatabase()!;
		},
		get python() {
			return (findFlask() as {python: string}).python;
		},
	};
}
