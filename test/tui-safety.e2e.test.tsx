/**
 * Safety in the TUI: Ctrl+C asks, stops safely and releases the lock; a dropped link is recovered
 * by reconnecting; and in a real pseudo-terminal the terminal is restored on the way out.
 */
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {parseCli} from '../source/cli-options.js';
import {readJournal} from '../source/core/journal.js';
import {findDrill} from '../source/rehearsal/drills.js';
import {prepareRehearsal} from '../source/rehearsal/rehearse.js';
import {sessionFor} from '../source/session.js';
import {App} from '../source/ui/app.js';
import {canRun} from './helpers/availability.js';
import {BIN} from './helpers/cli.js';
import {KEY, plain, waitForFrame, waitForText} from './helpers/ink.js';
import {startProduction, writeConfigFile, type Production} from './helpers/production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';
import {renderTui, tuiSessions} from './helpers/tui.js';

describe.runIf(canRun('TUI safety', ['sshd']))('TUI safety against a real server', () => {
	let sshd: Sshd;
	let production: Production;
	let unmount: (() => void) | undefined;

	beforeAll(async () => {
		sshd = await startSshd();
	});
	afterEach(async () => {
		unmount?.();
		unmount = undefined;
		await production?.stop();
	});
	afterAll(async () => {
		await sshd?.stop();
	});

	it('Ctrl+C asks first, then stops safely: nothing reset, lock released, exit 130', async () => {
		production = await startProduction(sshd);
		const before = execFileSync('git', ['rev-parse', 'HEAD'], {cwd: production.app.dir, encoding: 'utf8'}).trim();
		const {session} = tuiSessions(production.config(), production.runsDir);
		const {ui, exitCode} = renderTui(<App session={session} />);
		unmount = ui.unmount;
		const frame = () => ui.lastFrame();
		await waitForText(frame, 'HEAD (live now)');
		expect(existsSync(path.join(production.app.dir, '.git', 'rewind.lock'))).toBe(true);

		ui.stdin.write(KEY.ctrlC);
		await waitForText(frame, 'Stop now?');
		// It names the run it stops (an undo's says "Stop the undo?").
		expect(frame()).toContain('Stop the rollback?');
		// Declining keeps the run going.
		ui.stdin.write('n');
		await waitForText(frame, 'Pick the commit to roll back to');
		// Keys typed the instant the question or the help appears are theirs, never the picker's:
		// Ctrl+C n (declined) then ? opens the help; ? ? j opens and closes it, then j moves the cursor.
		ui.stdin.write(KEY.ctrlC);
		ui.stdin.write('n');
		ui.stdin.write('?');
		await waitForText(frame, 'Help');
		ui.stdin.write('?');
		await waitForFrame(frame, screen => !screen.includes('Help') && screen.includes('Pick the commit to roll back to'));
		ui.stdin.write('?');
		ui.stdin.write('?');
		ui.stdin.write('j');
		await waitForFrame(frame, screen => screen.includes(`▸ ${production.app.good.slice(0, 7)}`) && !screen.includes('Help'));
		ui.stdin.write('k');
		await waitForText(frame, `▸ ${production.app.bad.slice(0, 7)}`);
		// Declining and pressing Ctrl+C again at once (before a re-render) asks again: it is not a second Ctrl+C.
		ui.stdin.write(KEY.ctrlC);
		await waitForText(frame, 'Stop now?');
		ui.stdin.write('n');
		ui.stdin.write(KEY.ctrlC);
		await waitForText(frame, 'Stop now?');
		expect(plain(frame())).not.toContain('Stopping at the next safe point');
		ui.stdin.write('y');
		const final = await waitForText(frame, 'Stopped safely at your request');
		expect(final).toMatch(/– Server HEAD is the target commit\s+the reset did not run/);
		expect(existsSync(path.join(production.app.dir, '.git', 'rewind.lock'))).toBe(false);
		expect(execFileSync('git', ['rev-parse', 'HEAD'], {cwd: production.app.dir, encoding: 'utf8'}).trim()).toBe(before);
		ui.stdin.write('q');
		await waitForText(() => String(exitCode()), '130');
	});

	it('in a real terminal, Ctrl+C → stop → quit leaves the terminal as it was (cooked mode, cursor shown)', async () => {
		production = await startProduction(sshd);
		const config = production.config();
		const file = path.join(production.root, 'rewind.config.yaml');
		writeConfigFile(file, config, {runsDir: production.runsDir});
		// `script` gives the program a real pseudo-terminal; `stty -a` afterwards prints its state.
		const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} --config ${file}; echo "EXIT=$?"; stty -a`, '/dev/null'], {
			stdio: ['pipe', 'pipe', 'pipe'],
			env: {...process.env, TERM: 'xterm-256color', COLUMNS: '120', LINES: '40'},
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const closed = new Promise<number | null>(resolve => child.on('close', resolve));
		try {
			await waitForText(() => output, 'HEAD (live now)', 20_000);
			child.stdin.write(KEY.ctrlC);
			await waitForText(() => output, 'Stop now?');
			child.stdin.write('y');
			await waitForText(() => output, 'Stopped safely at your request');
			child.stdin.write('q');
			await closed;
		} finally {
			child.kill('SIGKILL');
		}
		const text = plain(output);
		expect(text).toContain('EXIT=130');
		const stty = text.slice(text.indexOf('EXIT=130'));
		expect(stty).toMatch(/(^|\s)icanon(\s|$)/m);
		expect(stty).toMatch(/(^|\s)echo(\s|$)/m);
		expect(stty).not.toMatch(/-icanon|(^|\s)-echo(\s|$)/m);
		expect(output.lastIndexOf('\u001B[?25h')).toBeGreaterThan(output.lastIndexOf('\u001B[?25l'));
		expect(existsSync(path.join(production.app.dir, '.git', 'rewind.lock'))).toBe(false);
	});

	it.each([
		['a hang-up (SIGHUP)', 'SIGHUP', 'the terminal closed (SIGHUP)'],
		['SIGTERM (a supervisor, kill)', 'SIGTERM', 'SIGTERM'],
	] as const)(
		'in a real terminal, %s is a safe stop that ends the process: lock released, journal closed, report written, exit 130',
		async (_what, signal, reason) => {
			production = await startProduction(sshd);
			const file = path.join(production.root, 'rewind.config.yaml');
			writeConfigFile(file, production.config(), {runsDir: production.runsDir});
			const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} --config ${file}; echo "EXIT=$?"`, '/dev/null'], {
				stdio: ['pipe', 'pipe', 'pipe'],
				env: {...process.env, TERM: 'xterm-256color', COLUMNS: '120', LINES: '40'},
			});
			let output = '';
			child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
			const closed = new Promise<number | null>(resolve => child.on('close', resolve));
			try {
				await waitForText(() => output, 'HEAD (live now)', 20_000);
				const rewind = readdirSync('/proc').find(
					pid =>
						/^\d+$/.test(pid) &&
						(() => {
							try {
								return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${BIN}\0--config\0${file}`);
							} catch {
								return false;
							}
						})(),
				);
				expect(rewind).toBeDefined();
				process.kill(Number(rewind), signal);
				await closed;
			} finally {
				child.kill('SIGKILL');
			}
			expect(plain(output)).toContain('EXIT=130');
			expect(existsSync(path.join(production.app.dir, '.git', 'rewind.lock'))).toBe(false);
			const [run] = readdirSync(production.runsDir);
			const journal = readJournal(path.join(production.runsDir, run!, 'journal.jsonl'));
			expect(journal.outcome).toBe('interrupted');
			expect(journal.events.some(event => event.type === 'stop-requested' && event.reason === reason)).toBe(true);
			expect(existsSync(path.join(production.runsDir, run!, 'report.md'))).toBe(true);
		},
	);
});

describe.runIf(canRun('TUI reconnect', ['mariadb']))('TUI: a dropped connection', () => {
	it('marks the step failed, offers to reconnect, and the retried backup and the rest succeed', async () => {
		const drill = findDrill('ssh-drop-during-backup');
		const {sandbox, request} = await prepareRehearsal(parseCli(['rehearse', '--drill', drill.id]), drill, () => {});
		let ui: ReturnType<typeof renderTui>['ui'] | undefined;
		try {
			const session = sessionFor({...request, runsDir: path.join(sandbox.dir, 'runs')});
			const {engine} = session;
			const rendered = renderTui(<App session={session} />);
			ui = rendered.ui;
			const exitCode = rendered.exitCode;
			const frame = () => ui!.lastFrame();
			await waitForText(frame, 'HEAD (live now)');
			ui.stdin.write(KEY.down);
			await waitForText(frame, 'undoes 1 commit');
			ui.stdin.write(KEY.enter);

			const recover = await waitForText(frame, 'What now?', 20_000);
			expect(recover).toContain('the SSH connection was lost');
			expect(recover).toMatch(/❯ Reconnect and retry this step/);
			expect(recover).toContain('A half-written backup is removed, never counted');
			ui.stdin.write(KEY.enter);

			await waitForText(frame, 'git reset --hard', 20_000);
			const shortHash = sandbox.app.good.slice(0, 7);
			ui.stdin.write(shortHash);
			await waitForText(frame, `› ${shortHash}`);
			ui.stdin.write(KEY.enter);
			const final = await waitForText(frame, 'Rolled back and verified', 30_000);
			expect(final).toMatch(/✓ Database backed up and verified/);
			expect(engine.facts.sshConnections).toBe(2);
			ui.stdin.write('q');
			await waitForText(() => String(exitCode()), '0');
		} finally {
			ui?.unmount();
			await sandbox.teardown();
		}
	});
});
