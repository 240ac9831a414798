/**
 * One SSH connection for a whole run: commands, streamed output, stdin, signals and TCP tunnels
 * all go over it as channels. ssh2 is loaded only when the first connection is opened.
 */
import net, {type Socket} from 'node:net';
import type {Writable} from 'node:stream';
import type {Client, ClientChannel, ConnectConfig} from 'ssh2';
import {ConnectionLostError, UserError} from '../errors.js';
import {EXIT} from '../types.js';

export type ExecOptions = {
	/** Written to the command's stdin, then EOF. Keeps secrets off the command line. */
	readonly stdin?: string | Buffer;
	readonly onStdout?: (chunk: Buffer) => void;
	readonly onStderr?: (chunk: Buffer) => void;
	/** Stdout is piped here (with backpressure) instead of being captured. */
	readonly stdoutTo?: Writable;
	/** Aborting sends TERM to the remote command, then closes its channel. */
	readonly signal?: AbortSignal;
	/** Most bytes of stdout/stderr kept in the result (default 4 MiB each). */
	readonly captureLimit?: number;
};

export type ExecResult = {
	readonly exitCode: number | null;
	readonly exitSignal: string | null;
	readonly stdout: string;
	readonly stderr: string;
	readonly truncated: boolean;
	readonly aborted: boolean;
};

/** What steps need from a server; the SSH session implements it. */
export type Remote = {
	readonly description: string;
	readonly closed: boolean;
	exec(command: string, options?: ExecOptions): Promise<ExecResult>;
	/** A TCP stream to `host:port` as seen from the server (ssh2 forwardOut). */
	forwardOut(host: string, port: number): Promise<ClientChannel>;
	onClose(listener: (reason: string) => void): () => void;
	close(): Promise<void>;
};

export type PrivateKeySource = {readonly path: string; readonly key: Buffer; readonly passphrase?: string};

export type SshConnectOptions = {
	readonly host: string;
	readonly port: number;
	readonly username: string;
	readonly privateKeys: readonly PrivateKeySource[];
	readonly agentSocket?: string;
	/** Resolves true to accept the server's key; a string is the reason to refuse it. */
	readonly verifyHostKey: (blob: Buffer) => Promise<true | string>;
	readonly hostKeyAlgorithms?: readonly string[];
	readonly keepaliveMs: number;
	readonly readyTimeoutMs: number;
};

/** Counts connections this process opened: a full run must open exactly one. */
export const sshStats = {connectionsOpened: 0};

const MAX_PARALLEL_CHANNELS = 6;
const DEFAULT_CAPTURE = 4 * 1024 * 1024;

let ssh2Module: Promise<typeof import('ssh2')> | undefined;
export function loadSsh2(): Promise<typeof import('ssh2')> {
	ssh2Module ??= import('ssh2').then(module => ((module as {default?: typeof import('ssh2')}).default ?? module) as typeof import('ssh2'));
	return ssh2Module;
}

