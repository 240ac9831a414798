/**
 * `rewind check` against a real production: the Flask-Migrate app on the shared MariaDB behind a
 * private OpenSSH sshd. A correct config passes every check and changes nothing on the server (the
 * checkout's files and git's HEAD and index, every table's CHECKSUM, the site's page, the WSGI file);
 * each broken field fails its own check, naming the field, with exit 1; what cannot be checked
 * after an earlier failure is skipped, never passed.
 */
import {createHash} from 'node:crypto';
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import {freePort} from '../source/rehearsal/mariadb.js';
import {findDrill} from '../source/rehearsal/drills.js';
import {findFlask} from '../source/rehearsal/flask-worker.js';
import {realCommand, shimScript} from '../source/rehearsal/sandbox.js';
import {canRun} from './helpers/availability.js';
import {runCli} from './helpers/cli.js';
import {checksums, sharedDatabase, type TestDatabase} from './helpers/database.js';
import {FLASK_PASSWORD_ENV, startFlaskProduction, type FlaskProduction} from './helpers/flask-production.js';
import {writeConfigFile} from './helpers/production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

type Check = {id: string; title: string; status: 'pass' | 'fail' | 'skip'; detail: string; field?: string};
/** A config file's sections, as YAML reads them. */
type Raw = Record<string, Record<string, unknown>>;
type Report = {schema: number; ok: boolean; checks: Check[]};

const TOKEN_ENV = 'REWIND_CHECK_TEST_TOKEN';

/** Every file under `dir` (path, size, mtime, content), git's HEAD and the index's mtime: what a change anywhere in the checkout moves. */
function treeDigest(dir: string): string {
	const hash = createHash('sha256');
	const walk = (at: string) => {
		for (const name of readdirSync(at).sort()) {
			const full = path.join(at, name);
			const relative = path.relative(dir, full);
			if (relative === '.git') continue;
			const stat = statSync(full);
			hash.update(`${relative}\0${stat.isDirectory() ? 'dir' : stat.size}\0${stat.mtimeMs}\0`);
			if (stat.isDirectory()) walk(full);
			else hash.update(readFileSync(full));
		}
	};
	walk(dir);
	hash.update(readFileSync(path.join(dir, '.git', 'HEAD')));
	hash.update(String(statSync(path.join(dir, '.git', 'index')).mtimeMs));
	return hash.digest('hex');
}

