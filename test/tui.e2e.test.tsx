/**
 * The real TUI, driven as an operator would with ink-testing-library, against a real OpenSSH sshd
 * and a git "production" checkout served over HTTP on 127.0.0.1.
 */
import {execFileSync} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {MARKER} from '../source/rehearsal/app-repo.js';
import {App} from '../source/ui/app.js';
import {canRun} from './helpers/availability.js';
import {seedBankroll, sharedDatabase} from './helpers/database.js';
import {KEY, waitForText} from './helpers/ink.js';
import {startProduction, type Production} from './helpers/production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';
import {renderTui, tuiSessions} from './helpers/tui.js';

describe.runIf(canRun('TUI end to end', ['sshd']))('the TUI against a real server', () => {
	let sshd: Sshd;
	let production: Production;
	let cleanup: (() => void) | undefined;

	beforeAll(async () => {
		sshd = await startSshd();
	});
	afterEach(async () => {
		cleanup?.();
		cleanup = undefined;
		await production?.stop();
	});
	afterAll(async () => {
		await sshd?.stop();
	});

	function start(overrides: Record<string, unknown>) {
		// The `u` key's run goes back to where the rollback started, through the same steps.
		const {session, createUndo} = tuiSessions(production.config(overrides), production.runsDir);
		const {ui, exitCode} = renderTui(<App session={session} createUndo={createUndo} />);
		cleanup = () => ui.unmount();
		return {ui, exitCode};
	}

	const reloadByCommand = () => ({reload: {method: 'command', command: `touch ${production.wsgiPath}`}});

	it('connect → pick the second commit → confirm → reset → reload → verify, all checks passed', async () => {
		production = await startProduction(sshd);
		const connectionsBefore = sshd.acceptedConnections();
		const good = production.app.commits.at(-2)!;
		const {ui, exitCode} = start(reloadByCommand());
		const frame = () => ui.lastFrame();

		await waitForText(frame, 'Pick the commit to roll back to');
		await waitForText(frame, 'HEAD (live now)');
		ui.stdin.write(KEY.down);
		await waitForText(frame, new RegExp(`▸ ${good.hash.slice(0, 7)}`));
		await waitForText(frame, 'undoes 1 commit');
		ui.stdin.write(KEY.enter);

		await waitForText(frame, 'git reset --hard');
		ui.stdin.write(good.hash.slice(0, 7));
		await waitForText(frame, `› ${good.hash.slice(0, 7)}`);
		ui.stdin.write(KEY.enter);

		const final = await waitForText(frame, 'Rolled back and verified', 20_000);
		for (const check of [
			'Server HEAD is the target commit',
			'Front-end assets rebuilt',
			'Web app reloaded',
			'Site answers 200',
			`Page no longer shows "${MARKER}"`,
		]) {
			expect(final).toMatch(new RegExp(`✓ ${check.replace(/[.*+?^${}()|[\]\\"]/g, '\\$&')}`));
		}
		expect(final).not.toContain('✗');

		const head = execFileSync('git', ['rev-parse', 'HEAD'], {cwd: production.app.dir, encoding: 'utf8'}).trim();
		expect(head).toBe(good.hash);
		const page = await (await fetch(production.site.url)).text();
		expect(page).not.toContain(MARKER);
		expect(sshd.acceptedConnections() - connectionsBefore).toBe(1);

		// u: roll forward to where the server was, confirming the reset again.
		ui.stdin.write('u');
		await waitForText(frame, 're-applies 1 commit');
		const bad = production.app.bad.slice(0, 7);
		await waitForText(frame, `Type ${bad} and press Enter`);
		ui.stdin.write(bad);
		await waitForText(frame, `› ${bad}`);
		ui.stdin.write(KEY.enter);
		await waitForText(frame, 'Rolled forward and verified', 20_000);
		expect(execFileSync('git', ['rev-parse', 'HEAD'], {cwd: production.app.dir, encoding: 'utf8'}).trim()).toBe(production.app.bad);
		expect(await (await fetch(production.site.url)).text()).toContain(MARKER);

		ui.stdin.write('q');
		await waitForText(() => String(exitCode()), '0');
	});

	it('says so when the site still shows the marker, and exits non-zero', async () => {
		production = await startProduction(sshd);
		// The forgotten build: dist/ is gitignored, so the reset alone leaves the marker on the page.
		const {ui, exitCode} = start({...reloadByCommand(), build: {commands: []}, site: {timeoutSeconds: 1}});
		const frame = () => ui.lastFrame();
		await waitForText(frame, 'HEAD (live now)');
		ui.stdin.write(KEY.down);
		await waitForText(frame, 'undoes 1 commit');
		ui.stdin.write(KEY.enter);
		const good = production.app.commits.at(-2)!.hash.slice(0, 7);
		await waitForText(frame, 'git reset --hard');
		ui.stdin.write(good);
		await waitForText(frame, `› ${good}`);
		ui.stdin.write(KEY.enter);

		// Verification fails: the operator is told why and what to do, then aborts.
		const recover = await waitForText(frame, 'What now?', 20_000);
		expect(recover).toContain(`forbidden text "${MARKER}" still present`);
		expect(recover).toContain('dist/ is gitignored');
		ui.stdin.write(KEY.down);
		ui.stdin.write(KEY.down);
		await waitForText(frame, /❯ Abort the run/);
		ui.stdin.write(KEY.enter);

		const final = await waitForText(frame, 'verification FAILED', 20_000);
		expect(final).toMatch(/✗ Page no longer shows "ROLLBACK TEST"\s+still present/);
		expect(final).toMatch(/✓ Server HEAD is the target commit/);
		ui.stdin.write('q');
		await waitForText(() => String(exitCode()), '1');
	});
});

