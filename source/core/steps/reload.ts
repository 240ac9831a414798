/**
 * Reload the web app: PythonAnywhere's API, touching the WSGI file, the operator's own command, or a
 * manual step the operator confirms.
 */
import {inDir, operatorShell, remotePath, sh} from '../command.js';
import {OperatorAborted, STOPPED_BY_OPERATOR} from '../errors.js';
import {hintFor, type HintRule} from '../hints.js';
import {appDir} from '../paths.js';
import {Redactor} from '../redact.js';
import {readToken} from '../secrets.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {describedCommand, serverCommand, type PlannedCommand} from '../types.js';
import {httpRequest, requestFailure} from '../remote/http-request.js';
import {sampleSite} from '../remote/http-check.js';

const API_TIMEOUT_MS = 30_000;

/** The site's answer just before the reload: what "the old answer is gone" is judged against. */
const sampleCommand = (view: PlanView) =>
	describedCommand('sample', 'http', 'sample the site before the reload', `GET ${view.config.site.url} twice (what the old code answers)`);

function reloadCommands(view: PlanView): PlannedCommand[] {
	return view.config.reload.method === 'none' ? [] : [sampleCommand(view), ...reloadCommandsOf(view)];
}

function reloadCommandsOf(view: PlanView): PlannedCommand[] {
	const reload = view.config.reload;
	switch (reload.method) {
		case 'pythonanywhere-api':
			return [describedCommand('api', 'http', 'reload through the PythonAnywhere API', `POST ${reload.url} (Authorization: Token ***)`)];
		case 'touch':
			return [serverCommand('touch', 'reload by touching the WSGI file', sh`touch ${remotePath(reload.path)}`)];
		case 'command':
			return [serverCommand('command', 'reload with the configured command', inDir(appDir(view), operatorShell(reload.command)))];
		case 'manual':
			return [describedCommand('manual', 'local', 'the operator reloads the app by hand', `(by hand) ${reload.instructions}`)];
		case 'none':
			return [];
	}
}

const RELOAD_HINTS: readonly HintRule[] = [
	{
		id: 'reload-unauthorized',
		title: 'the reload API refused the token',
		pattern: /reload API answered 40[13]|\b401 Unauthorized\b|no API token/i,
		severity: 'error',
		advice: config =>
			`The API token is missing or wrong. Set ${config.reload.method === 'pythonanywhere-api' && config.reload.tokenEnv ? config.reload.tokenEnv : 'the token environment variable'} to the token from Account → API token, ` +
			'or reload by touching the WSGI file instead.',
		fix: (_config, context) =>
			context.wsgiPath
				? {
						id: 'reload-by-touch',
						label: 'Reload by touching the WSGI file instead, and retry',
						rerunFrom: 'reload',
						apply: config => ({...config, reload: {method: 'touch', path: context.wsgiPath!}}),
					}
				: undefined,
	},
	{
		id: 'reload-cname-warning',
		title: 'reloaded, but PythonAnywhere found no CNAME for the domain',
		pattern: /cname_error/,
		severity: 'warning',
		advice: () => 'The app was reloaded. PythonAnywhere warns that the domain’s DNS CNAME does not point at it: check DNS if the site is not reachable.',
	},
];

async function reloadThroughApi(context: StepContext, reload: Extract<PlanView['config']['reload'], {method: 'pythonanywhere-api'}>): Promise<string> {
	const token = readToken(reload);
	if (!token)
		throw new Error(
			`no API token: ${reload.tokenEnv ? `${reload.tokenEnv} is not set` : ''}${reload.tokenFile ? ` and ${reload.tokenFile} cannot be read` : ''}`,
		);
	context.secret(token);
	const response = await context.record('api', async () => {
		const answer = await httpRequest(new URL(reload.url), {
			method: 'POST',
			headers: {Authorization: `Token ${token}`, 'Content-Length': '0'},
			signal: AbortSignal.any([context.signal, AbortSignal.timeout(API_TIMEOUT_MS)]),
			maxBodyBytes: 2000,
		}).catch((error: unknown) => {
			if (context.signal.aborted) throw error;
			throw new Error(`the reload API could not be reached: ${requestFailure(error)}`);
		});
		return {status: answer.status, statusText: answer.statusText, body: answer.body};
	});
	if (response.status === 200) return 'reloaded through the PythonAnywhere API';
	if (response.status === 409 && response.body.includes('cname_error')) {
		const hint = hintFor(RELOAD_HINTS, 'reload-cname-warning', context.config, context.hintContext);
		if (hint) context.hint(hint);
		context.setFacts({reloadWarning: 'reloaded; PythonAnywhere reported cname_error (no CNAME for the domain)'});
		return 'reloaded (warning: cname_error)';
	}
	// Redacted before it is cut: a cut through an echoed token would leave a start of it that nothing recognises.
	const redactor = new Redactor();
	redactor.add(token);
	throw new Error(`the reload API answered ${response.status} ${response.statusText}: ${redactor.redact(response.body).replace(/\s+/g, ' ').slice(0, 200)}`);
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
		const done = await reloadOnce(context);
		context.setFacts({
			reloaded: {
				at: new Date().toISOString(),
				method: context.config.reload.method,
				before,
				// The API call returns only once PythonAnywhere answered that it reloaded (else it threw): the reload's own word that the new code serves.
				...(context.config.reload.method === 'pythonanywhere-api' ? {confirmed: 'the reload API answered once the app was reloaded'} : {}),
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

async function reloadOnce(context: StepContext): Promise<string> {
	const reload = context.config.reload;
	switch (reload.method) {
		case 'pythonanywhere-api':
			return reloadThroughApi(context, reload);
		case 'touch':
			await context.run('touch');
			return `touched ${reload.path}`;
		case 'command':
			await context.run('command');
			return 'reload command succeeded';
		case 'manual': {
			const answer = await context.record('manual', () => context.ask({kind: 'manual-reload', instructions: reload.instructions}));
			if (answer !== 'done') throw new OperatorAborted('the manual reload was not confirmed');
			return 'reloaded by hand (confirmed by the operator)';
		}
		case 'none':
			return 'no reload';
	}
}
