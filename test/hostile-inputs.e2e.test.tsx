/**
 * Hostile input against a real OpenSSH sshd and MariaDB, tried as an attacker would: shell syntax
 * in every config value that reaches a server command, terminal escape sequences in the server's
 * git history, awkward passwords, host keys of another type, and app.dir pointing inside a checkout.
 * Nothing may run that the operator did not write, nothing may reach the terminal raw, and every
 * run either works with the literal value or refuses with exit 2.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {stringify} from 'yaml';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Answer, Question} from '../source/core/questions.js';
import {MARKER, SITE_TITLE} from '../source/rehearsal/app-repo.js';
import {App} from '../source/ui/app.js';
import {canRun} from './helpers/availability.js';
import {runCli} from './helpers/cli.js';
import {sharedDatabase, type TestDatabase} from './helpers/database.js';
import {KEY, waitForText} from './helpers/ink.js';
import {startProduction, type Production} from './helpers/production.js';
import {runEngine} from './helpers/run.js';
import {sshSettings, startSshd, type Sshd} from './helpers/sshd.js';
import {renderTui, tuiSessions} from './helpers/tui.js';

const PASSWORD_ENV = 'REWIND_HOSTILE_DB_PASSWORD';

/** Bytes that act on a terminal when printed raw. */
const RAW_TERMINAL_BYTES = [/\u001b\[2J/, /\u001b\]/, /\u0007/, /\u009b/, /\u202e/];

