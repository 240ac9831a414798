/**
 * The SSH implementation of Host: one connection for a whole run; commands, streamed output, stdin,
 * signals and TCP tunnels all go over it as channels. This module and the transports it uses are
 * the only code that touches ssh2; ssh2 is loaded only when the first connection is opened.
 */
import type {Socket} from 'node:net';
import type {Duplex} from 'node:stream';
import type {Client} from 'ssh2';
import {sh, type RemotePath, type ShellCommand} from '../command.js';
import {ConnectionLostError, UserError} from '../errors.js';
import type {ExecResult, Host, HostTransport, RunOptions} from '../host.js';
import {EXIT} from '../types.js';
import {execOnChannel, type ConnectionState} from './exec-channel.js';
import {loadSsh2} from './load-ssh2.js';
import {OneShell} from './one-shell.js';
import {openSocket} from './open-socket.js';
import {tunnelRefusal} from './tunnel-refusal.js';

export {openSocket} from './open-socket.js';

export type PrivateKeySource = {readonly path: string; readonly key: Buffer; readonly passphrase?: string};

export type SshConnectOptions = {
	/** The TCP connection, when it was opened before (see openSocket); else opened here. */
	readonly socket?: Promise<Socket>;
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
	/** Work for this process while the server starts the shell (it waits there): loading a module needed later. */
	readonly whileWaiting?: () => void;
};

/** Counts connections this process opened: a full run must open exactly one. */
export const sshStats = {connectionsOpened: 0};

const MAX_PARALLEL_CHANNELS = 6;

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
	let sock: Socket;
	try {
		sock = await (options.socket ?? openSocket(options.host, options.port, options.readyTimeoutMs));
	} catch (error) {
		throw describeConnectError(error as Error, where, options, undefined);
	}
	// A socket opened early can die before ssh2 listens to it (sshd killed, a reset): ssh2 would
	// then wait out its handshake timeout on a dead socket. It fails now instead.
	if (sock.destroyed) throw describeConnectError(new Error('the connection closed before the SSH handshake'), where, options, undefined);
	await new Promise<void>((resolve, reject) => {
		const onError = (error: Error & {level?: string; code?: string}) => {
			client.removeListener('ready', onReady);
			client.removeListener('close', onClose);
			// A failed handshake can report more than one error ("Connection lost before handshake" after a refusal).
			client.on('error', () => {});
			sock.destroy();
			reject(describeConnectError(error, where, options, hostKeyRefusal));
		};
		const onReady = () => {
			client.removeListener('error', onError);
			client.removeListener('close', onClose);
			resolve();
		};
		// Closed after sshd's banner but before 'ready' (killed during the key exchange or the login), ssh2
		// clears its handshake timer and emits only 'close': without this the wait would never end.
		const onClose = () => {
			client.removeListener('ready', onReady);
			client.removeListener('error', onError);
			client.on('error', () => {});
			reject(describeConnectError(new Error('the connection closed during the SSH handshake'), where, options, hostKeyRefusal));
		};
		client.once('error', onError);
		client.once('ready', onReady);
		client.once('close', onClose);
		client.connect({
			sock,
			username: options.username,
			authHandler: authHandler,
			keepaliveInterval: options.keepaliveMs,
			keepaliveCountMax: 3,
			readyTimeout: options.readyTimeoutMs,
			// ssh2's `prepend` skips what its default list already has: remove first, then prepend, to really ask for these first.
			...(options.hostKeyAlgorithms && options.hostKeyAlgorithms.length > 0
				? {algorithms: {serverHostKey: {remove: [...options.hostKeyAlgorithms], prepend: [...options.hostKeyAlgorithms]} as never}}
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
		});
	});
	const session = new SshSession(client, where);
	await session.startShell(options.whileWaiting);
	return session;
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
	if (code === 'ECONNREFUSED')
		return new UserError(`Nothing accepts SSH connections at ${options.host}:${options.port} (connection refused). Check ssh.host and ssh.port.`, EXIT.failed);
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
		return new UserError(`The host name "${options.host}" does not resolve. Check ssh.host (or the HostName in ~/.ssh/config).`, EXIT.failed);
	if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
		return new UserError(`${options.host} cannot be reached from this machine (${code}). Check the network or VPN.`, EXIT.failed);
	if (/timed out/i.test(error.message)) {
		return new UserError(
			`No SSH handshake with ${options.host}:${options.port} within ${Math.round(options.readyTimeoutMs / 1000)} s. Check the host, port and network.`,
			EXIT.failed,
		);
	}
	if (error.level === 'client-authentication' || /authentication methods failed/i.test(error.message)) {
		return new UserError(
			`SSH authentication failed for ${where}: All configured authentication methods failed. Check ssh.user and ssh.identityFile (or ssh-agent).`,
			EXIT.failed,
		);
	}
	return new UserError(`SSH connection to ${where} failed: ${error.message}`, EXIT.failed);
}

