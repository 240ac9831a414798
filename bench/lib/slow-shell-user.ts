/**
 * A dedicated server user whose login shell is as slow to start as a real one: its `~/.bashrc`
 * takes ~100 ms (what pyenv or nvm init costs) and counts every start-up in `~/shell-starts`. The
 * whole-run benchmark logs in as this user over the private OpenSSH sshd. Creating a user needs
 * root; the user and its home are removed after.
 */
import {execFileSync} from 'node:child_process';
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type SlowShellUser = {
	readonly name: string;
	readonly home: string;
	/** Shell start-ups on the server since the user was made (read from the counter file). */
	shellStarts(): number;
	/** Gives the user a tree (a checkout, a backup dir) made by this process. */
	own(dir: string): void;
	remove(): void;
};

/** The slow `.bashrc`: a comment says what it stands for, the sleep is its cost. */
export const SLOW_BASHRC = `# Stands for a typical interactive setup (pyenv init, nvm): ~100 ms at every shell start-up.
echo start >> "$HOME/shell-starts"
sleep 0.1
`;

export function canMakeUsers(): boolean {
	return process.getuid?.() === 0;
}

export function makeSlowShellUser(myCnf: string): SlowShellUser {
	const name = `rwbench${process.pid % 100_000}`;
	const home = mkdtempSync(path.join(os.tmpdir(), 'rewind-bench-home-'));
	// '*': no password, but not a locked account (sshd without PAM refuses those).
	execFileSync('useradd', ['--no-create-home', '--home-dir', home, '--shell', '/bin/bash', '--password', '*', name]);
	writeFileSync(path.join(home, '.bashrc'), SLOW_BASHRC);
	writeFileSync(path.join(home, '.my.cnf'), myCnf, {mode: 0o600});
	writeFileSync(path.join(home, 'shell-starts'), '');
	execFileSync('chown', ['-R', `${name}:${name}`, home]);
	chmodSync(home, 0o755);
	const counter = path.join(home, 'shell-starts');
	return {
		name,
		home,
		shellStarts: () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length,
		own: dir => execFileSync('chown', ['-R', `${name}:${name}`, dir]),
		remove() {
			try {
				execFileSync('pkill', ['-KILL', '-u', name], {stdio: 'ignore'});
			} catch {}
			try {
				execFileSync('userdel', [name], {stdio: 'ignore'});
			} catch {}
			rmSync(home, {recursive: true, force: true});
		},
	};
}
