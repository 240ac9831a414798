/**
 * Each way of reloading the web app, in one place: the commands it runs (what the plan, the journal
 * and the report show), how the step runs it, the secrets it reads, whether it needs a person at a
 * terminal, and whether its answer is its own proof that the new code serves. The table is typed
 * over every method of the config's schema: a new method that is not described here does not compile.
 */
import {inDir, operatorShell, remotePath, sh} from './command.js';
import type {ReloadConfig} from './config/schema.js';
import {OperatorAborted} from './errors.js';
import {hintFor} from './hints.js';
import {appDir} from './paths.js';
import {Redactor} from './redact.js';
import {readToken} from './secrets.js';
import type {PlanView, StepContext} from './step.js';
import {RELOAD_HINTS} from './steps/reload-hints.js';
import {describedCommand, serverCommand, type PlannedCommand} from './types.js';

const API_TIMEOUT_MS = 30_000;

export type ReloadMethodName = ReloadConfig['method'];
type ReloadOf<M extends ReloadMethodName> = Extract<ReloadConfig, {method: M}>;

export type ReloadMethod<M extends ReloadMethodName> = {
	/** The reload needs a person at a terminal (a run without one refuses before connecting). */
	readonly needsOperator: boolean;
	/** The reload's own word, once it returned, that the new code serves (recorded with the reload). */
	readonly confirms?: string;
	commands(view: PlanView, reload: ReloadOf<M>): PlannedCommand[];
	run(context: StepContext, reload: ReloadOf<M>): Promise<string>;
	/** Secrets it reads (redacted from the first event on). */
	secrets(reload: ReloadOf<M>, env: NodeJS.ProcessEnv): string[];
};

export const RELOAD_METHODS: {readonly [M in ReloadMethodName]: ReloadMethod<M>} = {
	'pythonanywhere-api': {
		needsOperator: false,
		confirms: 'the reload API answered once the app was reloaded',
		commands: (_view, reload) => [describedCommand('api', 'http', 'reload through the PythonAnywhere API', `POST ${reload.url} (Authorization: Token ***)`)],
		run: reloadThroughApi,
		secrets: (reload, env) => {
			const token = readToken(reload, env);
			return token ? [token] : [];
		},
	},
	touch: {
		needsOperator: false,
		commands: (_view, reload) => [serverCommand('touch', 'reload by touching the WSGI file', sh`touch ${remotePath(reload.path)}`)],
		run: async (context, reload) => {
			await context.run('touch');
			return `touched ${reload.path}`;
		},
		secrets: () => [],
	},
	command: {
		needsOperator: false,
		commands: (view, reload) => [serverCommand('command', 'reload with the configured command', inDir(appDir(view), operatorShell(reload.command)))],
		run: async context => {
			await context.run('command');
			return 'reload command succeeded';
		},
		secrets: () => [],
	},
	manual: {
		needsOperator: true,
		commands: (_view, reload) => [describedCommand('manual', 'local', 'the operator reloads the app by hand', `(by hand) ${reload.instructions}`)],
		run: async (context, reload) => {
			const answer = await context.record('manual', () => context.ask({kind: 'manual-reload', instructions: reload.instructions}));
			if (answer !== 'done') throw new OperatorAborted('the manual reload was not confirmed');
			return 'reloaded by hand (confirmed by the operator)';
		},
		secrets: () => [],
	},
	none: {
		needsOperator: false,
		commands: () => [],
		run: async () => 'no reload',
		secrets: () => [],
	},
};

/** The method a config's reload names, typed with its own settings. */
export function reloadMethodOf<M extends ReloadMethodName>(reload: ReloadOf<M>): ReloadMethod<M> {
	return RELOAD_METHODS[reload.method];
}

async function reloadThroughApi(context: StepContext, reload: ReloadOf<'pythonanywhere-api'>): Promise<string> {
	// Loaded here: the CLI reads this table before every run, and only this method needs HTTP.
	const {httpRequest, requestFailure} = await import('./remote/http-request.js');
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
