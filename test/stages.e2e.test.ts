/**
 * Stages against a real OpenSSH sshd: one config file whose base is production and whose stages
 * name staging (its own checkout, site and WSGI file) and production. Without --stage rewind stops
 * before connecting, naming the stages; `--stage staging` rolls back staging only, says so in every
 * output, the report, the journal and the release history; the undo of that run works on staging too.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import {canRun} from './helpers/availability.js';
import {inTerminal, runCli} from './helpers/cli.js';
import {KEY, plain, waitForFrame, waitForText} from './helpers/ink.js';
import {startProduction, writeConfigFile, type Production} from './helpers/production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

const head = (dir: string) => execFileSync('git', ['rev-parse', 'HEAD'], {cwd: dir, encoding: 'utf8'}).trim();

describe.runIf(canRun('stages', ['sshd']))('stages: staging and production in one config', () => {
	let sshd: Sshd;
	let production: Production;
	let staging: Production;
	let file: string;

	beforeAll(async () => {
		sshd = await startSshd();
		production = await startProduction(sshd);
		staging = await startProduction(sshd, {appDirName: 'staging-app', wsgiName: 'staging_wsgi.py'});
		file = path.join(production.root, 'rewind.config.yaml');
		// The base is production's, as a team that added staging later keeps it; the stages say what differs.
		writeConfigFile(file, production.config(), {runsDir: production.runsDir});
		const base = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
		const ssh = base['ssh'] as {host: string; port: number; user: string; identityFile: string};
		base['stages'] = {
			staging: {
				// A named server's connection is its own (user and key too): nothing of the base's ssh is assumed for it.
				servers: [{host: ssh.host, port: ssh.port, user: ssh.user, identityFile: ssh.identityFile, app: {dir: staging.app.dir}, site: {url: staging.site.url}}],
				reload: {path: staging.wsgiPath},
			},
			production: {},
		};
		writeFileSync(file, stringify(base));
	});
	afterAll(async () => {
		await staging?.stop();
		await production?.stop();
		await sshd?.stop();
	});

	it('without --stage: exit 2 before connecting, naming the stages; neither checkout moves', async () => {
		const before = [head(production.app.dir), head(staging.app.dir)];
		const result = await runCli(['--config', file, '--target', production.app.good, '--yes', '--json']);
		expect(result.code).toBe(2);
		const event = JSON.parse(result.stdout.trim().split('\n')[0]!) as {type: string; exitCode: number; message: string};
		expect(event).toMatchObject({type: 'run-refused', exitCode: 2});
		expect(event.message).toContain('2 stages (staging, production)');
		expect(event.message).toContain('--stage NAME');
		expect([head(production.app.dir), head(staging.app.dir)]).toEqual(before);
		// An unknown stage, and --stage where it does not belong, are refused the same way.
		const unknown = await runCli(['--config', file, '--stage', 'prod', '--target', production.app.good, '--yes']);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('its stages are staging, production');
	});

	it('--stage staging rolls back staging only, with the stage in the JSON stream, the report, the journal and the history; its undo works on staging', async () => {
		const productionBefore = head(production.app.dir);
		expect(head(staging.app.dir)).toBe(staging.app.bad);
		const result = await runCli(['--config', file, '--stage', 'staging', '--target', staging.app.good, '--yes', '--json', '--reason', 'staging drill']);
		expect(result.code, result.stderr).toBe(0);
		const events = result.stdout
			.trim()
			.split('\n')
			.map(line => JSON.parse(line) as {type: string; identity?: {stage?: string}; reportPath?: string; journalPath?: string});
		expect(events[0]).toMatchObject({type: 'run-started', identity: {stage: 'staging'}});
		expect(head(staging.app.dir)).toBe(staging.app.good);
		expect(head(production.app.dir)).toBe(productionBefore);
		const finished = events.at(-1)!;
		expect(readFileSync(finished.reportPath!, 'utf8')).toContain('**Stage:** staging');
		expect(readFileSync(finished.journalPath!, 'utf8').split('\n')[0]).toContain('"stage":"staging"');
		const history = readFileSync(path.join(staging.app.dir, '.git', 'rewind-history.jsonl'), 'utf8')
			.trim()
			.split('\n');
		expect(JSON.parse(history.at(-1)!)).toMatchObject({to: staging.app.good, outcome: 'succeeded', stage: 'staging'});

		// The undo takes the stage from the journal (no --stage given); production is still untouched.
		const undo = await runCli(['undo', '--config', file, '--journal', finished.journalPath!, '--yes', '--plain']);
		expect(undo.code, undo.stderr).toBe(0);
		expect(undo.stdout).toContain('[stage staging]');
		expect(head(staging.app.dir)).toBe(staging.app.bad);
		expect(head(production.app.dir)).toBe(productionBefore);
		// With several stages an undo names the stage (or the run): rewind does not pick the last run's environment for you.
		const unnamed = await runCli(['undo', '--config', file, '--yes']);
		expect(unnamed.code).toBe(2);
		expect(unnamed.stderr).toContain(
			'defines 2 stages (staging, production): name the stage whose last run to undo with --stage NAME, or the run with --journal PATH',
		);
		// Naming another stage than the run's is refused.
		const mismatch = await runCli(['undo', '--config', file, '--journal', finished.journalPath!, '--stage', 'production', '--yes']);
		expect(mismatch.code).toBe(2);
		expect(mismatch.stderr).toContain('worked on stage staging');
		// A config that now names another server for the run's stage: the undo is refused, not sent there.
		const moved = path.join(production.root, 'moved.yaml');
		const changed = parse(readFileSync(file, 'utf8')) as {stages: {staging: {servers: Array<{host: string}>}}};
		changed.stages.staging.servers[0]!.host = 'localhost';
		writeFileSync(moved, stringify(changed));
		const elsewhere = await runCli(['undo', '--config', moved, '--journal', finished.journalPath!, '--yes']);
		expect(elsewhere.code, `${elsewhere.stdout}${elsewhere.stderr}`).toBe(2);
		expect(elsewhere.stderr).toContain('worked on 127.0.0.1');
		expect(elsewhere.stderr).toContain('now names localhost');
	});

	it('at a terminal without --stage: the first screen asks which stage; the run that follows names it on its header and in the confirmation', async () => {
		const run = inTerminal(['--config', file]);
		const lock = path.join(staging.app.dir, '.git', 'rewind.lock');
		try {
			await waitForText(() => plain(run.output()), 'Which environment do you roll back?', 20_000);
			expect(plain(run.output())).toMatch(/❯ staging\s+production/);
			// A key typed while the list loads, then Enter: staging (the first) is chosen only by Enter.
			run.type(KEY.down);
			run.type(KEY.up);
			run.type(KEY.enter);
			await waitForText(() => plain(run.output()), 'HEAD (live now)', 30_000);
			expect(plain(run.output())).toContain('[stage staging]');
			expect(existsSync(lock)).toBe(true);
			// The confirmation names the environment it resets.
			run.type('j');
			await waitForText(() => plain(run.output()), 'undoes 1 commit', 20_000);
			run.type(KEY.enter);
			await waitForText(() => plain(run.output()), 'Reset the staging server from', 20_000);
		} finally {
			run.kill();
			await run.closed;
			// The run's exit path (the pty's hang-up) releases the staging lock; the next test must not meet it.
			await waitForFrame(
				() => (existsSync(lock) ? 'held' : 'released'),
				screen => screen === 'released',
				{timeout: 30_000, what: 'the lock released'},
			);
		}
		expect(existsSync(path.join(production.app.dir, '.git', 'rewind.lock'))).toBe(false);
	});
});
