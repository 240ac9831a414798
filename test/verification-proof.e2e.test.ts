/**
 * A verified result is proof (issue 19): after a reload by touch the old worker keeps answering for
 * a while (as PythonAnywhere's does), and only answers shown to come from the new code count. Real
 * OpenSSH sshd, MariaDB and the Flask app with Flask-Migrate, served by a worker restarted at the
 * touch; the static site for the page-only cases.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {parseCli} from '../source/cli-options.js';
import {FlagOperator} from '../source/core/operator.js';
import type {Operator, Question} from '../source/core/questions.js';
import {findDrill} from '../source/rehearsal/drills.js';
import {prepareRehearsal} from '../source/rehearsal/rehearse.js';
import {describe, expect, it} from 'vitest';
import {EXIT, type Criterion, type HttpObservation, type RunFacts} from '../source/core/types.js';
import {MARKER, SITE_TITLE} from '../source/rehearsal/app-repo.js';
import {REVISIONS, VERSION_FILES} from '../source/rehearsal/flask-app.js';
import {migrationPlanOf} from '../source/core/migrations/plan.js';
import type {Engine} from '../source/core/engine.js';
import {createEngine, createFlagEngine, undoRequest, type RunRequest} from '../source/session.js';
import {canRun} from './helpers/availability.js';
import {FLASK_PASSWORD_ENV, startFlaskProduction, useFlaskServers, type FlaskProduction} from './helpers/flask-production.js';
import {runCli} from './helpers/cli.js';
import {writeConfigFile} from './helpers/production.js';
import {useProduction} from './helpers/fixtures.js';
import {flagsFor} from './helpers/run.js';

/** Runs the engine and keeps the criteria of its final panel. */
async function runWithCriteria(request: RunRequest) {
	const engine = createFlagEngine(request);
	let criteria: readonly Criterion[] = [];
	engine.subscribe(event => {
		if (event.type === 'run-finished') criteria = event.criteria;
	});
	const result = await engine.run();
	return {...result, criteria};
}

const head = (dir: string) => execFileSync('git', ['rev-parse', 'HEAD'], {cwd: dir, encoding: 'utf8'}).trim();

/** A rollback of the Flask production to its good commit, non-interactive. */
const rollbackRequest = (production: FlaskProduction, overrides: Record<string, unknown> = {}): RunRequest => ({
	config: production.config(overrides),
	configPath: null,
	kind: 'rollback',
	flags: flagsFor({target: production.app.good}),
	runsDir: production.runsDir,
});

/** A commit lands on the server's checkout when `stepId` starts: a deploy while the operator works. */
function landDeployWhen(engine: Engine, stepId: string, dir: string): void {
	engine.subscribe(event => {
		if (event.type === 'step-started' && event.stepId === stepId)
			execFileSync(
				'git',
				['-c', 'user.name=Late Deployer', '-c', 'user.email=late@example.com', 'commit', '-q', '--allow-empty', '-m', 'hotfix deployed meanwhile'],
				{cwd: dir},
			);
	});
}

/** The site check's attempts as the journal recorded them (the http fact of the verify step). */
function journaledObservations(journalPath: string): HttpObservation[] {
	const lines = readFileSync(journalPath, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => JSON.parse(line) as {type: string; facts?: Partial<RunFacts>});
	const http = lines.flatMap(line => (line.facts?.http ? [line.facts.http] : [])).at(-1);
	return [...(http?.observations ?? [])];
}

