/** The `run-started` event: what the run is, its steps with their scope, its plan, its servers and who runs it. */
import type {RunEvent} from '../events.js';
import {announcedIdentity} from '../identity.js';
import type {ServerRef} from '../servers.js';
import type {PlanView, StepDefinition} from '../step.js';
import {commandView} from '../types.js';
import type {EngineOptions} from './options.js';

export function runStartedEvent(input: {
	readonly runId: string;
	readonly options: EngineOptions;
	readonly steps: readonly StepDefinition[];
	readonly view: PlanView;
	readonly servers: readonly ServerRef[];
}): Extract<RunEvent, {type: 'run-started'}> {
	const {options, steps, view} = input;
	return {
		type: 'run-started',
		at: new Date().toISOString(),
		runId: input.runId,
		kind: options.kind,
		steps: steps.map(step => ({id: step.id, title: step.title, purpose: step.purpose, scope: step.scope})),
		plan: steps.map(step => ({stepId: step.id, commands: step.commands(view).map(commandView)})),
		configPath: options.configPath,
		appName: view.config.app.name,
		...(options.identity ? {identity: announcedIdentity(options.identity)} : {}),
		servers: input.servers.map(server => server.id),
	};
}
