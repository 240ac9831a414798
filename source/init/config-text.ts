/**
 * The config `rewind init` writes: YAML with a comment on each choice (where it came from, what
 * to check), secrets only as the names of environment variables or files. Values are written with
 * the YAML library's quoting (a server's path or name may hold any character).
 */
import {inert} from '../core/inert.js';
import type {DatabaseSection} from './database-answer.js';
import {stringify} from 'yaml';

export type Answers = {
	readonly ssh: {
		readonly host: string;
		readonly port?: number;
		readonly user?: string;
		readonly identityFile?: string;
		readonly knownHostsFile?: string;
		readonly configFile?: string;
	};
	readonly pythonAnywhere?: {readonly username: string; readonly domain: string; readonly region: 'us' | 'eu'; readonly database?: string};
	readonly app: {readonly name: string; readonly dir: string; readonly branch: string};
	readonly site: {
		readonly url?: string;
		readonly mustContain: readonly string[];
		readonly mustNotContain: readonly string[];
		/** Text HEAD's last commit added to the page: proposed in a comment, never written as a value unasked. */
		readonly proposed?: readonly string[];
	};
	readonly build: readonly string[];
	readonly reload:
		| {readonly method: 'pythonanywhere-api'}
		| {readonly method: 'touch'; readonly path: string}
		| {readonly method: 'command'; readonly command: string}
		| {readonly method: 'manual'}
		| {readonly method: 'none'};
	/** `none`: told so at rewind init, written as such. */
	readonly database: DatabaseSection | 'none';
	readonly migrations?: {readonly kind: 'flask-migrate' | 'alembic'; readonly dir: string; readonly command?: string};
	/** Where each choice came from, for the comments: `detected: package.json has a build script`. */
	readonly notes: Readonly<Record<string, string>>;
};

/** `key: value` as YAML (quoted as needed), one line. */
function line(key: string, value: unknown): string {
	return stringify({[key]: value}, {lineWidth: 0}).trimEnd();
}

function indent(text: string, spaces = 2): string {
	return text
		.split('\n')
		.map(row => `${' '.repeat(spaces)}${row}`)
		.join('\n');
}

/** A note as one YAML comment line: text from the server (a page title, a path) can neither end the comment nor reach the terminal raw. */
function comment(text: string | undefined): string[] {
	return text ? [`# ${inert(text, {singleLine: true})}`] : [];
}

export function configText(answers: Answers, generatedAt = new Date()): string {
	const {ssh, pythonAnywhere, app, site, build, reload, database, migrations, notes} = answers;
	const out: string[] = [
		`# rewind config, written by \`rewind init\` on ${generatedAt.toISOString().slice(0, 10)}. Check every value, then try: rewind --dry-run`,
		'# Secrets are never in this file: they stay on the server (passwordFrom: server), or name an environment variable (passwordEnv, tokenEnv) or a file.',
		'',
	];
	if (pythonAnywhere) {
		out.push(
			'# PythonAnywhere: the preset fills the SSH host, the MySQL host, the reload API and the site URL.',
			'preset: pythonanywhere',
			'pythonanywhere:',
			indent(line('username', pythonAnywhere.username)),
			indent(line('domain', pythonAnywhere.domain)),
			indent(line('region', pythonAnywhere.region)),
			...(pythonAnywhere.database ? [indent(line('database', pythonAnywhere.database))] : []),
			'',
		);
	}
	out.push('app:', indent(line('name', app.name)), indent(line('dir', app.dir)), indent(line('branch', app.branch)), '');
	out.push(...comment(notes['ssh']), 'ssh:', indent(line('host', ssh.host)));
	if (ssh.port !== undefined) out.push(indent(line('port', ssh.port)));
	if (ssh.user !== undefined) out.push(indent(line('user', ssh.user)));
	if (ssh.identityFile !== undefined) out.push(indent(line('identityFile', ssh.identityFile)));
	if (ssh.knownHostsFile !== undefined) out.push(indent(line('knownHostsFile', ssh.knownHostsFile)));
	if (ssh.configFile !== undefined) out.push(indent(line('configFile', ssh.configFile)));
	out.push('');
	out.push(...comment(notes['site']), 'site:');
	if (site.url) out.push(indent(line('url', site.url)));
	out.push(
		indent(line('mustContain', [...site.mustContain])),
		site.mustNotContain.length > 0
			? indent(line('mustNotContain', [...site.mustNotContain]))
			: site.proposed && site.proposed.length > 0
				? indent(
						`mustNotContain: []   # text only the bad deploy shows: HEAD's last commit added ${inert(JSON.stringify(site.proposed), {singleLine: true})} to the page`,
					)
				: indent('mustNotContain: []   # text only the bad deploy shows, e.g. ["ROLLBACK TEST"]: proves the old page is gone'),
		'',
	);
	out.push(
		...comment(notes['build']),
		'build:',
		indent(build.length === 0 ? 'commands: []   # none found: dist/ and friends are not rebuilt after the reset' : line('commands', [...build])),
		'',
	);
	out.push(...comment(notes['reload']), 'reload:');
	if (reload.method === 'touch') out.push(indent(line('method', 'touch')), indent(line('path', reload.path)));
	else if (reload.method === 'command') out.push(indent(line('method', 'command')), indent(line('command', reload.command)));
	else if (reload.method === 'none') out.push(indent('method: none   # nothing reloads the app: check it serves the old code'));
	else if (reload.method === 'pythonanywhere-api') out.push(indent('method: pythonanywhere-api   # the API token from $PA_API_TOKEN'));
	else out.push(indent('method: manual'), indent('instructions: "Reload the web app (how: describe it here, or use method: command / touch)"'));
	out.push('');
	if (database === 'none') out.push(...comment(notes['database']), 'database: none   # no backup is taken: the rollback says so', '');
	else {
		out.push(...comment(notes['database']), 'database:');
		// On PythonAnywhere the preset fills host, user and name; what the server says is written over them all the same.
		if (database.host !== undefined) out.push(indent(line('host', database.host)));
		if (database.port !== undefined) out.push(indent(line('port', database.port)));
		if (database.user !== undefined) out.push(indent(line('user', database.user)));
		if (!pythonAnywhere || !database.name.startsWith(`${pythonAnywhere.username}$`)) out.push(indent(line('name', database.name)));
		if (database.passwordFrom) out.push(indent(line('passwordFrom', database.passwordFrom)));
		if (database.passwordKey) out.push(indent(line('passwordKey', database.passwordKey)));
		if (database.passwordKeyFile) out.push(indent(line('passwordKeyFile', database.passwordKeyFile)));
		out.push(indent('backupDir: ~/backups'), '');
	}
	if (migrations) {
		out.push(
			...comment(notes['migrations']),
			'migrations:',
			indent(line('kind', migrations.kind)),
			indent(line('dir', migrations.dir)),
			indent(
				migrations.command
					? line('command', migrations.command)
					: `# command: ${migrations.kind === 'flask-migrate' ? 'flask db' : 'alembic'}   # e.g. ~/.virtualenvs/<app>/bin/python -m flask db`,
			),
			'',
		);
	}
	return `${out.join('\n')}\n`;
}
