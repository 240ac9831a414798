/**
 * `rewind init` against a Flask host laid out as on PythonAnywhere: a real OpenSSH sshd whose
 * sessions' home is this test's folder, the app's checkout in it with its settings in a gitignored
 * `.env` (DATABASE_URL), no ~/.my.cnf, two virtualenvs of which one has Flask-Migrate, and the real
 * MariaDB. From flags alone init writes a config that, unedited, rolls back across a migration with a
 * verified backup and no password on this machine — and leaves no untracked file in the checkout.
 * A database the app uses but that init cannot configure stops it (exit 2, nothing written) unless
 * told `--database none`, which is written as such.
 */
import {execFileSync} from 'node:child_process';
import {appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadConfigFile} from '../source/core/config/load.js';
import {MARKER} from '../source/rehearsal/app-repo.js';
import {canRun} from './helpers/availability.js';
import {inTerminal, runCli} from './helpers/cli.js';
import {waitForText} from './helpers/ink.js';
import {sharedDatabase} from './helpers/database.js';
import {FLASK_PASSWORD_ENV, startFlaskProduction, type FlaskProduction} from './helpers/flask-production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';
import {findFlask} from '../source/rehearsal/flask-worker.js';

describe.runIf(canRun('rewind init on a PythonAnywhere-style Flask host', ['sshd', 'mariadb', 'flask']))(
	'rewind init on a PythonAnywhere-style Flask host',
	() => {
		let home: string;
		let sshd: Sshd;
		let production: FlaskProduction;
		let password: string;
		const venv = (name: string) => path.join(home, '.virtualenvs', name);

		beforeAll(async () => {
			home = mkdtempSync(path.join(os.tmpdir(), 'rewind-pa-home-'));
			sshd = await startSshd({home});
			const python = (findFlask() as {python: string}).python;
			production = await startFlaskProduction(sshd, sharedDatabase()!, python, {root: home});
			password = process.env[FLASK_PASSWORD_ENV]!;
			const database = production.config().database!;
			// The app's settings as on PythonAnywhere: a gitignored .env; no ~/.my.cnf in this home.
			writeFileSync(
				path.join(production.app.dir, '.env'),
				`FLASK_DEBUG=0\nSECRET_KEY=hunter$2secret\nDATABASE_URL=mysql://${database.user}:${encodeURIComponent(password)}@${database.host}:${database.port}/${database.name}\n`,
			);
			// Flask's own settings file beside it, as most Flask apps keep one (without the URL: it must not hide .env's).
			writeFileSync(path.join(production.app.dir, '.flaskenv'), 'FLASK_APP=app.py\n');
			appendFileSync(path.join(production.app.dir, '.git', 'info', 'exclude'), '.flaskenv\n');
			// One virtualenv with Flask-Migrate (the system's packages), one without.
			execFileSync(python, ['-m', 'venv', '--without-pip', venv('tools')]);
			execFileSync(python, ['-m', 'venv', '--without-pip', '--system-site-packages', venv('bankroll')]);
		}, 120_000);
		afterAll(async () => {
			await production?.stop();
			await sshd?.stop();
			for (const dir of [home, ...locals]) rmSync(dir, {recursive: true, force: true});
		});

		/** How init reaches the server (the rest it asks, or takes from flags). */
		const connectionArgs = () => [
			'--host',
			'127.0.0.1',
			'--port',
			String(sshd.port),
			'--user',
			sshd.user,
			'--identity',
			sshd.identityFile,
			'--known-hosts',
			sshd.knownHostsFile,
			'--ssh-config',
			path.join(home, 'no-ssh-config'),
		];
		const initArgs = (output: string, ...extra: string[]) => [
			'init',
			...connectionArgs(),
			// The checkout named: a git checkout this machine keeps under /srv, /var/www or /opt would be offered too.
			'--app-dir',
			production.app.dir,
			'--site-url',
			production.site.url,
			'--reload',
			path.join(home, 'var', 'www', 'app_wsgi.py'),
			'--output',
			output,
			'--yes',
			...extra,
		];
		const locals: string[] = [];
		const localDir = () => {
			locals.push(mkdtempSync(path.join(os.tmpdir(), 'rewind-pa-local-')));
			return locals.at(-1)!;
		};
		/** The environment of a laptop that holds no database password (runs recorded in the test's own folder). */
		const laptop = (dir: string) => ({[FLASK_PASSWORD_ENV]: '', REWIND_HOME: path.join(dir, 'rewind-home')});

		it('stops (exit 2, nothing written) when the app uses a database it cannot configure; --database none is written as such', async () => {
			const settings = path.join(production.app.dir, '.env');
			renameSync(settings, `${settings}.away`);
			try {
				const local = localDir();
				const output = path.join(local, 'rewind.config.yaml');
				const refused = await runCli(initArgs(output), {env: laptop(local)});
				expect(refused.code, refused.stdout).toBe(2);
				expect(refused.stderr).toContain('The app uses a database (migrations/versions');
				expect(refused.stderr).toContain('no DATABASE_URL in .env, no ~/.my.cnf');
				expect(refused.stderr).toContain('--database none');
				expect(refused.stderr).not.toMatch(/\n\s+at /);
				expect(existsSync(output)).toBe(false);

				const none = await runCli(initArgs(output, '--database', 'none'), {env: laptop(local)});
				expect(none.code, none.stderr).toBe(0);
				expect(readFileSync(output, 'utf8')).toMatch(/^database: none {3}# no backup is taken/m);
				// Written elsewhere than ./rewind.config.yaml: the commands it names carry --config.
				expect(none.stdout).toContain(`then: rewind check --config ${output}, and rewind --dry-run --config ${output}`);
				// Told so, though the app shows signs of a database: said on screen and in the file.
				expect(none.stdout).toContain('⚠ No database, as told, though the app shows signs of one (migrations/versions');
				expect(readFileSync(output, 'utf8')).toContain('# Given with --database: the app has no database to back up. The app shows signs of one');
				expect(loadConfigFile(output).config.database).toBeUndefined();
			} finally {
				renameSync(`${settings}.away`, settings);
			}
		}, 120_000);

		it('asked in a terminal: a wrong checkout or site address is asked again, and the answers are written', async () => {
			const local = localDir();
			const output = path.join(local, 'asked.yaml');
			const terminal = inTerminal(['init', ...connectionArgs(), '--output', output], laptop(local), local);
			try {
				await waitForText(terminal.output, 'a number, or type another:', 30_000);
				terminal.type('/no/such/checkout\r');
				await waitForText(terminal.output, 'is not a git checkout on the server: try again.');
				terminal.type('1\r');
				await waitForText(terminal.output, 'The site’s address (https://…):');
				terminal.type('127.0.0.1:1\r');
				await waitForText(terminal.output, 'The site’s address is a whole URL, such as https://www.example.com/: try again.');
				terminal.type(`${production.site.url}\r`);
				// Proposed (never written unasked): the text HEAD's last commit added to the page, which it shows now.
				await waitForText(
					terminal.output,
					`Text only the bad deploy’s page shows (HEAD's last commit added "ROLLBACK TEST" to the page) (mustNotContain; Enter for none):`,
				);
				terminal.type('ROLLBACK TEST\r');
				await waitForText(terminal.output, 'How the app reloads');
				terminal.type(`${path.join(home, 'var', 'www', 'app_wsgi.py')}\r`);
				await waitForText(terminal.output, /EXIT=\d+/, 60_000);
			} finally {
				terminal.kill();
			}
			expect(terminal.output()).toContain('EXIT=0');
			const {config} = loadConfigFile(output);
			expect(config.app.dir).toBe(production.app.dir);
			expect(config.site).toMatchObject({url: production.site.url, mustContain: ['Bankroll'], mustNotContain: ['ROLLBACK TEST']});
			expect(config.reload).toEqual({method: 'touch', path: path.join(home, 'var', 'www', 'app_wsgi.py')});
		}, 120_000);

		it('--database naming the database DATABASE_URL names: its password is read from there (passwordKey)', async () => {
			const local = localDir();
			const output = path.join(local, 'rewind.config.yaml');
			const {user, host, port, name} = production.config().database!;
			const init = await runCli(initArgs(output, '--database', `mysql://${user}@${host}:${port}/${encodeURIComponent(name)}`), {
				env: laptop(local),
				cwd: local,
			});
			expect(init.code, init.stderr).toBe(0);
			expect(loadConfigFile(output).config.database).toMatchObject({user, host, port, name, passwordFrom: 'server', passwordKey: 'DATABASE_URL'});
			expect(init.stdout).toMatch(/✓ Database reachable/);
		}, 120_000);

		it('from flags alone writes a config that, unedited, rolls back across a migration with a verified backup and no password here; no untracked file is left', async () => {
			const local = localDir();
			const output = path.join(local, 'rewind.config.yaml');
			const init = await runCli(initArgs(output), {env: laptop(local), cwd: local});
			expect(init.code, init.stderr).toBe(0);
			const text = readFileSync(output, 'utf8');
			expect(text).not.toContain(password);
			// A `name$…` in .env is no database name (it may be a secret's piece): never read as one, never printed.
			expect(`${text}${init.stdout}${init.stderr}`).not.toContain('hunter$2secret');
			expect(text).toContain('# Detected: DATABASE_URL in .env on the server (host, port, user, name).');
			expect(text).toContain(`mustNotContain: []   # text only the bad deploy shows: HEAD's last commit added ["ROLLBACK TEST"] to the page`);
			const {config} = loadConfigFile(output);
			const database = production.config().database!;
			expect(config.app.dir).toBe(production.app.dir);
			// Named as package.json names it, not after its folder ("app").
			expect(config.app.name).toBe('bankroll');
			expect(config.database).toMatchObject({
				host: database.host,
				port: database.port,
				user: database.user,
				name: database.name,
				passwordFrom: 'server',
				passwordKey: 'DATABASE_URL',
			});
			expect(config.database?.passwordEnv).toBeUndefined();
			expect(config.migrations).toMatchObject({kind: 'flask-migrate', command: `${venv('bankroll')}/bin/python -m flask db`});
			expect(config.build.commands).toEqual(['npm ci', 'npm run build']);
			// The one value init cannot know: what only the bad deploy's page shows (it says so).
			expect(init.stdout).toContain('set site.mustNotContain');
			// The commands it names work from here as printed (the file is ./rewind.config.yaml: no --config needed).
			expect(init.stdout).toContain('then: rewind check, and rewind --dry-run\n');
			// It ended by proving the file against the server (rewind check): every check passed, nothing marked ✗.
			expect(init.stdout).toMatch(/Ready: 9 passed, 0 failed, 0 skipped/);
			expect(init.stdout).toMatch(/✓ mysqldump/);
			expect(init.stdout).not.toContain('✗');

			const rollback = await runCli(['--config', output, '--target', production.app.good, '--yes'], {env: laptop(local), cwd: local, timeoutMs: 180_000});
			expect(rollback.code, `${rollback.stdout}\n${rollback.stderr}`).toBe(0);
			expect(rollback.stdout).toContain('Result: SUCCEEDED');
			// Said before the reset: what the downgrade drops, counted, and where it is kept.
			expect(rollback.stdout).toMatch(/The schema's downgrade drops data \(kept in the verified backup\): table sessions \(8 rows\)\./);
			expect(rollback.stdout).toMatch(/✓ Database backed up and verified +~\/backups\/\S+\.sql\.gz/);
			expect(rollback.stdout).toMatch(/✓ Schema at the target’s revision +\w+ → \w+/);
			expect(rollback.stdout).toMatch(/✓ Front-end assets rebuilt +built beside the live site before the reset/);
			expect(execFileSync('git', ['rev-parse', 'HEAD'], {cwd: production.app.dir, encoding: 'utf8'}).trim()).toBe(production.app.good);
			// Only gitignored files (node_modules, dist) were made: nothing untracked in the checkout.
			expect(execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {cwd: production.app.dir, encoding: 'utf8'})).toBe('');
			const page = await (await fetch(production.site.url)).text();
			expect(page).not.toContain(MARKER);
			// The password was read on the server: it is in no file on this machine.
			const journal = /Journal: (\S+)/.exec(rollback.stdout)![1]!;
			expect(readFileSync(journal, 'utf8')).not.toContain(password);
			expect(readFileSync(/Report: (\S+)/.exec(rollback.stdout)![1]!, 'utf8')).not.toContain(password);
		}, 240_000);
	},
);
