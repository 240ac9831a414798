/**
 * The state of a run as the screen shows it, derived from events by a pure reducer: the step
 * list with states and durations, the finished log (for <Static> or plain lines), the live tail of
 * the running command, progress, and the final result. No React here: the Ink UI and the plain
 * renderer both use it.
 */
import {formatDuration} from './criteria.js';
import type {Hint, LogLevel, Question, RunEvent, RunFacts, RunKind, StepId, StepState} from './types.js';

export const TAIL_LINES = 200;
const FAILED_OUTPUT_LINES = 15;

export type StepView = {
	readonly id: StepId;
	readonly title: string;
	readonly state: StepState;
	readonly startedAt?: number;
	readonly durationMs?: number;
	readonly summary?: string;
};

export type LogEntry = {
	readonly id: number;
	readonly level: LogLevel | 'command' | 'output' | 'hint';
	readonly text: string;
	readonly stepId?: StepId;
};

export type RunState = {
	readonly runId: string | null;
	readonly kind: RunKind | null;
	readonly appName: string;
	readonly steps: readonly StepView[];
	readonly current: StepId | null;
	readonly log: readonly LogEntry[];
	/** Output of the running command, newest last, capped. */
	readonly tail: readonly string[];
	readonly command: {readonly display: string; readonly startedAt: number} | null;
	readonly progress: {readonly label: string; readonly bytes?: number; readonly elapsedMs: number; readonly fraction?: number} | null;
	readonly hints: readonly Hint[];
	readonly facts: RunFacts;
	readonly waiting: Question['kind'] | null;
	readonly stopRequested: boolean;
	readonly finished: Extract<RunEvent, {type: 'run-finished'}> | null;
	/** Output lines per running command, kept until it finishes (to show a failure's output). */
	readonly commandOutput: Readonly<Record<string, readonly string[]>>;
	readonly quietCommands: readonly string[];
	readonly nextLogId: number;
};

export const initialRunState: RunState = {
	runId: null,
	kind: null,
	appName: '',
	steps: [],
	current: null,
	log: [],
	tail: [],
	command: null,
	progress: null,
	hints: [],
	facts: {},
	waiting: null,
	stopRequested: false,
	finished: null,
	commandOutput: {},
	quietCommands: [],
	nextLogId: 1,
};

const ICON: Record<'succeeded' | 'failed' | 'skipped', string> = {succeeded: '✓', failed: '✗', skipped: '–'};

function append(state: RunState, entries: ReadonlyArray<Omit<LogEntry, 'id'>>): Pick<RunState, 'log' | 'nextLogId'> {
	let id = state.nextLogId;
	const added = entries.map(entry => ({...entry, id: id++}));
	return {log: [...state.log, ...added], nextLogId: id};
}

function updateStep(steps: readonly StepView[], id: StepId, change: Partial<StepView>): StepView[] {
	return steps.map(step => (step.id === id ? {...step, ...change} : step));
}

function title(state: RunState, id: StepId): string {
	return state.steps.find(step => step.id === id)?.title ?? id;
}

/** The first line of a possibly multi-line command, as shown in the log. */
export function commandHeadline(display: string): string {
	const lines = display.split('\n');
	return lines.length > 1 ? `${lines[0]} … (${lines.length} lines)` : display;
}

