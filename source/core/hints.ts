/**
 * Known failures and their fixes, in one table. When a step fails (or succeeds with a warning),
 * its output is matched against these patterns and the operator is shown what to do.
 */
import type {FixId, Hint, StepId} from './types.js';

export type HintContext = {
	/** The database address the preset or the rehearsal says is right (PythonAnywhere: `<user>.mysql…`:3306). */
	readonly managedDb?: {readonly host: string; readonly port: number};
	readonly tokenEnv?: string;
	readonly buildConfigured?: boolean;
	/** Build commands to restore when the build step was left out (the forgotten-build fix). */
	readonly defaultBuildCommands?: readonly string[];
	/** The WSGI file whose touch reloads the app (PythonAnywhere), for the reload-by-touch fix. */
	readonly wsgiPath?: string;
};

type HintRule = {
	readonly id: string;
	readonly title: string;
	readonly pattern: RegExp;
	readonly severity: 'error' | 'warning';
	readonly advice: (context: HintContext) => string;
	readonly fix?: (context: HintContext) => FixId | undefined;
	/** Only for failures of these steps (all steps when absent). */
	readonly steps?: readonly StepId[];
};

export const HINT_RULES: readonly HintRule[] = [
	{
		id: 'mysql-socket',
		title: 'mysqldump looked for a local database socket',
		pattern: /Can't connect to local (?:MySQL |MariaDB )?server through socket/i,
		severity: 'error',
		advice: context =>
			`The database is not on this server's local socket. Give mysqldump the database host with -h` +
			(context.managedDb ? ` ${context.managedDb.host}${context.managedDb.port === 3306 ? '' : ` -P ${context.managedDb.port}`}` : ' <user>.mysql.pythonanywhere-services.com on PythonAnywhere') +
			' (config: database.host).',
		fix: context => (context.managedDb ? 'use-managed-db-host' : undefined),
	},
	{
		id: 'mysql-process-privilege',
		title: 'mysqldump needs the PROCESS privilege to dump tablespaces',
		pattern: /you need \(at least one of\) the PROCESS privilege/i,
		severity: 'error',
		advice: () =>
			'Managed MySQL users lack PROCESS. Add --no-tablespaces (config: database.noTablespaces: true). ' +
			'mysqldump may exit 0 after this error, so the dump is not trusted.',
		fix: () => 'add-no-tablespaces',
	},
	{
		id: 'mysql-database-access',
		title: 'the user may not use that database (or it does not exist)',
		pattern: /Access denied for user [^\n]* to database/i,
		severity: 'error',
		advice: () => "Check database.name: on PythonAnywhere it is '<user>$<name>', e.g. alice$bankroll. MySQL answers this way for a misspelt name too.",
	},
	{
		id: 'mysql-access-denied',
		title: 'the database refused the user or password',
		pattern: /Access denied for user '[^']*'@'[^']*' \(using password/i,
		severity: 'error',
		advice: () =>
			'Check database.user and where the password comes from (database.passwordEnv / passwordFile, or ~/.my.cnf on the server).',
	},
	{
		id: 'mysql-unknown-host',
		title: 'the database host name does not resolve',
		pattern: /Unknown (?:MySQL |MariaDB )?server host/i,
		severity: 'error',
		advice: context => `Check database.host${context.managedDb ? ` (expected ${context.managedDb.host})` : ''}.`,
		fix: context => (context.managedDb ? 'use-managed-db-host' : undefined),
	},
	{
		id: 'mysql-unknown-database',
		title: 'no such database',
		pattern: /Unknown database|Got error: 1049/i,
		severity: 'error',
		advice: () => "Check database.name. On PythonAnywhere it is '<user>$<name>', e.g. alice$bankroll.",
	},
	{
		id: 'mysqldump-missing',
		title: 'mysqldump is not installed on the server',
		pattern: /mysqldump: (?:command )?not found/i,
		severity: 'error',
		advice: () => 'Install the MySQL/MariaDB client on the server (e.g. apt-get install mariadb-client).',
	},
	{
		id: 'backup-truncated',
		title: 'the backup file is incomplete',
		pattern: /unexpected end of file|crc error|no "-- Dump completed" trailer/i,
		severity: 'error',
		advice: () => 'The dump was cut short (connection lost, disk full or mysqldump killed). Retry the backup; the partial file is kept as .partial.',
		steps: ['backup'],
	},
	{
		id: 'disk-full',
		title: 'the server disk is full',
		pattern: /No space left on device|Disk quota exceeded/i,
		severity: 'error',
		advice: () => 'Free space on the server (old backups, caches) or point database.backupDir elsewhere, then retry.',
	},
	{
		id: 'npm-corrupted-install',
		title: 'npm failed: node_modules is probably corrupted',
		pattern: /npm ERR!|npm error|ENOTEMPTY/i,
		severity: 'error',
		advice: () => 'Do a clean reinstall: remove node_modules, then npm ci (config: build.cleanInstall: true).',
		fix: () => 'clean-install',
		steps: ['build'],
	},
	{
		id: 'node-modules-broken',
		title: 'a package in node_modules is missing or broken',
		pattern: /(?:ENOENT|Cannot find module|Cannot find package|SyntaxError|Unexpected token)[^\n]*node_modules|node_modules[^\n]*(?:SyntaxError|Unexpected token|ENOENT)/i,
		severity: 'error',
		advice: () => 'Do a clean reinstall: remove node_modules, then npm ci (config: build.cleanInstall: true).',
		fix: () => 'clean-install',
		steps: ['build'],
	},
	{
		id: 'build-tool-missing',
		title: 'the build tool is not installed',
		pattern: /(?:vite|webpack|tsc|npm|node): (?:command )?not found/i,
		severity: 'error',
		advice: () => 'Install dependencies before building (npm ci as the first build command), and check that node/npm are on the PATH of a non-interactive shell.',
		steps: ['build'],
	},
	{
		id: 'reload-unauthorized',
		title: 'the reload API refused the token',
		pattern: /reload API answered 40[13]|\b401 Unauthorized\b|no API token/i,
		severity: 'error',
		advice: context =>
			`The API token is missing or wrong. Set ${context.tokenEnv ?? 'the token environment variable'} to the token from Account → API token, ` +
			'or reload by touching the WSGI file instead.',
		fix: context => (context.wsgiPath ? 'reload-by-touch' : undefined),
		steps: ['reload'],
	},
	{
		id: 'reload-cname-warning',
		title: 'reloaded, but PythonAnywhere found no CNAME for the domain',
		pattern: /cname_error/,
		severity: 'warning',
		advice: () => 'The app was reloaded. PythonAnywhere warns that the domain’s DNS CNAME does not point at it: check DNS if the site is not reachable.',
		steps: ['reload'],
	},
	{
		id: 'site-still-shows-marker',
		title: 'the site still shows text that should be gone',
		pattern: /forbidden text .* still present/i,
		severity: 'error',
		advice: context =>
			context.buildConfigured === false
				? 'The built assets were not rebuilt: dist/ is gitignored, so the reset did not change it. Add the build commands and re-run from the build step.'
				: 'The served page is stale: rebuild the assets and reload again. If it persists, check that the web server serves this checkout.',
		fix: context => (context.buildConfigured === false ? 'restore-build-commands' : undefined),
		steps: ['verify'],
	},
	{
		id: 'site-redirect-loop',
		title: 'the site redirected to itself',
		pattern: /redirected to itself/i,
		severity: 'warning',
		advice: () => 'During a reload PythonAnywhere answers with a redirect to the same page until the workers are up; rewind retries through it.',
		steps: ['verify'],
	},
	{
		id: 'site-server-error',
		title: 'the site answers with a server error',
		pattern: /answered (?:HTTP )?5\d\d/i,
		severity: 'error',
		advice: () => 'The app fails to start or to serve: read the server error log (PythonAnywhere: Web tab → error log). The old code may need a dependency or schema the new one changed.',
		steps: ['verify'],
	},
	{
		id: 'git-dubious-ownership',
		title: 'git refuses a repository owned by someone else',
		pattern: /detected dubious ownership/i,
		severity: 'error',
		advice: () => 'Run rewind as the owner of the checkout, or add it to git’s safe.directory on the server.',
	},
	{
		id: 'git-index-lock',
		title: 'another git process holds the index lock',
		pattern: /index\.lock': File exists/i,
		severity: 'error',
		advice: () => 'Another git command is running in the checkout, or one crashed. Check for it; remove .git/index.lock only when none is running.',
	},
	{
		id: 'ssh-auth-failed',
		title: 'SSH authentication failed',
		pattern: /All configured authentication methods failed/i,
		severity: 'error',
		advice: () => 'Check ssh.user and ssh.identityFile (or load the key into ssh-agent). `ssh -v user@host` shows what the server accepts.',
		steps: ['connect'],
	},
	{
		id: 'connection-lost',
		title: 'the SSH connection was lost',
		pattern: /SSH connection (?:was )?lost|ECONNRESET|keepalive timeout/i,
		severity: 'error',
		advice: () => 'Reconnect and retry the step: nothing is marked done that was not proven. A partial backup stays as .partial and is never counted.',
	},
];

/** Shown when preflight finds uncommitted changes: a situation, not an error message to match. */
export const DIRTY_TREE_HINT: Hint = {
	id: 'dirty-tree',
	title: 'the server has uncommitted changes',
	advice: 'git reset --hard would destroy them. rewind saves a patch, an archive of untracked files and a stash commit first; the report lists where.',
	severity: 'warning',
};

/** The hints whose pattern appears in `text`, for a failure (or warning) of `stepId`. */
export function matchHints(text: string, stepId: StepId, context: HintContext = {}): Hint[] {
	const hints: Hint[] = [];
	for (const rule of HINT_RULES) {
		if (rule.steps && !rule.steps.includes(stepId)) continue;
		if (!rule.pattern.test(text)) continue;
		const fix = rule.fix?.(context);
		hints.push({
			id: rule.id,
			title: rule.title,
			advice: rule.advice(context),
			severity: rule.severity,
			...(fix === undefined ? {} : {fix}),
		});
	}
	return hints;
}

export const FIX_LABELS: Record<FixId, string> = {
	'use-managed-db-host': 'Use the managed database host and retry the backup',
	'add-no-tablespaces': 'Add --no-tablespaces and retry the backup',
	'clean-install': 'Remove node_modules (clean reinstall) and retry the build',
	'restore-build-commands': 'Add the build step back and re-run from the build',
	'reload-by-touch': 'Reload by touching the WSGI file instead, and retry',
};
