/**
 * Training (issue 25): the original drill (its faults at once) at the keyboard, mystery drills that
 * name themselves only at the end, and the trainer's record (`rehearsals.jsonl`, `rewind scores`).
 * Real rehearsal sandboxes: the embedded SSH server, MariaDB, the Flask app and its migrations.
 */
import {execFileSync} from 'node:child_process';
import {appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {parseCli} from '../source/cli-options.js';
import type {RunEvent} from '../source/core/events.js';
import {findDrill, loadDrills} from '../source/rehearsal/drills.js';
import {readRehearsals, type RehearsalRecord} from '../source/rehearsal/record.js';
import {prepareRehearsal} from '../source/rehearsal/rehearse.js';
import {sessionFor} from '../source/session.js';
import {App} from '../source/ui/app.js';
import {canRun} from './helpers/availability.js';
import {inTerminal, runCli} from './helpers/cli.js';
import {KEY, plain, waitForFrame, waitForText} from './helpers/ink.js';
import {renderTui} from './helpers/tui.js';

const homes: string[] = [];
afterAll(() => {
	for (const home of homes) rmSync(home, {recursive: true, force: true});
});
function newHome(): string {
	const home = mkdtempSync(path.join(os.tmpdir(), 'rewind-training-'));
	homes.push(home);
	return home;
}

/** A history in which `trainee` has passed every drill but `left`: a mystery then picks `left`. */
function passedAllBut(home: string, trainee: string, left: string): void {
	mkdirSync(home, {recursive: true});
	for (const drill of loadDrills().filter(candidate => candidate.id !== left)) {
		const record: RehearsalRecord = {
			schema: 1,
			at: '2026-12-01T10:00:00.000Z',
			runId: `seed-${drill.id}`,
			trainee,
			drill: {id: drill.id, title: drill.title, mystery: false, team: false},
			totalMs: 90_000,
			steps: [],
			wrongTurns: [],
			hints: [],
			criteria: [],
			outcome: 'succeeded',
			passed: true,
		};
		appendFileSync(path.join(home, 'rehearsals.jsonl'), `${JSON.stringify(record)}\n`);
	}
}

/** Processes whose command line names `dir`: only what this test started lives there. */
function processesUnder(dir: string): string[] {
	return readdirSync('/proc')
		.filter(entry => /^\d+$/.test(entry))
		.flatMap(pid => {
			try {
				const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
				return cmdline.includes(dir) ? [`${pid} ${cmdline.trim()}`] : [];
			} catch {
				return [];
			}
		});
}

const journalEvents = (file: string) =>
	readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => JSON.parse(line) as RunEvent);

