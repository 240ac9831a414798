/** Runs the built CLI (bin/rewind.js) as a user would: a child process without a terminal. */
import {spawn} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const ROOT = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
export const BIN = path.join(ROOT, 'bin', 'rewind.js');

export type CliResult = {readonly code: number | null; readonly stdout: string; readonly stderr: string; readonly signal: NodeJS.Signals | null};

export function runCli(
	args: readonly string[],
	options: {
		env?: NodeJS.ProcessEnv;
		cwd?: string;
		timeoutMs?: number;
		onStdout?: (text: string, child: import('node:child_process').ChildProcess) => void;
	} = {},
): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [BIN, ...args], {cwd: options.cwd ?? ROOT, env: {...process.env, ...options.env}, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
		child.stdout.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
			options.onStdout?.(stdout, child);
		});
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code, stdout, stderr, signal});
		});
	});
}

/** Runs the CLI in a pseudo-terminal (`script`): what it printed, and a way to type into it. */
export function inTerminal(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT) {
	const child = spawn('script', ['-qfec', `${[process.execPath, BIN, ...args].join(' ')}; echo "EXIT=$?"`, '/dev/null'], {
		cwd,
		stdio: ['pipe', 'pipe', 'pipe'],
		env: {...process.env, TERM: 'xterm-256color', COLUMNS: '120', LINES: '40', ...env},
	});
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const closed = new Promise<void>(resolve => child.on('close', () => resolve()));
	return {
		output: () => output,
		type: (text: string) => child.stdin.write(text),
		closed,
		kill: () => child.kill('SIGKILL'),
	};
}