describe.runIf(canRun('hostile inputs', ['sshd', 'mariadb']))('hostile inputs against a real OpenSSH server and MariaDB', () => {
	let sshd: Sshd;
	let database: TestDatabase;
	let production: Production | undefined;
	let markers: string;
	let counter = 0;

	beforeAll(async () => {
		sshd = await startSshd({extraHostKeyTypes: ['rsa']});
		database = sharedDatabase()!;
		markers = mkdtempSync(path.join(os.tmpdir(), 'rewind-hostile-'));
	});
	afterEach(async () => {
		await production?.stop();
		production = undefined;
	});
	afterAll(async () => {
		await sshd?.stop();
		rmSync(markers, {recursive: true, force: true});
	});

	const head = (dir: string) => execFileSync('git', ['rev-parse', 'HEAD'], {cwd: dir, encoding: 'utf8'}).trim();
	const sshSection = () => sshSettings(sshd);
	const siteSection = (prod: Production, extra: Record<string, unknown> = {}) => ({
		url: prod.site.url,
		mustContain: [SITE_TITLE],
		mustNotContain: [MARKER],
		timeoutSeconds: 5,
		intervalSeconds: 0.2,
		// The test site reloads at once (no old worker): a page the rollback leaves as it was counts after 1 s.
		settleSeconds: 1,
		...extra,
	});
	const writeConfig = (prod: Production, config: Record<string, unknown>) => {
		const file = path.join(prod.root, 'rewind.config.yaml');
		writeFileSync(file, stringify({runsDir: prod.runsDir, ...config}));
		return file;
	};
	const quoteSql = (name: string) => `\`${name.replaceAll('`', '``')}\``;
	const quoteString = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

	/** A database and user with exactly these (hostile) names, holding a table. */
	function seed(name: string, user: string, password: string): void {
		database.sql(
			`CREATE DATABASE ${quoteSql(name)}; CREATE USER ${quoteString(user)}@'%' IDENTIFIED BY ${quoteString(password)}; CREATE USER ${quoteString(user)}@'localhost' IDENTIFIED BY ${quoteString(password)};` +
				`GRANT ALL ON ${quoteSql(name.replaceAll('_', '\\_').replaceAll('%', '\\%'))}.* TO ${quoteString(user)}@'%'; GRANT ALL ON ${quoteSql(name.replaceAll('_', '\\_').replaceAll('%', '\\%'))}.* TO ${quoteString(user)}@'localhost';` +
				`CREATE TABLE ${quoteSql(name)}.players (id INT PRIMARY KEY, name VARCHAR(40)); INSERT INTO ${quoteSql(name)}.players VALUES (1, 'Ada'), (2, 'Grace');`,
		);
	}

	const SHAPES: ReadonlyArray<{readonly name: string; readonly value: (id: string) => string}> = [
		{name: '$(…) command substitution', value: id => `$(touch ${markers}/${id})`},
		{name: 'backticks', value: id => `\`touch ${markers}/${id}\``},
		{name: '; a second command', value: id => `;touch ${markers}/${id};`},
		{name: 'both quotes \' and "', value: id => `'q"dq'${id}"`},
		{name: '<word>, the shape of a plan placeholder', value: id => `<todo-${id}>`},
	];

	for (const shape of SHAPES) {
		it(`${shape.name} in app.dir, app.name, backupDir, database name and user, lock path, build dir and touch path: used literally, no marker`, async () => {
			const id = `m${++counter}`;
			const hostile = shape.value(id);
			production = await startProduction(sshd, {appDirName: `app ${hostile}`, wsgiName: `wsgi ${hostile}.py`});
			const prod = production;
			// A hand edit and an untracked file: the changes are saved under paths made of app.name.
			writeFileSync(path.join(prod.app.dir, 'app.py'), '# hotfix\n');
			writeFileSync(path.join(prod.app.dir, 'notes.txt'), 'notes\n');
			const buildDir = `sub ${hostile}`;
			mkdirSync(path.join(prod.app.dir, buildDir), {recursive: true});
			const password = `pw-${id}`;
			const dbName = `h${counter}$bank ${hostile}`;
			const dbUser = `u${counter}${hostile}`.slice(0, 64);
			seed(dbName, dbUser, password);
			const backupDir = path.join(prod.root, `backups ${hostile}`);
			const lockPath = path.join(prod.root, `lock ${hostile}`);
			mkdirSync(path.dirname(lockPath), {recursive: true});
			const file = writeConfig(prod, {
				app: {name: `shop ${hostile}`, dir: prod.app.dir, branch: 'main'},
				ssh: sshSection(),
				site: siteSection(prod),
				reload: {method: 'touch', path: prod.wsgiPath},
				build: {dir: buildDir, commands: ['cd "$(git rev-parse --show-toplevel)" && node build.mjs']},
				database: {host: '127.0.0.1', port: database.port, user: dbUser, name: dbName, passwordEnv: PASSWORD_ENV, backupDir},
				lock: {path: lockPath},
			});
			const result = await runCli(['--config', file, '--target', prod.app.good, '--yes'], {env: {[PASSWORD_ENV]: password}});
			expect(readdirSync(markers)).toEqual([]);
			expect(result.stderr).toBe('');
			expect(result.code, result.stdout.slice(-2000)).toBe(0);
			expect(head(prod.app.dir)).toBe(prod.app.good);
			// The literal paths were used: the backup, the saved changes and the lock are where the config says.
			const backups = readdirSync(backupDir);
			expect(backups.filter(name => name.endsWith('.sql.gz'))).toHaveLength(1);
			expect(backups.filter(name => name.endsWith('-uncommitted.patch'))).toHaveLength(1);
			expect(existsSync(lockPath)).toBe(false);
			expect(result.stdout).toContain('Result: SUCCEEDED');
		});
	}

	it('a line break in any text setting, or shell syntax in a host name: refused with exit 2 naming the field, before connecting', async () => {
		production = await startProduction(sshd);
		const prod = production;
		const before = sshd.acceptedConnections();
		const base = {app: {dir: prod.app.dir}, ssh: sshSection(), site: siteSection(prod), reload: {method: 'touch', path: prod.wsgiPath}};
		const cases: Array<[string, Record<string, unknown>, RegExp]> = [
			['app.dir', {...base, app: {dir: `${prod.app.dir}\n$(touch ${markers}/n1)`}}, /app\.dir: must not contain control characters or line breaks/],
			['lock.path', {...base, lock: {path: `/tmp/l\ntouch ${markers}/n2`}}, /lock\.path: must not contain control characters/],
			['database.host', {...base, database: {host: `db$(touch ${markers}/n3)`, user: 'u', name: 'n'}}, /database\.host: must be a host name/],
			['build.commands', {...base, build: {commands: [`npm ci\ntouch ${markers}/n4`]}}, /build\.commands\.0: must not contain control characters/],
		];
		for (const [field, config, message] of cases) {
			const result = await runCli(['--config', writeConfig(prod, config), '--target', prod.app.good, '--yes']);
			expect(result.code, field).toBe(2);
			expect(result.stderr, field).toMatch(message);
		}
		expect(readdirSync(markers)).toEqual([]);
		expect(sshd.acceptedConnections()).toBe(before);
	});

	it('picker searches with every shape run on the server as literal text: no marker, no shell error', async () => {
		production = await startProduction(sshd);
		const prod = production;
		const searched: Array<{query: string; count: number}> = [];
		const queries = [...SHAPES.map(shape => shape.value(`s${++counter}`)), '<todo>', '--help', 'Fix rounding'];
		const operator = {
			async ask<Q extends Question>(question: Q): Promise<Answer<Q>> {
				if (question.kind !== 'pick-target') throw new Error(`unexpected ${question.kind}`);
				for (const query of queries) searched.push({query, count: (await question.source.search(query, 50)).length});
				return null;
			},
		};
		const run = await runEngine(prod.config(), {flags: {yes: false}, runsDir: prod.runsDir, operator});
		expect(readdirSync(markers)).toEqual([]);
		expect(run.result.outcome).toBe('aborted');
		// The only failure is the picker's own ending: the operator picked nothing.
		expect(run.events.filter(event => event.type === 'step-failed').map(event => (event as {error: string}).error)).toEqual(['no commit was picked']);
		expect(searched.map(entry => entry.count)).toEqual([...SHAPES.map(() => 0), 0, 0, 1]);
		// Every search command exited 0: no shell syntax error on the server.
		const exits = run.events.flatMap(event => (event.type === 'command-finished' && event.commandId.startsWith('search#') ? [event.exitCode] : []));
		expect(exits).toEqual(queries.map(() => 0));
	});

	describe('terminal escape sequences from the server', () => {
		const SUBJECT = 'Evil \u001b[2J clear \u001b]52;c;Zm9v\u0007 clip \u009b31m csi \u202Eeman_elif.exe';
		const AUTHOR = 'Mallory \u001b]0;pwned title\u0007 \u202E';

		/** A production whose last good commit has a hostile subject and author. */
		async function hostileHistory(): Promise<{prod: Production; target: string}> {
			const prod = await startProduction(sshd);
			const git = (...args: string[]) =>
				execFileSync('git', args, {
					cwd: prod.app.dir,
					encoding: 'utf8',
					env: {...process.env, GIT_AUTHOR_NAME: AUTHOR, GIT_AUTHOR_EMAIL: 'm@x', GIT_COMMITTER_NAME: 'c', GIT_COMMITTER_EMAIL: 'c@x'},
				});
			git('commit', '-q', '--allow-empty', '-m', SUBJECT);
			const target = git('rev-parse', 'HEAD').trim();
			git('commit', '-q', '--allow-empty', '-m', 'A later deploy');
			return {prod, target};
		}

		const expectInert = (text: string, where: string, standIns = ['␛[2J', '<U+202E>']) => {
			for (const raw of RAW_TERMINAL_BYTES) expect(text, `${where} has ${raw}`).not.toMatch(raw);
			for (const standIn of standIns) expect(text, where).toContain(standIn);
		};

		it('the plain output and report.md show visible stand-ins, never the bytes; the journal keeps the original, escaped', async () => {
			const {prod, target} = await hostileHistory();
			production = prod;
			const file = writeConfig(prod, {
				app: {dir: prod.app.dir},
				ssh: sshSection(),
				site: siteSection(prod, {mustNotContain: []}),
				reload: {method: 'touch', path: prod.wsgiPath},
				build: {commands: ['node build.mjs']},
			});
			const result = await runCli(['--config', file, '--target', target, '--yes']);
			expect(result.code, result.stdout).toBe(0);
			expectInert(result.stdout, 'stdout');
			expect(result.stdout).toContain('\\x9b31m');
			const report = readFileSync(/Report: (\S+)/.exec(result.stdout)![1]!, 'utf8');
			expectInert(report, 'report.md');
			const journal = readFileSync(/Journal: (\S+)/.exec(result.stdout)![1]!, 'utf8');
			expect(journal).toContain('\\u001b[2J');
			expect(journal).toContain('\\u202e');
			for (const raw of RAW_TERMINAL_BYTES) expect(journal).not.toMatch(raw);
		});

		it('the TUI shows the stand-ins in the picker, the confirmation and the final panel', async () => {
			const {prod, target} = await hostileHistory();
			production = prod;
			const config = prod.config({site: {mustNotContain: []}, reload: {method: 'command', command: `touch ${prod.wsgiPath}`}});
			const {session} = tuiSessions(config, prod.runsDir);
			const {ui, exitCode} = renderTui(<App session={session} />);
			try {
				const frame = () => ui.lastFrame();
				await waitForText(frame, 'HEAD (live now)');
				ui.stdin.write(KEY.down);
				// The row is cut to the terminal's width: the subject's start is shown.
				expectInert(await waitForText(frame, 'undoes 1 commit'), 'the picker', ['␛[2J']);
				ui.stdin.write(KEY.enter);
				expectInert(await waitForText(frame, 'Type '), 'the confirmation');
				ui.stdin.write(target.slice(0, 7));
				await waitForText(frame, `› ${target.slice(0, 7)}`);
				ui.stdin.write(KEY.enter);
				expectInert(await waitForText(frame, 'Rolled back and verified', 20_000), 'the final panel', ['␛[2J']);
				ui.stdin.write('q');
				await waitForText(() => String(exitCode()), '0');
			} finally {
				ui.unmount();
			}
		});
	});

	describe('database passwords', () => {
		it('with a line break: refused at config load with exit 2 naming the field, before connecting', async () => {
			production = await startProduction(sshd);
			const prod = production;
			const before = sshd.acceptedConnections();
			const file = writeConfig(prod, {
				app: {dir: prod.app.dir},
				ssh: sshSection(),
				site: siteSection(prod),
				reload: {method: 'touch', path: prod.wsgiPath},
				database: {host: '127.0.0.1', port: database.port, user: 'u', name: 'n', passwordEnv: PASSWORD_ENV},
			});
			const result = await runCli(['--config', file, '--target', prod.app.good, '--yes'], {env: {[PASSWORD_ENV]: 'first-half\nsecond-half'}});
			expect(result.code).toBe(2);
			expect(result.stderr).toContain(`database.passwordEnv (${PASSWORD_ENV}): the database password contains a line break`);
			expect(result.stderr + result.stdout).not.toContain('second-half');
			expect(sshd.acceptedConnections()).toBe(before);
		});

		it('with quotes, spaces, #, $ and a backslash: the backup authenticates, and the password is nowhere on screen or disk', async () => {
			production = await startProduction(sshd);
			const prod = production;
			const password = `a'b"c d#e$HOME\\f ${Math.random().toString(36).slice(2)}`;
			const name = `pw${++counter}$bank`;
			const user = `pw${counter}`;
			seed(name, user, password);
			const file = writeConfig(prod, {
				app: {dir: prod.app.dir},
				ssh: sshSection(),
				site: siteSection(prod),
				reload: {method: 'touch', path: prod.wsgiPath},
				build: {commands: ['node build.mjs']},
				database: {host: '127.0.0.1', port: database.port, user, name, passwordEnv: PASSWORD_ENV, backupDir: path.join(prod.root, 'backups')},
			});
			const result = await runCli(['--config', file, '--target', prod.app.good, '--yes'], {env: {[PASSWORD_ENV]: password}});
			expect(result.code, result.stdout.slice(-1500)).toBe(0);
			expect(result.stdout).toMatch(/✓ Back up database: verified/);
			for (const text of [
				result.stdout,
				result.stderr,
				readFileSync(/Report: (\S+)/.exec(result.stdout)![1]!, 'utf8'),
				readFileSync(/Journal: (\S+)/.exec(result.stdout)![1]!, 'utf8'),
			]) {
				expect(text).not.toContain(password);
				expect(text).not.toContain(password.split(' ').at(-1));
			}
		});
	});

	it('known_hosts with only the server’s RSA key: rewind asks for an RSA signature (rsa-sha2) and connects', async () => {
		production = await startProduction(sshd);
		const prod = production;
		expect(Object.keys(sshd.hostKeys).sort()).toEqual(['ssh-ed25519', 'ssh-rsa']);
		const knownHosts = path.join(prod.root, 'known_hosts_rsa_only');
		writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKeys['ssh-rsa']}\n`);
		// OpenSSH itself connects with this file and strict checking.
		execFileSync('ssh', [
			'-p',
			String(sshd.port),
			'-i',
			sshd.identityFile,
			'-o',
			`UserKnownHostsFile=${knownHosts}`,
			'-o',
			'StrictHostKeyChecking=yes',
			'-o',
			'BatchMode=yes',
			`${sshd.user}@127.0.0.1`,
			'true',
		]);
		const run = await runEngine(prod.config({ssh: {knownHostsFile: knownHosts}}), {flags: {target: prod.app.good}, runsDir: prod.runsDir});
		expect(run.result.outcome, run.result.message).toBe('succeeded');
		expect(readFileSync(knownHosts, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostKeys['ssh-rsa']}\n`);
	});

	it('app.dir inside a checkout (its gitignored dist/), missing, or not a git checkout: exit 2 with what was found; the repository untouched', async () => {
		production = await startProduction(sshd);
		const prod = production;
		const before = head(prod.app.dir);
		const plainDir = path.join(prod.root, 'not-a-checkout');
		mkdirSync(plainDir);
		const cases: Array<[string, RegExp]> = [
			[path.join(prod.app.dir, 'dist'), /dist is inside the git checkout .*\/app, not the top of one/],
			[path.join(prod.root, 'missing'), /missing does not exist on the server \(app\.dir\)/],
			[plainDir, /not-a-checkout is not a git checkout on the server \(app\.dir\)/],
		];
		for (const [dir, message] of cases) {
			const file = writeConfig(prod, {app: {dir}, ssh: sshSection(), site: siteSection(prod), reload: {method: 'touch', path: prod.wsgiPath}});
			const result = await runCli(['--config', file, '--target', prod.app.good, '--yes']);
			expect(result.code, dir).toBe(2);
			expect(result.stdout + result.stderr, dir).toMatch(message);
		}
		expect(head(prod.app.dir)).toBe(before);
		expect(existsSync(path.join(prod.app.dir, '.git', 'rewind.lock'))).toBe(false);
	});
});