export async function openSsh(options: SshConnectOptions): Promise<SshSession> {
	const {Client: SshClient} = await loadSsh2();
	const client: Client = new SshClient();
	let hostKeyRefusal: string | undefined;
	const where = `${options.username}@${options.host}:${options.port}`;

	const authHandler = [
		...options.privateKeys.map(source => ({
			type: 'publickey' as const,
			username: options.username,
			key: source.key,
			...(source.passphrase === undefined ? {} : {passphrase: source.passphrase}),
		})),
		...(options.agentSocket ? [{type: 'agent' as const, username: options.username, agent: options.agentSocket}] : []),
	];
	if (authHandler.length === 0) {
		throw new UserError(
			`No SSH key to offer ${where}: set ssh.identityFile, add an IdentityFile to ~/.ssh/config, or load a key into ssh-agent (SSH_AUTH_SOCK).`,
			EXIT.refused,
		);
	}

	sshStats.connectionsOpened++;
	const sock = await openSocket(options);
	await new Promise<void>((resolve, reject) => {
		const onError = (error: Error & {level?: string; code?: string}) => {
			client.removeListener('ready', onReady);
			// A failed handshake can report more than one error ("Connection lost before handshake" after a refusal).
			client.on('error', () => {});
			sock.destroy();
			reject(describeConnectError(error, where, options, hostKeyRefusal));
		};
		const onReady = () => {
			client.removeListener('error', onError);
			resolve();
		};
		client.once('error', onError);
		client.once('ready', onReady);
		client.connect({
			sock,
			username: options.username,
			authHandler: authHandler as never,
			keepaliveInterval: options.keepaliveMs,
			keepaliveCountMax: 3,
			readyTimeout: options.readyTimeoutMs,
			...(options.hostKeyAlgorithms && options.hostKeyAlgorithms.length > 0
				? {algorithms: {serverHostKey: {prepend: [...options.hostKeyAlgorithms]} as never}}
				: {}),
			hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
				options.verifyHostKey(key).then(
					verdict => {
						if (verdict !== true) hostKeyRefusal = verdict;
						verify(verdict === true);
					},
					(error: unknown) => {
						hostKeyRefusal = error instanceof Error ? error.message : String(error);
						verify(false);
					},
				);
			},
		} as ConnectConfig);
	});
	return new SshSession(client, where);
}

/**
 * The TCP connection, opened here so TCP_NODELAY can be set: every command is a few small
 * request/reply packets, and Nagle's algorithm with delayed ACKs would add ~40 ms to each.
 */
function openSocket(options: SshConnectOptions): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const socket = net.connect({host: options.host, port: options.port});
		const timer = setTimeout(() => {
			socket.destroy();
			reject(Object.assign(new Error('Timed out while connecting'), {code: 'ETIMEDOUT'}));
		}, options.readyTimeoutMs);
		socket.once('connect', () => {
			clearTimeout(timer);
			socket.setNoDelay(true);
			resolve(socket);
		});
		socket.once('error', error => {
			clearTimeout(timer);
			reject(describeConnectError(error as Error & {code?: string}, `${options.username}@${options.host}:${options.port}`, options, undefined));
		});
	});
}

function describeConnectError(
	error: Error & {level?: string; code?: string},
	where: string,
	options: SshConnectOptions,
	hostKeyRefusal: string | undefined,
): Error {
	if (hostKeyRefusal !== undefined) return new UserError(hostKeyRefusal, EXIT.refused);
	if (error instanceof UserError) return error;
	const code = error.code ?? '';
	if (code === 'ECONNREFUSED') return new UserError(`Nothing accepts SSH connections at ${options.host}:${options.port} (connection refused). Check ssh.host and ssh.port.`, EXIT.failed);
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new UserError(`The host name "${options.host}" does not resolve. Check ssh.host (or the HostName in ~/.ssh/config).`, EXIT.failed);
	if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new UserError(`${options.host} cannot be reached from this machine (${code}). Check the network or VPN.`, EXIT.failed);
	if (/timed out/i.test(error.message)) {
		return new UserError(`No SSH handshake with ${options.host}:${options.port} within ${Math.round(options.readyTimeoutMs / 1000)} s. Check the host, port and network.`, EXIT.failed);
	}
	if (error.level === 'client-authentication' || /authentication methods failed/i.test(error.message)) {
		return new UserError(
			`SSH authentication failed for ${where}: All configured authentication methods failed. Check ssh.user and ssh.identityFile (or ssh-agent).`,
			EXIT.failed,
		);
	}
	return new UserError(`SSH connection to ${where} failed: ${error.message}`, EXIT.failed);
}

export class SshSession implements Remote {
	readonly description: string;
	#client: Client;
	#closed = false;
	#closeReason = 'the SSH connection was lost';
	#closeListeners = new Set<(reason: string) => void>();
	#active = 0;
	#queue: Array<() => void> = [];

