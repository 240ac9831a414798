/**
 * The words of a run's log: each entry of the fold as one line with a tone. The TUI and the plain
 * renderer both use these, so the screen and a CI log say the same thing.
 */
import {formatDuration} from '../core/format.js';
import {commandHeadline, type LogEntry} from '../core/run-state.js';
import type {QuestionKind} from '../core/questions.js';
import type {CriterionStatus} from '../core/types.js';
import type {Tone} from './theme.js';

export const STATUS_MARK: Record<CriterionStatus, string> = {pass: '✓', fail: '✗', warn: '⚠', skip: '–'};
export const STATUS_TONE: Record<CriterionStatus, Tone> = {pass: 'success', fail: 'danger', warn: 'warning', skip: 'muted'};

/** How the log names each kind of question (every kind: the compiler checks). */
const QUESTION_NAMES: Record<QuestionKind, string> = {
	'host-key': 'host key',
	passphrase: 'key passphrase',
	'pick-target': 'target',
	'confirm-reset': 'reset confirmation',
	'dirty-tree': 'uncommitted changes',
	'stale-lock': 'stale lock',
	recover: 'recovery',
	'override-reason': 'reason for the override',
	'manual-reload': 'manual reload',
	'migration-way-out': 'way past the schema',
};

export function logLine(entry: LogEntry): {text: string; tone: Tone} {
	switch (entry.kind) {
		case 'step-succeeded':
			return {text: `✓ ${entry.title}: ${entry.summary} (${formatDuration(entry.durationMs)})`, tone: 'success'};
		case 'step-failed':
			return {text: `✗ ${entry.title} failed: ${entry.error}`, tone: 'danger'};
		case 'step-skipped':
			return {text: `– ${entry.title} skipped: ${entry.reason}`, tone: 'plain'};
		case 'steps-reset':
			return {text: `↩ Back to ${entry.title}`, tone: 'warning'};
		case 'command':
			return {text: `$ ${commandHeadline(entry.display)}`, tone: 'muted'};
		case 'output':
			return {text: `  │ ${entry.text}`, tone: 'muted'};
		case 'command-failed':
			// An error is told once, by the step's failure line that follows: here only how it ended.
			return {
				text: `  └ ${entry.error !== undefined ? 'failed' : `exit ${entry.exitCode ?? 'unknown'}`} after ${formatDuration(entry.durationMs)}`,
				tone: 'danger',
			};
		case 'hint':
			return {text: `${entry.hint.severity === 'warning' ? '⚠' : '💡'} ${entry.hint.title}: ${entry.hint.advice}`, tone: 'accent'};
		case 'note':
			return {
				text: entry.text,
				tone: entry.level === 'success' ? 'success' : entry.level === 'warning' ? 'warning' : entry.level === 'error' ? 'danger' : 'plain',
			};
		case 'operator':
			return {text: `  operator: ${QUESTION_NAMES[entry.question]} → ${entry.answer}`, tone: 'plain'};
		case 'stop-requested':
			return {text: `Stop requested${entry.reason ? ` (${entry.reason})` : ''}: rewind stops at the next safe point.`, tone: 'warning'};
		case 'wrong-turn':
			return {text: `Wrong turn: ${entry.text}`, tone: 'warning'};
	}
}
