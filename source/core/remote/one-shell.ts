/**
 * One long-lived shell for a whole run (the default transport). sshd starts the user's login shell
 * once — so a `.bashrc` with pyenv or nvm is read once, not once a command — and that shell runs a
 * small driver that reads requests from its stdin and runs each command:
 *
 * - in a subshell of its own (no `cd` or `export` leaks into the next command),
 * - as a job in its own process group (a stop signals exactly that command's group; a command
 *   whose leader dies takes its leftovers with it),
 * - with its stdin given in the request (base64) or empty, never the protocol's,
 * - framed on stdout and stderr by markers (two RS bytes, a per-connection nonce, the kind, the
 *   command's id and a value such as the exit status), so output is never held back waiting to
 *   tell a line break from a marker.
 *
 * Requests are written as they are issued, so several (lookups sent ahead) travel in one round trip; the
 * driver runs them in order. A stop and a liveness check use a separate, short exec channel.
 */
import {randomBytes} from 'node:crypto';
import type {Client, ClientChannel} from 'ssh2';
import {ConnectionLostError} from '../errors.js';
import {DEFAULT_CAPTURE_BYTES, type ExecResult, type RunOptions} from '../host.js';
import {Deframer} from './deframer.js';
import {execOnChannel, type ConnectionState} from './exec-channel.js';
import {jobResult, type Job} from './job.js';
import {driverScript} from './shell-driver.js';

const READY_TIMEOUT_MS = 15_000;
const DEFAULT_STALL_MS = 30_000;
const KILL_AFTER_MS = 3000;
/** A stopped command that has not ended this long after TERM (and KILL) is given up on: the shell is not answering. */
const GIVE_UP_AFTER_STOP_MS = KILL_AFTER_MS + 5000;
/** The longest the server may take to open the shell's channel. */
const CHANNEL_OPEN_TIMEOUT_MS = 20_000;

export class OneShell {
	readonly #client: Client;
	readonly #channel: ClientChannel;
	readonly #connection: ConnectionState;
	/** The driver's pid on the server: a liveness check also asks whether it is stopped. */
	readonly #driverPid: number;
	readonly #jobs = new Map<number, Job>();
	/** The command each stream is carrying now (the two streams are framed independently). */
	readonly #current: {out: Job | undefined; err: Job | undefined} = {out: undefined, err: undefined};
	#nextId = 1;
	#closed = false;
	#closeReason = 'the remote shell ended';
	/** Extra exec channels (stop, liveness): each is a shell start-up on the server. */
	extraShells = 0;
	/** Requests written while none was outstanding: each waits a round trip of its own. */
	roundTrips = 0;

