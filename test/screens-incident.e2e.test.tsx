/**
 * The screens under incident conditions, at 80×24 and 120×40, against a real OpenSSH sshd: help
 * (`?`) opened on every screen and left open never hides the next step nor breaks the run; `?` on
 * the confirmation is help, not a hash character; Esc is on every footer; the confirmation and the
 * final panel fit and print every path whole; a screen that throws still ends the run through the
 * one exit path (lock released, journal closed, report written).
 */
import {execFileSync} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {useSyncExternalStore, type ReactElement} from 'react';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {App} from '../source/ui/app.js';
import type {Session} from '../source/ui/session-run.js';
import {canRun} from './helpers/availability.js';
import {KEY, plain, waitForText} from './helpers/ink.js';
import {startProduction, type Production} from './helpers/production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';
import {renderTui, tuiSessions} from './helpers/tui.js';

const SIZES = [
	{columns: 80, rows: 24},
	{columns: 120, rows: 40},
] as const;

/** The screen below the finished log: from the title line down (the log above is printed once). */
function screenOf(frame: string): string {
	const text = plain(frame);
	return text.slice(Math.max(0, text.lastIndexOf('rewind rollback of')));
}

function expectFits(frame: string, columns: number): void {
	for (const line of screenOf(frame).split('\n')) expect(line.length, line).toBeLessThanOrEqual(columns);
}

function runFiles(production: Production): {report: string; journal: string} {
	const [run] = readdirSync(production.runsDir);
	const dir = path.join(production.runsDir, run!);
	return {report: path.join(dir, 'report.md'), journal: path.join(dir, 'journal.jsonl')};
}

