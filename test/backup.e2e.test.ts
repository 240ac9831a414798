/**
 * The backup, the database fingerprint and the report, against a real sshd and a real MariaDB.
 */
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, inject, it} from 'vitest';
import {quoteWord} from '../source/core/command.js';
import type {RunResult} from '../source/core/engine.js';
import type {RunEvent} from '../source/core/events.js';
import type {RunFlags} from '../source/core/step.js';
import {canRun} from './helpers/availability.js';
import {checksums, seedBankroll, sharedDatabase, type TestDatabase} from './helpers/database.js';
import {runEngine} from './helpers/run.js';
import {startProduction, type Production} from './helpers/production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

const PASSWORD = `pa55"w0rd' $HOME;x`;
const PASSWORD_ENV = 'REWIND_TEST_DB_PASSWORD';

describe.runIf(canRun('backup and fingerprint', ['sshd', 'mariadb']))('backup, fingerprint and report against real servers', () => {
	let sshd: Sshd;
	let database: TestDatabase;
	let production: Production;

	beforeAll(async () => {
		sshd = await startSshd();
		database = sharedDatabase()!;
		process.env[PASSWORD_ENV] = PASSWORD;
	});
	afterEach(async () => {
		await production?.stop();
	});
	afterAll(async () => {
		delete process.env[PASSWORD_ENV];
		await sshd?.stop();
	});

	async function rollback(overrides: Record<string, unknown>, flags: Partial<RunFlags> = {}): Promise<{result: RunResult; events: RunEvent[]}> {
		const {result, events} = await runEngine(production.config(overrides), {
			flags: {target: production.app.good, ...flags},
			runsDir: production.runsDir,
			secrets: [PASSWORD],
			request: {hintContext: {managedDb: {host: '127.0.0.1', port: database.port}}},
		});
		return {result, events};
	}

	function databaseConfig(seeded: {name: string; user: string}, extra: Record<string, unknown> = {}) {
		return {
			database: {
				host: '127.0.0.1',
				port: database.port,
				user: seeded.user,
				name: seeded.name,
				passwordEnv: PASSWORD_ENV,
				backupDir: production.backupDir,
				...extra,
			},
		};
	}

	const head = () => execFileSync('git', ['rev-parse', 'HEAD'], {cwd: production.app.dir, encoding: 'utf8'}).trim();

	it('makes a verified backup that restores into a scratch database with identical checksums', async () => {
		production = await startProduction(sshd);
		const seeded = seedBankroll(database, PASSWORD, 50);
		const {result, events} = await rollback(databaseConfig(seeded, {download: true, downloadDir: path.join(production.root, 'local-copies')}));
		expect(result.outcome, result.message).toBe('succeeded');

		const backup = result.facts.backup!;
		expect(backup.verified).toBe(true);
		expect(backup.path).toMatch(new RegExp(`/backups/${seeded.user}_bankroll-\\d{8}T\\d{6}Z-[0-9a-f]{4}-pre-rollback-[0-9a-f]{7}\\.sql\\.gz$`));
		// What it was taken of, beside it.
		expect(JSON.parse(readFileSync(`${backup.path}.json`, 'utf8'))).toMatchObject({sha256: backup.sha256, head: result.facts.fromHead});
		const bytes = readFileSync(backup.path);
		expect(createHash('sha256').update(bytes).digest('hex')).toBe(backup.sha256);
		expect(bytes.length).toBe(backup.bytes);
		expect(readdirPartials(production.backupDir)).toEqual([]);

		const scratch = `scratch_${seeded.user}`;
		database.sql(`CREATE DATABASE \`${scratch}\`;`);
		database.sql(execFileSync('gunzip', ['-c', backup.path], {encoding: 'utf8'}), scratch);
		expect(checksums(database, scratch)).toBe(checksums(database, seeded.name));
		expect(checksums(database, scratch)).toMatch(/players\t\d+\nstakes\t\d+/);

		// The copy on this machine matches the server's file.
		expect(backup.localCopy && createHash('sha256').update(readFileSync(backup.localCopy.path)).digest('hex')).toBe(backup.sha256);

		// The database did not change: the fingerprint says so.
		const criterion =
			result.facts.fingerprintAfter &&
			(events.find(event => event.type === 'run-finished') as Extract<RunEvent, {type: 'run-finished'}>).criteria.find(item => item.id === 'database');
		expect(criterion).toMatchObject({status: 'pass', detail: 'database unchanged (2 tables: schema, row counts and checksums equal)'});

		// The report has the timeline, the backup's sha256 and restore command, and no password; nor has the journal.
		const report = readFileSync(result.reportPath!, 'utf8');
		expect(report).toContain('## Timeline');
		expect(report).toMatch(/\| \d\d:\d\d:\d\d \| ✓ Back up database: verified /);
		expect(report).toContain(backup.sha256);
		expect(report).toContain(`gunzip -c ${backup.path}`);
		const journal = readFileSync(result.journalPath!, 'utf8');
		for (const text of [report, journal]) {
			expect(text).not.toContain(PASSWORD);
			expect(text).not.toContain('pa55');
		}
		// The password reached mysqldump through a pipe: no option file was ever written.
		expect(journal).toContain('--defaults-extra-file=/dev/fd/3');
		expect(journal).not.toContain('rewind-my.');
	});

	it('with a wrong database host, fails at preflight (the database checked before the picker) with the hint and its fix, and never resets', async () => {
		production = await startProduction(sshd);
		const seeded = seedBankroll(database, PASSWORD);
		const before = head();
		// The seed's documented command: no -h, so mysqldump looks for a local socket.
		const {result, events} = await rollback(databaseConfig(seeded, {host: 'localhost', port: 3306}));
		expect(result.outcome).toBe('failed');
		expect(result.exitCode).toBe(1);
		expect(result.message).toMatch(/Preflight failed: The database cannot be reached: .*Check database\.host and database\.port/);
		const hints = events.filter(event => event.type === 'hint').map(event => event.hint);
		expect(hints.map(hint => hint.id)).toContain('database-unreachable');
		expect(events.some(event => event.type === 'step-started' && event.stepId === 'pick-target')).toBe(false);
		expect(events.some(event => event.type === 'step-started' && event.stepId === 'reset')).toBe(false);
		expect(head()).toBe(before);
		expect(result.facts.backup).toBeUndefined();
		// The failed dump is removed, never kept, never counted.
		expect(readdirPartials(production.backupDir)).toEqual([]);
		expect(existsSync(production.backupDir) ? readdirSync(production.backupDir).filter(name => name.endsWith('.sql.gz')) : []).toEqual([]);
	});

	it('resets without a verified backup only with an explicit reason, logged in the journal and report', async () => {
		production = await startProduction(sshd);
		const seeded = seedBankroll(database, PASSWORD);
		const reason = 'drill: database untouched by this deploy';
		const {result} = await rollback(databaseConfig(seeded, {host: 'localhost', port: 3306}), {skipBackupReason: reason});
		expect(result.outcome).toBe('succeeded');
		expect(head()).toBe(production.app.good);
		expect(finalCriteria(result).find(item => item.id === 'backup')).toMatchObject({status: 'warn', detail: `overridden by the operator: ${reason}`});
		const journal = readFileSync(result.journalPath!, 'utf8');
		expect(journal).toContain(`"backupOverride":{"reason":"${reason}"`);
		expect(readFileSync(result.reportPath!, 'utf8')).toContain(`No backup: overridden by the operator at`);
	});

	it('a row changed between before and after, and a lost row: each a failure naming the table and the counts (no migration changes it)', async () => {
		production = await startProduction(sshd);
		const seeded = seedBankroll(database, PASSWORD);
		const update = rootSql(`UPDATE \`${seeded.name}\`.players SET balance = balance + 1 WHERE id = 1`);
		let {result} = await rollback({...databaseConfig(seeded), build: {commands: ['node build.mjs', update]}});
		let criterion = finalCriteria(result).find(item => item.id === 'database');
		expect(criterion?.status, result.message).toBe('fail');
		expect(criterion?.detail).toBe(
			'players: same row count, contents changed (checksum ' +
				`${result.facts.fingerprintBefore!.tables.find(table => table.name === 'players')!.checksum} → ${result.facts.fingerprintAfter!.tables.find(table => table.name === 'players')!.checksum}): no migration of this run changes it`,
		);
		expect(result.outcome).toBe('verification-failed');

		await production.stop();
		production = await startProduction(sshd);
		const remove = rootSql(`DELETE FROM \`${seeded.name}\`.stakes WHERE id = 2`);
		({result} = await rollback({...databaseConfig(seeded), build: {commands: ['node build.mjs', remove]}}));
		criterion = finalCriteria(result).find(item => item.id === 'database');
		expect(criterion).toMatchObject({status: 'fail', detail: 'stakes: rows 20 → 19: no migration of this run changes it'});
		expect(result.outcome).toBe('verification-failed');
		expect(result.exitCode).toBe(1);
	});

	it('stops before the reset when the build (beside the live site) fails, with its output and the hint', async () => {
		production = await startProduction(sshd);
		const failingBuild = `node -e "console.log('building'); console.error('npm ERR! code ENOTEMPTY'); console.error('npm ERR! syscall rename node_modules/vite'); process.exit(1)"`;
		const reloadsBefore = production.site.reloads;
		const {result, events} = await rollback({build: {commands: [failingBuild]}});
		expect(result.outcome).toBe('failed');
		expect(events.some(event => event.type === 'step-started' && event.stepId === 'reload')).toBe(false);
		expect(production.site.reloads).toBe(reloadsBefore);
		const output = events.filter(event => event.type === 'output').flatMap(event => event.lines);
		expect(output).toEqual(expect.arrayContaining(['building', 'npm ERR! code ENOTEMPTY']));
		expect(events.some(event => event.type === 'step-started' && event.stepId === 'reset')).toBe(false);
		const failure = events.find(event => event.type === 'step-failed' && event.stepId === 'prebuild') as Extract<RunEvent, {type: 'step-failed'}>;
		expect(failure.error).toContain('npm ERR! syscall rename node_modules/vite');
		const hint = events.find(event => event.type === 'hint') as Extract<RunEvent, {type: 'hint'}>;
		expect(hint.hint).toMatchObject({id: 'npm-corrupted-install', fix: {id: 'clean-install'}});
	});

	/** A statement the "server" runs as the database's admin (a change made during the rollback). */
	function rootSql(statement: string): string {
		const server = inject('mariadb')!;
		return `mysql --no-defaults --socket=${server.socket} -u ${server.rootUser} -e ${quoteWord(statement)}`;
	}
});

function finalCriteria(result: RunResult) {
	const events = readFileSync(result.journalPath!, 'utf8')
		.trim()
		.split('\n')
		.map(line => JSON.parse(line) as RunEvent);
	return (events.find(event => event.type === 'run-finished') as Extract<RunEvent, {type: 'run-finished'}>).criteria;
}

/** What a backup leaves while it runs (its work dir with the partial dump); nothing of it may stay. */
function readdirPartials(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir).filter(name => name.startsWith('.rewind-backup.') || name.includes('.partial'));
}
