/**
 * Reload the web app: PythonAnywhere's API, touching the WSGI file, a shell command, or a manual
 * step the operator confirms.
 */
import {readFileSync} from 'node:fs';
import {OperatorAborted} from '../errors.js';
import {matchHints} from '../hints.js';
import {expandTilde} from '../remote/ssh-config.js';
import {inDir, remotePath} from '../shell.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import type {PlannedCommand} from '../types.js';

const API_TIMEOUT_MS = 30_000;

function reloadCommands(view: PlanView): PlannedCommand[] {
	const reload = view.config.reload;
	switch (reload.method) {
		case 'pythonanywhere-api':
			return [{id: 'api', where: 'http', purpose: 'reload through the PythonAnywhere API', display: `POST ${reload.url} (Authorization: Token ***)`}];
		case 'touch':
			return [{id: 'touch', where: 'server', purpose: 'reload by touching the WSGI file', display: `touch ${remotePath(reload.path)}`}];
		case 'command':
			return [{id: 'command', where: 'server', purpose: 'reload with the configured command', display: inDir(view.config.app.dir, reload.command)}];
		case 'manual':
			return [{id: 'manual', where: 'local', purpose: 'the operator reloads the app by hand', display: `(by hand) ${reload.instructions}`}];
		case 'none':
			return [];
	}
}

/** The API token from the environment variable or file the config names; never from the config itself. */
export function readToken(source: {tokenEnv?: string | undefined; tokenFile?: string | undefined}, env: NodeJS.ProcessEnv = process.env): string | undefined {
	if (source.tokenEnv && env[source.tokenEnv]) return env[source.tokenEnv]!.trim();
	if (source.tokenFile) {
		try {
			return readFileSync(expandTilde(source.tokenFile), 'utf8').trim();
		} catch {
			return undefined;
		}
	}
	return undefined;
}

export const reloadStep: StepDefinition = {
	id: 'reload',
	title: 'Reload app',
	interruptible: true,
	commands: reloadCommands,
	skip: context => (context.config.reload.method === 'none' ? 'reload.method is none' : undefined),
	async run(context: StepContext) {
		const reload = context.config.reload;
		switch (reload.method) {
			case 'pythonanywhere-api': {
				const token = readToken(reload);
				if (!token) {
					throw new Error(`no API token: ${reload.tokenEnv ? `${reload.tokenEnv} is not set` : ''}${reload.tokenFile ? ` and ${reload.tokenFile} cannot be read` : ''}`);
				}
				context.redactor.add(token);
				const response = await context.record('api', async () => {
					const answer = await fetch(reload.url, {
						method: 'POST',
						headers: {Authorization: `Token ${token}`},
						signal: AbortSignal.any([context.signal, AbortSignal.timeout(API_TIMEOUT_MS)]),
					}).catch((error: unknown) => {
						throw new Error(`the reload API could not be reached: ${(error as Error).cause ? String((error as {cause: unknown}).cause) : (error as Error).message}`);
					});
					return {status: answer.status, statusText: answer.statusText, body: (await answer.text()).slice(0, 2000)};
				});
				if (response.status === 200) return 'reloaded through the PythonAnywhere API';
				if (response.status === 409 && response.body.includes('cname_error')) {
					const [hint] = matchHints('cname_error', 'reload');
					if (hint) context.hint(hint);
					context.setFacts({reloadWarning: 'reloaded; PythonAnywhere reported cname_error (no CNAME for the domain)'});
					return 'reloaded (warning: cname_error)';
				}
				throw new Error(`the reload API answered ${response.status} ${response.statusText}: ${response.body.replace(/\s+/g, ' ').slice(0, 200)}`);
			}
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
	},
};