	constructor(client: Client, description: string) {
		this.#client = client;
		this.description = description;
		client.on('error', (error: Error) => {
			this.#closeReason = `the SSH connection was lost (${error.message})`;
		});
		client.on('close', () => {
			this.#closed = true;
			for (const listener of this.#closeListeners) listener(this.#closeReason);
		});
	}

	get closed(): boolean {
		return this.#closed;
	}

	onClose(listener: (reason: string) => void): () => void {
		this.#closeListeners.add(listener);
		return () => this.#closeListeners.delete(listener);
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closeReason = 'closed by rewind';
		await new Promise<void>(resolve => {
			this.#client.once('close', () => resolve());
			this.#client.end();
			setTimeout(resolve, 2000).unref();
		});
	}

	async #slot<T>(work: () => Promise<T>): Promise<T> {
		if (this.#active >= MAX_PARALLEL_CHANNELS) await new Promise<void>(resolve => this.#queue.push(resolve));
		this.#active++;
		try {
			return await work();
		} finally {
			this.#active--;
			this.#queue.shift()?.();
		}
	}

	exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
		return this.#slot(() => this.#exec(command, options));
	}

	#exec(command: string, options: ExecOptions): Promise<ExecResult> {
		if (this.#closed) return Promise.reject(new ConnectionLostError(this.#closeReason));
		const limit = options.captureLimit ?? DEFAULT_CAPTURE;
		return new Promise<ExecResult>((resolve, reject) => {
			let settled = false;
			const offClose = this.onClose(reason => finish(new ConnectionLostError(reason)));
			let channel: ClientChannel | undefined;
			let exitCode: number | null = null;
			let exitSignal: string | null = null;
			let aborted = false;
			let truncated = false;
			const stdout: Buffer[] = [];
			const stderr: Buffer[] = [];
			let stdoutBytes = 0;
			let stderrBytes = 0;
			let killTimer: NodeJS.Timeout | undefined;

			const onAbort = () => {
				aborted = true;
				if (!channel) return;
				try {
					channel.signal('TERM');
				} catch {}
				killTimer = setTimeout(() => channel?.close(), 2000);
			};

			const finish = (error?: Error) => {
				if (settled) return;
				settled = true;
				offClose();
				options.signal?.removeEventListener('abort', onAbort);
				if (killTimer) clearTimeout(killTimer);
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
				});
			};

			options.signal?.addEventListener('abort', onAbort, {once: true});
			this.#client.exec(command, (error, opened) => {
				if (error) {
					finish(this.#closed ? new ConnectionLostError(this.#closeReason) : error);
					return;
				}
				channel = opened;
				if (options.signal?.aborted) onAbort();
				opened.on('exit', (code: number | null, signalName?: string) => {
					exitCode = typeof code === 'number' ? code : null;
					exitSignal = signalName ?? null;
				});
				opened.on('close', () => {
					// A channel closed by a dying connection is not a finished command.
					setImmediate(() => (this.#closed && exitCode === null && exitSignal === null ? finish(new ConnectionLostError(this.#closeReason)) : finish()));
				});
				if (options.stdoutTo) {
					opened.pipe(options.stdoutTo, {end: false});
				} else {
					opened.on('data', (chunk: Buffer) => {
						options.onStdout?.(chunk);
						if (stdoutBytes < limit) {
							stdout.push(chunk.subarray(0, limit - stdoutBytes));
							stdoutBytes += chunk.length;
						} else {
							truncated = true;
						}
					});
				}
				opened.stderr.on('data', (chunk: Buffer) => {
					options.onStderr?.(chunk);
					if (stderrBytes < limit) {
						stderr.push(chunk.subarray(0, limit - stderrBytes));
						stderrBytes += chunk.length;
					} else {
						truncated = true;
					}
				});
				if (options.stdin !== undefined) opened.end(options.stdin);
				else opened.end();
			});
		});
	}

	forwardOut(host: string, port: number): Promise<ClientChannel> {
		if (this.#closed) return Promise.reject(new ConnectionLostError(this.#closeReason));
		return new Promise((resolve, reject) => {
			this.#client.forwardOut('127.0.0.1', 0, host, port, (error, stream) => {
				if (error) reject(new Error(`The server would not open a tunnel to ${host}:${port}: ${error.message}`));
				else resolve(stream);
			});
		});
	}
}
