/** The pieces of the fold's state: steps, log entries, commands, the timeline. */
import type {LogLevel, StepSummary} from './events.js';
import type {QuestionKind} from './questions.js';
import type {ServerId} from './servers.js';
import type {CommandWhere, Hint, StepId, StepState} from './types.js';

/** A step's state on one server (listr2's subtasks): a step that runs per server has one per server. */
export type ServerStepView = {readonly state: StepState; readonly attempts: number; readonly summary?: string; readonly durationMs?: number};

export type StepView = StepSummary & {
	readonly state: StepState;
	readonly startedAt?: number;
	readonly durationMs?: number;
	readonly summary?: string;
	/** Time spent in the step over all attempts, and how many attempts ended. */
	readonly totalMs: number;
	readonly attempts: number;
	/** The step on each server it ran on (empty for a step of the run's scope). */
	readonly servers: Readonly<Record<ServerId, ServerStepView>>;
};

type Entry<K extends string, T> = {readonly id: number; readonly kind: K; readonly stepId?: StepId} & T;

/** A finished line of the run's log, as data; the renderers word it. */
export type LogEntry =
	| Entry<'step-succeeded', {readonly title: string; readonly summary: string; readonly durationMs: number}>
	| Entry<'step-failed', {readonly title: string; readonly error: string}>
	| Entry<'step-skipped', {readonly title: string; readonly reason: string}>
	| Entry<'steps-reset', {readonly title: string; readonly reason: string}>
	| Entry<'command', {readonly display: string}>
	| Entry<'output', {readonly text: string}>
	| Entry<'command-failed', {readonly error: string | undefined; readonly exitCode: number | null; readonly durationMs: number}>
	| Entry<'hint', {readonly hint: Hint}>
	| Entry<'note', {readonly level: LogLevel; readonly text: string}>
	| Entry<'operator', {readonly question: QuestionKind; readonly answer: string}>
	| Entry<'stop-requested', {readonly reason?: string}>
	| Entry<'wrong-turn', {readonly text: string}>;

export type NewEntry = LogEntry extends infer E ? (E extends LogEntry ? Omit<E, 'id'> : never) : never;

export type CommandRecord = {
	readonly commandId: string;
	readonly stepId: StepId;
	readonly where: CommandWhere;
	readonly display: string;
	readonly startedAt: string;
	readonly quiet: boolean;
	readonly exitCode?: number | null;
	readonly durationMs?: number;
	readonly error?: string;
};

/** What the report's timeline lists: step endings, the operator's answers, stops. */
export type TimelineEntry = {readonly at: string; readonly stepId?: StepId; readonly kind: string; readonly text: string; readonly durationMs?: number};
