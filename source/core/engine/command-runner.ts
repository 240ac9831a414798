/**
 * Runs a step's planned commands on the host: records each (command-started/finished events with
 * timing and exit code), streams output in batches (~80 ms) as `output` events, and turns a failed
 * exit into an error that carries what the command printed.
 */
import {CommandFailedError, ConnectionLostError, errorMessage, StopRequestedError} from '../errors.js';
import type {RunEvent} from '../events.js';
import {formatBytes} from '../format.js';
import {ServerOutputError} from '../frames.js';
import {DEFAULT_CAPTURE_BYTES, type ExecResult, type Host} from '../host.js';
import {LineBatcher} from '../line-batcher.js';
import type {RunCommandOptions} from '../step.js';
import type {PlannedCommand, StepId} from '../types.js';
import {SentAhead} from './sent-ahead.js';
import {telltaleLines} from '../telltale.js';

export type CommandRunnerDeps = {
	readonly emit: (event: RunEvent) => void;
	readonly host: () => Host | null;
	/** The current step's stop signal. */
	readonly signal: () => AbortSignal;
	readonly stopRequested: () => boolean;
	/** Read-only commands later steps declared to be sent ahead (rendered with what is known now). */
	readonly upcoming: () => readonly PlannedCommand[];
	readonly stallMs: () => number;
};

const now = () => new Date().toISOString();

export class CommandRunner {
	readonly #deps: CommandRunnerDeps;
	#counter = 0;
	readonly #ahead = new SentAhead();

	constructor(deps: CommandRunnerDeps) {
		this.#deps = deps;
	}

	/** Runs a server command: records it, streams its output, throws on a failed exit unless allowed. */
	async run(stepId: StepId, planned: PlannedCommand, options: RunCommandOptions = {}): Promise<ExecResult> {
		if (planned.where !== 'server') throw new Error(`${planned.id} is not a server command`);
		const host = this.#deps.host();
		if (!host || host.closed) throw new ConnectionLostError();
		const {emit} = this.#deps;
		const commandId = `${planned.id}#${++this.#counter}`;
		const startedAt = now();
		const started = Date.now();
		// An answer sent ahead is taken only by a plain read (no stdin, no reader of its own).
		const plain = options.stdin === undefined && options.stdoutTo === undefined && !options.onStdoutLine && !options.onStderrLine;
		const early = planned.readOnly && plain ? this.#ahead.take(planned, this.#deps.signal()) : undefined;
		if (!planned.readOnly) this.#ahead.drop();
		emit({
			type: 'command-started',
			at: startedAt,
			stepId,
			commandId,
			where: planned.where,
			display: planned.display,
			...(planned.headline ? {headline: planned.headline} : {}),
			...(options.quiet ? {quiet: true} : {}),
			...(early ? {sentAhead: true} : {}),
		});
		const stream = options.stream ?? true;
		const batcher = new LineBatcher(lines => emit({type: 'output', at: now(), stepId, commandId, lines}));
		/** Whole lines to a step's reader; a line it returns true for is also shown and journaled. */
		const reader = (read: ((line: string) => boolean) | undefined, name: 'out' | 'err') => {
			if (!read) return stream ? (chunk: Buffer) => batcher.push(name, chunk) : undefined;
			const lines = new LineBatcher(batch => batch.forEach(line => read(line) && batcher.push(name, `${line}\n`)), 0);
			readers.push(lines);
			return (chunk: Buffer) => {
				lines.push(name, chunk);
				lines.flush();
			};
		};
		const readers: LineBatcher[] = [];
		const onStdout = reader(options.onStdoutLine, 'out');
		const onStderr = reader(options.onStderrLine, 'err');
		const finished = (exitCode: number | null, error?: string) =>
			emit({type: 'command-finished', at: now(), stepId, commandId, startedAt, exitCode, durationMs: Date.now() - started, ...(error ? {error} : {})});
		let result: ExecResult;
		try {
			const pending =
				early ??
				host.run(planned.command, {
					signal: this.#deps.signal(),
					...(options.stdin === undefined ? {} : {stdin: options.stdin}),
					...(options.captureLimit === undefined ? {} : {captureLimit: options.captureLimit}),
					...(options.stdoutTo === undefined ? {} : {stdoutTo: options.stdoutTo}),
					...(options.stallMs === undefined ? {} : {stallMs: options.stallMs}),
					onStall: silentMs =>
						emit({
							type: 'note',
							at: now(),
							stepId,
							level: 'info',
							text: `No output for ${Math.round(silentMs / 1000)} s; checked: the command is still running on the server.`,
						}),
					...(onStdout ? {onStdout} : {}),
					...(onStderr ? {onStderr} : {}),
				});
			// The next steps' lookups go out right behind this command: one round trip for all.
			this.#ahead.send(host, this.#deps.upcoming(), this.#deps.stallMs());
			result = await pending;
			if (early) {
				onStdout?.(Buffer.from(result.stdout));
				onStderr?.(Buffer.from(result.stderr));
			}
		} catch (error) {
			// Whatever arrived before the failure still reaches the step (a dump's cleanup is registered from it).
			for (const lines of readers) lines.flush(true);
			batcher.flush(true);
			finished(null, errorMessage(error));
			throw error;
		}
		for (const lines of readers) lines.flush(true);
		batcher.flush(true);
		finished(result.exitCode, result.lost);
		if (result.leftover)
			emit({
				type: 'note',
				at: now(),
				stepId,
				level: 'warning',
				text: `${planned.purpose}: a process the command started kept writing after the command ended; its later output was discarded (it never reaches another command).`,
			});
		if (result.aborted && this.#deps.stopRequested()) throw new StopRequestedError();
		// An answer that is read (not only shown) is read whole or not at all.
		if (result.truncated && (options.whole ?? options.stream === false)) {
			throw new ServerOutputError(
				planned.purpose,
				`it printed more than the ${formatBytes(options.captureLimit ?? DEFAULT_CAPTURE_BYTES)} rewind reads of one answer, and an answer is never read cut short`,
			);
		}
		if (result.exitCode !== 0 && !options.allowFailure) {
			const output = `${result.stderr}\n${result.stdout}`.trim();
			throw new CommandFailedError(
				`${planned.purpose}: the command ${describeExit(result)}${output ? `: ${telltaleLines(output, 3)}` : ''}`,
				result.exitCode,
				output,
			);
		}
		return result;
	}

	/** Records a non-shell command (HTTP, database, local) with its timing and outcome. */
	async record<T>(stepId: StepId, planned: PlannedCommand, work: () => Promise<T>): Promise<T> {
		const {emit} = this.#deps;
		const commandId = `${planned.id}#${++this.#counter}`;
		const startedAt = now();
		const started = Date.now();
		emit({type: 'command-started', at: startedAt, stepId, commandId, where: planned.where, display: planned.display});
		try {
			const result = await work();
			emit({type: 'command-finished', at: now(), stepId, commandId, startedAt, exitCode: 0, durationMs: Date.now() - started});
			return result;
		} catch (error) {
			emit({type: 'command-finished', at: now(), stepId, commandId, startedAt, exitCode: 1, durationMs: Date.now() - started, error: errorMessage(error)});
			throw error;
		}
	}
}

/** "exited 2", "was killed on the server (KILL)", "is no longer running on the server (…)". */
export function describeExit(result: ExecResult): string {
	if (result.exitCode !== null) return `exited ${result.exitCode}`;
	if (result.lost) return `is no longer running on the server (${result.lost})`;
	return `was killed on the server (${result.exitSignal ?? 'no exit status'})`;
}