export function reduceRun(state: RunState, event: RunEvent): RunState {
	switch (event.type) {
		case 'run-started':
			return {
				...initialRunState,
				log: state.log,
				nextLogId: state.nextLogId,
				runId: event.runId,
				kind: event.kind,
				appName: event.appName,
				steps: event.steps.map(step => ({id: step.id, title: step.title, state: 'pending'})),
			};
		case 'step-started':
			return {
				...state,
				current: event.stepId,
				steps: updateStep(state.steps, event.stepId, {state: 'running', startedAt: Date.parse(event.at), durationMs: undefined, summary: undefined}),
				tail: [],
				progress: null,
			};
		case 'step-waiting':
			return {...state, waiting: event.question, steps: updateStep(state.steps, event.stepId, {state: 'waiting-for-operator'})};
		case 'step-resumed':
			return {...state, waiting: null, steps: updateStep(state.steps, event.stepId, {state: 'running'})};
		case 'step-succeeded':
			return {
				...state,
				steps: updateStep(state.steps, event.stepId, {state: 'succeeded', durationMs: event.durationMs, summary: event.summary}),
				progress: null,
				tail: [],
				command: null,
				...append(state, [{level: 'success', stepId: event.stepId, text: `${ICON.succeeded} ${title(state, event.stepId)}: ${event.summary} (${formatDuration(event.durationMs)})`}]),
			};
		case 'step-failed':
			return {
				...state,
				waiting: null,
				steps: updateStep(state.steps, event.stepId, {state: 'failed', durationMs: event.durationMs, summary: event.error}),
				progress: null,
				command: null,
				...append(state, [{level: 'error', stepId: event.stepId, text: `${ICON.failed} ${title(state, event.stepId)} failed: ${event.error}`}]),
			};
		case 'step-skipped':
			return {
				...state,
				steps: updateStep(state.steps, event.stepId, {state: 'skipped', summary: event.reason}),
				...append(state, [{level: 'info', stepId: event.stepId, text: `${ICON.skipped} ${title(state, event.stepId)} skipped: ${event.reason}`}]),
			};
		case 'command-started':
			if (event.quiet) return {...state, quietCommands: [...state.quietCommands, event.commandId]};
			return {
				...state,
				command: {display: event.display, startedAt: Date.parse(event.at)},
				commandOutput: {...state.commandOutput, [event.commandId]: []},
				...append(state, [{level: 'command', stepId: event.stepId, text: `$ ${commandHeadline(event.display)}`}]),
			};
		case 'output': {
			const previous = state.commandOutput[event.commandId] ?? [];
			const kept = [...previous, ...event.lines].slice(-FAILED_OUTPUT_LINES);
			return {
				...state,
				tail: [...state.tail, ...event.lines].slice(-TAIL_LINES),
				commandOutput: {...state.commandOutput, [event.commandId]: kept},
			};
		}
		case 'command-finished': {
			if (state.quietCommands.includes(event.commandId)) return {...state, quietCommands: state.quietCommands.filter(id => id !== event.commandId)};
			const {[event.commandId]: output = [], ...rest} = state.commandOutput;
			const failed = event.exitCode !== 0;
			const entries: Array<Omit<LogEntry, 'id'>> = [];
			if (failed && output.length > 0) for (const line of output) entries.push({level: 'output', stepId: event.stepId, text: `  │ ${line}`});
			if (failed) entries.push({level: 'error', stepId: event.stepId, text: `  └ ${event.error ?? `exit ${event.exitCode ?? 'unknown'}`} after ${formatDuration(event.durationMs)}`});
			return {...state, command: null, commandOutput: rest, ...append(state, entries)};
		}
		case 'progress':
			return {...state, progress: {label: event.label, elapsedMs: event.elapsedMs, ...(event.bytes === undefined ? {} : {bytes: event.bytes}), ...(event.fraction === undefined ? {} : {fraction: event.fraction})}};
		case 'hint':
			return {
				...state,
				hints: [...state.hints.filter(hint => hint.id !== event.hint.id), event.hint],
				...append(state, [{level: 'hint', stepId: event.stepId, text: `${event.hint.severity === 'warning' ? '⚠' : '💡'} ${event.hint.title}: ${event.hint.advice}`}]),
			};
		case 'note':
			return {...state, ...append(state, [{level: event.level, ...(event.stepId ? {stepId: event.stepId} : {}), text: event.text}])};
		case 'fact':
			return {...state, facts: {...state.facts, ...event.facts}};
		case 'operator':
			return {
				...state,
				...append(state, [{level: 'info', stepId: event.stepId, text: `  operator: ${event.question} → ${event.answer}`}]),
			};
		case 'stop-requested':
			return {...state, stopRequested: true, ...append(state, [{level: 'warning', text: 'Stop requested: rewind stops at the next safe point.'}])};
		case 'wrong-turn':
			return {...state, ...append(state, [{level: 'warning', ...(event.stepId ? {stepId: event.stepId} : {}), text: `Wrong turn: ${event.text}`}])};
		case 'run-finished':
			return {...state, current: null, waiting: null, command: null, progress: null, tail: [], finished: event};
	}
}
