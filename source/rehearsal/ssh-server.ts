/**
 * The rehearsal's SSH server: ssh2's Server on 127.0.0.1 and a random port, with a generated host
 * key that rewind verifies like any other, public-key login for one user, commands run by the
 * shell in the sandbox's home, and TCP tunnels to loopback only (for the database fingerprint).
 * rewind talks to it exactly as to a real server. A drill can make it drop the connection.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {timingSafeEqual} from 'node:crypto';
import {existsSync} from 'node:fs';
import net from 'node:net';
import type {Connection, ServerChannel} from 'ssh2';
import {loadSsh2} from '../core/remote/load-ssh2.js';

export type SandboxSshOptions = {
	readonly user: string;
	readonly home: string;
	readonly env: NodeJS.ProcessEnv;
	/** The client's public key (OpenSSH format) allowed to log in. */
	readonly authorizedKey: string;
	readonly hostKey: string;
	/** Drop the connection once, shortly after a command matching this starts. */
	readonly dropOnCommand?: RegExp;
};

export type SandboxSsh = {
	readonly port: number;
	/** Processes started by commands and still running. */
	readonly running: number;
	readonly connections: number;
	/** Kills every process a command started, synchronously (for a process that is exiting). */
	killNow(): void;
	stop(): Promise<void>;
};

const SHELL = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const DROP_DELAY_MS = 400;

export async function startSandboxSsh(options: SandboxSshOptions): Promise<SandboxSsh> {
	const {Server, utils} = await loadSsh2();
	const allowed = utils.parseKey(options.authorizedKey);
	if (allowed instanceof Error) throw allowed;
	const allowedKey = Array.isArray(allowed) ? allowed[0]! : allowed;
	const children = new Set<ChildProcess>();
	const clients = new Set<Connection>();
	let dropPending = options.dropOnCommand !== undefined;
	let connections = 0;

	const runCommand = (client: Connection, channel: ServerChannel, command: string) => {
		// Its own process group, like sshd's session, so a signal reaches the whole pipeline.
		const child = spawn(SHELL, ['-c', command], {cwd: options.home, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe']});
		children.add(child);
		child.stdout.pipe(channel, {end: false});
		child.stderr.pipe(channel.stderr, {end: false});
		// A command may also arrive on stdin (rewind's one long-lived shell): requests carry scripts as they are.
		let recent = '';
		channel.on('data', (chunk: Buffer) => {
			if (!dropPending) return;
			// What came before is kept a little, for a script split across chunks.
			recent = `${recent.slice(-4096)}${chunk.toString('utf8')}`;
			if (options.dropOnCommand?.test(recent)) drop();
		});
		channel.pipe(child.stdin);
		child.stdin.on('error', () => {});
		channel.on('error', () => {});
		let finished = false;
		const finish = (code: number | null, signal: NodeJS.Signals | null) => {
			if (finished) return;
			finished = true;
			children.delete(child);
			try {
				if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
				else channel.exit(code ?? 1);
				channel.end();
			} catch {
				// The connection is gone: nobody is listening for the exit status.
			}
		};
		child.on('close', finish);
		child.on('error', () => finish(127, null));
		function drop() {
			dropPending = false;
			// A real link failure: the socket goes away, the command keeps running on the "server".
			setTimeout(() => (client as unknown as {_sock?: net.Socket})._sock?.destroy(), DROP_DELAY_MS);
		}
		if (dropPending && options.dropOnCommand?.test(command)) drop();
		return child;
	};

	const server = new Server({hostKeys: [options.hostKey]}, client => {
		// Small request/reply packets: without this, Nagle and delayed ACKs add ~40 ms to every command.
		(client as Connection & {setNoDelay(noDelay?: boolean): void}).setNoDelay(true);
		clients.add(client);
		client.on('error', () => {});
		client.on('close', () => clients.delete(client));
		client.on('authentication', context => {
			const userOk = context.username === options.user;
			if (
				context.method === 'publickey' &&
				userOk &&
				context.key.algo === allowedKey.type &&
				safeEqual(context.key.data, allowedKey.getPublicSSH()) &&
				(!context.signature || allowedKey.verify(context.blob!, context.signature, context.hashAlgo) === true)
			) {
				context.accept();
				return;
			}
			context.reject(['publickey']);
		});
		client.on('ready', () => {
			connections++;
			client.on('session', accept => {
				const session = accept();
				let current: ChildProcess | undefined;
				session.on('env', accept => accept?.());
				session.on('exec', (accept, _reject, info) => {
					current = runCommand(client, accept(), info.command);
				});
				session.on('signal', (accept, _reject, info) => {
					accept?.();
					if (current?.pid) {
						try {
							process.kill(-current.pid, `SIG${info.name.replace(/^SIG/, '')}` as NodeJS.Signals);
						} catch {}
					}
				});
			});
			client.on('tcpip', (accept, reject, info) => {
				if (!LOOPBACK.has(info.destIP)) {
					reject();
					return;
				}
				const socket = net.connect(info.destPort, '127.0.0.1');
				socket.once('connect', () => {
					const channel = accept();
					channel.on('error', () => socket.destroy());
					socket.pipe(channel).pipe(socket);
				});
				socket.once('error', () => reject());
			});
		});
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const address = server.address() as net.AddressInfo;
	const killNow = () => {
		for (const child of children) {
			try {
				if (child.pid) process.kill(-child.pid, 'SIGKILL');
			} catch {}
		}
	};
	return {
		port: address.port,
		get running() {
			return children.size;
		},
		get connections() {
			return connections;
		},
		killNow,
		async stop() {
			killNow();
			for (const client of clients) client.end();
			await new Promise<void>(resolve => server.close(() => resolve()));
		},
	};
}

function safeEqual(a: Buffer, b: Buffer): boolean {
	return a.length === b.length && timingSafeEqual(a, b);
}