export class SshSession implements Host {
	readonly description: string;
	#client: Client;
	#shell: OneShell | undefined;
	#transportNote: string | undefined;
	#closed = false;
	#closeReason = 'the SSH connection was lost';
	#closeListeners = new Set<(reason: string) => void>();
	#active = 0;
	#queue: Array<() => void> = [];
	#shellStarts = 0;
	/** Round trips of shells and channels that are gone (a replaced driver, the fallback's channels). */
	#roundTrips = 0;

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

	get shellStarts(): number {
		return this.#shellStarts + (this.#shell?.extraShells ?? 0);
	}

	get roundTrips(): number {
		return this.#roundTrips + (this.#shell?.roundTrips ?? 0);
	}

	get transport(): HostTransport {
		return this.#shell ? 'one-shell' : 'exec-per-command';
	}

	get pipelines(): boolean {
		return this.#shell !== undefined;
	}

	get transportNote(): string | undefined {
		return this.#transportNote;
	}

	#connectionState(): ConnectionState {
		return {closed: () => this.#closed, closeReason: () => this.#closeReason, onClose: listener => this.onClose(listener)};
	}

	/**
	 * Starts the one shell of this connection; without one (no bash, no base64), one channel per
	 * command. `whileWaiting` runs once the server is starting it (its login shell reads .bashrc).
	 */
	async startShell(whileWaiting?: () => void): Promise<void> {
		if (this.#closed) return;
		this.#shellStarts++;
		const opened = await OneShell.open(this.#client, this.#connectionState(), whileWaiting);
		if (opened instanceof OneShell) {
			this.#shell = opened;
			return;
		}
		this.#shell = undefined;
		this.#transportNote = `one channel per command: ${opened.fallback}`;
	}

	onClose(listener: (reason: string) => void): () => void {
		this.#closeListeners.add(listener);
		return () => this.#closeListeners.delete(listener);
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		await this.#shell?.close();
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

	async run(command: ShellCommand, options: RunOptions = {}): Promise<ExecResult> {
		const script = command.script();
		if (this.#closed) throw new ConnectionLostError(this.#closeReason);
		// A driver that stopped reporting is replaced once; without one, the fallback.
		if (this.#shell?.closed) {
			this.#shellStarts += this.#shell.extraShells;
			this.#roundTrips += this.#shell.roundTrips;
			this.#shell = undefined;
			await this.startShell();
		}
		if (this.#shell) return this.#shell.run(script, options);
		return this.#slot(() => {
			this.#shellStarts++;
			this.#roundTrips++;
			return execOnChannel(this.#client, script, options, this.#connectionState());
		});
	}

	async writeFile(path: RemotePath, data: string, options: {readonly append?: boolean} = {}): Promise<void> {
		const command = options.append ? sh`umask 077 && cat >> ${path}` : sh`umask 077 && cat > ${path}`;
		const result = await this.run(command, {stdin: data});
		if (result.exitCode !== 0) throw new Error(`could not write ${path.toString()}: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
	}

	tunnel(host: string, port: number): Promise<Duplex> {
		if (this.#closed) return Promise.reject(new ConnectionLostError(this.#closeReason));
		return new Promise((resolve, reject) => {
			this.#client.forwardOut('127.0.0.1', 0, host, port, (error, stream) => {
				if (error) reject(new Error(`The server would not open a tunnel to ${host}:${port}: ${tunnelRefusal(error)}`));
				else resolve(stream);
			});
		});
	}
}
