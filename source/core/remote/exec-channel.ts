/**
 * One command on its own SSH exec channel (the fallback transport, and the way a second, rare
 * command reaches a server whose one shell is busy). sshd starts the user's shell for it.
 *
 * A command can end without its channel closing: when its shell is killed (SIGKILL, the OOM
 * killer), its orphaned children keep the output open. The exit status arrives all the same, so a
 * channel still open a short while after it is closed here, and the command counts as killed.
 */
import type {Client, ClientChannel} from 'ssh2';
import {ConnectionLostError} from '../errors.js';
import {DEFAULT_CAPTURE_BYTES, type ExecResult, type RunOptions} from '../host.js';

/** After the exit status, how long the output may keep flowing before the channel is closed. */
const DRAIN_AFTER_EXIT_MS = 2000;
/** After a stop, how long TERM has before the channel is closed. */
const KILL_AFTER_MS = 2000;
/** How long the server has to open the command's channel: a wedged sshd fails the command, never hangs it. */
const OPEN_TIMEOUT_MS = 20_000;

export type ConnectionState = {
	readonly closed: () => boolean;
	readonly closeReason: () => string;
	readonly onClose: (listener: (reason: string) => void) => () => void;
};

export function execOnChannel(client: Client, script: string, options: RunOptions, connection: ConnectionState): Promise<ExecResult> {
	const limit = options.captureLimit ?? DEFAULT_CAPTURE_BYTES;
	return new Promise<ExecResult>((resolve, reject) => {
		let settled = false;
		let channel: ClientChannel | undefined;
		let exitCode: number | null = null;
		let exitSignal: string | null = null;
		let exited = false;
		let aborted = false;
		let truncated = false;
		let lost: string | undefined;
		const stdout: Buffer[] = [];
		const stderr: Buffer[] = [];
		let stdoutBytes = 0;
		let stderrBytes = 0;
		const timers: NodeJS.Timeout[] = [];
		const offClose = connection.onClose(reason => finish(new ConnectionLostError(reason)));

		const onAbort = () => {
			aborted = true;
			if (!channel) return;
			try {
				channel.signal('TERM');
			} catch {}
			timers.push(setTimeout(() => channel?.close(), KILL_AFTER_MS));
		};

		function finish(error?: Error) {
			if (settled) return;
			settled = true;
			offClose();
			options.signal?.removeEventListener('abort', onAbort);
			for (const timer of timers) clearTimeout(timer);
			if (error) {
				reject(error);
				return;
			}
			resolve({
				exitCode,
				exitSignal,
				stdout: Buffer.concat(stdout).toString('utf8'),
				stderr: Buffer.concat(stderr).toString('utf8'),
				truncated,
				aborted,
				...(lost ? {lost} : {}),
			});
		}

		const capture = (into: Buffer[], chunk: Buffer, counted: number): number => {
			if (counted < limit) into.push(chunk.subarray(0, limit - counted));
			else truncated = true;
			return counted + chunk.length;
		};

		options.signal?.addEventListener('abort', onAbort, {once: true});
		const opening = setTimeout(
			() => finish(new ConnectionLostError(`the server did not open a channel for the command within ${OPEN_TIMEOUT_MS / 1000} s`)),
			OPEN_TIMEOUT_MS,
		);
		timers.push(opening);
		client.exec(script, (error, opened) => {
			clearTimeout(opening);
			if (settled) {
				opened?.close();
				return;
			}
			if (error) {
				finish(connection.closed() ? new ConnectionLostError(connection.closeReason()) : error);
				return;
			}
			channel = opened;
			if (options.signal?.aborted) onAbort();
			opened.on('exit', (code: number | null, signalName?: string) => {
				exited = true;
				exitCode = typeof code === 'number' ? code : null;
				exitSignal = signalName ?? null;
				timers.push(
					setTimeout(() => {
						// The command is gone but something it started still holds its output open.
						if (exitSignal !== null) lost = `killed on the server (${exitSignal}); its children held the output open`;
						opened.close();
					}, DRAIN_AFTER_EXIT_MS),
				);
			});
			opened.on('close', () => {
				// A channel closed by a dying connection is not a finished command.
				setImmediate(() => (connection.closed() && !exited ? finish(new ConnectionLostError(connection.closeReason())) : finish()));
			});
			if (options.stdoutTo) {
				opened.pipe(options.stdoutTo, {end: false});
			} else {
				opened.on('data', (chunk: Buffer) => {
					options.onStdout?.(chunk);
					stdoutBytes = capture(stdout, chunk, stdoutBytes);
				});
			}
			opened.stderr.on('data', (chunk: Buffer) => {
				options.onStderr?.(chunk);
				stderrBytes = capture(stderr, chunk, stderrBytes);
			});
			if (options.stdin !== undefined) opened.end(options.stdin);
			else opened.end();
		});
	});
}
