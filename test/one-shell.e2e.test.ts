/**
 * The one-shell transport against a real OpenSSH sshd: every command in a subshell and a process
 * group of its own, framed output, stdin, stops, deaths and cuts — and the fallback to one channel
 * per command when the server cannot run the driver.
 */
import {execFileSync} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {sh} from '../source/core/command.js';
import {configSchema} from '../source/core/config/schema.js';
import {ConnectionLostError} from '../source/core/errors.js';
import {connectToServer} from '../source/core/remote/connect.js';
import {OneShell} from '../source/core/remote/one-shell.js';
import {openSocket, openSsh, type SshSession} from '../source/core/remote/ssh-host.js';
import {generateEd25519} from '../source/rehearsal/sandbox.js';
import {startSandboxSsh} from '../source/rehearsal/ssh-server.js';
import {loadSsh2} from '../source/core/remote/load-ssh2.js';
import {canRun} from './helpers/availability.js';
import {sshSettings, startSshd, type Sshd} from './helpers/sshd.js';

/** Processes whose command line contains `tag` (each test tags its own processes). */
function processesTagged(tag: string): string[] {
	const found: string[] = [];
	for (const pid of readdirSync('/proc').filter(entry => /^\d+$/.test(entry))) {
		try {
			const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
			if (cmdline.includes(tag) && !cmdline.includes('vitest')) found.push(`${pid} ${cmdline.trim()}`);
		} catch {}
	}
	return found;
}

/** SIGKILLs the shell that started the tagged processes (the command's leader, as an OOM killer would). */
function killLeader(tag: string): void {
	const child = Number(processesTagged(tag)[0]!.split(' ')[0]);
	const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
	const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	process.kill(parent, 'SIGKILL');
}

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	for (let attempt = 0; Date.now() < deadline && attempt < 1000; attempt++) {
		if (check()) return true;
		await new Promise(resolve => setTimeout(resolve, 20));
	}
	return check();
}

