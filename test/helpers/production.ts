/**
 * A "production" server for tests: the sandbox app checked out in a temp dir, reachable over the
 * private sshd, and served by the sandbox site server, with a config pointing at both.
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {stringify} from 'yaml';
import {configSchema, type Config} from '../../source/core/config/schema.js';
import {mergeDefaults} from '../../source/core/config/presets.js';
import {createAppRepository, MARKER, SITE_TITLE, type AppRepository} from '../../source/rehearsal/app-repo.js';
import {startSiteServer, type SiteServer} from '../../source/rehearsal/site-server.js';
import {sshSettings, type Sshd} from './sshd.js';

export const API_TOKEN = 'test-token-3f9a2c71';

export type Production = {
	readonly root: string;
	readonly app: AppRepository;
	readonly site: SiteServer;
	readonly wsgiPath: string;
	readonly backupDir: string;
	readonly runsDir: string;
	config(overrides?: Record<string, unknown>): Config;
	stop(): Promise<void>;
};

export async function startProduction(sshd: Sshd, options: {extraHistory?: number; appDirName?: string; wsgiName?: string} = {}): Promise<Production> {
	const root = mkdtempSync(path.join(os.tmpdir(), 'rewind-prod-'));
	const app = await createAppRepository(
		path.join(root, options.appDirName ?? 'app'),
		options.extraHistory === undefined ? {} : {extraHistory: options.extraHistory},
	);
	const wsgiPath = path.join(root, 'var', 'www', options.wsgiName ?? 'trainee_pythonanywhere_com_wsgi.py');
	mkdirSync(path.dirname(wsgiPath), {recursive: true});
	writeFileSync(wsgiPath, '# WSGI entry point\n');
	const backupDir = path.join(root, 'backups');
	const runsDir = path.join(root, 'runs');
	const site = await startSiteServer({appDir: app.dir, wsgiPath, username: 'trainee', domain: 'trainee.pythonanywhere.com', token: API_TOKEN});
	return {
		root,
		app,
		site,
		wsgiPath,
		backupDir,
		runsDir,
		config(overrides = {}) {
			const base = {
				app: {name: 'bankroll', dir: app.dir, branch: 'main'},
				ssh: sshSettings(sshd, path.join(root, 'no-ssh-config')),
				// The site server reloads at once (no old worker answering) unless a test says so: a short settle time.
				site: {url: site.url, mustContain: [SITE_TITLE], mustNotContain: [MARKER], timeoutSeconds: 5, intervalSeconds: 0.2, settleSeconds: 1},
				reload: {method: 'touch', path: wsgiPath},
				build: {commands: ['node build.mjs']},
				lock: {staleMinutes: 30},
				// The app's repository has Flask-Migrate files, but a database a test adds is not made by
				// them (migrations.e2e uses flask-production.ts for that).
				migrations: {kind: 'none'},
			};
			// A reload override replaces the method as a whole: its fields differ per method.
			const {reload, ...rest} = overrides;
			return configSchema.parse(mergeDefaults({...base, ...(reload ? {reload} : {})}, rest));
		},
		async stop() {
			await site.stop();
			// A server command cut off by a test (a slowed git reset) may still write into .git for a moment: retried.
			rmSync(root, {recursive: true, force: true, maxRetries: 10, retryDelay: 100});
		},
	};
}

/**
 * Writes a resolved config back as a config file, as an operator would have written it (no agent;
 * the database password named by `passwordEnv`). Returns the file's path.
 */
export function writeConfigFile(file: string, config: Config, options: {passwordEnv?: string; runsDir?: string} = {}): string {
	const {ssh, database, site, reload, build, app, migrations} = config;
	writeFileSync(
		file,
		stringify({
			app,
			ssh: {
				host: ssh.host,
				port: ssh.port,
				user: ssh.user,
				identityFile: ssh.identityFile,
				knownHostsFile: ssh.knownHostsFile,
				configFile: ssh.configFile,
				useAgent: false,
			},
			site: {
				url: site.url,
				mustContain: site.mustContain,
				mustNotContain: site.mustNotContain,
				timeoutSeconds: site.timeoutSeconds,
				intervalSeconds: site.intervalSeconds,
				settleSeconds: site.settleSeconds,
			},
			reload,
			build: {commands: build.commands, prebuild: build.prebuild, ...(build.outputs.length > 0 ? {outputs: build.outputs} : {})},
			migrations,
			...(database
				? {
						database: {
							host: database.host,
							port: database.port,
							user: database.user,
							name: database.name,
							...(options.passwordEnv ? {passwordEnv: options.passwordEnv} : {}),
							backupDir: database.backupDir,
							fingerprint: database.fingerprint,
							download: database.download,
							downloadDir: database.downloadDir,
						},
					}
				: {}),
			...(options.runsDir ? {runsDir: options.runsDir} : {}),
		}),
	);
	return file;
}
