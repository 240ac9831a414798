/** Stamps the events of a step that runs per server with the server it runs on (see servers.ts). */
import type {RunEvent} from '../events.js';
import type {ServerId, StepScope} from '../servers.js';
import type {StepId} from '../types.js';

/** The event as it happened on `server` when its step runs per server; else as it is (the run's own). */
export function onServer(event: RunEvent, scopeOf: (stepId: StepId) => StepScope | undefined, server: ServerId): RunEvent {
	switch (event.type) {
		case 'step-started':
		case 'step-waiting':
		case 'step-resumed':
		case 'step-succeeded':
		case 'step-failed':
		case 'step-skipped':
		case 'command-started':
		case 'output':
		case 'command-finished':
		case 'progress':
		case 'hint':
		case 'note':
		case 'operator':
			return event.server === undefined && event.stepId !== undefined && scopeOf(event.stepId) === 'server' ? {...event, server} : event;
		case 'fact':
		case 'run-started':
		case 'steps-reset':
		case 'stop-requested':
		case 'wrong-turn':
		case 'run-finished':
			return event;
	}
}
