/** What a run needs from its config besides the steps: secrets to redact (and refuse), hint context, where runs go. */
import type {Config} from './config/schema.js';
import {pythonAnywhereFacts} from './config/presets.js';
import {configuredPassword, optionFileProblem} from './database.js';
import {UserError} from './errors.js';
import type {HintContext} from './hints.js';
import {defaultRunsDir} from './journal.js';
import {expandTilde} from './remote/ssh-config.js';
import {reloadMethodOf} from './reload-methods.js';
import {readToken} from './secrets.js';
import {EXIT} from './types.js';

/** Secrets the config points at (env vars, files): redacted everywhere from the first event on. */
export function knownSecrets(config: Config, env: NodeJS.ProcessEnv = process.env): string[] {
	const secrets: string[] = [];
	if (config.database) {
		const password = configuredPassword(config.database, env)?.password;
		if (password) secrets.push(password);
	}
	secrets.push(...reloadMethodOf(config.reload).secrets(config.reload, env));
	return secrets;
}

/**
 * Refuses (bad input, exit 2) a secret that cannot travel where it must: a database password with
 * a line break or NUL, or too long (a MySQL option file cannot carry it), an API token with a line
 * break or NUL (an HTTP header cannot). Checked when the config is loaded, before anything connects.
 */
export function checkSecrets(config: Config, env: NodeJS.ProcessEnv = process.env): void {
	const database = config.database;
	const password = database ? configuredPassword(database, env)?.password : undefined;
	const problem = password === undefined ? undefined : optionFileProblem(password);
	if (database && problem) {
		const field =
			database.passwordEnv && env[database.passwordEnv] !== undefined
				? `database.passwordEnv (${database.passwordEnv})`
				: `database.passwordFile (${database.passwordFile})`;
		throw new UserError(`${field}: the database password ${problem}.`, EXIT.usage);
	}
	if (config.reload.method === 'pythonanywhere-api') {
		const token = readToken(config.reload, env);
		if (token !== undefined && /[\r\n\0]/.test(token)) {
			throw new UserError(
				`reload.${config.reload.tokenEnv ? `tokenEnv (${config.reload.tokenEnv})` : `tokenFile (${config.reload.tokenFile})`}: the API token contains a line break or NUL. Put the token alone on one line.`,
				EXIT.usage,
			);
		}
	}
}

/** What the hints may suggest for this config: PythonAnywhere's own database host and WSGI file. */
export function hintContextFor(config: Config): HintContext {
	const pa = config.pythonanywhere;
	if (config.preset !== 'pythonanywhere' || !pa) return {};
	const facts = pythonAnywhereFacts(pa.username, pa.domain, pa.region, pa.database);
	return {managedDb: {host: facts.mysqlHost, port: 3306}, wsgiPath: facts.wsgiPath};
}

export function runsDirFor(config: Pick<Config, 'runsDir'>, env: NodeJS.ProcessEnv = process.env): string {
	return config.runsDir ? expandTilde(config.runsDir) : defaultRunsDir(env);
}