describe.runIf(canRun('verification proof (Flask)', ['sshd', 'mariadb', 'flask']))('a code-only rollback whose code fails on the current schema', () => {
	const servers = useFlaskServers();

	for (const oldWorkerMs of [0, 300, 3000]) {
		it(`fails (exit 1) when the old worker answers ${oldWorkerMs} ms after the touch: never verified from the old code's 200`, async () => {
			const production = await startFlaskProduction(servers.sshd, servers.database, servers.python);
			try {
				if (oldWorkerMs > 0) production.site.mode = {oldWorkerMs};
				// Only the title is checked (what `rewind init` writes): the old code's page passes it.
				const config = production.config({migrations: {kind: 'none'}, site: {mustNotContain: [], timeoutSeconds: 10}});
				const request: RunRequest = {config, configPath: null, kind: 'rollback', flags: flagsFor({target: production.app.good}), runsDir: production.runsDir};
				const result = await runWithCriteria(request);
				expect(result.outcome, result.message).toBe('verification-failed');
				expect(result.exitCode).toBe(EXIT.failed);
				expect(head(production.app.dir)).toBe(production.app.good);
				// The new code answered 500; no answer from before it counted.
				const observations = result.facts.http?.observations ?? [];
				expect(observations.at(-1)?.status).toBe(500);
				const accepted = observations.find(observation => observation.counted);
				// The first counted answer is the new code's 500, or the gateway's 502 while the new worker is still
				// starting (a loaded machine): never the old code's 200.
				expect([500, 502]).toContain(accepted?.status);
				for (const early of observations.filter(observation => observation.counted === false)) expect(early.why).toMatch(/old code may still be serving/);
				// No "verified good" in the release history, and no time "to verified" claimed.
				const history = execFileSync('cat', [`${production.app.dir}/.git/rewind-history.jsonl`], {encoding: 'utf8'});
				expect(history).toContain('"outcome":"verification-failed"');
				expect(result.criteria.find(criterion => criterion.id === 'rollback-time')).toBeUndefined();
			} finally {
				await production.stop();
			}
		});
	}
	it('a full rollback (migrations down) with only mustContain and the old worker answering for 3 s: verified only from the new process, the old answers rejected in the journal', async () => {
		const production = await startFlaskProduction(servers.sshd, servers.database, servers.python);
		try {
			production.site.mode = {oldWorkerMs: 3000};
			const config = production.config({site: {mustNotContain: [], timeoutSeconds: 20}});
			const request: RunRequest = {config, configPath: null, kind: 'rollback', flags: flagsFor({target: production.app.good}), runsDir: production.runsDir};
			const result = await createFlagEngine(request).run();
			expect(result.outcome, result.message).toBe('succeeded');
			const observations = journaledObservations(result.journalPath!);
			const rejected = observations.filter(observation => observation.counted === false);
			// The old worker (the bad deploy's code, on the schema migrated down) answered; none of it counted.
			expect(rejected.length).toBeGreaterThan(0);
			expect(rejected.every(observation => /the old code may still be serving/.test(observation.why ?? ''))).toBe(true);
			const counted = observations.filter(observation => observation.counted);
			expect(counted).toHaveLength(3);
			expect(counted.every(observation => observation.status === 200)).toBe(true);
			expect(counted[0]!.why).toMatch(/the old answer is gone/);
		} finally {
			await production.stop();
		}
	});
});