describe.runIf(canRun('training (Flask sandbox)', ['mariadb', 'flask']))('training', () => {
	it('the original drill at the keyboard: each fault met with its hint, its fix chosen, PASSED', async () => {
		const drill = findDrill('original-drill');
		const {sandbox, request} = await prepareRehearsal(parseCli(['rehearse', '--drill', drill.id]), drill, () => {});
		let ui: ReturnType<typeof renderTui>['ui'] | undefined;
		try {
			const session = sessionFor({...request, runsDir: path.join(sandbox.dir, 'runs')});
			ui = renderTui(<App session={session} />).ui;
			const frame = () => ui!.lastFrame() ?? '';
			const fixOffered = async (label: string) => {
				const screen = await waitForText(frame, `❯ ${label}`, 30_000);
				expect(screen).toContain('What now?');
				ui!.stdin.write(KEY.enter);
				// The choice is taken when its menu is gone.
				await waitForFrame(frame, screen => !screen.includes(`❯ ${label}`), {what: `the menu offering "${label}" to close`});
			};
			// 1. The documented mysqldump has no host: preflight cannot reach the database.
			await fixOffered('Use the managed database host and check again');
			// The picker, on the server's log: the commit before the bad deploy.
			await waitForText(frame, 'HEAD (live now)', 30_000);
			ui.stdin.write(KEY.down);
			await waitForText(frame, 'undoes 1 commit');
			ui.stdin.write(KEY.enter);
			// 2. mysqldump without --no-tablespaces: the backup's verification catches it.
			await fixOffered('Add --no-tablespaces and retry the backup');
			const good = sandbox.app.good.slice(0, 7);
			await waitForText(frame, `Type ${good} and press Enter`, 30_000);
			ui.stdin.write(good);
			await waitForText(frame, `› ${good}`);
			ui.stdin.write(KEY.enter);
			// 3. No build step in the runbook: the page still shows the bad deploy's text.
			await fixOffered('Add the build step back and re-run from the build');
			// 4. The build meets the corrupted node_modules.
			await fixOffered('Remove node_modules (clean reinstall) and retry the build');
			const end = await waitForText(frame, 'Scorecard', 60_000);
			expect(end).toContain('Rolled back and verified');
			expect(end).toContain('Scorecard (drill: The original drill, as it happened): PASSED');
			const hints = session.engine.state.hints.map(hint => hint.id);
			for (const fault of drill.expect.faults!) expect(hints).toContain(fault);
			expect(execFileSync('git', ['rev-parse', 'HEAD'], {cwd: sandbox.app.dir, encoding: 'utf8'}).trim()).toBe(sandbox.app.good);
		} finally {
			ui?.unmount();
			await sandbox.teardown();
		}
	}, 180_000);

	it('a mystery drill (--plain and --json): named nowhere before the end, then revealed; the journal carries the trainee and the drill, its id at the end', async () => {
		const drill = findDrill('forgotten-build');
		for (const mode of ['--plain', '--json'] as const) {
			const home = newHome();
			passedAllBut(home, 'trainee-m', drill.id);
			const result = await runCli(['rehearse', '--yes', '--mystery', '--trainee', 'trainee-m', mode], {env: {REWIND_HOME: home}, timeoutMs: 120_000});
			expect(result.code, result.stderr).toBe(1);
			const before = mode === '--json' ? result.stdout.slice(0, result.stdout.indexOf('"type":"run-finished"')) : result.stdout.split('\nScorecard')[0]!;
			expect(before.length).toBeGreaterThan(1000);
			expect(before).not.toContain(drill.title);
			expect(before).not.toContain(drill.id);
			const mysteries = readRehearsals(path.join(home, 'rehearsals.jsonl')).records.filter(entry => entry.drill.mystery);
			expect(mysteries).toHaveLength(1);
			const record = mysteries[0];
			expect(record).toMatchObject({trainee: 'trainee-m', drill: {id: drill.id, mystery: true}, passed: false});
			const journal = journalEvents(path.join(home, 'runs', record!.runId, 'journal.jsonl'));
			expect(journal[0]).toMatchObject({type: 'run-started', identity: {trainee: 'trainee-m', drill: {mystery: true}}});
			expect(JSON.stringify(journal[0])).not.toContain(drill.id);
			expect(journal.at(-1)).toMatchObject({type: 'run-finished', revealedDrill: drill.id});
			if (mode === '--plain') {
				const after = result.stdout.slice(before.length);
				expect(after).toContain(`The mystery drill was: ${drill.title} (${drill.id})`);
				expect(after).toContain('what you saw first: Verify failed: verification failed: forbidden text "ROLLBACK TEST" still present');
				expect(after).toContain('what you did: Verify: stopped the run');
				expect(after).toContain(`the lesson: ${drill.lesson!.trim().slice(0, 40)}`);
			} else {
				expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({type: 'run-finished', revealedDrill: drill.id});
			}
		}
	}, 300_000);

	it('two rehearsals by t1: rewind scores lists both with their figures (and --json parses); the journal’s first event carries trainee and drill', async () => {
		const home = newHome();
		const first = await runCli(['rehearse', '--yes', '--trainee', 't1'], {env: {REWIND_HOME: home}, timeoutMs: 120_000});
		expect(first.code, first.stderr).toBe(0);
		expect(first.stdout).toContain('t1: the first rehearsal of this drill');
		const second = await runCli(['rehearse', '--yes', '--trainee', 't1', '--drill', 'forgotten-build'], {env: {REWIND_HOME: home}, timeoutMs: 120_000});
		expect(second.code).toBe(1);
		// Another trainee's rehearsal in the same history (as the seeded ones above): not in t1's scores.
		passedAllBut(home, 'someone else', 'old-worker');
		const history = readRehearsals(path.join(home, 'rehearsals.jsonl')).records;
		const own = history.filter(record => record.trainee === 't1');
		expect(own.map(record => [record.drill.id, record.passed])).toEqual([
			['clean-rollback', true],
			['forgotten-build', false],
		]);
		const journal = journalEvents(path.join(home, 'runs', own[1]!.runId, 'journal.jsonl'));
		expect(journal[0]).toMatchObject({type: 'run-started', identity: {trainee: 't1', drill: {id: 'forgotten-build', mystery: false}}});

		// Names are matched as typed: T1 is t1.
		const table = await runCli(['scores', '--trainee', 'T1'], {env: {REWIND_HOME: home}});
		expect(table.code).toBe(0);
		expect(table.stdout).not.toContain('someone else');
		const rows = table.stdout.split('\n');
		expect(rows.find(row => row.includes('clean-rollback') && row.includes('PASSED') && /\d{4}-\d\d-\d\d \d\d:\d\d\s+t1/.test(row))).toBeDefined();
		expect(rows.find(row => /forgotten-build\s+(?:[\d.]+ s|\d+m\d\ds)\s+0\s+1\s+not yet/.test(row))).toBeDefined();
		// A clean rollback is listed, but is no drill to pass.
		expect(table.stdout).toContain('t1: 0 drills passed, 2 rehearsals');
		expect(table.stdout).toMatch(/left: .*forgotten-build/);

		const json = await runCli(['scores', '--trainee', 't1', '--json'], {env: {REWIND_HOME: home}});
		const parsed = JSON.parse(json.stdout) as {
			schema: number;
			rehearsals: RehearsalRecord[];
			trainees: Array<{trainee: string; passed: string[]; left: string[]}>;
		};
		expect(parsed.schema).toBe(1);
		expect(parsed.rehearsals.map(record => record.totalMs)).toEqual(own.map(record => record.totalMs));
		expect(parsed.trainees).toEqual([expect.objectContaining({trainee: 't1', passed: [], rehearsals: 2})]);
		expect(parsed.trainees[0]!.left).toContain('forgotten-build');
	}, 300_000);

	it('a mystery drill at the terminal: the list entry briefs without naming it, the scorecard reveals it', async () => {
		const home = newHome();
		const drill = findDrill('forgotten-build');
		passedAllBut(home, 'trainee-tty', drill.id);
		const terminal = inTerminal(['rehearse', '--trainee', 'trainee-tty'], {REWIND_HOME: home});
		try {
			const screen = () => plain(terminal.output());
			await waitForText(screen, 'A mystery drill (one you have not passed yet', 20_000);
			terminal.type('j');
			terminal.type(KEY.enter);
			await waitForText(screen, 'nobody tells you what');
			// The list names every drill; from the briefing's screen on, nothing names the one picked.
			const briefed = screen().lastIndexOf('rewind rehearsal', screen().indexOf('nobody tells you what'));
			expect(briefed).toBeGreaterThanOrEqual(0);
			terminal.type(KEY.enter);
			await waitForText(screen, 'HEAD (live now)', 60_000);
			terminal.type(KEY.down);
			await waitForText(screen, 'undoes 1 commit');
			terminal.type(KEY.enter);
			const confirm = await waitForText(screen, /Type ([0-9a-f]{7}) and press Enter/, 30_000);
			const good = /Type ([0-9a-f]{7}) and press Enter/.exec(confirm)![1]!;
			terminal.type(good);
			await waitForText(screen, `› ${good}`);
			terminal.type(KEY.enter);
			await waitForText(screen, '❯ Add the build step back and re-run from the build', 60_000);
			terminal.type(KEY.enter);
			await waitForText(screen, 'The mystery drill was', 60_000);
			const all = screen();
			const before = all.slice(briefed, all.indexOf('Scorecard'));
			expect(before).toContain('Rolled back and verified');
			expect(before).not.toContain(drill.title);
			expect(before).not.toContain(drill.id);
			// The final panel wraps its lines: read them joined.
			const end = all.slice(all.lastIndexOf('The mystery drill was')).replace(/[│\s]+/g, ' ');
			expect(end).toContain(`The mystery drill was: ${drill.title} (${drill.id})`);
			expect(end).toContain('Verify: applied the fix: Add the build step back and re-run from the build');
			expect(end).toContain('the lesson: git reset --hard does not rebuild what git ignores');
		} finally {
			terminal.kill();
			await terminal.closed;
		}
	}, 240_000);

	it('Ctrl+C while the sandbox is being built: exit 130, and the sandbox (its MariaDB too) removed', async () => {
		// A temp dir of this test's own: the sandbox is made inside it, so what is left is this test's to see.
		const tmp = mkdtempSync(path.join(os.tmpdir(), 'rewind-training-tmp-'));
		homes.push(tmp);
		const terminal = inTerminal(['rehearse', '--drill', 'process-privilege'], {REWIND_HOME: newHome(), TMPDIR: tmp});
		try {
			const screen = () => plain(terminal.output());
			await waitForText(screen, 'Enter build the sandbox and start', 20_000);
			terminal.type(KEY.enter);
			await waitForText(screen, 'Starting a private MariaDB', 30_000);
			terminal.type(KEY.ctrlC);
			await waitForText(screen, /EXIT=\d+/, 60_000);
			expect(/EXIT=(\d+)/.exec(screen())![1]).toBe('130');
			expect(screen()).toContain('stopped while the sandbox was being built: removing it');
		} finally {
			terminal.kill();
			await terminal.closed;
		}
		expect(readdirSync(tmp).filter(name => name.startsWith('rewind-rehearsal-'))).toEqual([]);
		expect(processesUnder(tmp)).toEqual([]);
	}, 120_000);
});
