/**
 * The fault matrix: every way a rollback can go wrong in an incident, against a real OpenSSH sshd
 * and a real MariaDB. For each case the exit code, the message, the journal and the server's
 * state (HEAD, files, lock) are asserted. Test names have the form
 * "<fault> :: <step> :: <what must hold>"; `npm run matrix` turns them into docs/fault-matrix.md.
 */
import {execFileSync, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, inject, it} from 'vitest';
import type {Config} from '../source/core/config/schema.js';
import type {Engine, RunResult} from '../source/core/engine.js';
import type {RunEvent} from '../source/core/events.js';
import {readJournal} from '../source/core/journal.js';
import type {RunFlags} from '../source/core/step.js';
import type {StepId} from '../source/core/types.js';
import {canRun} from './helpers/availability.js';
import {BIN, ROOT, runCli, type CliResult} from './helpers/cli.js';
import {faultMatrixMarkdown} from './helpers/fault-matrix-table.js';
import {seedBankroll, sharedDatabase, type TestDatabase} from './helpers/database.js';
import {Faults} from './helpers/faults.js';
import {startProduction, writeConfigFile, type Production} from './helpers/production.js';
import {runEngine as runThroughSession, type EngineRun} from './helpers/run.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

/** Made at run time: a constant would also be in vitest's transform cache under /tmp. */
const PASSWORD = `matrix-${randomBytes(6).toString('hex')}`;
/** Files older than this cannot hold this suite's password: the scan skips them (a full /tmp is slow on a loaded machine). */
const SUITE_STARTED_MS = Date.now() - 1000;
const PASSWORD_ENV = 'REWIND_MATRIX_DB_PASSWORD';
const CUT_DELAY_MS = 300;

