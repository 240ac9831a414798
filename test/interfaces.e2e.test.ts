/**
 * The other ways of running rewind, as the built CLI against the private sshd: the `--json` event
 * stream (CI, chat-ops), `--plain` in a terminal (line by line, questions asked: screen readers),
 * and the TUI without colour (NO_COLOR, --no-color) or motion (--reduced-motion).
 */
import {execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {canRun} from './helpers/availability.js';
import {inTerminal, runCli} from './helpers/cli.js';
import {seedBankroll, sharedDatabase} from './helpers/database.js';
import {plain, waitForFrame, waitForText} from './helpers/ink.js';
import {startProduction, writeConfigFile, type Production} from './helpers/production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

const PASSWORD = 'json-Stream-pa55 "q"';
const PASSWORD_ENV = 'REWIND_TEST_IFACE_PASSWORD';

describe.runIf(canRun('the other interfaces', ['sshd', 'mariadb']))('--json, --plain in a terminal, no colour, no motion', () => {
	let sshd: Sshd;
	let production: Production;
	let file: string;

	beforeAll(async () => {
		sshd = await startSshd();
		production = await startProduction(sshd);
		const seeded = seedBankroll(sharedDatabase()!, PASSWORD);
		const database = sharedDatabase()!;
		file = path.join(production.root, 'rewind.config.yaml');
		writeConfigFile(
			file,
			production.config({
				database: {host: database.host, port: database.port, user: seeded.user, name: seeded.name, passwordEnv: PASSWORD_ENV, backupDir: production.backupDir},
			}),
			{passwordEnv: PASSWORD_ENV, runsDir: production.runsDir},
		);
	});
	afterAll(async () => {
		await production?.stop();
		await sshd?.stop();
	});

	const reset = () => execFileSync('git', ['reset', '-q', '--hard', production.app.bad], {cwd: production.app.dir});

	/**
	 * Closes the terminal of a TUI run left at the picker (the pty's end sends it SIGHUP) and waits until its
	 * exit path has released the server's lock: the next test's run must find the lock free, not meet a
	 * run still on its way out (under load that takes a moment).
	 */
	async function closeTerminal(run: ReturnType<typeof inTerminal>) {
		run.kill();
		await run.closed;
		const lock = path.join(production.app.dir, '.git', 'rewind.lock');
		await waitForFrame(
			() => (existsSync(lock) ? 'held' : 'released'),
			screen => screen === 'released',
			{
				timeout: 30_000,
				what: 'the closed run to release its lock',
			},
		);
	}

	it('--json: every stdout line is one JSON event with the schema version, the last is the outcome, and no secret appears', async () => {
		reset();
		const result = await runCli(['--config', file, '--target', production.app.good, '--yes', '--json'], {env: {[PASSWORD_ENV]: PASSWORD}});
		expect(result.code, result.stderr).toBe(0);
		const lines = result.stdout.trimEnd().split('\n');
		const events = lines.map(line => JSON.parse(line) as {schema: number; type: string; outcome?: string; exitCode?: number});
		expect(events.every(event => event.schema === 1)).toBe(true);
		expect(events[0]!.type).toBe('run-started');
		expect(events.at(-1)).toMatchObject({type: 'run-finished', outcome: 'succeeded', exitCode: 0});
		expect(events.some(event => event.type === 'step-succeeded')).toBe(true);
		for (const secret of [PASSWORD, JSON.stringify(PASSWORD).slice(1, -1)]) expect(result.stdout).not.toContain(secret);
		expect(result.stderr).toBe('');
	});

	it('--json with a question the flags do not answer: the stream ends with an event saying which flag to pass, exit 2', async () => {
		reset();
		const result = await runCli(['--config', file, '--json', '--yes']);
		expect(result.code).toBe(2);
		const lines = result.stdout.trimEnd().split('\n');
		expect(lines).toHaveLength(1);
		expect(JSON.parse(lines[0]!)).toMatchObject({
			schema: 1,
			type: 'run-refused',
			outcome: 'bad-input',
			exitCode: 2,
			message: expect.stringContaining('--target'),
		});
		expect(result.stderr).toContain('--target');
	});

	it('--plain in a terminal asks its questions a line at a time: a number picks, the typed hash confirms', async () => {
		reset();
		const run = inTerminal(['--config', file, '--plain'], {[PASSWORD_ENV]: PASSWORD});
		try {
			await waitForText(() => plain(run.output()), 'Roll back to which commit?', 20_000);
			expect(plain(run.output())).toMatch(/ 2\. [0-9a-f]{7} .*Fix rounding in stake totals/);
			run.type('2\n');
			const good = production.app.good.slice(0, 7);
			await waitForText(() => plain(run.output()), `Type ${good} to reset`, 20_000);
			run.type(`${good} drill of the plain mode\n`);
			await waitForText(() => plain(run.output()), 'EXIT=', 30_000);
			await run.closed;
		} finally {
			run.kill();
		}
		const output = plain(run.output());
		expect(output).toContain('EXIT=0');
		expect(output).toContain('Result: SUCCEEDED');
		// Plain lines: no cursor movement, no redraw, no colour.
		expect(run.output()).not.toMatch(/\u001B\[/);
	});

	const COLOUR = /\u001B\[(?:\d+;)*(?:3\d|9\d|38;[25])(?:;\d+)*m/;

	it.each([
		{what: 'NO_COLOR=1', flags: [], env: {NO_COLOR: '1'}, coloured: false},
		{what: '--no-color', flags: ['--no-color'], env: {}, coloured: false},
		// The same check on a default run finds colour: the pattern does catch it.
		{what: 'neither (for contrast)', flags: [], env: {}, coloured: true},
	] as const)('the TUI with $what writes colour: $coloured', async ({flags, env, coloured}) => {
		reset();
		const run = inTerminal(['--config', file, ...flags], {[PASSWORD_ENV]: PASSWORD, ...env});
		try {
			await waitForText(() => plain(run.output()), 'HEAD (live now)', 20_000);
		} finally {
			await closeTerminal(run);
		}
		expect(COLOUR.test(run.output())).toBe(coloured);
	});

	it.each([
		{flags: ['--reduced-motion'], spinning: false},
		// Without it the same wait shows a spinner: the check does catch one.
		{flags: [], spinning: true},
	] as const)('the TUI with $flags: a spinner while it waits: $spinning', async ({flags, spinning}) => {
		reset();
		// A slow pick of the first commit: the detail pane waits for the server.
		const run = inTerminal(['--config', file, ...flags], {[PASSWORD_ENV]: PASSWORD});
		try {
			await waitForText(() => plain(run.output()), 'HEAD (live now)', 20_000);
			run.type('j');
			await waitForText(() => plain(run.output()), 'undoes 1 commit', 20_000);
		} finally {
			await closeTerminal(run);
		}
		expect(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(plain(run.output()))).toBe(spinning);
	});
});
