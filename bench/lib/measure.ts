/** Small measuring tools for the benchmark: medians, child processes timed to a marker, peak RSS. */
import {spawn, type ChildProcess} from 'node:child_process';
import {readFileSync} from 'node:fs';

export function median(values: readonly number[]): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Peak resident set size (VmHWM) of a live process, in bytes; 0 once it has exited. */
export function peakRss(pid: number): number {
	try {
		const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : 0;
	} catch {
		return 0;
	}
}

export type Timed = {readonly ms: number; readonly code: number | null; readonly stdout: string; readonly peakRss: number};

/**
 * Runs a command; resolves when it exits (or, with `marker`, as soon as stdout shows it, then kills
 * it). Samples its peak RSS every 20 ms until then.
 */
export function timeCommand(
	command: string,
	args: readonly string[],
	options: {env?: NodeJS.ProcessEnv; marker?: string; timeoutMs?: number; cwd?: string} = {},
): Promise<Timed> {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child: ChildProcess = spawn(command, [...args], {stdio: ['pipe', 'pipe', 'pipe'], env: {...process.env, ...options.env}, cwd: options.cwd});
		let stdout = '';
		let peak = 0;
		let done = false;
		const sampler = setInterval(() => (peak = Math.max(peak, peakRss(child.pid!))), 20);
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
		const finish = (code: number | null) => {
			if (done) return;
			done = true;
			clearInterval(sampler);
			clearTimeout(timer);
			resolve({ms: performance.now() - started, code, stdout, peakRss: peak});
		};
		child.stdout!.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
			peak = Math.max(peak, peakRss(child.pid!));
			if (options.marker && stdout.includes(options.marker)) {
				const ms = performance.now() - started;
				child.kill('SIGKILL');
				if (!done) {
					done = true;
					clearInterval(sampler);
					clearTimeout(timer);
					resolve({ms, code: null, stdout, peakRss: peak});
				}
			}
		});
		child.stderr!.on('data', () => {});
		child.on('error', reject);
		child.on('exit', code => {
			peak = Math.max(peak, peakRss(child.pid!));
			finish(code);
		});
	});
}

export function formatMs(ms: number): string {
	if (!Number.isFinite(ms)) return '-';
	return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function formatMiB(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
