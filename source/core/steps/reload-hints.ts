/** Known failures of the reload and their fixes (the PythonAnywhere API's token, its CNAME warning). */
import type {HintRule} from '../hints.js';

export const RELOAD_HINTS: readonly HintRule[] = [
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
