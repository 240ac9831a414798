/**
 * Fault injection on the test "server": shims in front of git and mysqldump that sleep (so a cut or
 * a signal lands while the command runs) only while a control file says so.
 */
import {chmodSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';

export type SlowCommand = 'git-log' | 'git-reset' | 'git-rev-parse-head' | 'mysqldump';

const REAL = {git: '/usr/bin/git', mysqldump: '/usr/bin/mysqldump'};

export class Faults {
	readonly dir: string;
	readonly shims: string;
	readonly #control: string;

	constructor(root: string, seconds = 1.5) {
		this.dir = path.join(root, 'faults');
		this.shims = path.join(this.dir, 'bin');
		this.#control = path.join(this.dir, 'slow');
		mkdirSync(this.shims, {recursive: true});
		mkdirSync(this.#control, {recursive: true});
		const gitShim = [
			'#!/bin/sh',
			`case " $* " in *" log "*) [ -e ${this.#control}/git-log ] && sleep ${seconds};; esac`,
			`case " $* " in *" reset --hard "*) [ -e ${this.#control}/git-reset ] && sleep ${seconds};; esac`,
			`[ "$*" = "rev-parse HEAD" ] && [ -e ${this.#control}/git-rev-parse-head ] && sleep ${seconds}`,
			`exec ${REAL.git} "$@"`,
			'',
		].join('\n');
		writeFileSync(path.join(this.shims, 'git'), gitShim);
		// The control file may name its own delay (slow(command, seconds)); empty means the default.
		// Only the dump itself is slow: `mysqldump --help` (the backup asks it which flags exist) answers
		// at once, so the slow process is the one holding the database's name, from the start.
		writeFileSync(
			path.join(this.shims, 'mysqldump'),
			`#!/bin/sh\ncase "$1" in --help|--version) ;; *) if [ -e ${this.#control}/mysqldump ]; then d=$(cat ${this.#control}/mysqldump); sleep "\${d:-${seconds}}"; fi ;; esac\nexec ${REAL.mysqldump} "$@"\n`,
		);
		chmodSync(path.join(this.shims, 'git'), 0o755);
		chmodSync(path.join(this.shims, 'mysqldump'), 0o755);
	}

	slow(command: SlowCommand, seconds?: number): void {
		writeFileSync(path.join(this.#control, command), seconds === undefined ? '' : String(seconds));
	}

	/** A tee that may write at most `kb` KiB to a file (ulimit -f), as a quota would stop it. */
	limitTee(kb: number): void {
		writeFileSync(path.join(this.shims, 'tee'), `#!/bin/bash\ntrap '' XFSZ\nulimit -f ${kb}\nexec /usr/bin/tee "$@"\n`);
		chmodSync(path.join(this.shims, 'tee'), 0o755);
	}

	clear(): void {
		rmSync(this.#control, {recursive: true, force: true});
		mkdirSync(this.#control, {recursive: true});
		rmSync(path.join(this.shims, 'tee'), {force: true});
	}
}
