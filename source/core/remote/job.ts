/** A command on the one-shell transport while it runs, and the result it ends with. */
import type {ExecResult, RunOptions} from '../host.js';

export type Job = {
	readonly id: number;
	readonly options: RunOptions;
	readonly resolve: (result: ExecResult) => void;
	readonly reject: (error: Error) => void;
	started: boolean;
	pid?: number;
	exit?: number;
	/** Each stream is framed on its own: output counts until that stream's end marker. */
	readonly ended: {out: boolean; err: boolean};
	stdout: Buffer[];
	stderr: Buffer[];
	stdoutBytes: number;
	stderrBytes: number;
	truncated: boolean;
	aborted: boolean;
	/** A process the command left behind still held its output when it ended: cut off by the driver. */
	leftover: boolean;
	lastOutput: number;
	timers: NodeJS.Timeout[];
};

const SIGNALS: Record<number, string> = {
	1: 'HUP',
	2: 'INT',
	9: 'KILL',
	13: 'PIPE',
	15: 'TERM',
	6: 'ABRT',
	11: 'SEGV',
	19: 'STOP',
	20: 'TSTP',
	24: 'XCPU',
	25: 'XFSZ',
};

/** The result of a job that ended: its exit status or signal, what it printed, and why it ended without a status (`lost`). */
export function jobResult(job: Job, lost?: string): ExecResult {
	const status = job.exit ?? null;
	const signal = status !== null && status > 128 && status <= 192 ? (SIGNALS[status - 128] ?? `signal ${status - 128}`) : null;
	const reason =
		lost ??
		(signal === 'KILL' && !job.aborted
			? 'killed on the server (KILL)'
			: signal === 'STOP' || signal === 'TSTP'
				? `stopped on the server (SIG${signal}): the shell ended the suspended command`
				: undefined);
	return {
		exitCode: lost !== undefined || signal !== null ? null : status,
		exitSignal: signal,
		stdout: Buffer.concat(job.stdout).toString('utf8'),
		stderr: Buffer.concat(job.stderr).toString('utf8'),
		truncated: job.truncated,
		aborted: job.aborted,
		...(job.leftover ? {leftover: true as const} : {}),
		...(reason === undefined ? {} : {lost: reason}),
	};
}
