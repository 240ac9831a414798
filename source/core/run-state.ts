/**
 * The one fold of a run's events: the state the screen, the plain renderer, the criteria, the
 * report and the scorecard all read. A pure reducer, no React and no view text (icons and words are
 * the renderers'). The engine feeds it the inert events (see inert.ts), so everything here is safe
 * to print.
 */
import type {RunEvent} from './events.js';
import type {CommandRecord, LogEntry, NewEntry, StepView, TimelineEntry} from './run-state-types.js';
import type {Question} from './questions.js';
import type {AnnouncedIdentity} from './identity.js';
import type {Hint, RunFacts, RunKind, StepId, StepState} from './types.js';
import type {ServerFacts} from './fact-scope.js';
import type {ServerId} from './servers.js';
import {scopeServerFacts, scopeSteps} from './run-state-servers.js';

export type {CommandRecord, LogEntry, ServerStepView, StepView, TimelineEntry} from './run-state-types.js';

export const TAIL_LINES = 200;
const FAILED_OUTPUT_LINES = 15;

export type RunState = {
	readonly runId: string | null;
	readonly kind: RunKind | null;
	readonly appName: string;
	readonly configPath: string | null;
	/** The trainee and drill the run announced (a mystery drill without its id). */
	readonly identity: AnnouncedIdentity;
	readonly startedAt: string | null;
	readonly steps: readonly StepView[];
	readonly current: StepId | null;
	readonly log: readonly LogEntry[];
	/** Output of the running command, newest last, capped. */
	readonly tail: readonly string[];
	readonly command: {readonly display: string; readonly startedAt: number} | null;
	readonly progress: {readonly label: string; readonly bytes?: number; readonly elapsedMs: number; readonly fraction?: number} | null;
	/** Every hint met, newest last, each once. */
	readonly hints: readonly Hint[];
	readonly facts: RunFacts;
	/** The servers the run works on, as it announced them. */
	readonly servers: readonly ServerId[];
	/** Each server's own facts (its HEAD, lock, site…); `facts` holds them too, merged (one server today). */
	readonly serverFacts: Readonly<Record<ServerId, Partial<ServerFacts>>>;
	readonly waiting: Question['kind'] | null;
	readonly stopRequested: boolean;
	readonly finished: Extract<RunEvent, {type: 'run-finished'}> | null;
	/** Every command of the run, as the report lists them. */
	readonly commands: readonly CommandRecord[];
	readonly timeline: readonly TimelineEntry[];
	/** Output lines per running command, kept until it finishes (to show a failure's output). */
	readonly commandOutput: Readonly<Record<string, readonly string[]>>;
	readonly nextLogId: number;
};

export const initialRunState: RunState = {
	runId: null,
	kind: null,
	appName: '',
	configPath: null,
	identity: {},
	startedAt: null,
	steps: [],
	current: null,
	log: [],
	tail: [],
	command: null,
	progress: null,
	hints: [],
	facts: {},
	servers: [],
	serverFacts: {},
	waiting: null,
	stopRequested: false,
	finished: null,
	commands: [],
	timeline: [],
	commandOutput: {},
	nextLogId: 1,
};

function append(state: RunState, entries: readonly NewEntry[]): Pick<RunState, 'log' | 'nextLogId'> {
	let id = state.nextLogId;
	const added = entries.map(entry => ({...entry, id: id++}));
	return {log: [...state.log, ...added], nextLogId: id};
}

function updateStep(steps: readonly StepView[], id: StepId, change: (step: StepView) => Partial<StepView>): StepView[] {
	return steps.map(step => (step.id === id ? {...step, ...change(step)} : step));
}

function ended(step: StepView, at: string, state: StepState, extra: Partial<StepView> = {}): Partial<StepView> {
	const spent = step.startedAt === undefined ? 0 : Math.max(0, Date.parse(at) - step.startedAt);
	return {
		state,
		totalMs: step.totalMs + (step.state === 'running' || step.state === 'waiting-for-operator' ? spent : 0),
		attempts: step.attempts + 1,
		...extra,
	};
}

export function titleOf(state: RunState, id: StepId): string {
	return state.steps.find(step => step.id === id)?.title ?? id;
}

