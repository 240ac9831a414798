/**
 * A private MariaDB server in a temp dir on 127.0.0.1 and a random port: for the rehearsal's
 * sandbox and for the tests. Nothing system-wide is touched; stop() kills it and removes its files.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SERVER_BINARIES = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', '/usr/libexec/mariadbd', '/usr/bin/mariadbd'];
const INSTALL_BINARIES = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db', '/usr/scripts/mariadb-install-db'];
const READY_TIMEOUT_MS = 60_000;

export type MariaDb = {
	readonly host: string;
	readonly port: number;
	readonly socket: string;
	readonly dir: string;
	readonly rootUser: string;
	/** Runs SQL as the server's root user (through the socket) and returns stdout. */
	sql(statements: string, database?: string): string;
	/** Kills the server at once, synchronously (for a process that is exiting). */
	killNow(): void;
	stop(): Promise<void>;
};

function which(candidates: readonly string[], name: string): string | undefined {
	for (const candidate of candidates) if (existsSync(candidate)) return candidate;
	// The PATH read here, not by a shell: the drill list asks at its first frame.
	for (const dir of (process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
		const candidate = path.join(dir || '.', name);
		if (existsSync(candidate)) return candidate;
	}
	return undefined;
}

/** The server and client binaries, or what is missing. */
export function findMariaDb(): {server: string; install: string; client: string; dump: string} | {missing: string} {
	const server = which(SERVER_BINARIES, 'mariadbd') ?? which([], 'mysqld');
	const install = which(INSTALL_BINARIES, 'mariadb-install-db') ?? which([], 'mysql_install_db');
	const client = which([], 'mariadb') ?? which([], 'mysql');
	const dump = which([], 'mysqldump') ?? which([], 'mariadb-dump');
	if (!server || !install) return {missing: 'mariadbd and mariadb-install-db (Debian: apt-get install mariadb-server)'};
	if (!client || !dump) return {missing: 'the mariadb client and mysqldump (Debian: apt-get install mariadb-client)'};
	return {server, install, client, dump};
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
		});
	});
}

async function waitForSocket(socket: string, child: ChildProcess, log: string): Promise<void> {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (let attempt = 0; Date.now() < deadline && attempt < 600; attempt++) {
		if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}; see ${log}`);
		const ok = await new Promise<boolean>(resolve => {
			const connection = net.connect(socket);
			connection.once('connect', () => {
				connection.destroy();
				resolve(true);
			});
			connection.once('error', () => resolve(false));
		});
		if (ok) return;
		await new Promise(resolve => setTimeout(resolve, 100));
	}
	throw new Error(`mariadbd did not start within ${READY_TIMEOUT_MS / 1000} s; see ${log}`);
}

export async function startMariaDb(options: {parentDir?: string} = {}): Promise<MariaDb> {
	const binaries = findMariaDb();
	if ('missing' in binaries) throw new Error(`MariaDB is not installed: need ${binaries.missing}`);
	const dir = mkdtempSync(path.join(options.parentDir ?? os.tmpdir(), 'rewind-mariadb-'));
	const data = path.join(dir, 'data');
	const socket = path.join(dir, 'mysqld.sock');
	const log = path.join(dir, 'error.log');
	// Its own temp dir: servers set up at the same moment (parallel tests) otherwise collide in /tmp.
	const tmp = path.join(dir, 'tmp');
	mkdirSync(data);
	mkdirSync(tmp);
	const asRoot = process.getuid?.() === 0;
	const user = os.userInfo().username;
	const install = spawnSync(
		binaries.install,
		['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db', `--user=${user}`, `--tmpdir=${tmp}`],
		{encoding: 'utf8', timeout: 120_000},
	);
	if (install.status !== 0) {
		rmSync(dir, {recursive: true, force: true});
		throw new Error(`mariadb-install-db failed: ${(install.stderr || install.stdout).slice(-500)}`);
	}
	const port = await freePort();
	const config = path.join(dir, 'my.cnf');
	writeFileSync(
		config,
		[
			'[mysqld]',
			`datadir=${data}`,
			`socket=${socket}`,
			`port=${port}`,
			'bind-address=127.0.0.1',
			`pid-file=${path.join(dir, 'mysqld.pid')}`,
			`tmpdir=${tmp}`,
			`log-error=${log}`,
			'skip-log-bin',
			'innodb-buffer-pool-size=64M',
			'innodb-log-file-size=48M',
			'max-connections=50',
			'performance-schema=OFF',
			...(asRoot ? ['user=root'] : []),
			'',
		].join('\n'),
	);
	const child = spawn(binaries.server, [`--defaults-file=${config}`], {stdio: 'ignore', detached: false});
	try {
		await waitForSocket(socket, child, log);
	} catch (error) {
		child.kill('SIGKILL');
		throw error;
	}
	const rootUser = asRoot ? 'root' : user;
	const sql = (statements: string, database?: string) => {
		const result = spawnSync(
			binaries.client,
			['--no-defaults', `--socket=${socket}`, '-u', rootUser, '--batch', '--skip-column-names', ...(database ? [database] : [])],
			{
				input: statements,
				encoding: 'utf8',
				timeout: 600_000,
				maxBuffer: 64 * 1024 * 1024,
			},
		);
		if (result.status !== 0) throw new Error(`SQL failed: ${result.stderr.trim()}`);
		return result.stdout;
	};
	let stopped = false;
	return {
		host: '127.0.0.1',
		port,
		socket,
		dir,
		rootUser,
		sql,
		killNow() {
			if (child.exitCode === null) child.kill('SIGKILL');
		},
		async stop() {
			if (stopped) return;
			stopped = true;
			if (child.exitCode === null) {
				const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
				child.kill('SIGTERM');
				const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
				await exited;
				clearTimeout(timer);
			}
			rmSync(dir, {recursive: true, force: true});
		},
	};
}
