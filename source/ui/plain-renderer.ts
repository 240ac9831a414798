/**
 * The renderer for runs without a terminal (CI, pipes, --plain): one line per finished thing,
 * command output as it streams, progress every few seconds, and the criteria table at the end.
 * It reads the same fold as the TUI, with the same words (log-text.ts).
 */
import type {Writable} from 'node:stream';
import type {Engine} from '../core/engine.js';
import type {RunEvent} from '../core/events.js';
import {formatBytes, formatDuration} from '../core/format.js';
import type {RunState} from '../core/run-state.js';
import {logLine, STATUS_MARK} from './log-text.js';

const PROGRESS_EVERY_MS = 2000;

const clock = (at: string) => at.slice(11, 19);

export type PlainOptions = {
	/** Lines a session adds after the result (the rehearsal's scorecard). */
	readonly finalLines?: (state: RunState) => readonly string[];
};

export function attachPlainRenderer(engine: Engine, out: Writable, options: PlainOptions = {}): () => void {
	let printed = engine.state.log.length;
	let lastProgress = 0;
	const write = (text: string) => out.write(`${text}\n`);
	return engine.subscribe((event: RunEvent) => {
		const state = engine.state;
		if (event.type === 'run-started') {
			const trainee = event.identity?.trainee ? `, trainee ${event.identity.trainee}` : '';
			const stage = event.identity?.stage ? ` [stage ${event.identity.stage}]` : '';
			write(`[${clock(event.at)}] rewind ${event.kind} of ${event.appName}${stage} (run ${event.runId}${trainee})`);
		}
		// Output lines are printed as they stream; the copy the log keeps of a failure's output is not repeated.
		for (const entry of state.log.slice(printed)) if (entry.kind !== 'output') write(`[${clock(event.at)}] ${logLine(entry).text}`);
		printed = state.log.length;
		if (event.type === 'output') for (const line of event.lines) write(`  │ ${line}`);
		if (event.type === 'step-waiting') write(`[${clock(event.at)}] waiting for: ${event.question}`);
		if (event.type === 'progress' && Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
			lastProgress = Date.now();
			write(`[${clock(event.at)}] … ${event.label}${event.bytes === undefined ? '' : `: ${formatBytes(event.bytes)}`} (${formatDuration(event.elapsedMs)})`);
		}
		if (event.type === 'run-finished') {
			write('');
			write(`Result: ${event.outcome.toUpperCase()} — ${event.message}`);
			const width = Math.max(0, ...event.criteria.map(criterion => criterion.label.length));
			for (const criterion of event.criteria) write(`  ${STATUS_MARK[criterion.status]} ${criterion.label.padEnd(width)}  ${criterion.detail}`);
			write(`Total ${formatDuration(event.totalMs)}${event.rollbackMs === null ? '' : `, rollback ${formatDuration(event.rollbackMs)}`}`);
			for (const line of options.finalLines?.(state) ?? []) write(line);
			if (event.reportPath) write(`Report: ${event.reportPath}`);
			if (event.journalPath) write(`Journal: ${event.journalPath}`);
		}
	});
}
