/**
 * The sandbox web app's Python worker: the checkout's Flask app served by Werkzeug on a private
 * port, started at each reload with the code as it is then (as a PythonAnywhere worker is), and
 * stopped when the next one is up. findFlask() says which Python has Flask, Flask-Migrate,
 * Flask-SQLAlchemy and PyMySQL, or what to install.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import net from 'node:net';
import {freePort} from './mariadb.js';

export const FLASK_PACKAGES = 'python3-flask python3-flask-migrate python3-flask-sqlalchemy python3-pymysql';
const MODULES = 'import flask, flask_migrate, flask_sqlalchemy, pymysql';
const START_TIMEOUT_MS = 20_000;

let found: {python: string} | {missing: string} | undefined;

/** A Python that can run the app and its migrations, or what is missing (asked once a process). */
export function findFlask(env: NodeJS.ProcessEnv = process.env): {python: string} | {missing: string} {
	found ??= probeFlask(env);
	return found;
}

function probeFlask(env: NodeJS.ProcessEnv): {python: string} | {missing: string} {
	const candidates = [env['REWIND_PYTHON'], 'python3', '/usr/bin/python3'].filter((value): value is string => Boolean(value));
	for (const python of candidates) {
		const probe = spawnSync(python, ['-c', MODULES], {stdio: 'ignore', timeout: 20_000});
		if (probe.status === 0) return {python};
	}
	return {missing: `Python 3 with Flask, Flask-Migrate, Flask-SQLAlchemy and PyMySQL (Debian: apt-get install ${FLASK_PACKAGES})`};
}

const SERVE = `import sys
from werkzeug.serving import run_simple
sys.path.insert(0, '.')
from app import app
run_simple('127.0.0.1', int(sys.argv[1]), app, threaded=True)
`;

export type FlaskWorker = {readonly port: number; stop(): void};

function answers(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** Starts the app as it is in `appDir` now; rejects with its error output if it does not come up. */
export async function startFlaskWorker(python: string, appDir: string, env: NodeJS.ProcessEnv): Promise<FlaskWorker> {
	const port = await freePort();
	const child: ChildProcess = spawn(python, ['-c', SERVE, String(port)], {cwd: appDir, env, stdio: ['ignore', 'ignore', 'pipe']});
	let errors = '';
	child.stderr!.on('data', (chunk: Buffer) => (errors = `${errors}${chunk.toString()}`.slice(-4000)));
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the app did not start (exit ${child.exitCode}): ${errors.trim().split('\n').slice(-3).join(' | ')}`);
		if (await answers(port)) return {port, stop: () => child.kill('SIGKILL')};
		await new Promise(resolve => setTimeout(resolve, 25));
	}
	child.kill('SIGKILL');
	throw new Error(`the app did not answer within ${START_TIMEOUT_MS / 1000} s`);
}