describe.runIf(canRun('fault matrix', ['sshd', 'mariadb']))('fault matrix', () => {
	let sshd: Sshd;
	let faults: Faults;
	let database: TestDatabase;
	let production: Production;
	let root: string;

	beforeAll(async () => {
		root = mkdtempSync(path.join(os.tmpdir(), 'rewind-matrix-'));
		faults = new Faults(root);
		sshd = await startSshd({pathPrefix: faults.shims});
		database = sharedDatabase()!;
		process.env[PASSWORD_ENV] = PASSWORD;
	});
	const caseNames: string[] = [];
	afterEach(async context => {
		caseNames.push(context.task.name);
		faults.clear();
		await production?.stop();
	});
	afterAll(async () => {
		delete process.env[PASSWORD_ENV];
		await sshd?.stop();
		rmSync(root, {recursive: true, force: true});
	});

	async function setUp(overrides: Record<string, unknown> = {}): Promise<Config> {
		production = await startProduction(sshd);
		const seeded = seedBankroll(database, PASSWORD);
		return production.config({
			database: {host: '127.0.0.1', port: database.port, user: seeded.user, name: seeded.name, passwordEnv: PASSWORD_ENV, backupDir: production.backupDir},
			...overrides,
		});
	}

	function runEngine(config: Config, hook: (event: RunEvent, engine: Engine) => void = () => {}, extraFlags: Partial<RunFlags> = {}): Promise<EngineRun> {
		return runThroughSession(config, {flags: {target: production.app.good, ...extraFlags}, runsDir: production.runsDir, secrets: [PASSWORD], hook});
	}

	/** Cuts the connection (kills the session's sshd) once the named command of a step is running. */
	function cutDuring(stepId: StepId, commandPrefix: string) {
		let done = false;
		return (event: RunEvent) => {
			if (done || event.type !== 'command-started' || event.stepId !== stepId || !event.commandId.startsWith(commandPrefix)) return;
			done = true;
			setTimeout(() => sshd.killSessions(), CUT_DELAY_MS);
		};
	}

	const state = () => ({
		head: execFileSync('git', ['rev-parse', 'HEAD'], {cwd: production.app.dir, encoding: 'utf8'}).trim(),
		lock: existsSync(path.join(production.app.dir, '.git', 'rewind.lock')),
		partials: existsSync(production.backupDir)
			? readdirSync(production.backupDir).filter(name => name.startsWith('.rewind-backup.') || name.includes('.partial'))
			: [],
		backups: existsSync(production.backupDir) ? readdirSync(production.backupDir).filter(name => name.endsWith('.sql.gz')) : [],
		/** The prebuild's worktree (removed when a run ends, whatever ends it). */
		prebuild: existsSync(path.join(production.app.dir, '.git', 'rewind', 'prebuild')),
	});
	const started = (events: RunEvent[], stepId: StepId) => events.some(event => event.type === 'step-started' && event.stepId === stepId);
	const failedStep = (events: RunEvent[]) => events.find((event): event is Extract<RunEvent, {type: 'step-failed'}> => event.type === 'step-failed');
	const hintIds = (events: RunEvent[]) => events.filter(event => event.type === 'hint').map(event => event.hint.id);
	const journalOf = (result: RunResult) => readFileSync(result.journalPath!, 'utf8');
	const finalCriterion = (run: EngineRun, id: string) =>
		(run.events.find(event => event.type === 'run-finished') as Extract<RunEvent, {type: 'run-finished'}>).criteria.find(criterion => criterion.id === id);

	/** Files under the server's temp dirs (this machine's /tmp and $TMPDIR) that contain `text`. */
	function tmpFilesContaining(text: string): string[] {
		const found: string[] = [];
		const walk = (dir: string, depth: number) => {
			let entries;
			try {
				entries = readdirSync(dir, {withFileTypes: true});
			} catch {
				return;
			}
			for (const entry of entries) {
				const full = path.join(dir, entry.name);
				if (entry.isDirectory() && depth < 8) walk(full, depth + 1);
				else if (entry.isFile()) {
					try {
						const stats = statSync(full);
						if (stats.mtimeMs >= SUITE_STARTED_MS && stats.size < 4 * 1024 * 1024 && readFileSync(full).includes(text)) found.push(full);
					} catch {}
				}
			}
		};
		for (const dir of new Set([os.tmpdir(), process.env['TMPDIR'] ?? '/tmp', '/tmp'])) walk(dir, 0);
		return found;
	}

	function expectCutRecorded(run: EngineRun, stepId: StepId) {
		const failure = failedStep(run.events);
		expect(failure?.stepId).toBe(stepId);
		expect(failure?.connectionLost).toBe(true);
		expect(run.events.some(event => event.type === 'step-succeeded' && event.stepId === stepId)).toBe(false);
		expect(run.result.exitCode).toBe(1);
		expect(run.result.message).toMatch(/failed: the SSH connection was lost/);
		expect(hintIds(run.events)).toContain('connection-lost');
		expect(journalOf(run.result)).toContain('"connectionLost":true');
	}

	describe('the SSH connection cut', () => {
		it('SSH connection cut :: connect :: exit 1, connection error named, no lock taken, HEAD unchanged', async () => {
			const config = await setUp();
			const before = state();
			const run = await runEngine(config, event => {
				if (event.type !== 'step-started' || event.stepId !== 'connect') return;
				const deadline = Date.now() + 3000;
				const poll = () => (sshd.killSessions() > 0 || Date.now() > deadline ? undefined : setTimeout(poll, 1));
				poll();
			});
			expect(run.result.exitCode).toBe(1);
			expect(failedStep(run.events)?.stepId).toBe('connect');
			expect(run.result.message).toMatch(/Connect failed: SSH connection to .* failed|Connect failed: .*(closed|lost|ECONNRESET|handshake)/i);
			expect(run.events.some(event => event.type === 'step-started' && event.stepId === 'lock')).toBe(false);
			expect(state()).toEqual({...before, lock: false});
			// A cut during the shell's start waits out bounded timeouts (channel open 20 s, shell ready 15 s):
			// under a full suite on 2 cores that once took past 60 s. The bound is the code's, not this test's.
		}, 150_000);

		it('SSH connection cut :: pick target (git log) :: exit 1, step failed, lock released by reconnecting, HEAD unchanged', async () => {
			const config = await setUp();
			faults.slow('git-log');
			const before = state();
			const run = await runEngine(config, cutDuring('pick-target', 'resolve'));
			expectCutRecorded(run, 'pick-target');
			expect(state()).toEqual({...before, lock: false});
			expect(run.output).toContain('Reconnecting to clean up on the server (release the rollback lock)');
			expect(started(run.events, 'reset')).toBe(false);
		});

		it('SSH connection cut :: backup :: exit 1, the partial dump never counted, the orphaned dump stopped, HEAD unchanged, lock released', async () => {
			const config = await setUp();
			faults.slow('mysqldump');
			const before = state();
			const run = await runEngine(config, cutDuring('backup', 'backup'));
			expectCutRecorded(run, 'backup');
			expect(run.result.facts.backup).toBeUndefined();
			expect(started(run.events, 'reset')).toBe(false);
			const after = state();
			expect(after.head).toBe(before.head);
			expect(after.lock).toBe(false);
			expect(after.backups).toEqual([]);
			expect(journalOf(run.result)).toMatch(/kill -TERM -- -\d+/);
		});

		it('SSH connection cut :: reset :: exit 1, reset never marked done, HEAD is the start or the target (never half), told to resume, lock released', async () => {
			const config = await setUp();
			faults.slow('git-reset');
			const before = state();
			const run = await runEngine(config, cutDuring('reset', 'reset'));
			expectCutRecorded(run, 'reset');
			expect(run.output).toContain('it may have finished on the server or not');
			expect([before.head, production.app.good]).toContain(state().head);
			expect(state().lock).toBe(false);
			expect(started(run.events, 'build')).toBe(false);
		});

		it('SSH connection cut :: prebuild :: exit 1, HEAD unchanged (nothing live changed), the worktree removed over a new connection, lock released', async () => {
			const config = await setUp({build: {commands: ['sleep 1.5 && node build.mjs']}});
			const before = state();
			const run = await runEngine(config, cutDuring('prebuild', 'prebuild-1'));
			expectCutRecorded(run, 'prebuild');
			expect(state()).toMatchObject({head: before.head, lock: false, prebuild: false});
			expect(started(run.events, 'reset')).toBe(false);
		});

		it('SSH connection cut :: build :: exit 1, HEAD at the target, no reload ran, lock released', async () => {
			const config = await setUp({build: {commands: ['sleep 1.5 && node build.mjs'], prebuild: false}});
			const reloads = production.site.reloads;
			const run = await runEngine(config, cutDuring('build', 'build-1'));
			expectCutRecorded(run, 'build');
			expect(state()).toMatchObject({head: production.app.good, lock: false});
			expect(started(run.events, 'reload')).toBe(false);
			expect(production.site.reloads).toBe(reloads);
		});

		it('SSH connection cut :: reload :: exit 1, HEAD at the target, verification not run, lock released', async () => {
			const config = await setUp();
			const slowReload = {...config, reload: {method: 'command' as const, command: `sleep 1.5 && touch ${production.wsgiPath}`}};
			const run = await runEngine(slowReload, cutDuring('reload', 'command'));
			expectCutRecorded(run, 'reload');
			expect(state()).toMatchObject({head: production.app.good, lock: false});
			expect(started(run.events, 'verify')).toBe(false);
		});

		it('SSH connection cut :: verify :: exit 1, verification never marked passed, HEAD at the target, lock released', async () => {
			const config = await setUp();
			const cut = cutDuring('verify', 'head');
			const run = await runEngine(config, event => {
				// Slow only verify's own `git rev-parse HEAD` (sent ahead behind the reload's command), so the cut lands while it runs.
				if (event.type === 'step-started' && event.stepId === 'reload') faults.slow('git-rev-parse-head');
				cut(event);
			});
			expectCutRecorded(run, 'verify');
			expect(state()).toMatchObject({head: production.app.good, lock: false});
		});
	});

	describe('failures of the server', () => {
		it('a database rewind cannot use :: preflight :: exit 1 naming database.name, before the picker: no backup, no reset, HEAD unchanged', async () => {
			const config = await setUp();
			const broken = {...config, database: {...config.database!, name: `${config.database!.name}_missing`}};
			const before = state();
			const run = await runEngine(broken);
			expect(run.result.exitCode).toBe(1);
			expect(run.result.message).toMatch(/The database cannot be reached: .*Access denied for user .* to database.*Check database\.name/);
			expect(started(run.events, 'pick-target')).toBe(false);
			expect(started(run.events, 'reset')).toBe(false);
			expect(state()).toMatchObject({head: before.head, lock: false, backups: []});
		});

		it('build failing :: prebuild :: exit 1, the failing output and the hint shown, nothing live changed: HEAD unchanged, no reload, the worktree removed', async () => {
			const config = await setUp({build: {commands: [`node -e "console.error('npm ERR! code ENOTEMPTY'); process.exit(1)"`]}});
			const before = state();
			const reloads = production.site.reloads;
			const run = await runEngine(config);
			expect(run.result.exitCode).toBe(1);
			expect(failedStep(run.events)).toMatchObject({stepId: 'prebuild', error: expect.stringContaining('npm ERR! code ENOTEMPTY')});
			expect(hintIds(run.events)).toContain('npm-corrupted-install');
			expect(run.result.message).toContain('This run changed nothing on the server');
			expect(started(run.events, 'reset')).toBe(false);
			expect(production.site.reloads).toBe(reloads);
			expect(state()).toMatchObject({head: before.head, lock: false, prebuild: false});
			// The verified backup taken before it is kept.
			expect(state().backups).toHaveLength(before.backups.length + 1);
		});

		it('build failing :: build :: exit 1, the failing output and the hint shown, no reload, HEAD at the target', async () => {
			const config = await setUp({build: {commands: [`node -e "console.error('npm ERR! code ENOTEMPTY'); process.exit(1)"`], prebuild: false}});
			const run = await runEngine(config);
			expect(run.result.exitCode).toBe(1);
			expect(failedStep(run.events)?.error).toContain('npm ERR! code ENOTEMPTY');
			expect(hintIds(run.events)).toContain('npm-corrupted-install');
			expect(started(run.events, 'reload')).toBe(false);
			expect(state()).toMatchObject({head: production.app.good, lock: false});
		});

		it('site answering 500 :: verify :: exit 1, verification failed with the status and a hint, HEAD at the target', async () => {
			const config = await setUp({site: {timeoutSeconds: 1}});
			production.site.mode = {failStatus: 500};
			const run = await runEngine(config);
			expect(run.result.outcome).toBe('verification-failed');
			expect(run.result.exitCode).toBe(1);
			expect(run.result.message).toContain('the site answered 500');
			expect(hintIds(run.events)).toContain('site-server-error');
			expect(state()).toMatchObject({head: production.app.good, lock: false});
			const finished = readJournal(run.result.journalPath!).events.find(event => event.type === 'run-finished') as Extract<RunEvent, {type: 'run-finished'}>;
			expect(finished.criteria.find(criterion => criterion.id === 'site-status')?.status).toBe('fail');
		});
	});

	describe('SIGINT (Ctrl+C without a terminal)', () => {
		/** Runs the CLI and sends SIGINT once a line matching `when` is printed. */
		async function interrupt(configFile: string, when: RegExp): Promise<CliResult & {signalled: boolean}> {
			let signalled = false;
			const result = await runCli(['--config', configFile, '--target', production.app.good, '--yes'], {
				env: {[PASSWORD_ENV]: PASSWORD},
				onStdout: (text: string, child: ChildProcess) => {
					if (!signalled && when.test(text)) {
						signalled = true;
						child.kill('SIGINT');
					}
				},
			});
			return {...result, signalled};
		}

		const writeConfig = (config: Config) =>
			writeConfigFile(path.join(production.root, 'rewind.config.yaml'), config, {passwordEnv: PASSWORD_ENV, runsDir: production.runsDir});

		function expectInterrupted(result: CliResult & {signalled: boolean}) {
			expect(result.signalled).toBe(true);
			expect(result.code).toBe(130);
			expect(result.stderr).toContain('stopping at the next safe point');
			expect(result.stdout).toContain('Result: INTERRUPTED');
			const journalFile = /Journal: (\S+)/.exec(result.stdout)![1]!;
			const journal = readJournal(journalFile);
			expect(journal.outcome).toBe('interrupted');
			expect(journal.events.some(event => event.type === 'stop-requested')).toBe(true);
			expect(state().lock).toBe(false);
			return journal;
		}

		const cases: Array<{step: string; slow?: Parameters<Faults['slow']>[0]; overrides?: Record<string, unknown>; when: RegExp; head: 'unchanged' | 'target'}> =
			[
				{step: 'connect', when: /\$ ssh /, head: 'unchanged'},
				{step: 'pick target (git log)', slow: 'git-log', when: /\$ cd .* log -1 /, head: 'unchanged'},
				{step: 'backup', slow: 'mysqldump', when: /\$ mysqldump .* \| gzip/, head: 'unchanged'},
				{step: 'reset', slow: 'git-reset', when: /\$ cd .* && git reset --hard [0-9a-f]{40} \(guarded/, head: 'target'},
				{
					step: 'prebuild',
					overrides: {build: {commands: ['sleep 1.5 && node build.mjs']}},
					when: /\$ cd .*\/\.git\/rewind\/prebuild && sleep 1\.5 && node build/,
					head: 'unchanged',
				},
				{
					step: 'build',
					overrides: {build: {commands: ['sleep 1.5 && node build.mjs'], prebuild: false}},
					when: /\$ cd .* sleep 1\.5 && node build/,
					head: 'target',
				},
				{step: 'reload', overrides: {reload: 'slow'}, when: /\$ cd .* sleep 1\.5 && touch/, head: 'target'},
				{step: 'verify', slow: 'git-rev-parse-head', when: /✓ Reload app/, head: 'target'},
			];
		for (const testCase of cases) {
			const expectation =
				testCase.head === 'unchanged'
					? 'exit 130, stopped before the reset, HEAD unchanged, lock released, journal says interrupted'
					: testCase.step === 'reset'
						? 'exit 130, the reset finishes (never cut in half), then stops; lock released, journal says interrupted'
						: 'exit 130, HEAD at the target, lock released, journal says interrupted';
			it(`SIGINT :: ${testCase.step} :: ${expectation}`, async () => {
				const {reload: slowReload, ...overrides} = testCase.overrides ?? {};
				const config = await setUp(overrides);
				const withReload = slowReload ? {...config, reload: {method: 'command' as const, command: `sleep 1.5 && touch ${production.wsgiPath}`}} : config;
				if (testCase.slow) faults.slow(testCase.slow);
				const before = state();
				const result = await interrupt(writeConfig(withReload), testCase.when);
				const journal = expectInterrupted(result);
				expect(state().head).toBe(testCase.head === 'unchanged' ? before.head : production.app.good);
				expect(state().prebuild).toBe(false);
				if (testCase.step === 'reset') {
					expect(journal.succeededSteps).toContain('reset');
					expect(result.stdout).toContain('must not be cut in half');
				}
			});
		}
	});

	describe('the server’s state and other operators', () => {
		it('dirty working tree :: preflight :: with --yes the changes are saved (patch, untracked archive, stash) before the reset', async () => {
			const config = await setUp();
			writeFileSync(path.join(production.app.dir, 'app.py'), '# hotfix made on the server\n');
			writeFileSync(path.join(production.app.dir, 'notes.txt'), 'untracked notes\n');
			const run = await runEngine(config);
			expect(run.result.outcome).toBe('succeeded');
			const dirty = run.result.facts.dirty!;
			expect(readFileSync(dirty.patchPath!, 'utf8')).toContain('+# hotfix made on the server');
			expect(execFileSync('tar', ['-tzf', dirty.untrackedArchive!], {encoding: 'utf8'})).toContain('notes.txt');
			expect(execFileSync('git', ['stash', 'list'], {cwd: production.app.dir, encoding: 'utf8'})).toContain(`rewind ${run.result.runId}: before rollback`);
			expect(execFileSync('git', ['show', `${dirty.stashCommit}:app.py`], {cwd: production.app.dir, encoding: 'utf8'})).toBe('# hotfix made on the server\n');
			expect(readFileSync(run.result.reportPath!, 'utf8')).toContain(dirty.patchPath!);
		});

		it('dirty working tree :: preflight :: without --yes and without a terminal, refused (exit 3) and the files left untouched', async () => {
			const config = await setUp();
			writeFileSync(path.join(production.app.dir, 'app.py'), '# hotfix made on the server\n');
			const before = state();
			const run = await runEngine(config, () => {}, {yes: false});
			expect(run.result.exitCode).toBe(3);
			expect(run.result.message).toContain('uncommitted changes');
			expect(readFileSync(path.join(production.app.dir, 'app.py'), 'utf8')).toBe('# hotfix made on the server\n');
			expect(state()).toEqual({...before, lock: false});
		});

		it('a concurrent second run :: lock :: the second is refused (exit 3) naming the holder; the first completes', async () => {
			const config = await setUp();
			faults.slow('mysqldump');
			let second: EngineRun | undefined;
			const first = await runEngine(config, event => {
				if (event.type === 'step-started' && event.stepId === 'backup' && !second) {
					second = {} as EngineRun;
					void runEngine(config).then(run => (second = run));
				}
			});
			expect(first.result.outcome).toBe('succeeded');
			for (let wait = 0; wait < 200 && !second?.result; wait++) await new Promise(resolve => setTimeout(resolve, 25));
			expect(second!.result.exitCode).toBe(3);
			expect(second!.result.message).toMatch(new RegExp(`Another rollback holds the lock on the server: .*run ${first.result.runId}`));
			expect(state().lock).toBe(false);
		});

		it('a stale lock :: lock :: refused (exit 3) unless --take-over-stale-lock, and the takeover is logged', async () => {
			const config = await setUp();
			const lockDir = path.join(production.app.dir, '.git', 'rewind.lock');
			mkdirSync(lockDir);
			const old = {
				runId: 'old-run',
				operator: 'bob@laptop',
				localHost: 'laptop',
				pid: 4242,
				startedAt: new Date(Date.now() - 3 * 3600_000).toISOString(),
				reason: 'rollback of bankroll',
			};
			writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify(old));
			const refused = await runEngine(config);
			expect(refused.result.exitCode).toBe(3);
			expect(refused.result.message).toContain('--take-over-stale-lock');
			expect(existsSync(lockDir)).toBe(true);
			const taken = await runEngine(config, () => {}, {takeOverStaleLock: true});
			expect(taken.result.outcome).toBe('succeeded');
			expect(journalOf(taken.result)).toContain('Took over the stale lock of bob@laptop (pid 4242, run old-run)');
			expect(taken.result.facts.lock?.takenOver?.runId).toBe('old-run');
			expect(state().lock).toBe(false);
		});
	});

	describe('nothing lost, nothing hung', () => {
		/** Processes whose command line contains `text` (what this test started on the "server"). */
		const processesWith = (text: string) =>
			readdirSync('/proc')
				.filter(entry => /^\d+$/.test(entry))
				.flatMap(pid => {
					try {
						const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
						return cmdline.includes(text) && !cmdline.includes('vitest') && !cmdline.includes(BIN) ? [Number(pid)] : [];
					} catch {
						return [];
					}
				});
		const eventually = async (check: () => boolean, timeoutMs = 10_000) => {
			const deadline = Date.now() + timeoutMs;
			for (let attempt = 0; Date.now() < deadline && attempt < 1000 && !check(); attempt++) await new Promise(resolve => setTimeout(resolve, 20));
			return check();
		};
		const journalClosed = (file: string) => readJournal(file).events.at(-1)?.type === 'run-finished';

		async function hangUp(configFile: string, when: RegExp): Promise<CliResult & {signalled: boolean}> {
			let signalled = false;
			const result = await runCli(['--config', configFile, '--target', production.app.good, '--yes'], {
				env: {[PASSWORD_ENV]: PASSWORD},
				onStdout: (text: string, child: ChildProcess) => {
					if (!signalled && when.test(text)) {
						signalled = true;
						child.kill('SIGHUP');
					}
				},
			});
			return {...result, signalled};
		}

		const writeConfig = (config: Config) =>
			writeConfigFile(path.join(production.root, 'rewind.config.yaml'), config, {passwordEnv: PASSWORD_ENV, runsDir: production.runsDir});

		it('hang-up (SIGHUP) :: backup :: exit 130, report.md and a closed journal, lock released, the dump stopped on the server, no dump or helper file left', async () => {
			const config = await setUp();
			faults.slow('mysqldump');
			const before = state();
			const result = await hangUp(writeConfig(config), /\$ mysqldump .* \| gzip/);
			expect(result.signalled).toBe(true);
			expect(result.code).toBe(130);
			expect(result.stderr).toContain('the terminal closed (SIGHUP)');
			const journal = /Journal: (\S+)/.exec(result.stdout)![1]!;
			expect(journalClosed(journal)).toBe(true);
			expect(existsSync(/Report: (\S+)/.exec(result.stdout)![1]!)).toBe(true);
			expect(state()).toEqual({...before, lock: false, partials: [], backups: []});
			expect(await eventually(() => processesWith(config.database!.name).length === 0)).toBe(true);
		});

		it('hang-up (SIGHUP) :: prebuild :: exit 130, HEAD unchanged, the build’s processes stopped on the server, the worktree removed, lock released', async () => {
			const tag = `rewind-prebuild-${Date.now()}`;
			const config = await setUp({build: {commands: [`sh -c 'sleep 30; true' ${tag} && node build.mjs`]}});
			const before = state();
			const result = await hangUp(writeConfig(config), /\$ cd .*prebuild && sh -c 'sleep 30; true'/);
			expect(result.code).toBe(130);
			expect(journalClosed(/Journal: (\S+)/.exec(result.stdout)![1]!)).toBe(true);
			expect(state()).toMatchObject({head: before.head, lock: false, prebuild: false});
			expect(await eventually(() => processesWith(tag).length === 0)).toBe(true);
		});

		it('hang-up (SIGHUP) :: build :: exit 130, HEAD at the target, report.md and a closed journal, lock released, the build’s processes stopped on the server', async () => {
			const tag = `rewind-build-${Date.now()}`;
			const config = await setUp({build: {commands: [`sh -c 'sleep 30; true' ${tag} && node build.mjs`], prebuild: false}});
			const result = await hangUp(writeConfig(config), /\$ cd .* sh -c 'sleep 30; true'/);
			expect(result.code).toBe(130);
			expect(journalClosed(/Journal: (\S+)/.exec(result.stdout)![1]!)).toBe(true);
			expect(existsSync(/Report: (\S+)/.exec(result.stdout)![1]!)).toBe(true);
			expect(state()).toMatchObject({head: production.app.good, lock: false});
			expect(await eventually(() => processesWith(tag).length === 0)).toBe(true);
		});

		it('remote process death :: backup :: the backup’s shell SIGKILLed on the server: the step fails within 30 s, no dump left, the password in no file, lock released', async () => {
			const config = await setUp();
			// Long enough for the dump's process to be found and killed on a loaded machine.
			faults.slow('mysqldump', 6);
			let killedAt = 0;
			let failedAt = 0;
			let duringBackup: string[] | undefined;
			const run = await runEngine(config, event => {
				if (event.type === 'command-started' && event.commandId.startsWith('backup#')) {
					// The command's shell: the leader of the process group the dump runs in. A process that
					// ends while it is looked at (a short-lived helper) is skipped: the next look finds the dump.
					const ownStat = readFileSync('/proc/self/stat', 'utf8');
					const ownGroup = Number(ownStat.slice(ownStat.lastIndexOf(')') + 2).split(' ')[2]);
					const killLeader = () => {
						for (const pid of processesWith(config.database!.name)) {
							try {
								const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
								const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
								if (group <= 1 || group === ownGroup) continue;
								process.kill(group, 'SIGKILL');
								killedAt = Date.now();
								// Read at once, before this process lets the engine see the failure and clean up: the temp
								// files as they were while the dump ran (a SIGKILLed shell removes nothing).
								duringBackup = tmpFilesContaining(PASSWORD);
								return true;
							} catch {
								// Gone meanwhile: try the next one.
							}
						}
						return false;
					};
					// The dump sleeps 6 s before it starts: found within that, with room for a loaded machine.
					void eventually(killLeader, 20_000);
				}
				if (event.type === 'step-failed' && event.stepId === 'backup') failedAt = Date.now();
			});
			expect(killedAt).toBeGreaterThan(0);
			expect(duringBackup).toEqual([]);
			expect(failedAt - killedAt).toBeLessThan(30_000);
			expect(run.result.exitCode).toBe(1);
			expect(run.result.message).toMatch(/Back up database failed: .*(killed on the server|did not finish)/);
			expect(state()).toMatchObject({lock: false, partials: [], backups: []});
			expect(tmpFilesContaining(PASSWORD)).toEqual([]);
		});

		/** A small filesystem for the backup dir (tmpfs; where mounting is not allowed, a file-size limit on tee). */
		async function smallBackupDir(bytes: number): Promise<{dir: string; limited: 'tmpfs' | 'ulimit'; free: () => number; release: () => void}> {
			const dir = path.join(root, `small-${Date.now()}`);
			mkdirSync(dir);
			try {
				execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil(bytes / 4096) * 4}k,mode=700`, 'tmpfs', dir], {stdio: 'ignore'});
				return {dir, limited: 'tmpfs', free: () => statfsSync(dir).bavail * statfsSync(dir).bsize, release: () => execFileSync('umount', [dir])};
			} catch {
				faults.limitTee(Math.floor(bytes / 1024));
				return {dir, limited: 'ulimit', free: () => statfsSync(dir).bavail * statfsSync(dir).bsize, release: () => {}};
			}
		}

		/** A database of incompressible rows: the dump's real size is far above the usual estimate. */
		function seedBlobs(name: string, rows: number): {dataLength: number; dumpBytes: number} {
			database.sql(
				`CREATE TABLE blobs (id INT AUTO_INCREMENT PRIMARY KEY, data BLOB) ENGINE=InnoDB; INSERT INTO blobs (data) SELECT RANDOM_BYTES(1024) FROM seq_1_to_${rows}; ANALYZE TABLE blobs;`,
				name,
			);
			const dataLength = Number(database.sql(`SELECT SUM(DATA_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${name}';`).trim());
			const server = inject('mariadb')!;
			const dumpBytes = Number(
				execFileSync(
					'sh',
					['-c', `mysqldump --no-defaults --socket=${server.socket} -u ${server.rootUser} --no-tablespaces --single-transaction '${name}' | gzip -c | wc -c`],
					{encoding: 'utf8'},
				).trim(),
			);
			return {dataLength, dumpBytes};
		}

		it('disk full :: backup :: the reason names the disk and its free space, the partial dump removed, as much free space as before', async () => {
			const config = await setUp();
			const {dataLength, dumpBytes} = seedBlobs(config.database!.name, 3600);
			const estimate = dataLength * 0.6;
			expect(dumpBytes).toBeGreaterThan(estimate * 1.1);
			const small = await smallBackupDir((estimate + dumpBytes) / 2);
			try {
				const freeBefore = small.free();
				const before = state();
				const run = await runEngine({...config, database: {...config.database!, backupDir: small.dir, fingerprint: false}});
				expect(run.result.exitCode).toBe(1);
				if (small.limited === 'tmpfs')
					expect(run.result.message).toMatch(
						new RegExp(`disk full: \\d+\\.\\d MiB free on ${small.dir.replaceAll('/', '\\/')} \\(tee: .*No space left on device\\)`),
					);
				else expect(run.result.message).toMatch(/file size limit of the server’s shell \(ulimit -f\) stopped the dump; .*File too large/);
				expect(readdirSync(small.dir)).toEqual([]);
				expect(small.free()).toBe(freeBefore);
				expect(state()).toEqual({...before, lock: false});
			} finally {
				small.release();
			}
		});

		it('disk full :: preflight :: a backup that cannot fit is refused (exit 3) before anything starts, with the estimate and the free space', async () => {
			const config = await setUp();
			const {dataLength} = seedBlobs(config.database!.name, 3600);
			const small = await smallBackupDir(dataLength * 0.3);
			try {
				if (small.limited === 'ulimit') return void expect(small.limited).toBe('ulimit');
				const run = await runEngine({...config, database: {...config.database!, backupDir: small.dir}});
				expect(run.result.exitCode).toBe(3);
				expect(run.result.message).toMatch(/The backup will not fit: about .* of compressed dump is expected and .* is free in .*; nothing was changed/);
				expect(started(run.events, 'backup')).toBe(false);
				expect(readdirSync(small.dir)).toEqual([]);
			} finally {
				small.release();
			}
		});

		it('ignored files :: save changes :: a settings file untracked-then-ignored and given production values, and a hand edit: both saved before the reset; undo puts both back byte for byte', async () => {
			// This history sits on top of the test deploy: its page keeps the marker.
			const config = await setUp({site: {mustNotContain: []}});
			const git = (...args: string[]) => execFileSync('git', args, {cwd: production.app.dir, encoding: 'utf8'});
			writeFileSync(path.join(production.app.dir, 'settings.py'), 'DEBUG = True\n');
			git('add', 'settings.py');
			git('commit', '-qm', 'Add settings');
			const target = git('rev-parse', 'HEAD').trim();
			git('rm', '-q', '--cached', 'settings.py');
			writeFileSync(path.join(production.app.dir, '.gitignore'), 'dist/\nnode_modules/\n__pycache__/\nsettings.py\n');
			git('commit', '-qam', 'Keep settings out of git');
			const from = git('rev-parse', 'HEAD').trim();
			const settings = "SECRET_KEY = 'production-only'\nDEBUG = False\n";
			writeFileSync(path.join(production.app.dir, 'settings.py'), settings);
			chmodSync(path.join(production.app.dir, 'settings.py'), 0o640);
			const hotfix = '# hotfix made on the server\n';
			writeFileSync(path.join(production.app.dir, 'app.py'), hotfix);

			const rollback = await runEngine(config, () => {}, {target});
			expect(rollback.result.outcome, rollback.result.message).toBe('succeeded');
			expect(rollback.result.facts.atRisk?.files).toEqual(['settings.py']);
			expect(execFileSync('tar', ['-tzf', rollback.result.facts.atRisk!.archive], {encoding: 'utf8'})).toContain('settings.py');
			expect(finalCriterion(rollback, 'uncommitted')).toMatchObject({status: 'pass'});
			expect(finalCriterion(rollback, 'uncommitted')?.detail).toContain('tracked-at-target.tar.gz (1 untracked/ignored file the target tracks)');
			// The reset wrote the old committed settings over the production ones: they are in the archive.
			expect(readFileSync(path.join(production.app.dir, 'settings.py'), 'utf8')).toBe('DEBUG = True\n');

			const undo = await runThroughSession(config, {
				kind: 'undo',
				flags: {target: from},
				runsDir: production.runsDir,
				secrets: [PASSWORD],
				initialFacts: {
					undoOf: {
						runId: rollback.result.runId,
						dirty: rollback.result.facts.dirty!,
						atRisk: rollback.result.facts.atRisk!,
						statusDigestBefore: rollback.result.facts.statusDigestBefore!,
					},
				},
			});
			expect(undo.result.outcome, undo.result.message).toBe('succeeded');
			expect(git('rev-parse', 'HEAD').trim()).toBe(from);
			expect(readFileSync(path.join(production.app.dir, 'settings.py'), 'utf8')).toBe(settings);
			expect(statSync(path.join(production.app.dir, 'settings.py')).mode & 0o777).toBe(0o640);
			expect(readFileSync(path.join(production.app.dir, 'app.py'), 'utf8')).toBe(hotfix);
			expect(finalCriterion(undo, 'restored')).toMatchObject({status: 'pass'});
		});

		it('slow response body :: verify :: headers then one byte a second: a failed attempt, retried within the reload window, in the attempt history', async () => {
			const config = await setUp({site: {requestTimeoutSeconds: 1, timeoutSeconds: 10}});
			production.site.mode = {trickleRequests: 1};
			const run = await runEngine(config);
			expect(run.result.outcome, run.result.message).toBe('succeeded');
			const observations = run.result.facts.http!.observations;
			expect(observations.length).toBeGreaterThanOrEqual(2);
			expect(observations[0]!.note).toMatch(/answered 200 but the page did not arrive within 1 s/);
			expect(observations.at(-1)!.note).toBe('ok');
		});
	});

	describe('host keys', () => {
		it('an unknown host key :: connect :: refused (exit 3) with its fingerprint unless --accept-new-host-key, which records it', async () => {
			const knownHosts = path.join(root, 'empty_known_hosts');
			writeFileSync(knownHosts, '');
			const config = await setUp({ssh: {knownHostsFile: knownHosts}});
			const refused = await runEngine(config);
			expect(refused.result.exitCode).toBe(3);
			expect(refused.result.message).toMatch(/host key of \[127\.0\.0\.1\]:\d+ is not in .* \(ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}\)/);
			expect(refused.result.message).toContain('--accept-new-host-key');
			expect(readFileSync(knownHosts, 'utf8')).toBe('');
			const accepted = await runEngine(config, () => {}, {acceptNewHostKey: true});
			expect(accepted.result.outcome).toBe('succeeded');
			expect(readFileSync(knownHosts, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey.split(' ').slice(0, 2).join(' ')}\n`);
		});

		it('a changed host key :: connect :: refused (exit 3) with a warning and no override, nothing run on the server', async () => {
			const knownHosts = path.join(root, 'changed_known_hosts');
			const otherKey = execFileSync('sh', ['-c', `ssh-keygen -q -t ed25519 -N '' -f ${root}/other && cat ${root}/other.pub`], {encoding: 'utf8'}).split(' ');
			writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${otherKey[0]} ${otherKey[1]}\n`);
			const config = await setUp({ssh: {knownHostsFile: knownHosts}});
			const before = state();
			const run = await runEngine(config, () => {}, {acceptNewHostKey: true});
			expect(run.result.exitCode).toBe(3);
			expect(run.result.message).toMatch(/WARNING: the host key of \[127\.0\.0\.1\]:\d+ has CHANGED/);
			expect(run.result.message).toContain("ssh-keygen -R '[127.0.0.1]:");
			expect(state()).toEqual({...before, lock: false});
		});
	});

	it('docs/fault-matrix.md lists exactly these cases (run `npm run matrix` after changing them)', () => {
		const committed = readFileSync(path.join(ROOT, 'docs', 'fault-matrix.md'), 'utf8');
		expect(committed).toBe(faultMatrixMarkdown(caseNames));
	});
});
