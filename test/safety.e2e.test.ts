/**
 * Safety that is not a single fault: secrets never visible, resume from a journal, roll forward,
 * and the SSH details an operator relies on (agent, passphrases, ~/.ssh/config, dead links).
 */
import {execFileSync, spawn} from 'node:child_process';
import {readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Config} from '../source/core/config/schema.js';
import type {RunResult} from '../source/core/engine.js';
import type {RunEvent} from '../source/core/events.js';
import {readJournal} from '../source/core/journal.js';
import {FlagOperator} from '../source/core/operator.js';
import type {Answer, Question} from '../source/core/questions.js';
import type {RunFlags} from '../source/core/step.js';
import {MARKER} from '../source/rehearsal/app-repo.js';
import {canRun} from './helpers/availability.js';
import {runCli} from './helpers/cli.js';
import {seedBankroll, sharedDatabase, type TestDatabase} from './helpers/database.js';
import {Faults} from './helpers/faults.js';
import {startProduction, writeConfigFile, type Production} from './helpers/production.js';
import {engineFor, runEngine} from './helpers/run.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

const PASSWORD = 'S3cret-Sampled-Pw';
const PASSWORD_ENV = 'REWIND_SAFETY_DB_PASSWORD';

describe.runIf(canRun('safety', ['sshd', 'mariadb']))('safety', () => {
	let sshd: Sshd;
	let faults: Faults;
	let database: TestDatabase;
	let production: Production;
	let root: string;

	beforeAll(async () => {
		root = execFileSync('mktemp', ['-d', '/tmp/rewind-safety-XXXXXX'], {encoding: 'utf8'}).trim();
		faults = new Faults(root, 2);
		sshd = await startSshd({pathPrefix: faults.shims});
		database = sharedDatabase()!;
		process.env[PASSWORD_ENV] = PASSWORD;
	});
	afterEach(async () => {
		faults.clear();
		await production?.stop();
	});
	afterAll(async () => {
		delete process.env[PASSWORD_ENV];
		await sshd?.stop();
		if (root) rmSync(root, {recursive: true, force: true});
	});

	async function setUp(overrides: Record<string, unknown> = {}): Promise<Config> {
		production = await startProduction(sshd);
		const seeded = seedBankroll(database, PASSWORD);
		return production.config({
			database: {host: '127.0.0.1', port: database.port, user: seeded.user, name: seeded.name, passwordEnv: PASSWORD_ENV, backupDir: production.backupDir},
			...overrides,
		});
	}

	async function run(
		config: Config,
		flags: Partial<RunFlags> = {},
		operator?: {ask: <Q extends Question>(q: Q) => Promise<Answer<Q>>},
	): Promise<RunResult & {events: RunEvent[]}> {
		const {result, events} = await runEngine(config, {
			flags: {target: production.app.good, ...flags},
			runsDir: production.runsDir,
			secrets: [PASSWORD],
			...(operator ? {operator} : {}),
		});
		return {...result, events};
	}

	const configFile = (config: Config) =>
		writeConfigFile(path.join(production.root, 'rewind.config.yaml'), config, {passwordEnv: PASSWORD_ENV, runsDir: production.runsDir});

	const head = () => execFileSync('git', ['rev-parse', 'HEAD'], {cwd: production.app.dir, encoding: 'utf8'}).trim();

	it('never shows the database password in the server’s process list, the journal or the report', async () => {
		const config = await setUp();
		faults.slow('mysqldump');
		const seen = new Set<string>();
		let samples = 0;
		let sawDump = false;
		const sampler = setInterval(() => {
			samples++;
			for (const pid of readdirSync('/proc').filter(entry => /^\d+$/.test(entry))) {
				try {
					const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
					if (args.includes('mysqldump')) sawDump = true;
					if (args.includes(PASSWORD)) seen.add(args);
				} catch {}
			}
		}, 20);
		const result = await run(config);
		clearInterval(sampler);
		expect(result.outcome).toBe('succeeded');
		expect(sawDump).toBe(true);
		expect(samples).toBeGreaterThan(50);
		expect([...seen]).toEqual([]);
		const stdoutOfPs = execFileSync('ps', ['-eo', 'args'], {encoding: 'utf8'});
		expect(stdoutOfPs).not.toContain(PASSWORD);
		expect(readFileSync(result.journalPath!, 'utf8')).not.toContain(PASSWORD);
		expect(readFileSync(result.reportPath!, 'utf8')).not.toContain(PASSWORD);
	});

	it('resume continues an interrupted run from the server’s real state: reset checked, backup re-verified, build/reload/verify run', async () => {
		// The build after the reset (no prebuild): the run is stopped with HEAD at the target and the old assets.
		const config = await setUp({build: {commands: ['sleep 1.5 && node build.mjs'], prebuild: false}});
		const file = configFile(config);
		let signalled = false;
		const first = await runCli(['--config', file, '--target', production.app.good, '--yes'], {
			env: {[PASSWORD_ENV]: PASSWORD},
			onStdout: (text, child) => {
				if (!signalled && /\$ cd .* sleep 1\.5 && node build/.test(text)) {
					signalled = true;
					child.kill('SIGINT');
				}
			},
		});
		expect(first.code).toBe(130);
		expect(head()).toBe(production.app.good);
		// The site was never reloaded: it still shows the bad deploy.
		expect(await (await fetch(production.site.url)).text()).toContain(MARKER);

		const resumed = await runCli(['resume', '--config', file, '--yes'], {env: {[PASSWORD_ENV]: PASSWORD}});
		expect(resumed.stderr).toBe('');
		expect(resumed.code).toBe(0);
		expect(resumed.stdout).toContain('rewind resume of bankroll');
		expect(resumed.stdout).toMatch(/Pick target skipped: target [0-9a-f]{7} "Fix rounding in stake totals" from the interrupted run/);
		expect(resumed.stdout).toMatch(/Back up database skipped: the backup of the interrupted run is intact \(sha256 matches\)/);
		expect(resumed.stdout).toContain('Reset skipped: the server is already at the target (checked: HEAD equals it)');
		expect(resumed.stdout).toMatch(/✓ Rebuild assets/);
		expect(resumed.stdout).toMatch(/✓ Verify/);
		expect(await (await fetch(production.site.url)).text()).not.toContain(MARKER);
		const journal = readJournal(/Journal: (\S+)/.exec(resumed.stdout)![1]!);
		expect(journal.kind).toBe('resume');
		expect(journal.outcome).toBe('succeeded');
	});

	it('resume refuses when someone changed the server since (HEAD neither the start nor the target)', async () => {
		const config = await setUp({build: {commands: ['sleep 1.5 && node build.mjs']}});
		const file = configFile(config);
		let signalled = false;
		await runCli(['--config', file, '--target', production.app.good, '--yes'], {
			env: {[PASSWORD_ENV]: PASSWORD},
			onStdout: (text, child) => {
				if (!signalled && /sleep 1\.5 && node build/.test(text)) {
					signalled = true;
					child.kill('SIGINT');
				}
			},
		});
		execFileSync('git', ['reset', '-q', '--hard', production.app.commits[0]!.hash], {cwd: production.app.dir});
		const resumed = await runCli(['resume', '--config', file, '--yes'], {env: {[PASSWORD_ENV]: PASSWORD}});
		expect(resumed.code).toBe(3);
		expect(resumed.stdout).toContain('Someone changed the server since: start a new rollback instead of resuming');
		expect(head()).toBe(production.app.commits[0]!.hash);
	});

	it('undo returns the server to where the rollback started, through the same verified steps', async () => {
		const config = await setUp();
		const file = configFile(config);
		const from = head();
		const rolledBack = await runCli(['--config', file, '--target', production.app.good, '--yes'], {env: {[PASSWORD_ENV]: PASSWORD}});
		expect(rolledBack.code).toBe(0);
		expect(head()).toBe(production.app.good);
		const undone = await runCli(['undo', '--config', file, '--yes'], {env: {[PASSWORD_ENV]: PASSWORD}});
		expect(undone.stderr).toBe('');
		expect(undone.code).toBe(0);
		expect(head()).toBe(from);
		expect(undone.stdout).toMatch(/✓ Back up database: verified/);
		expect(undone.stdout).toMatch(/re-applies 1 commit/);
		// The rollback's checks reversed: the page from before the rollback (with the marker) must be back.
		expect(undone.stdout).toMatch(new RegExp(`✓ Page shows "${MARKER}"`));
		expect(await (await fetch(production.site.url)).text()).toContain(MARKER);
	});

	it('authenticates through ssh-agent when no key file is configured', async () => {
		const config = await setUp();
		const socket = path.join(production.root, 'agent.sock');
		const agent = spawn('ssh-agent', ['-D', '-a', socket], {stdio: 'ignore'});
		try {
			for (let attempt = 0; attempt < 100; attempt++) {
				if (readdirSync(production.root).includes('agent.sock')) break;
				await new Promise(resolve => setTimeout(resolve, 20));
			}
			execFileSync('ssh-add', [sshd.identityFile], {env: {...process.env, SSH_AUTH_SOCK: socket}, stdio: 'ignore'});
			const {identityFile: _unused, ...ssh} = config.ssh;
			const previous = process.env['SSH_AUTH_SOCK'];
			process.env['SSH_AUTH_SOCK'] = socket;
			try {
				const result = await run({...config, ssh: {...ssh, useAgent: true, configFile: path.join(production.root, 'none')}}, {target: production.app.good});
				expect(result.outcome).toBe('succeeded');
			} finally {
				if (previous === undefined) delete process.env['SSH_AUTH_SOCK'];
				else process.env['SSH_AUTH_SOCK'] = previous;
			}
		} finally {
			agent.kill();
		}
	});

	it('asks for the passphrase of an encrypted key (three tries), and takes REWIND_SSH_PASSPHRASE without a terminal', async () => {
		const config = await setUp();
		// Kept outside the production folder, which the second half replaces.
		const encrypted = path.join(faults.dir, 'encrypted_key');
		execFileSync('cp', ['-f', sshd.identityFile, encrypted]);
		execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'correct horse', '-f', encrypted]);
		const asked: string[] = [];
		const answers = ['wrong', 'correct horse'];
		const operator = {
			async ask<Q extends Question>(question: Q): Promise<Answer<Q>> {
				asked.push(question.kind);
				if (question.kind === 'passphrase') return answers.shift() as Answer<Q>;
				return new FlagOperator({yes: true, acceptNewHostKey: false, takeOverStaleLock: false}).ask(question, new AbortController().signal);
			},
		};
		const withKey = {...config, ssh: {...config.ssh, identityFile: encrypted}};
		const result = await run(withKey, {}, operator);
		expect(result.outcome).toBe('succeeded');
		expect(asked.filter(kind => kind === 'passphrase')).toHaveLength(2);
		expect(readFileSync(result.journalPath!, 'utf8')).not.toContain('correct horse');
		expect(readFileSync(result.journalPath!, 'utf8')).toContain('"question":"passphrase","answer":"given"');

		await production.stop();
		const again = await setUp();
		const file = configFile({...again, ssh: {...again.ssh, identityFile: encrypted}});
		const cli = await runCli(['--config', file, '--target', production.app.good, '--yes'], {
			env: {[PASSWORD_ENV]: PASSWORD, REWIND_SSH_PASSPHRASE: 'correct horse'},
		});
		expect(cli.code).toBe(0);
	});

	it('honours an alias from ~/.ssh/config (HostName, Port, User, IdentityFile)', async () => {
		const config = await setUp();
		const sshConfig = path.join(production.root, 'ssh_config');
		writeFileSync(sshConfig, `Host prod-bankroll\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.identityFile}\n`);
		const result = await run({
			...config,
			ssh: {
				host: 'prod-bankroll',
				knownHostsFile: sshd.knownHostsFile,
				configFile: sshConfig,
				keepaliveSeconds: 10,
				connectTimeoutSeconds: 20,
				stallSeconds: 30,
				useAgent: false,
			},
		});
		expect(result.outcome).toBe('succeeded');
		expect(result.facts.sshTarget).toBe(`${sshd.user}@127.0.0.1:${sshd.port}`);
	});

	it('notices a dead link through keepalives and marks the running step failed', async () => {
		const config = await setUp({ssh: {keepaliveSeconds: 1}, build: {commands: ['sleep 30']}});
		let frozen: number[] = [];
		const started = Date.now();
		let frozenAt = 0;
		const engine = engineFor(config, {flags: {target: production.app.good}, runsDir: production.runsDir});
		let lostAt = 0;
		engine.subscribe(event => {
			if (event.type === 'command-started' && event.stepId === 'build' && frozen.length === 0) {
				// The network goes silent: the server's side stops answering, the TCP connection stays open.
				frozen = sshd.sessionPids();
				frozenAt = Date.now();
				for (const pid of frozen) process.kill(pid, 'SIGSTOP');
			}
			if (event.type === 'step-failed' && event.stepId === 'build') lostAt = Date.now();
		});
		try {
			const result = await engine.run();
			expect(result.exitCode).toBe(1);
			expect(lostAt - frozenAt).toBeGreaterThan(1000);
			expect(lostAt - frozenAt).toBeLessThan(10_000);
			expect(result.message).toContain('the SSH connection was lost');
		} finally {
			for (const pid of frozen) {
				try {
					process.kill(pid, 'SIGKILL');
					process.kill(pid, 'SIGCONT');
				} catch {}
			}
		}
		expect(Date.now() - started).toBeLessThan(60_000);
	});
});
