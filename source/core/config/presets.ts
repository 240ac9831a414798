/**
 * Presets fill in what a hosting provider always has, so a config names only what is particular
 * to one app. Values written in the file win over the preset's.
 */

type Raw = Record<string, unknown>;

export type PythonAnywhereFacts = {
	readonly sshHost: string;
	readonly apiBase: string;
	readonly mysqlHost: string;
	readonly reloadUrl: string;
	readonly wsgiPath: string;
	readonly databaseName: string | undefined;
};

/** Everything PythonAnywhere fixes for a user, domain and region (see shared/notes). */
export function pythonAnywhereFacts(username: string, domain: string, region: 'us' | 'eu', database?: string): PythonAnywhereFacts {
	const eu = region === 'eu';
	const apiBase = eu ? 'https://eu.pythonanywhere.com' : 'https://www.pythonanywhere.com';
	return {
		sshHost: eu ? 'ssh.eu.pythonanywhere.com' : 'ssh.pythonanywhere.com',
		apiBase,
		mysqlHost: `${username}.mysql.${eu ? 'eu.' : ''}pythonanywhere-services.com`,
		reloadUrl: `${apiBase}/api/v0/user/${username}/webapps/${domain}/reload/`,
		wsgiPath: `/var/www/${domain.toLowerCase().replaceAll('.', '_')}_wsgi.py`,
		databaseName: database === undefined ? undefined : `${username}$${database}`,
	};
}

export const PA_TOKEN_ENV = 'PA_API_TOKEN';

function isRecord(value: unknown): value is Raw {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge where `over` wins; arrays and scalars are replaced, not merged. */
export function mergeDefaults(defaults: Raw, over: Raw): Raw {
	const result: Raw = {...defaults};
	for (const [key, value] of Object.entries(over)) {
		const base = result[key];
		result[key] = isRecord(base) && isRecord(value) ? mergeDefaults(base, value) : value;
	}
	return result;
}

/**
 * The defaults the named preset adds to a raw (unvalidated) config, or a message naming what
 * the preset itself needs.
 */
export function presetDefaults(raw: Raw): {defaults: Raw} | {problem: {path: string; message: string}} {
	if (raw['preset'] !== 'pythonanywhere') return {defaults: {}};
	const section = raw['pythonanywhere'];
	if (!isRecord(section)) {
		return {problem: {path: 'pythonanywhere', message: 'the pythonanywhere preset needs a `pythonanywhere:` section with `username` and `domain`'}};
	}
	const {username, domain, region, database} = section;
	if (typeof username !== 'string' || typeof domain !== 'string') {
		return {problem: {path: 'pythonanywhere', message: 'the pythonanywhere preset needs `username` and `domain` (text)'}};
	}
	const facts = pythonAnywhereFacts(username, domain, region === 'eu' ? 'eu' : 'us', typeof database === 'string' ? database : undefined);
	const defaults: Raw = {
		ssh: {host: facts.sshHost, user: username},
		site: {url: `https://${domain}/`},
	};
	// Reload defaults only for the two methods PythonAnywhere offers; another method named in the
	// file gets nothing merged into it.
	const reloadMethod = isRecord(raw['reload']) ? raw['reload']['method'] : undefined;
	if (reloadMethod === undefined || reloadMethod === 'pythonanywhere-api') {
		defaults['reload'] = {method: 'pythonanywhere-api', url: facts.reloadUrl, tokenEnv: PA_TOKEN_ENV};
	} else if (reloadMethod === 'touch') {
		defaults['reload'] = {method: 'touch', path: facts.wsgiPath};
	}
	if (facts.databaseName !== undefined || isRecord(raw['database'])) {
		defaults['database'] = {
			host: facts.mysqlHost,
			user: username,
			...(facts.databaseName === undefined ? {} : {name: facts.databaseName}),
			noTablespaces: true,
			backupDir: '~/backups',
		};
	}
	return {defaults};
}