describe.runIf(canRun('one shell', ['sshd']))('one long-lived shell over a real OpenSSH sshd', () => {
	let sshd: Sshd;
	let session: SshSession;

	/** A session of its own on the test sshd. */
	const openSession = async () =>
		(
			await connectToServer(
				configSchema.parse({app: {dir: '/tmp'}, ssh: sshSettings(sshd, '/nonexistent'), site: {url: 'http://x/'}, reload: {method: 'none'}}).ssh,
				{ask: async () => false, note: () => {}, addSecret: () => {}},
			)
		).session;

	beforeAll(async () => {
		sshd = await startSshd();
		session = await openSession();
	});
	afterAll(async () => {
		await session?.close();
		await sshd?.stop();
	});

	it('runs every command in the one shell, each in a subshell: no cd or export leaks into the next', async () => {
		expect(session.transport).toBe('one-shell');
		const starts = session.shellStarts;
		await session.run(sh`cd /tmp && export REWIND_LEAK=yes && X=1`);
		const next = await session.run(sh`printf '%s|%s|%s' "$(pwd)" "\${REWIND_LEAK:-unset}" "\${X:-unset}"`);
		expect(next.stdout).not.toContain('/tmp|');
		expect(next.stdout.endsWith('|unset|unset')).toBe(true);
		expect(session.shellStarts).toBe(starts);
	});

	it('keeps stdout and stderr apart and reports the exit status; output without a final newline is kept exactly', async () => {
		const result = await session.run(sh`printf 'out'; printf 'err' >&2; exit 7`);
		expect(result).toMatchObject({exitCode: 7, stdout: 'out', stderr: 'err', exitSignal: null});
	});

	it('gives a command its stdin (binary, line breaks and all), and an empty one when none is given', async () => {
		const payload = Buffer.from([0, 1, 2, 10, 13, 255, 0x1e, 0x1e, 10]);
		const echoed = await session.run(sh`od -An -tx1 | tr -s ' \\n' ' '`, {stdin: payload});
		expect(echoed.stdout.trim()).toBe('00 01 02 0a 0d ff 1e 1e 0a');
		const started = Date.now();
		const empty = await session.run(sh`cat; echo done`);
		expect(empty.stdout).toBe('done\n');
		expect(Date.now() - started).toBeLessThan(5000);
	});

	it('streams megabytes of output without losing a byte', async () => {
		let streamed = 0;
		const result = await session.run(sh`head -c 20000000 /dev/zero | tr '\\0' 'x'`, {onStdout: chunk => (streamed += chunk.length), captureLimit: 1024});
		expect(result.exitCode).toBe(0);
		expect(streamed).toBe(20_000_000);
		expect(result.truncated).toBe(true);
	});

	it('a stop ends the command’s whole process group on the server, and the next command runs', async () => {
		const tag = `rewind-stop-${Date.now()}`;
		const stop = new AbortController();
		const running = session.run(sh`sh -c 'sleep 300; true' ${tag} & sh -c 'sleep 301; true' ${tag} & echo started; wait`, {
			signal: stop.signal,
			onStdout: () => void eventually(() => processesTagged(tag).length === 2).then(() => stop.abort()),
		});
		const result = await running;
		expect(result, JSON.stringify(result)).toMatchObject({aborted: true});
		expect(result.exitSignal, JSON.stringify(result)).toBe('TERM');
		expect(await eventually(() => processesTagged(tag).length === 0)).toBe(true);
		expect((await session.run(sh`echo next`)).stdout).toBe('next\n');
	});

	it('a command killed on the server (its shell SIGKILLed) ends at once, with its leftovers, as killed', async () => {
		const tag = `rewind-killed-${Date.now()}`;
		const started = Date.now();
		const running = session.run(sh`sh -c 'sleep 300; true' ${tag} & sh -c 'sleep 301; true' ${tag}-2 & echo started; wait`, {
			onStdout: () => void eventually(() => processesTagged(tag).length === 2).then(() => killLeader(tag)),
		});
		const result = await running;
		expect(Date.now() - started).toBeLessThan(10_000);
		expect(result.exitCode).toBeNull();
		expect(result.exitSignal).toBe('KILL');
		expect(result.lost).toMatch(/killed on the server/);
		expect(await eventually(() => processesTagged(tag).length === 0)).toBe(true);
	});

	it('output a left-behind process writes after its command ended never reaches the next command: cut off and said', async () => {
		const tag = `rewind-leftover-${Date.now()}`;
		const first = await session.run(sh`sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 0.4; echo late-$i; done' ${tag} & echo early`);
		expect(first.stdout.startsWith('early\n')).toBe(true);
		expect(first.leftover).toBe(true);
		const second = await session.run(sh`sleep 2; echo second`);
		expect(second.stdout).toBe('second\n');
		expect(second.leftover).toBeUndefined();
		// The writer found nobody to read its output (SIGPIPE): it does not run on writing forever.
		expect(await eventually(() => processesTagged(tag).length === 0, 10_000)).toBe(true);
	});

	it('a command suspended on the server (SIGSTOP), or its shell suspended, fails once found silent: never "still running" forever', async () => {
		const own = await openSession();
		try {
			for (const which of ['command', 'driver'] as const) {
				const tag = `rewind-stopped-${which}-${Date.now()}`;
				const started = Date.now();
				const running = own.run(sh`sh -c 'sleep 120; true' ${tag}`, {stallMs: 500});
				expect(await eventually(() => processesTagged(tag).length > 0)).toBe(true);
				const child = Number(processesTagged(tag)[0]!.split(' ')[0]);
				const parentOf = (pid: number) => {
					const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
					return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
				};
				// The command's group leader is the subshell above sh; the driver is its parent.
				const leader = parentOf(child);
				const driver = parentOf(leader);
				if (which === 'command') process.kill(-leader, 'SIGSTOP');
				else process.kill(driver, 'SIGSTOP');
				const result = await running;
				expect(result.exitCode).toBeNull();
				expect(result.lost).toMatch(/stopped on the server \(SIGSTOP\)/);
				expect(Date.now() - started).toBeLessThan(15_000);
				process.kill(-leader, 'SIGKILL');
				if (which === 'driver') process.kill(driver, 'SIGCONT');
				// A new shell runs the next command.
				expect((await own.run(sh`echo next`)).stdout).toBe('next\n');
			}
		} finally {
			await own.close();
		}
	});

	it('a socket opened early that closes before ssh2 listens fails the connection at once, not after the handshake timeout', async () => {
		const {utils} = await loadSsh2();
		const key = readFileSync(sshd.identityFile);
		expect(utils.parseKey(key)).not.toBeInstanceOf(Error);
		const socket = await openSocket(sshd.host, sshd.port, 10_000);
		// Closed cleanly before ssh2 listens (as when sshd's session process is killed): ended and gone.
		socket.resume();
		socket.end();
		await once(socket, 'close');
		const attempt = openSsh({
			socket: Promise.resolve(socket),
			host: sshd.host,
			port: sshd.port,
			username: sshd.user,
			privateKeys: [{path: sshd.identityFile, key}],
			verifyHostKey: async () => true,
			keepaliveMs: 10_000,
			// Far beyond the test's own timeout: only failing at once passes.
			readyTimeoutMs: 600_000,
		});
		await expect(attempt).rejects.toThrow(/SSH connection to .* failed: the connection closed before the SSH handshake/);
	});

	it('a connection closed during the login (after the banner, before ready) fails at once, not never', async () => {
		const {Server, utils} = await loadSsh2();
		const hostKeys = generateEd25519(utils);
		// Completes the key exchange, then drops the connection at the first login attempt (sshd's session process killed then).
		const server = new Server({hostKeys: [hostKeys.private]}, connection => {
			connection.on('authentication', () => connection.end());
			connection.on('error', () => {});
		});
		server.listen(0, '127.0.0.1');
		await once(server, 'listening');
		try {
			const key = readFileSync(sshd.identityFile);
			const attempt = openSsh({
				host: '127.0.0.1',
				port: (server.address() as {port: number}).port,
				username: 'u',
				privateKeys: [{path: sshd.identityFile, key}],
				verifyHostKey: async () => true,
				keepaliveMs: 10_000,
				// Far beyond the test's own timeout (ssh2 clears its own handshake timer when the socket closes): only failing at once passes.
				readyTimeoutMs: 600_000,
			});
			await expect(attempt).rejects.toThrow(/SSH connection to .* failed: the connection closed during the SSH handshake/);
		} finally {
			server.close();
		}
	});

	it('a connection cut mid-command fails it as a lost connection', async () => {
		const other = await openSession();
		const running = other.run(sh`echo started; sleep 30`, {onStdout: () => setTimeout(() => sshd.killSessions(), 50)});
		await expect(running).rejects.toBeInstanceOf(ConnectionLostError);
		// Our own session's process was among those killed: reconnect for the tests after.
		session = await openSession();
	});
});