describe.runIf(canRun('incident screens', ['sshd']))('screens for an incident', () => {
	let sshd: Sshd;
	let production: Production | undefined;
	let cleanup: (() => void) | undefined;

	beforeAll(async () => {
		sshd = await startSshd();
	});
	afterEach(async () => {
		cleanup?.();
		cleanup = undefined;
		await production?.stop();
		production = undefined;
	});
	afterAll(async () => {
		await sshd?.stop();
	});

	function start(prod: Production, overrides: Record<string, unknown>, size: {columns: number; rows: number}, element?: (session: Session) => ReactElement) {
		const {session, createUndo} = tuiSessions(prod.config(overrides), prod.runsDir);
		const {ui, exitCode} = renderTui(element ? element(session) : <App session={session} createUndo={createUndo} />, {size, session: () => session});
		cleanup = () => ui.unmount();
		return {ui, exitCode, frame: () => ui.lastFrame()};
	}

	for (const size of SIZES) {
		it(`at ${size.columns}×${size.rows}: ? opened on every screen and left open → the next prompt shows, exit 0, report written, lock released`, async () => {
			production = await startProduction(sshd);
			const prod = production;
			const good = prod.app.commits.at(-2)!.hash.slice(0, 7);
			const {ui, exitCode, frame} = start(prod, {build: {commands: ['sleep 1', 'node build.mjs']}}, size);

			// During Connect/Lock/Preflight: help over the live screen; the picker closes it when it comes.
			await waitForText(frame, 'rewind rollback of');
			ui.stdin.write('?');
			await waitForText(frame, 'Help closed: the run asks you something', 20_000);
			const picker = await waitForText(frame, 'HEAD (live now)');
			expect(screenOf(picker)).toMatch(/Esc\/q stop \(asks\)/);
			expectFits(picker, size.columns);
			// The HEAD row keeps its subject whole (the author gives way first).
			expect(screenOf(picker)).toContain(prod.app.commits.at(-1)!.subject.slice(0, 24));

			// On the picker: help hides it, Esc brings it back as it was.
			ui.stdin.write(KEY.down);
			await waitForText(frame, 'undoes 1 commit');
			ui.stdin.write('?');
			const help = await waitForText(frame, 'Esc/? close the help');
			expect(screenOf(help)).toMatch(/Enter\s+roll back to it/);
			expect(screenOf(help)).not.toContain('HEAD (live now)');
			ui.stdin.write(KEY.escape);
			await waitForText(frame, 'undoes 1 commit');
			ui.stdin.write(KEY.enter);

			// On the confirmation: `?` is help, never a character of the hash.
			const confirm = await waitForText(frame, `Type ${good} and press Enter`);
			ui.stdin.write('?');
			expect(screenOf(await waitForText(frame, 'Esc/? close the help'))).toMatch(/Enter\s+reset \(after the hash\)/);
			ui.stdin.write(KEY.escape);
			const back = await waitForText(frame, 'type the short hash');
			expect(screenOf(back)).not.toMatch(/› \?/);
			// The one command that matters, whole; the guards folded behind Tab; Esc on the footer; the prompt not at the bottom edge.
			const screen = screenOf(confirm);
			expect(screen).toContain(`git reset --hard ${prod.app.commits.at(-2)!.hash}`);
			expect(screen).not.toContain('rev-parse HEAD');
			expect(screen).toContain('Esc pick another commit');
			expect(screen.trimEnd().split('\n').at(-1)).toMatch(/(?:^|[│╯] )Enter reset/);
			expectFits(confirm, size.columns);
			expect(screen.trimEnd().split('\n').length).toBeLessThanOrEqual(size.rows);
			ui.stdin.write('\t');
			await waitForText(frame, 'The reset, exactly:');
			ui.stdin.write('\t');
			ui.stdin.write(good);
			await waitForText(frame, `› ${good}`);
			ui.stdin.write(KEY.enter);

			// Help opened as the reset starts and left open through Reset, Rebuild, Reload and Verify.
			await waitForText(frame, /Confirm|Reset|Rebuild/);
			ui.stdin.write('?');
			await waitForText(frame, /Rebuild assets: Rebuilds|Reset: |Reload app: |Verify: /);
			const final = await waitForText(frame, 'Rolled back and verified', 30_000);
			expect(final).toContain('Help closed: the run has ended');
			expectFits(final, size.columns);
			// Every path whole on a line of its own, outside the border.
			const {report, journal} = runFiles(prod);
			const lines = screenOf(final)
				.split('\n')
				// The step list's border at 120 columns is not part of the line.
				.map(line => line.replace(/^[│╭╰][^│╮╯]*[│╮╯] /, '').trim());
			expect(lines).toContain(report);
			expect(lines).toContain(journal);

			// Help on the final panel: Ctrl+C quits there (nothing is left to stop), and it says so.
			ui.stdin.write('?');
			const finalHelp = await waitForText(frame, 'quit (the run has ended)');
			expect(finalHelp).toContain('The run has ended: the lock is released');
			expect(finalHelp).not.toContain('Ctrl+C asks first');
			ui.stdin.write('?');
			await waitForText(() => ((frame() ?? '').includes('quit (the run has ended)') ? '' : 'closed'), 'closed');
			ui.stdin.write('q');
			await waitForText(() => String(exitCode()), '0');
			expect(existsSync(path.join(prod.app.dir, '.git', 'rewind.lock'))).toBe(false);
			expect(readFileSync(report, 'utf8')).toContain('| Server HEAD is the target commit | ✓ |');
			expect(readFileSync(journal, 'utf8')).toContain('"type":"run-finished"');
			expect(execFileSync('git', ['rev-parse', 'HEAD'], {cwd: prod.app.dir, encoding: 'utf8'}).trim()).toBe(prod.app.commits.at(-2)!.hash);
		});
	}

	it('a build that fails with help open: the recovery question shows at once, with the npm line and no reinstall offered', async () => {
		production = await startProduction(sshd);
		const prod = production;
		const good = prod.app.commits.at(-2)!.hash.slice(0, 7);
		const {ui, exitCode, frame} = start(prod, {build: {commands: ['npm run assets']}}, SIZES[0]);
		await pickAndConfirm(ui, frame, good);
		await waitForText(frame, /Build beside|Reset|Rebuild/);
		ui.stdin.write('?');
		const recover = await waitForText(frame, 'What now?', 30_000);
		expect(recover).toContain('Help closed: the run asks you something');
		expect(recover).toContain('Missing script: "assets"');
		const choices = screenOf(recover).slice(screenOf(recover).indexOf('What now?'));
		expect(recover).not.toMatch(/corrupted/i);
		expect(choices).not.toMatch(/reinstall|node_modules/i);
		// Abort is the last choice (after building after the reset instead, without the prebuild).
		expect(choices).toContain('Roll back without prebuilt assets');
		for (let press = 0; press < 5; press++) ui.stdin.write(KEY.down);
		await waitForText(frame, /❯ Abort the run/);
		ui.stdin.write(KEY.enter);
		await waitForText(frame, 'The rollback FAILED', 20_000);
		ui.stdin.write('q');
		await waitForText(() => String(exitCode()), '1');
		expect(existsSync(path.join(prod.app.dir, '.git', 'rewind.lock'))).toBe(false);
	});

	it('a screen that throws mid-run: the run still stops through the one exit path (lock released, journal closed, report written) and says rewind resume', async () => {
		production = await startProduction(sshd);
		const prod = production;
		const good = prod.app.commits.at(-2)!.hash.slice(0, 7);
		/** Throws while rendering once the run reaches the build (beside the live site, before the reset). */
		function Bomb({session}: {readonly session: Session}) {
			const [, force] = useStateTick(session);
			if (session.engine.state.current === 'prebuild') throw new Error('a test bomb in the build screen');
			return force;
		}
		const {ui, exitCode, frame} = start(prod, {build: {commands: ['sleep 2', 'node build.mjs']}}, SIZES[1], session => (
			<>
				<App session={session} />
				<Bomb session={session} />
			</>
		));
		await pickAndConfirm(ui, frame, good);
		const failed = await waitForText(frame, 'rewind’s screen failed', 30_000);
		expect(plain(failed)).toContain('rewind resume');
		expect(plain(failed)).not.toMatch(/at \S+ \(.*:\d+:\d+\)/);
		const code = Number(await waitForText(() => (exitCode() === undefined ? '' : String(exitCode())), /\d+/, 30_000));
		expect(code).toBe(130);
		expect(existsSync(path.join(prod.app.dir, '.git', 'rewind.lock'))).toBe(false);
		const {report, journal} = runFiles(prod);
		expect(readFileSync(journal, 'utf8')).toContain('"type":"run-finished"');
		expect(readFileSync(journal, 'utf8')).toContain('the screen failed: a test bomb in the build screen');
		expect(existsSync(report)).toBe(true);
	});
});

/** Picks the commit below HEAD and confirms the reset by typing its short hash. */
async function pickAndConfirm(ui: {stdin: {write(data: string): void}}, frame: () => string | undefined, good: string): Promise<void> {
	await waitForText(frame, 'HEAD (live now)');
	ui.stdin.write(KEY.down);
	await waitForText(frame, 'undoes 1 commit');
	ui.stdin.write(KEY.enter);
	await waitForText(frame, `Type ${good} and press Enter`);
	ui.stdin.write(good);
	await waitForText(frame, `› ${good}`);
	ui.stdin.write(KEY.enter);
}

/** Re-renders on every engine change (so the bomb sees the step change). */
function useStateTick(session: Session): [number, null] {
	useSyncExternalStore(session.engine.subscribe.bind(session.engine), () => session.engine.state);
	return [0, null];
}
