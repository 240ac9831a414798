/**
 * A private OpenSSH sshd on 127.0.0.1 and a random port, with generated host and client keys in a
 * temp dir: the real server rewind's remote behaviour is tested against. Nothing system-wide is
 * changed except creating /run/sshd (sshd's privilege-separation dir) when running as root.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {freePort} from '../../source/rehearsal/mariadb.js';

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/bin/sshd', '/usr/local/sbin/sshd'];
const START_ATTEMPTS = 5;

export function sshdPath(): string | undefined {
	return SSHD_CANDIDATES.find(candidate => existsSync(candidate));
}

export type Sshd = {
	readonly host: string;
	readonly port: number;
	readonly user: string;
	readonly dir: string;
	readonly identityFile: string;
	readonly knownHostsFile: string;
	readonly hostPublicKey: string;
	/** Every host key the server has, by type (`ssh-ed25519`, `ssh-rsa`, …), as `type base64`. */
	readonly hostKeys: Readonly<Record<string, string>>;
	readonly logFile: string;
	/** Per-connection sshd processes (children of the listener). */
	sessionPids(): number[];
	/** Kills every connection's sshd process: the client sees its connection drop. */
	killSessions(signal?: NodeJS.Signals): number;
	/** "Accepted publickey" lines in the log: how many connections authenticated. */
	acceptedConnections(): number;
	stop(): Promise<void>;
};

function keygen(file: string, type = 'ed25519'): string {
	execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'rewind-test', '-f', file]);
	return readFileSync(`${file}.pub`, 'utf8').trim();
}

async function waitForBanner(port: number, child: ChildProcess): Promise<boolean> {
	for (let attempt = 0; attempt < 100; attempt++) {
		if (child.exitCode !== null) return false;
		const banner = await new Promise<string>(resolve => {
			const socket = net.connect(port, '127.0.0.1');
			let data = '';
			socket.setTimeout(1000, () => socket.destroy());
			socket.on('data', chunk => {
				data += chunk.toString();
				socket.destroy();
			});
			socket.on('close', () => resolve(data));
			socket.on('error', () => resolve(''));
		});
		if (banner.startsWith('SSH-2.0')) return true;
		await new Promise(resolve => setTimeout(resolve, 50));
	}
	return false;
}

function childrenOf(pid: number): number[] {
	const children: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			if (ppid === pid) children.push(Number(entry));
		} catch {
			// The process ended while we looked.
		}
	}
	return children;
}

/** One SetEnv line (sshd reads only the first): the shims' PATH and the home the test gave. */
function sessionEnvironment(options: {pathPrefix?: string; home?: string}): string[] {
	const pairs = [
		...(options.pathPrefix ? [`PATH=${options.pathPrefix}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`] : []),
		...(options.home ? [`HOME=${options.home}`] : []),
	];
	return pairs.length > 0 ? [`SetEnv ${pairs.join(' ')}`] : [];
}

export async function startSshd(
	options: {
		hostKeyType?: string;
		extraHostKeyTypes?: readonly string[];
		pathPrefix?: string;
		/** Log in as this user instead of the current one (root only: sshd reads the key file as that user). */
		user?: string;
		/** The sessions' HOME (`~` on the "server"): a private home laid out by the test. */
		home?: string;
	} = {},
): Promise<Sshd> {
	const binary = sshdPath();
	if (!binary) throw new Error('sshd is not installed (Debian: apt-get install openssh-server)');
	if (process.getuid?.() === 0) mkdirSync('/run/sshd', {recursive: true, mode: 0o755});
	const dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-sshd-'));
	const hostKey = path.join(dir, 'host_key');
	const hostPublicKey = keygen(hostKey, options.hostKeyType);
	const extraKeys = (options.extraHostKeyTypes ?? []).map(type => ({file: path.join(dir, `host_key_${type}`), type}));
	const hostKeys: Record<string, string> = {[hostPublicKey.split(' ')[0]!]: hostPublicKey.split(' ').slice(0, 2).join(' ')};
	for (const extra of extraKeys) {
		const pub = keygen(extra.file, extra.type);
		hostKeys[pub.split(' ')[0]!] = pub.split(' ').slice(0, 2).join(' ');
	}
	const identityFile = path.join(dir, 'client_key');
	writeFileSync(path.join(dir, 'authorized_keys'), `${keygen(identityFile)}\n`, {mode: options.user ? 0o644 : 0o600});
	// Another user's session must reach the key file; the private keys stay 0600.
	if (options.user) execFileSync('chmod', ['0711', dir]);
	const logFile = path.join(dir, 'sshd.log');
	const user = options.user ?? os.userInfo().username;
	for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
		const port = await freePort();
		const config = path.join(dir, 'sshd_config');
		writeFileSync(
			config,
			[
				`Port ${port}`,
				'ListenAddress 127.0.0.1',
				`HostKey ${hostKey}`,
				...extraKeys.map(extra => `HostKey ${extra.file}`),
				`PidFile ${path.join(dir, 'sshd.pid')}`,
				`AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
				'StrictModes no',
				'UsePAM no',
				'PasswordAuthentication no',
				'KbdInteractiveAuthentication no',
				'PubkeyAuthentication yes',
				'PermitRootLogin prohibit-password',
				'AllowTcpForwarding yes',
				'MaxSessions 30',
				'MaxStartups 50',
				'LogLevel VERBOSE',
				'PrintMotd no',
				'Subsystem sftp internal-sftp',
				// Fault tests put their shims first on the PATH of every session; a test may give the sessions a home of its own.
				...sessionEnvironment(options),
				'',
			].join('\n'),
		);
		const log = openSync(logFile, 'a');
		const child = spawn(binary, ['-D', '-e', '-f', config], {stdio: ['ignore', log, log]});
		if (!(await waitForBanner(port, child))) {
			child.kill('SIGKILL');
			continue;
		}
		const knownHostsFile = path.join(dir, 'known_hosts');
		const [type, key] = hostPublicKey.split(' ');
		writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${type} ${key}\n`);
		return {
			host: '127.0.0.1',
			port,
			user,
			dir,
			identityFile,
			knownHostsFile,
			hostPublicKey,
			hostKeys,
			logFile,
			sessionPids: () => (child.pid ? childrenOf(child.pid) : []),
			killSessions(signal = 'SIGKILL') {
				const pids = child.pid ? childrenOf(child.pid) : [];
				// Each connection's processes are a session of their own (sshd calls setsid): killing the
				// group takes the unprivileged child that holds the socket too, so the link really drops.
				for (const pid of pids) {
					try {
						process.kill(-pid, signal);
					} catch {
						try {
							process.kill(pid, signal);
						} catch {}
					}
				}
				return pids.length;
			},
			acceptedConnections: () => (readFileSync(logFile, 'utf8').match(/Accepted publickey/g) ?? []).length,
			async stop() {
				if (child.exitCode === null) {
					const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
					child.kill('SIGTERM');
					await exited;
				}
				rmSync(dir, {recursive: true, force: true});
			},
		};
	}
	throw new Error(`sshd did not start after ${START_ATTEMPTS} attempts; see ${logFile}`);
}

/** The `ssh` settings of a config that reaches this sshd: its key and known_hosts, no ssh-agent, and `configFile` when given. */
export function sshSettings(sshd: Sshd, configFile?: string) {
	return {
		host: sshd.host,
		port: sshd.port,
		user: sshd.user,
		identityFile: sshd.identityFile,
		knownHostsFile: sshd.knownHostsFile,
		...(configFile === undefined ? {} : {configFile}),
		useAgent: false,
	};
}
