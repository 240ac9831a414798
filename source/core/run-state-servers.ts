/** The fold's server scope: a step's state on each server (listr2's subtasks), and each server's own facts (see servers.ts). */
import type {RunEvent} from './events.js';
import type {ServerFacts} from './fact-scope.js';
import type {ServerStepView, StepView} from './run-state-types.js';
import type {ServerId} from './servers.js';
import type {StepId} from './types.js';

const NOT_STARTED: ServerStepView = {state: 'pending', attempts: 0};

type Change = (view: ServerStepView) => ServerStepView;

function onStep(steps: readonly StepView[], stepId: StepId, server: ServerId | undefined, change: Change): readonly StepView[] {
	if (server === undefined) return steps;
	return steps.map(step => (step.id === stepId ? {...step, servers: {...step.servers, [server]: change(step.servers[server] ?? NOT_STARTED)}} : step));
}

/** The same change on every server a step has (the run's own events: going back, the end). */
function onEveryServer(steps: readonly StepView[], which: (step: StepView) => boolean, change: Change): readonly StepView[] {
	return steps.map(step =>
		which(step) && Object.keys(step.servers).length > 0
			? {...step, servers: Object.fromEntries(Object.entries(step.servers).map(([server, view]) => [server, change(view)]))}
			: step,
	);
}

function ended(view: ServerStepView, state: 'succeeded' | 'failed', durationMs: number, summary: string): ServerStepView {
	return {state, attempts: view.attempts + 1, durationMs, summary};
}

const open = (view: ServerStepView) => view.state === 'running' || view.state === 'waiting-for-operator';

/** The steps' per-server states after an event: a step event on a server changes that server's only. */
export function scopeSteps(steps: readonly StepView[], event: RunEvent): readonly StepView[] {
	switch (event.type) {
		case 'step-started':
			return onStep(steps, event.stepId, event.server, view => ({state: 'running', attempts: view.attempts}));
		case 'step-waiting':
			return onStep(steps, event.stepId, event.server, view => (view.state === 'failed' ? view : {...view, state: 'waiting-for-operator'}));
		case 'step-resumed':
			return onStep(steps, event.stepId, event.server, view => (view.state === 'failed' ? view : {...view, state: 'running'}));
		case 'step-succeeded':
			return onStep(steps, event.stepId, event.server, view => ended(view, 'succeeded', event.durationMs, event.summary));
		case 'step-failed':
			return onStep(steps, event.stepId, event.server, view => ended(view, 'failed', event.durationMs, event.error));
		case 'step-skipped':
			return onStep(steps, event.stepId, event.server, view => ({state: 'skipped', attempts: view.attempts + (open(view) ? 1 : 0), summary: event.reason}));
		case 'steps-reset':
			return onEveryServer(
				steps,
				step => event.steps.includes(step.id),
				view => ({state: 'pending', attempts: view.attempts}),
			);
		case 'run-finished':
			// A step still open on a server when the run ends (stopped, aborted at a question) is not running there any more.
			return onEveryServer(
				steps,
				() => true,
				view => (open(view) ? {...view, state: 'failed', attempts: Math.max(view.attempts, 1)} : view),
			);
		case 'run-started':
		case 'command-started':
		case 'output':
		case 'command-finished':
		case 'progress':
		case 'hint':
		case 'note':
		case 'fact':
		case 'operator':
		case 'stop-requested':
		case 'wrong-turn':
			return steps;
	}
}

/** Each server's facts after a fact event: merged into its server's when the event has one. */
export function scopeServerFacts(
	serverFacts: Readonly<Record<ServerId, Partial<ServerFacts>>>,
	event: Extract<RunEvent, {type: 'fact'}>,
): Readonly<Record<ServerId, Partial<ServerFacts>>> {
	if (event.server === undefined) return serverFacts;
	return {...serverFacts, [event.server]: {...serverFacts[event.server], ...(event.facts as Partial<ServerFacts>)}};
}