describe.runIf(canRun('TUI going back', ['sshd', 'mariadb']))('the TUI: going back from the confirmation', () => {
	it('Esc shows the picker with the previous target highlighted; picking again reuses the verified backup (checked: file, HEAD, database unchanged)', async () => {
		const sshd = await startSshd();
		const production = await startProduction(sshd);
		const database = sharedDatabase()!;
		const password = `esc-${Date.now()}`;
		process.env['REWIND_ESC_DB_PASSWORD'] = password;
		const seeded = seedBankroll(database, password);
		const config = production.config({
			reload: {method: 'command', command: `touch ${production.wsgiPath}`},
			database: {
				host: '127.0.0.1',
				port: database.port,
				user: seeded.user,
				name: seeded.name,
				passwordEnv: 'REWIND_ESC_DB_PASSWORD',
				backupDir: production.backupDir,
			},
		});
		const {session} = tuiSessions(config, production.runsDir);
		const {ui, exitCode} = renderTui(<App session={session} />);
		const frame = () => ui.lastFrame();
		const good = production.app.good.slice(0, 7);
		try {
			await waitForText(frame, 'HEAD (live now)');
			ui.stdin.write(KEY.down);
			await waitForText(frame, 'undoes 1 commit');
			ui.stdin.write(KEY.enter);
			await waitForText(frame, `Type ${good} and press Enter`, 20_000);
			ui.stdin.write(KEY.escape);
			await waitForText(frame, new RegExp(`▸ ${good}`));
			await waitForText(frame, 'undoes 1 commit');
			ui.stdin.write(KEY.enter);
			await waitForText(frame, `Type ${good} and press Enter`, 20_000);
			ui.stdin.write(`${good}\r`);
			await waitForText(frame, 'Rolled back and verified', 20_000);
			const backups = session.engine.state.commands.filter(command => command.commandId.startsWith('backup#'));
			expect(backups).toHaveLength(1);
			expect(
				session.engine.state.log.some(
					entry => entry.kind === 'step-skipped' && entry.reason.includes('still holds: the file, HEAD and the database are unchanged (checked)'),
				),
			).toBe(true);
			expect(readdirSync(production.backupDir).filter(name => name.endsWith('.sql.gz'))).toHaveLength(1);
			ui.stdin.write('q');
			await waitForText(() => String(exitCode()), '0');
		} finally {
			ui.unmount();
			delete process.env['REWIND_ESC_DB_PASSWORD'];
			await production.stop();
			await sshd.stop();
		}
	});
});
