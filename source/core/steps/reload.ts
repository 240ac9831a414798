/**
 * Reload the web app: PythonAnywhere's API, touching the WSGI file, the operator's own command, or a
 * manual step the operator confirms (each method is described in reload-methods.ts).
 */
import {STOPPED_BY_OPERATOR} from '../errors.js';
import {reloadMethodOf} from '../reload-methods.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {describedCommand, type PlannedCommand} from '../types.js';
import {sampleSite} from '../remote/http-check.js';
import {RELOAD_HINTS} from './reload-hints.js';

/** The site's answer just before the reload: what "the old answer is gone" is judged against. */
const sampleCommand = (view: PlanView) =>
	describedCommand('sample', 'http', 'sample the site before the reload', `GET ${view.config.site.url} twice (what the old code answers)`);

function reloadCommands(view: PlanView): PlannedCommand[] {
	return view.config.reload.method === 'none' ? [] : [sampleCommand(view), ...reloadMethodOf(view.config.reload).commands(view, view.config.reload)];
}

export const reloadStep: StepDefinition = {
	id: 'reload',
	title: 'Reload app',
	purpose: 'Reloads the web app so that it serves the old code (PythonAnywhere’s API, the WSGI file, a command, or by hand).',
	scope: 'server',
	interruptible: true,
	reads: [],
	writes: ['reloadWarning', 'reloaded'],
	commands: reloadCommands,
	hints: RELOAD_HINTS,
	skip: context => (context.config.reload.method === 'none' ? 'reload.method is none' : undefined),
	async run(context: StepContext) {
		const before = await context.record('sample', () => sampleSite(context.config.site, context.signal));
		const {reload} = context.config;
		const method = reloadMethodOf(reload);
		const done = await method.run(context, reload);
		context.setFacts({
			reloaded: {
				at: new Date().toISOString(),
				method: context.config.reload.method,
				before,
				// The API call returns only once PythonAnywhere answered that it reloaded (else it threw): the reload's own word that the new code serves.
				...(method.confirms ? {confirmed: method.confirms} : {}),
			},
		});
		return done;
	},
	criteria({config, facts, stateOf}) {
		const {state, summary} = stateOf('reload');
		const label = 'Web app reloaded';
		if (state === 'succeeded')
			return [{id: 'reloaded', label, status: facts.reloadWarning ? 'warn' : 'pass', detail: facts.reloadWarning ?? `by ${config.reload.method}`}];
		if (state === 'failed')
			return [{id: 'reloaded', label, status: 'fail', detail: summary === STOPPED_BY_OPERATOR ? 'stopped before the reload was done' : 'the reload failed'}];
		return [{id: 'reloaded', label, status: 'skip', detail: summary ?? 'not reached'}];
	},
};