describe.runIf(canRun('verification proof (static site)', ['sshd']))('a reload whose old worker answers for 3 s', () => {
	const fixture = useProduction();

	it('with only mustContain: verified only from the new page (the old answers rejected in the journal); the undo checks the original page is back', async () => {
		const {production} = fixture;
		production.site.mode = {oldWorkerMs: 3000};
		const config = production.config({site: {mustNotContain: [], timeoutSeconds: 15, settleSeconds: 10}});
		const request: RunRequest = {config, configPath: null, kind: 'rollback', flags: flagsFor({target: production.app.good}), runsDir: production.runsDir};
		const started = Date.now();
		const result = await runWithCriteria(request);
		expect(result.outcome, result.message).toBe('succeeded');
		expect(head(production.app.dir)).toBe(production.app.good);

		// The old worker's pages (the bad deploy's, with the marker) were answered and not counted.
		const observations = journaledObservations(result.journalPath!);
		const rejected = observations.filter(observation => observation.counted === false);
		expect(rejected.length).toBeGreaterThan(0);
		expect(rejected.every(observation => observation.status === 200 && /same answer as before the reload/.test(observation.why ?? ''))).toBe(true);
		const first = observations.find(observation => observation.counted);
		expect(first?.why).toMatch(/a page different from the one before the reload/);
		// Counted from the new page on, three good answers in a row.
		expect(observations.filter(observation => observation.counted)).toHaveLength(3);
		expect(Date.now() - started).toBeGreaterThan(3000);
		const site = result.criteria.find(criterion => criterion.id === 'site-status');
		expect(site?.status).toBe('pass');
		expect(site?.detail).toMatch(/counted from request \d+ \(a page different from the one before the reload/);
		// The page at the start (the bad deploy's) is what the undo must bring back.
		expect(result.facts.siteAtStart?.texts).toEqual([{text: SITE_TITLE, present: true}]);

		// Undo: the marker is no configured check, but the original page is back (title present as it was).
		production.site.mode = {};
		const undo = undoRequest(request, result)!;
		expect(undo.initialFacts?.undoOf?.pageBefore).toEqual([{text: SITE_TITLE, present: true}]);
		const undone = await createFlagEngine(undo).run();
		expect(undone.outcome, undone.message).toBe('succeeded');
		expect(head(production.app.dir)).toBe(production.app.bad);
		expect(await (await fetch(production.site.url)).text()).toContain(MARKER);
	});

	it('undo after a rollback that checked the marker: the marker must be back (the rollback’s checks reversed)', async () => {
		const {production} = fixture;
		production.site.mode = {};
		execFileSync('git', ['reset', '-q', '--hard', production.app.bad], {cwd: production.app.dir});
		const config = production.config();
		const request: RunRequest = {config, configPath: null, kind: 'rollback', flags: flagsFor({target: production.app.good}), runsDir: production.runsDir};
		const result = await createFlagEngine(request).run();
		expect(result.outcome, result.message).toBe('succeeded');
		const undo = undoRequest(request, result)!;
		expect(undo.initialFacts?.undoOf?.pageBefore).toEqual([
			{text: SITE_TITLE, present: true},
			{text: MARKER, present: true},
		]);
		const undone = await createFlagEngine(undo).run();
		expect(undone.outcome, undone.message).toBe('succeeded');
		expect(undone.facts.http?.checks).toEqual([
			{kind: 'contains', text: SITE_TITLE, ok: true},
			{kind: 'contains', text: MARKER, ok: true},
		]);
	});
});

describe.runIf(canRun('data judgement (Flask)', ['sshd', 'mariadb', 'flask']))('data judged against what the undone migrations change', () => {
	const servers = useFlaskServers();
	// The bad deploy's last migration is also a data migration: literal SQL through op.execute, up and down.
	const withDataMigration = VERSION_FILES.sessions.content
		.replace(
			"def downgrade():\n    op.drop_table('sessions')",
			'def downgrade():\n    op.execute("UPDATE players SET display_name = TRIM(display_name)")\n    op.drop_table(\'sessions\')',
		)
		.replace('def upgrade():\n', 'def upgrade():\n    op.execute("UPDATE players SET display_name = TRIM(display_name)")\n');

	async function rollbackAcrossDataMigration(duringBuild?: (production: FlaskProduction) => void) {
		const production = await startFlaskProduction(servers.sshd, servers.database, servers.python, {
			badDeployFiles: [{path: VERSION_FILES.sessions.path, content: withDataMigration}],
		});
		try {
			const request = rollbackRequest(production);
			const engine = createFlagEngine(request);
			let criteria: readonly Criterion[] = [];
			engine.subscribe(event => {
				if (event.type === 'step-started' && event.stepId === 'reload') duringBuild?.(production);
				if (event.type === 'run-finished') criteria = event.criteria;
			});
			const result = await engine.run();
			return {result, database: criteria.find(criterion => criterion.id === 'database')};
		} finally {
			await production.stop();
		}
	}

	it('a clean rollback across a migration with op.execute: ✓, the migrations’ changes listed, exit 0', async () => {
		const {result, database} = await rollbackAcrossDataMigration();
		expect(result.outcome, result.message).toBe('succeeded');
		expect(migrationPlanOf(result.facts)?.undo.find(migration => migration.revision === REVISIONS.sessions)).toMatchObject({
			touches: ['players', 'sessions'],
			touchesUnknown: false,
		});
		expect(database?.status).toBe('pass');
		expect(database?.detail).toMatch(/sessions: table is gone/);
	});

	it('a row deleted during the run from a table no undone migration touches: ✗ with the table and counts, exit 1', async () => {
		const {result, database} = await rollbackAcrossDataMigration(production => servers.database.sql('DELETE FROM stakes WHERE id = 2;', production.name));
		expect(result.outcome, result.message).toBe('verification-failed');
		expect(result.exitCode).toBe(EXIT.failed);
		expect(database?.status).toBe('fail');
		expect(database?.detail).toMatch(/stakes: rows (\d+) → (\d+): no migration of this run changes it/);
		const [, before, after] = /stakes: rows (\d+) → (\d+)/.exec(database!.detail)!;
		expect(Number(after)).toBe(Number(before) - 1);
	});
});

describe.runIf(canRun('preflight proves the database (Flask)', ['sshd', 'mariadb', 'flask']))(
	'preflight proves the database and the migrations command',
	() => {
		const servers = useFlaskServers();

		async function refusedAtPreflight(overrides: Record<string, unknown>, exitCode: number = EXIT.refused) {
			const production = await startFlaskProduction(servers.sshd, servers.database, servers.python);
			try {
				const request = rollbackRequest(production, overrides);
				const engine = createFlagEngine(request);
				const started: string[] = [];
				engine.subscribe(event => {
					if (event.type === 'step-started') started.push(event.stepId);
				});
				const result = await engine.run();
				expect(result.exitCode).toBe(exitCode);
				// Nothing after preflight ran: no target picked, no backup, the code where it was.
				expect(started.at(-1)).toBe('preflight');
				expect(result.facts.backup).toBeUndefined();
				expect(head(production.app.dir)).toBe(production.app.bad);
				return result.message;
			} finally {
				await production.stop();
			}
		}

		it('an unreachable database: preflight fails (exit 1, with a hint and its fix to apply and retry), naming database.host and database.port', async () => {
			const message = await refusedAtPreflight({database: {port: 9}}, EXIT.failed);
			expect(message).toMatch(/The database cannot be reached: .*Check database\.host and database\.port/);
		});

		it('a migrations command that does not run (flask outside the virtualenv): refused at preflight, naming migrations.command', async () => {
			const message = await refusedAtPreflight({migrations: {command: 'no-such-flask db'}});
			expect(message).toMatch(/The migrations command does not run on the server: `no-such-flask db current` .*ended with 127.*Set migrations\.command/);
		});
	},
);

describe.runIf(canRun('schema and code together (Flask)', ['sshd', 'mariadb', 'flask']))('schema and code move together', () => {
	const servers = useFlaskServers();

	it('HEAD moved while confirming (a deploy landed): the downgrade does not run, the schema untouched, exit 3 saying which', async () => {
		const production = await startFlaskProduction(servers.sshd, servers.database, servers.python);
		try {
			const request = rollbackRequest(production);
			const engine = createFlagEngine(request);
			landDeployWhen(engine, 'confirm', production.app.dir);
			const result = await engine.run();
			expect(result.exitCode).toBe(EXIT.refused);
			expect(result.message).toMatch(/Refusing to migrate the schema down: HEAD moved since preflight\. Nothing was migrated and nothing was reset/);
			expect(servers.database.sql('SELECT version_num FROM alembic_version;', production.name).trim()).toBe(REVISIONS.sessions);
			expect(head(production.app.dir)).not.toBe(production.app.good);
			expect(result.facts.migrated).toBeUndefined();
		} finally {
			await production.stop();
		}
	});
	it('HEAD moved after Migrate down, before the reset: the reset refuses, the schema is migrated back up, exit 3 saying so', async () => {
		const production = await startFlaskProduction(servers.sshd, servers.database, servers.python);
		try {
			const request = rollbackRequest(production);
			const engine = createFlagEngine(request);
			landDeployWhen(engine, 'reset', production.app.dir);
			const result = await engine.run();
			expect(result.exitCode, result.message).toBe(EXIT.refused);
			expect(result.message).toMatch(
				/Refusing to reset: HEAD moved since preflight; nothing was reset\. The schema had been migrated down; it was migrated back up to 4c0e6f3b8d24/,
			);
			expect(servers.database.sql('SELECT version_num FROM alembic_version;', production.name).trim()).toBe(REVISIONS.sessions);
			expect(result.facts.migrated).toMatchObject({how: 'upgrade', to: [REVISIONS.sessions]});
		} finally {
			await production.stop();
		}
	});
});

describe.runIf(canRun('restore and its undo (rehearsal sandbox)', ['mariadb', 'flask']))('restoring an earlier backup, and undoing that rollback', () => {
	it('the restore needs a typed reason with the loss named; the undo after it names the rows the restore removed and offers the rollback’s own backup, which puts them back', async () => {
		const home = mkdtempSync(path.join(os.tmpdir(), 'rewind-home-'));
		const drill = findDrill('irreversible-migration');
		const {sandbox, request} = await prepareRehearsal(parseCli(['rehearse', '--yes', '--drill', drill.id]), drill, () => {});
		try {
			const asked: Question[] = [];
			const flags = new FlagOperator(request.flags);
			// The operator at the keyboard: restore the earlier backup, and type why.
			const operator: Operator = {
				ask: async (question, signal) => {
					asked.push(question);
					if (question.kind === 'migration-way-out') return {choice: 'restore', path: question.backups[0]!.path} as never;
					if (question.kind === 'override-reason') return 'the play log can be re-entered';
					return flags.ask(question, signal);
				},
			};
			const rollback = {...request, runsDir: path.join(home, 'runs')};
			const result = await createEngine(rollback, operator).run();
			expect(result.outcome, result.message).toBe('succeeded');
			const typed = asked.find((question): question is Extract<Question, {kind: 'override-reason'}> => question.kind === 'override-reason');
			expect(typed?.warning).toMatch(/replaces the database with it\. Lost: sessions: the whole table \(\d+ rows\) is dropped — made after the backup/);
			expect(typed?.warning).toContain(`This run's backup keeps it all: ${result.facts.backup!.path}`);
			expect(result.facts.migrationRestore?.reason).toBe('the play log can be re-entered');

			// The undo brings the code and the schema back, but not the rows the restore removed: it offers the rollback's own backup.
			const undo = undoRequest(rollback, result)!;
			expect(undo.initialFacts?.undoOf?.afterRestore?.restored).toBe(result.facts.migrationRestore!.path);
			const offered: Question[] = [];
			const undoFlags = new FlagOperator(undo.flags);
			const engine = createEngine(undo, {
				ask: async (question, signal) => {
					offered.push(question);
					if (question.kind === 'override-reason') return 'bring the play log back';
					return undoFlags.ask(question, signal);
				},
			});
			let criteria: readonly Criterion[] = [];
			engine.subscribe(event => {
				if (event.type === 'run-finished') criteria = event.criteria;
			});
			const undone = await engine.run();
			const offer = offered.find((question): question is Extract<Question, {kind: 'override-reason'}> => question.kind === 'override-reason');
			expect(offer?.warning).toMatch(/not back where the rollback started: .*sessions: rows \d+ → 0/);
			expect(offer?.warning).toContain(`The rollback's own backup holds that state: ${result.facts.backup!.path}`);
			expect(undone.outcome, undone.message).toBe('succeeded');
			expect(undone.facts.ownBackupRestored).toMatchObject({path: result.facts.backup!.path, reason: 'bring the play log back'});
			expect(criteria.find(criterion => criterion.id === 'database-start')?.status).toBe('pass');
			const sessions = Number(sandbox.database!.sql('SELECT COUNT(*) FROM sessions;', 'trainee$bankroll').trim());
			expect(sessions).toBe(result.facts.fingerprintBefore!.tables.find(table => table.name === 'sessions')!.rows);
		} finally {
			await sandbox.teardown();
			rmSync(home, {recursive: true, force: true});
		}
	});
});

describe.runIf(canRun('a migration left by a killed run (Flask)', ['sshd', 'mariadb', 'flask']))('a migration a killed run left running', () => {
	const servers = useFlaskServers();

	it('killed during Migrate down, then resumed: one migration at a time on the server, the operator told what the site answers meanwhile', async () => {
		const production = await startFlaskProduction(servers.sshd, servers.database, servers.python);
		try {
			// A slow downgrade that logs when each migration command starts and ends (on the server).
			const log = path.join(production.root, 'migrations.log');
			// The downgrade takes 15 s: the resume (a few seconds to its preflight, more on a loaded machine) surely finds it running.
			const command = `sh -c 'echo "start $1" >> ${log}; [ "$1" != downgrade ] || sleep 15; "$0" -m flask db "$@"; r=$?; echo "end $1" >> ${log}; exit $r' ${servers.python}`;
			const file = writeConfigFile(path.join(production.root, 'rewind.yaml'), production.config({migrations: {command}}), {
				passwordEnv: FLASK_PASSWORD_ENV,
				runsDir: production.runsDir,
			});
			let poll: NodeJS.Timeout | undefined;
			const first = await runCli(['--config', file, '--target', production.app.good, '--yes'], {
				timeoutMs: 90_000,
				onStdout: (_text, child) => {
					// SIGKILL (no safe stop) once the downgrade has started on the server.
					poll ??= setInterval(() => {
						if (existsSync(log) && readFileSync(log, 'utf8').includes('start downgrade')) {
							clearInterval(poll);
							child.kill('SIGKILL');
						}
					}, 50);
				},
			});
			clearInterval(poll);
			expect(first.signal).toBe('SIGKILL');

			const resumed = await runCli(['resume', '--config', file, '--yes'], {timeoutMs: 120_000});
			expect(resumed.code, resumed.stdout.slice(-3000)).toBe(0);
			expect(resumed.stdout).toMatch(
				/A schema migration started by an interrupted run is still running on the server: waiting for it to end .*meanwhile http:\/\/127\.0\.0\.1:\d+\/ answers \d+/,
			);
			// On the server, migrations one at a time: every start is followed by its end before the next start.
			const events = readFileSync(log, 'utf8').trim().split('\n');
			let running = 0;
			for (const line of events) {
				running += line.startsWith('start') ? 1 : -1;
				expect(running, events.join(' | ')).toBeLessThanOrEqual(1);
			}
			expect(events.filter(line => line === 'start downgrade')).toHaveLength(1);
			expect(servers.database.sql('SELECT version_num FROM alembic_version;', production.name).trim()).toBe(REVISIONS.stakes);
			expect(head(production.app.dir)).toBe(production.app.good);
		} finally {
			await production.stop();
		}
	}, 150_000);
});
