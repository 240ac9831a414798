/**
 * The built CLI in a real terminal (tmux, 80×24 and 120×40) against a real OpenSSH sshd, read as
 * an operator reads it (capture-pane): help left open over the confirmation and the steps after it
 * never hides the next screen, `?` on the confirmation is help, and after the TUI exits the paths
 * and the undo command are on stdout whole (joined by the terminal's own wrapping).
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {canRun} from './helpers/availability.js';
import {BIN} from './helpers/cli.js';
import {startProduction, writeConfigFile, type Production} from './helpers/production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) console.warn('\n*** tmux is not installed: the real-terminal screen tests are SKIPPED (Debian: apt-get install tmux) ***\n');

/** A tmux server of this test's own (its own socket): nothing of anybody else's is read or killed. */
class Terminal {
	readonly socket = `rewind-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
	start(command: string, columns: number, rows: number): void {
		execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'r', '-x', String(columns), '-y', String(rows), command]);
	}
	keys(...keys: string[]): void {
		execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', 'r', ...keys]);
	}
	/** The literal text, never read as key names. */
	type(text: string): void {
		execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', 'r', '-l', text]);
	}
	screen(joined = false): string {
		return execFileSync('tmux', ['-L', this.socket, 'capture-pane', '-p', ...(joined ? ['-J', '-S', '-60'] : []), '-t', 'r'], {encoding: 'utf8'});
	}
	async waitFor(text: string | RegExp, timeoutMs = 20_000, joined = false): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const screen = this.screen(joined);
			if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return screen;
			if (Date.now() > deadline) throw new Error(`not on the screen within ${timeoutMs} ms: ${String(text)}\n${screen}`);
			await new Promise(resolve => setTimeout(resolve, 100));
		}
	}
	stop(): void {
		spawnSync('tmux', ['-L', this.socket, 'kill-server']);
	}
}

// In CI (CI=true) they must run: a missing tmux fails them there.
describe.runIf((hasTmux || process.env['CI'] === 'true') && canRun('tmux screens', ['sshd']))('the CLI in a real terminal (tmux)', () => {
	let sshd: Sshd;
	let production: Production | undefined;
	let terminal: Terminal | undefined;

	beforeAll(async () => {
		sshd = await startSshd();
	});
	afterEach(async () => {
		terminal?.stop();
		terminal = undefined;
		await production?.stop();
		production = undefined;
	});
	afterAll(async () => {
		await sshd?.stop();
	});

	for (const [columns, rows] of [
		[80, 24],
		[120, 40],
	] as const) {
		it(`at ${columns}×${rows}: ? on the confirmation is help, help left open to the end closes for the final panel, exit 0, the paths whole on stdout`, async () => {
			production = await startProduction(sshd);
			const prod = production;
			const file = writeConfigFile(path.join(prod.root, 'rewind.config.yaml'), prod.config({build: {commands: ['sleep 1', 'node build.mjs']}}), {
				runsDir: prod.runsDir,
			});
			const good = prod.app.commits.at(-2)!.hash;
			terminal = new Terminal();
			terminal.start(`${process.execPath} ${BIN} --config ${file}; echo "EXIT=$?"; sleep 60`, columns, rows);

			await terminal.waitFor('HEAD (live now)');
			terminal.keys('j');
			await terminal.waitFor('undoes 1 commit');
			terminal.keys('Enter');
			await terminal.waitFor(`Type ${good.slice(0, 7)} and press Enter`);
			terminal.type('?');
			await terminal.waitFor('Esc/? close the help');
			terminal.keys('Escape');
			const confirm = await terminal.waitFor('type the short hash');
			expect(confirm).toContain(`git reset --hard ${good}`);
			expect(confirm).toContain('Esc pick another commit');
			terminal.type(good.slice(0, 7));
			await terminal.waitFor(`› ${good.slice(0, 7)}`);
			terminal.keys('Enter');
			await terminal.waitFor(/Reset|Rebuild|Reload|Verify/);
			terminal.type('?');

			// The outcome by the keys at the bottom, whatever scrolled off above it on a short terminal.
			const final = await terminal.waitFor(/Rolled back and verified · u undo/, 30_000);
			expect(final).toContain('q quit');
			expect(terminal.screen(true)).toContain('Help closed: the run has ended');
			terminal.keys('q');
			const after = await terminal.waitFor(/EXIT=\d+/, 20_000, true);
			expect(after).toContain('EXIT=0');
			// Printed again once the screen is gone: each value whole on one (terminal-wrapped) line.
			const journal = after.match(/^ {2}(\/\S+\/journal\.jsonl)$/m)?.[1];
			expect(journal && existsSync(journal)).toBe(true);
			expect(after).toContain(`rewind undo --config ${file} --journal ${journal}`);
			expect(existsSync(path.join(prod.app.dir, '.git', 'rewind.lock'))).toBe(false);
			expect(execFileSync('git', ['rev-parse', 'HEAD'], {cwd: prod.app.dir, encoding: 'utf8'}).trim()).toBe(good);
		});
	}
});
