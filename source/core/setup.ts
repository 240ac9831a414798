/** What a run needs from its config besides the steps: secrets to redact, hint context, where runs go. */
import type {Config} from './config/schema.js';
import {pythonAnywhereFacts} from './config/presets.js';
import type {HintContext} from './hints.js';
import {defaultRunsDir} from './journal.js';
import {configuredPassword} from './remote/database.js';
import {expandTilde} from './remote/ssh-config.js';
import {readToken} from './steps/reload.js';

/** Secrets the config points at (env vars, files): redacted everywhere from the first event on. */
export function knownSecrets(config: Config, env: NodeJS.ProcessEnv = process.env): string[] {
	const secrets: string[] = [];
	if (config.database) {
		const password = configuredPassword(config.database, env)?.password;
		if (password) secrets.push(password);
	}
	if (config.reload.method === 'pythonanywhere-api') {
		const token = readToken(config.reload, env);
		if (token) secrets.push(token);
	}
	return secrets;
}

/** What the hints may suggest for this config: PythonAnywhere's own database host and WSGI file. */
export function hintContextFor(config: Config): HintContext {
	const pa = config.pythonanywhere;
	if (config.preset !== 'pythonanywhere' || !pa) return {};
	const facts = pythonAnywhereFacts(pa.username, pa.domain, pa.region, pa.database);
	return {managedDb: {host: facts.mysqlHost, port: 3306}, wsgiPath: facts.wsgiPath};
}

export function runsDirFor(config: Config, env: NodeJS.ProcessEnv = process.env): string {
	return config.runsDir ? expandTilde(config.runsDir) : defaultRunsDir(env);
}