	private constructor(client: Client, channel: ClientChannel, nonce: string, connection: ConnectionState, driverPid: number) {
		this.#client = client;
		this.#channel = channel;
		this.#connection = connection;
		this.#driverPid = driverPid;
		const out = new Deframer(
			nonce,
			chunk => this.#data('out', chunk),
			(kind, id, value) => this.#marker('out', kind, Number(id), value),
		);
		const err = new Deframer(
			nonce,
			chunk => this.#data('err', chunk),
			(kind, id, value) => this.#marker('err', kind, Number(id), value),
		);
		channel.on('data', (chunk: Buffer) => out.push(chunk));
		channel.stderr.on('data', (chunk: Buffer) => err.push(chunk));
		channel.on('close', () => this.#fail(connection.closed() ? new ConnectionLostError(connection.closeReason()) : new Error(this.#closeReason)));
		connection.onClose(reason => this.#fail(new ConnectionLostError(reason)));
	}

	/** Starts the driver; resolves with the shell, or with why this server needs one channel per command. */
	static open(
		client: Client,
		connection: ConnectionState,
		whileWaiting?: () => void,
		openTimeoutMs = CHANNEL_OPEN_TIMEOUT_MS,
	): Promise<OneShell | {fallback: string}> {
		const nonce = randomBytes(12).toString('hex');
		return new Promise(resolve => {
			let opened = false;
			// A server that authenticates but never opens the channel must not hold the run.
			const openTimer = setTimeout(() => {
				if (!opened) resolve({fallback: `the server did not open a channel for commands within ${openTimeoutMs / 1000} s`});
			}, openTimeoutMs);
			client.exec(driverScript(nonce), (error, channel) => {
				opened = true;
				clearTimeout(openTimer);
				if (error) {
					resolve({fallback: `the server would not start a shell for commands (${error.message})`});
					return;
				}
				// The server runs the driver now (after the login shell's start-up files): time for local work.
				whileWaiting?.();
				let seen = '';
				const timer = setTimeout(() => finish({fallback: `the server’s shell did not answer within ${READY_TIMEOUT_MS / 1000} s`}), READY_TIMEOUT_MS);
				const onData = (chunk: Buffer) => {
					seen += chunk.toString('utf8');
					const ready = new RegExp(`\u001e\u001e${nonce}:ready:(\\d+):[^\\n]*\\n`).exec(seen);
					const fallback = new RegExp(`\u001e\u001e${nonce}:fallback:([^\\n]*)\\n`).exec(seen);
					if (fallback) finish({fallback: fallback[1]!});
					else if (ready) finish(new OneShell(client, channel, nonce, connection, Number(ready[1])));
				};
				const onClose = () => finish({fallback: `the server’s shell ended at once${seen.trim() ? ` (${seen.trim().slice(0, 120)})` : ''}`});
				const finish = (result: OneShell | {fallback: string}) => {
					clearTimeout(timer);
					channel.removeListener('data', onData);
					channel.removeListener('close', onClose);
					if (!(result instanceof OneShell)) channel.close();
					resolve(result);
				};
				channel.on('data', onData);
				channel.on('close', onClose);
			});
		});
	}

	get closed(): boolean {
		return this.#closed;
	}

	run(script: string, options: RunOptions = {}): Promise<ExecResult> {
		if (this.#closed) return Promise.reject(this.#connection.closed() ? new ConnectionLostError(this.#connection.closeReason()) : new Error(this.#closeReason));
		return new Promise<ExecResult>((resolve, reject) => {
			const timers: NodeJS.Timeout[] = [];
			const onAbort = () => this.#stop(job);
			const settle = () => {
				options.signal?.removeEventListener('abort', onAbort);
				for (const timer of timers) clearTimeout(timer);
			};
			const job: Job = {
				id: this.#nextId++,
				options,
				resolve: result => {
					settle();
					resolve(result);
				},
				reject: error => {
					settle();
					reject(error);
				},
				started: false,
				ended: {out: false, err: false},
				stdout: [],
				stderr: [],
				stdoutBytes: 0,
				stderrBytes: 0,
				truncated: false,
				aborted: false,
				leftover: false,
				lastOutput: Date.now(),
				timers,
			};
			if (this.#jobs.size === 0) this.roundTrips++;
			this.#jobs.set(job.id, job);
			// Empty stdin and no stdin are the same to the command: EOF at once.
			const stdin = options.stdin === undefined ? '-' : Buffer.from(options.stdin).toString('base64') || '-';
			this.#channel.write(`${job.id} ${Buffer.byteLength(script)} ${stdin}\n${script}`);
			if (options.signal?.aborted) onAbort();
			else options.signal?.addEventListener('abort', onAbort, {once: true});
			timers.push(setInterval(() => void this.#checkStall(job), Math.min(options.stallMs ?? DEFAULT_STALL_MS, 5000)));
		});
	}

	/** Ends the driver; a command still running is stopped. */
	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closeReason = 'closed by rewind';
		try {
			this.#channel.end('bye\n');
		} catch {}
		this.#closed = true;
	}

	#data(stream: 'out' | 'err', chunk: Buffer): void {
		const job = this.#current[stream];
		// Output between commands (a finished command's leftovers) belongs to nobody.
		if (!job || job.ended[stream]) return;
		job.lastOutput = Date.now();
		const limit = job.options.captureLimit ?? DEFAULT_CAPTURE_BYTES;
		if (stream === 'out') {
			if (job.options.stdoutTo) {
				if (!job.options.stdoutTo.write(chunk)) {
					this.#channel.pause();
					job.options.stdoutTo.once('drain', () => this.#channel.resume());
				}
				return;
			}
			job.options.onStdout?.(chunk);
			if (job.stdoutBytes < limit) job.stdout.push(chunk.subarray(0, limit - job.stdoutBytes));
			else job.truncated = true;
			job.stdoutBytes += chunk.length;
		} else {
			job.options.onStderr?.(chunk);
			if (job.stderrBytes < limit) job.stderr.push(chunk.subarray(0, limit - job.stderrBytes));
			else job.truncated = true;
			job.stderrBytes += chunk.length;
		}
	}

	#marker(stream: 'out' | 'err', kind: string, id: number, value: string): void {
		const job = this.#jobs.get(id);
		if (!job) return;
		if (kind === 'start') {
			job.started = true;
			job.lastOutput = Date.now();
			this.#current[stream] = job;
		} else if (kind === 'pid' && stream === 'out') {
			job.pid = Number(value);
			if (job.aborted) this.#stop(job);
		} else if (kind === 'leftover') {
			job.leftover = true;
		} else if (kind === 'end') {
			job.exit = Number(value);
			job.ended[stream] = true;
			if (this.#current[stream] === job) this.#current[stream] = undefined;
			if (job.ended.out && job.ended.err) this.#finish(job);
		}
	}

	#finish(job: Job, lost?: string): void {
		this.#jobs.delete(job.id);
		for (const stream of ['out', 'err'] as const) if (this.#current[stream] === job) this.#current[stream] = undefined;
		job.resolve(jobResult(job, lost));
	}

	#fail(error: Error): void {
		if (this.#closed && this.#jobs.size === 0) return;
		this.#closed = true;
		for (const job of this.#jobs.values()) job.reject(error);
		this.#jobs.clear();
		this.#current.out = undefined;
		this.#current.err = undefined;
	}

	/** A side channel for a stop or a liveness check (a shell start-up each: only when needed). */
	#side(script: string): Promise<ExecResult> {
		this.extraShells++;
		return execOnChannel(this.#client, script, {}, this.#connection);
	}

	/** Stops the job's process group: TERM, then KILL if it has not ended. */
	#stop(job: Job): void {
		job.aborted = true;
		if (job.pid === undefined || job.exit !== undefined) return;
		const pid = job.pid;
		void this.#side(`kill -TERM -${pid} 2>/dev/null; true`).catch(() => {});
		job.timers.push(
			setTimeout(() => {
				if (job.exit === undefined) void this.#side(`kill -KILL -${pid} 2>/dev/null; true`).catch(() => {});
			}, KILL_AFTER_MS),
			// Still no end after KILL: the shell is not answering (stopped, or its driver gone). A stop is never unbounded.
			setTimeout(() => {
				if (!this.#jobs.has(job.id)) return;
				this.#finish(job, `did not end within ${GIVE_UP_AFTER_STOP_MS / 1000} s of being stopped: the remote shell is not answering`);
				this.#fail(new Error('the remote shell stopped answering; a new one is started for the next command'));
			}, GIVE_UP_AFTER_STOP_MS),
		);
	}

	/**
	 * Silent for too long: is the command still running? One that is gone ends with the reason; one
	 * whose process or whose driver is stopped (SIGSTOP) would never end: it fails, and the shell with it.
	 */
	async #checkStall(job: Job): Promise<void> {
		const stallMs = job.options.stallMs ?? DEFAULT_STALL_MS;
		const silent = Date.now() - job.lastOutput;
		if (!job.started || job.pid === undefined || job.exit !== undefined || silent < stallMs) return;
		job.lastOutput = Date.now();
		const state = (pid: number) => `$(sed 's/.*) //; s/ .*//' /proc/${pid}/stat 2>/dev/null)`;
		const probe = await this.#side(
			`if kill -0 -${job.pid} 2>/dev/null; then case "${state(this.#driverPid)}/${state(job.pid)}" in T/*|*/T) echo stopped ;; */*) echo alive ;; esac; else echo gone; fi`,
		).catch(() => undefined);
		if (!probe || job.exit !== undefined || !this.#jobs.has(job.id)) return;
		const answer = probe.stdout.trim();
		if (answer === 'alive') {
			job.options.onStall?.(silent);
			return;
		}
		this.#finish(
			job,
			answer === 'stopped'
				? `stopped on the server (SIGSTOP): the command or the shell running it is suspended and would never end`
				: `no longer running on the server: its process group ${job.pid} is gone and the shell did not report an exit`,
		);
		// The driver missed an exit it should have seen, or is suspended: do not trust it with another command.
		this.#fail(new Error('the remote shell stopped reporting; a new one is started for the next command'));
	}
}