/** The first line of a possibly multi-line command, as shown in the log. */
export function commandHeadline(display: string): string {
	const lines = display.split('\n');
	return lines.length > 1 ? `${lines[0]} … (${lines.length} lines)` : display;
}

/** Folds one event; a step's state and the facts are kept per server too (see run-state-servers.ts). */
export function reduceRun(state: RunState, event: RunEvent): RunState {
	const next = reduceEvent(state, event);
	const steps = scopeSteps(next.steps, event);
	const serverFacts = event.type === 'fact' ? scopeServerFacts(next.serverFacts, event) : next.serverFacts;
	return steps === next.steps && serverFacts === next.serverFacts ? next : {...next, steps, serverFacts};
}

function reduceEvent(state: RunState, event: RunEvent): RunState {
	const timeline = (kind: string, text: string, extra: Partial<TimelineEntry> = {}) => [...state.timeline, {at: event.at, kind, text, ...extra}];
	switch (event.type) {
		case 'run-started':
			return {
				...initialRunState,
				log: state.log,
				nextLogId: state.nextLogId,
				runId: event.runId,
				kind: event.kind,
				appName: event.appName,
				configPath: event.configPath,
				identity: event.identity ?? {},
				startedAt: event.at,
				servers: event.servers ?? [],
				steps: event.steps.map(step => ({...step, state: 'pending', totalMs: 0, attempts: 0, servers: {}})),
			};
		case 'step-started':
			return {
				...state,
				current: event.stepId,
				steps: updateStep(state.steps, event.stepId, () => ({state: 'running', startedAt: Date.parse(event.at), durationMs: undefined, summary: undefined})),
				tail: [],
				progress: null,
			};
		// A failed step stays failed while the operator decides what to do (and when the run is aborted there):
		// a retry starts it again.
		case 'step-waiting':
			return {
				...state,
				waiting: event.question,
				steps: updateStep(state.steps, event.stepId, step => (step.state === 'failed' ? {} : {state: 'waiting-for-operator'})),
			};
		case 'step-resumed':
			return {...state, waiting: null, steps: updateStep(state.steps, event.stepId, step => (step.state === 'failed' ? {} : {state: 'running'}))};
		case 'step-succeeded':
			return {
				...state,
				steps: updateStep(state.steps, event.stepId, step => ended(step, event.at, 'succeeded', {durationMs: event.durationMs, summary: event.summary})),
				progress: null,
				tail: [],
				command: null,
				timeline: timeline('succeeded', event.summary, {stepId: event.stepId, durationMs: event.durationMs}),
				...append(state, [
					{kind: 'step-succeeded', stepId: event.stepId, title: titleOf(state, event.stepId), summary: event.summary, durationMs: event.durationMs},
				]),
			};
		case 'step-failed':
			return {
				...state,
				waiting: null,
				steps: updateStep(state.steps, event.stepId, step => ended(step, event.at, 'failed', {durationMs: event.durationMs, summary: event.error})),
				progress: null,
				command: null,
				timeline: timeline('failed', event.error.split('\n')[0] ?? '', {stepId: event.stepId, durationMs: event.durationMs}),
				...append(state, [{kind: 'step-failed', stepId: event.stepId, title: titleOf(state, event.stepId), error: event.error}]),
			};
		case 'step-skipped':
			return {
				...state,
				steps: updateStep(state.steps, event.stepId, step => ({
					...ended(step, event.at, 'skipped'),
					summary: event.reason,
					attempts: step.attempts + (step.startedAt === undefined ? 0 : 1),
				})),
				timeline: timeline('skipped', event.reason, {stepId: event.stepId}),
				...append(state, [{kind: 'step-skipped', stepId: event.stepId, title: titleOf(state, event.stepId), reason: event.reason}]),
			};
		case 'steps-reset':
			return {
				...state,
				steps: state.steps.map(step => (event.steps.includes(step.id) ? {...step, state: 'pending', summary: undefined, durationMs: undefined} : step)),
				timeline: timeline('back', `back to ${titleOf(state, event.to)}: ${event.reason}`, {stepId: event.to}),
				...append(state, [{kind: 'steps-reset', stepId: event.to, title: titleOf(state, event.to), reason: event.reason}]),
			};
		case 'command-started': {
			const record: CommandRecord = {
				commandId: event.commandId,
				stepId: event.stepId,
				where: event.where,
				display: event.display,
				startedAt: event.at,
				quiet: event.quiet === true,
			};
			if (event.quiet) return {...state, commands: [...state.commands, record]};
			return {
				...state,
				command: {display: event.headline ?? event.display, startedAt: Date.parse(event.at)},
				commands: [...state.commands, record],
				commandOutput: {...state.commandOutput, [event.commandId]: []},
				...append(state, [{kind: 'command', stepId: event.stepId, display: event.headline ?? event.display}]),
			};
		}
		case 'output': {
			const previous = state.commandOutput[event.commandId] ?? [];
			return {
				...state,
				tail: [...state.tail, ...event.lines].slice(-TAIL_LINES),
				commandOutput: {...state.commandOutput, [event.commandId]: [...previous, ...event.lines].slice(-FAILED_OUTPUT_LINES)},
			};
		}
		case 'command-finished': {
			const commands = state.commands.map(command =>
				command.commandId === event.commandId
					? {...command, exitCode: event.exitCode, durationMs: event.durationMs, ...(event.error ? {error: event.error} : {})}
					: command,
			);
			if (commands.find(command => command.commandId === event.commandId)?.quiet) return {...state, commands};
			const {[event.commandId]: output = [], ...rest} = state.commandOutput;
			const entries: NewEntry[] = [];
			if (event.exitCode !== 0) {
				for (const line of output) entries.push({kind: 'output', stepId: event.stepId, text: line});
				entries.push({kind: 'command-failed', stepId: event.stepId, error: event.error, exitCode: event.exitCode, durationMs: event.durationMs});
			}
			return {...state, command: null, commands, commandOutput: rest, ...append(state, entries)};
		}
		case 'progress':
			return {
				...state,
				progress: {
					label: event.label,
					elapsedMs: event.elapsedMs,
					...(event.bytes === undefined ? {} : {bytes: event.bytes}),
					...(event.fraction === undefined ? {} : {fraction: event.fraction}),
				},
			};
		case 'hint':
			return {
				...state,
				hints: [...state.hints.filter(hint => hint.id !== event.hint.id), event.hint],
				...append(state, [{kind: 'hint', stepId: event.stepId, hint: event.hint}]),
			};
		case 'note':
			return {...state, ...append(state, [{kind: 'note', level: event.level, text: event.text, ...(event.stepId ? {stepId: event.stepId} : {})}])};
		case 'fact':
			return {...state, facts: {...state.facts, ...event.facts}};
		case 'operator':
			return {
				...state,
				timeline: timeline('operator', `${event.question}: ${event.answer}`, {stepId: event.stepId}),
				...append(state, [{kind: 'operator', stepId: event.stepId, question: event.question, answer: event.answer}]),
			};
		case 'stop-requested':
			return {
				...state,
				stopRequested: true,
				timeline: timeline('stop', event.reason ?? 'stop requested'),
				...append(state, [{kind: 'stop-requested', ...(event.reason ? {reason: event.reason} : {})}]),
			};
		case 'wrong-turn':
			return {...state, ...append(state, [{kind: 'wrong-turn', text: event.text, ...(event.stepId ? {stepId: event.stepId} : {})}])};
		case 'run-finished':
			return {
				...state,
				current: null,
				waiting: null,
				command: null,
				progress: null,
				tail: [],
				finished: event,
				// A step still open when the run ends (stopped, aborted at a question) is not running any more.
				steps: state.steps.map(step =>
					step.state !== 'running' && step.state !== 'waiting-for-operator'
						? step
						: step.attempts > 0
							? {...step, state: 'failed'}
							: {...step, ...ended(step, event.at, 'failed')},
				),
			};
	}
}

/** Every step's state, for criteria (`CriteriaView.stateOf`). */
export function stepStateOf(state: RunState, stepId: StepId): {state: StepState; summary?: string} {
	const step = state.steps.find(candidate => candidate.id === stepId);
	return step ? {state: step.state, ...(step.summary === undefined ? {} : {summary: step.summary})} : {state: 'pending'};
}