describe('without bash or base64 on the server', () => {
	it('a server that logs in but never opens the channel for commands: given up within the bound, never waited on', async () => {
		const {Server, Client, utils} = await loadSsh2();
		const hostKeys = generateEd25519(utils);
		// Accepts any login, then ignores every session request (neither accepted nor refused).
		const server = new Server({hostKeys: [hostKeys.private]}, connection => {
			connection.on('authentication', context => context.accept());
			connection.on('session', () => {});
			connection.on('error', () => {});
		});
		server.listen(0, '127.0.0.1');
		await once(server, 'listening');
		const client = new Client();
		try {
			client.connect({host: '127.0.0.1', port: (server.address() as {port: number}).port, username: 'u', password: 'p', hostVerifier: () => true});
			await once(client, 'ready');
			const state = {closed: () => false, closeReason: () => '', onClose: () => () => {}};
			const started = Date.now();
			const opened = await OneShell.open(client, state, undefined, 500);
			expect(opened).toEqual({fallback: 'the server did not open a channel for commands within 0.5 s'});
			expect(Date.now() - started).toBeLessThan(3000);
		} finally {
			client.end();
			server.close();
		}
	});

	it('falls back to one channel per command, says why, and still runs commands', async () => {
		const {utils} = await loadSsh2();
		const dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-fallback-'));
		const hostKeys = generateEd25519(utils);
		const clientKeys = generateEd25519(utils);
		const server = await startSandboxSsh({
			user: 'u',
			home: dir,
			env: {PATH: path.join(dir, 'nothing-here'), HOME: dir},
			authorizedKey: clientKeys.public,
			hostKey: hostKeys.private,
		});
		try {
			const keyFile = path.join(dir, 'id');
			execFileSync('sh', ['-c', `umask 077; cat > ${keyFile}`], {input: clientKeys.private});
			const knownHosts = path.join(dir, 'known_hosts');
			execFileSync('sh', ['-c', `cat > ${knownHosts}`], {input: `[127.0.0.1]:${server.port} ${hostKeys.public.split(' ').slice(0, 2).join(' ')}\n`});
			const ssh = configSchema.parse({
				app: {dir: '/tmp'},
				ssh: {host: '127.0.0.1', port: server.port, user: 'u', identityFile: keyFile, knownHostsFile: knownHosts, useAgent: false, configFile: '/nonexistent'},
				site: {url: 'http://x/'},
				reload: {method: 'none'},
			}).ssh;
			const fallback = (await connectToServer(ssh, {ask: async () => false, note: () => {}, addSecret: () => {}})).session;
			expect(fallback.transport).toBe('exec-per-command');
			expect(fallback.transportNote).toMatch(/one channel per command: no base64 on the server/);
			expect((await fallback.run(sh`echo $((1 + 2))`)).stdout).toBe('3\n');
			await fallback.close();
		} finally {
			await server.stop();
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