describe.runIf(canRun('rewind check', ['sshd', 'mariadb', 'flask']))('rewind check against a real server', () => {
	let root: string;
	let sshd: Sshd;
	let database: TestDatabase;
	let production: FlaskProduction;
	let files = 0;

	beforeAll(async () => {
		root = mkdtempSync(path.join(os.tmpdir(), 'rewind-check-'));
		// The managed-MySQL user without PROCESS, reproduced as the process-privilege drill does: its
		// mysqldump shim prints MySQL's error (and still exits 0) when --no-tablespaces is missing.
		const shims = path.join(root, 'shims');
		mkdirSync(shims);
		for (const shim of findDrill('process-privilege').server.shims) {
			writeFileSync(path.join(shims, shim.command), shimScript(shim, realCommand(shim.command, process.env['PATH'] ?? '')!, {}));
			chmodSync(path.join(shims, shim.command), 0o755);
		}
		sshd = await startSshd({pathPrefix: shims});
		database = sharedDatabase()!;
		production = await startFlaskProduction(sshd, database, (findFlask() as {python: string}).python);
	});
	afterAll(async () => {
		await production?.stop();
		await sshd?.stop();
		rmSync(root, {recursive: true, force: true});
	});

	/** A config file from the production's valid config, with `overrides` merged and `edit` applied to the written YAML. */
	function configFile(overrides: Record<string, unknown> = {}, edit: (raw: Raw) => void = () => {}): string {
		const file = writeConfigFile(path.join(root, `config-${++files}.yaml`), production.config(overrides), {passwordEnv: FLASK_PASSWORD_ENV});
		const raw = parse(readFileSync(file, 'utf8')) as Raw;
		edit(raw);
		writeFileSync(file, stringify(raw));
		return file;
	}

	async function check(
		file: string,
		env: NodeJS.ProcessEnv = {},
		args: string[] = ['--json'],
	): Promise<{code: number | null; report: Report; stdout: string; stderr: string}> {
		const result = await runCli(['check', '--config', file, ...args], {
			env: {[FLASK_PASSWORD_ENV]: process.env[FLASK_PASSWORD_ENV], ...env},
			timeoutMs: 120_000,
		});
		const report = args.includes('--json') ? (JSON.parse(result.stdout) as Report) : {schema: 0, ok: false, checks: []};
		return {code: result.code, report, stdout: result.stdout, stderr: result.stderr};
	}

	const byId = (report: Report, id: string) => report.checks.find(entry => entry.id === id)!;

	async function serverState() {
		const config = production.config();
		const page = await (await fetch(production.site.url)).text();
		const wsgi = config.reload.method === 'touch' ? statSync(config.reload.path).mtimeMs : 0;
		return {tree: treeDigest(production.app.dir), data: checksums(database, production.name), page, wsgi, reloads: production.site.reloads};
	}

	it('passes every check on a correct config, changing nothing on the server (files, HEAD, index, data, page)', async () => {
		const before = await serverState();
		const file = configFile();
		const {code, report, stderr} = await check(file);
		expect(code, stderr).toBe(0);
		expect(report.schema).toBe(1);
		expect(report.ok).toBe(true);
		expect(report.checks.map(entry => [entry.id, entry.status])).toEqual(
			['ssh', 'checkout', 'lock', 'database', 'dump', 'migrations', 'build', 'reload', 'site'].map(id => [id, 'pass']),
		);
		expect(byId(report, 'dump').detail).toContain('--no-tablespaces');
		expect(byId(report, 'migrations').detail).toMatch(/reports [0-9a-f]{12}/);
		const plain = await check(file, {}, []);
		expect(plain.code).toBe(0);
		expect(plain.stdout.split('\n').filter(line => line.startsWith('✓'))).toHaveLength(9);
		expect(plain.stdout).toMatch(/^Ready: 9 passed, 0 failed, 0 skipped/m);
		expect(plain.stdout).not.toContain(process.env[FLASK_PASSWORD_ENV]!);
		expect(await serverState()).toEqual(before);
	});

	it.each([
		['database.host', {database: {host: 'no-such-db.invalid'}}, 'database'],
		['database.port', 'free-port', 'database'],
		['migrations.command', {migrations: {command: 'no-such-flask db'}}, 'migrations'],
		['site.url', 'missing-page', 'site'],
	] as const)('fails on a wrong %s, naming it, with exit 1', async (field, change, id) => {
		const overrides =
			change === 'free-port'
				? {database: {port: await freePort()}}
				: change === 'missing-page'
					? {site: {url: `${production.site.url}no-such-page`}}
					: (change as Record<string, unknown>);
		const {code, report} = await check(configFile(overrides));
		expect(code).toBe(1);
		expect(report.ok).toBe(false);
		const failed = report.checks.filter(entry => entry.status === 'fail');
		expect(failed.map(entry => [entry.id, entry.field])).toEqual([[id, field]]);
		if (id === 'database') expect(byId(report, 'dump').status).toBe('skip');
	});

	it('fails a database.name that names an empty database (the migrations report a revision it does not have): never ✓ by an empty comparison', async () => {
		const {user, name} = production.config().database!;
		const empty = `${name}_empty`;
		database.sql(`CREATE DATABASE \`${empty}\`; GRANT ALL ON \`${empty}\`.* TO '${user}'@'%'; GRANT ALL ON \`${empty}\`.* TO '${user}'@'localhost';`);
		try {
			const {code, report} = await check(configFile({database: {name: empty}}));
			expect(code).toBe(1);
			expect(report.checks.filter(entry => entry.status === 'fail').map(entry => [entry.id, entry.field])).toEqual([['migrations', 'database.name']]);
			expect(byId(report, 'migrations').detail).toContain(`the database ${empty} is at no revision`);
		} finally {
			database.sql(`DROP DATABASE IF EXISTS \`${empty}\`;`);
		}
	});

	it('fails a checkout on another branch (app.branch) and a lock a rollback holds, checking the rest', async () => {
		const branch = await check(configFile({app: {branch: 'release'}}));
		expect(branch.code).toBe(1);
		expect(branch.report.checks.filter(entry => entry.status === 'fail').map(entry => [entry.id, entry.field])).toEqual([['checkout', 'app.branch']]);
		expect(byId(branch.report, 'lock').status).toBe('pass');
		const lock = path.join(production.app.dir, '.git', 'rewind.lock');
		mkdirSync(lock);
		try {
			const owner = {
				runId: 'run-elsewhere',
				operator: 'alice@laptop',
				localHost: 'laptop',
				pid: 4242,
				startedAt: new Date().toISOString(),
				reason: 'rollback of bankroll',
			};
			writeFileSync(path.join(lock, 'owner.json'), `${JSON.stringify(owner)}\n`);
			const held = await check(configFile());
			expect(held.code).toBe(1);
			expect(held.report.checks.filter(entry => entry.status === 'fail').map(entry => entry.id)).toEqual(['lock']);
			expect(byId(held.report, 'lock').detail).toContain('alice@laptop');
		} finally {
			rmSync(lock, {recursive: true, force: true});
		}
	});

	it('fails mysqldump without --no-tablespaces for a user without PROCESS (database.noTablespaces: false)', async () => {
		const file = configFile({}, raw => (raw['database']!['noTablespaces'] = false));
		const {code, report} = await check(file);
		expect(code).toBe(1);
		const dump = byId(report, 'dump');
		expect([dump.status, dump.field]).toEqual(['fail', 'database.noTablespaces']);
		expect(dump.detail).toContain('PROCESS privilege');
		expect(report.checks.filter(entry => entry.status === 'fail')).toHaveLength(1);
	});

	it('checks the PythonAnywhere API token without reloading: valid passes, invalid fails naming reload.tokenEnv', async () => {
		const file = configFile({}, raw => (raw['reload'] = {method: 'pythonanywhere-api', url: production.site.reloadUrl, tokenEnv: TOKEN_ENV}));
		const reloads = production.site.reloads;
		const valid = await check(file, {[TOKEN_ENV]: 'unused'});
		expect(valid.code, JSON.stringify(valid.report)).toBe(0);
		expect(byId(valid.report, 'reload').status).toBe('pass');
		const invalid = await check(file, {[TOKEN_ENV]: 'not-the-token'});
		expect(invalid.code).toBe(1);
		const reload = byId(invalid.report, 'reload');
		expect([reload.status, reload.field]).toEqual(['fail', 'reload.tokenEnv']);
		expect(reload.detail).toContain('401');
		expect(JSON.stringify(invalid.report)).not.toContain('not-the-token');
		expect(production.site.reloads).toBe(reloads);
	});

	it('fails a touch path the SSH user cannot touch, naming reload.path', async () => {
		// Root may touch any file on a writable filesystem: for root the path runs through a file, as a
		// WSGI file's wrong folder would; for anyone else it is a file of root's.
		const wsgi = (production.config().reload as {path: string}).path;
		const path = process.getuid?.() === 0 ? `${wsgi}/app_wsgi.py` : '/etc/passwd';
		const {code, report} = await check(configFile({reload: {method: 'touch', path}}));
		expect(code).toBe(1);
		const reload = byId(report, 'reload');
		expect([reload.status, reload.field]).toEqual(['fail', 'reload.path']);
	});

	it('without SSH, shows the server’s checks as skipped (never passed) and still checks the site', async () => {
		const {code, report} = await check(configFile({}, raw => (raw['ssh']!['port'] = 1)));
		expect(code).toBe(1);
		expect(byId(report, 'ssh')).toMatchObject({status: 'fail', field: 'ssh.port'});
		for (const id of ['checkout', 'lock', 'database', 'dump', 'migrations', 'build', 'reload']) {
			expect(byId(report, id).status, id).toBe('skip');
			expect(byId(report, id).detail).toContain('no SSH connection');
		}
		expect(byId(report, 'site').status).toBe('pass');
	});

	it('refuses a host key that is not in known_hosts (never accepts it by itself), naming ssh.knownHostsFile', async () => {
		const knownHosts = path.join(root, 'empty_known_hosts');
		writeFileSync(knownHosts, '');
		const {code, report} = await check(configFile({}, raw => (raw['ssh']!['knownHostsFile'] = knownHosts)));
		expect(code).toBe(1);
		const ssh = byId(report, 'ssh');
		expect([ssh.status, ssh.field]).toEqual(['fail', 'ssh.knownHostsFile']);
		expect(ssh.detail).toContain('--accept-new-host-key');
		expect(readFileSync(knownHosts, 'utf8')).toBe('');
	});
});
