/** The backup's known failures (mysqldump on managed hosts) and the fixes rewind can apply. */
import type {Fix, HintContext, HintRule} from '../hints.js';

/** Points the backup at the database host the preset (or the rehearsal) knows is right. */
function useManagedHost(context: HintContext, rerunFrom: 'backup' | 'preflight' = 'backup'): Fix | undefined {
	const managed = context.managedDb;
	if (!managed) return undefined;
	return {
		id: 'use-managed-db-host',
		label: rerunFrom === 'backup' ? 'Use the managed database host and retry the backup' : 'Use the managed database host and check again',
		rerunFrom,
		apply: config => (config.database ? {...config, database: {...config.database, host: managed.host, port: managed.port}} : config),
	};
}

/** Preflight proves the database answers: a host or port that does not is found before the picker. */
export const PREFLIGHT_DATABASE_HINTS: readonly HintRule[] = [
	{
		id: 'database-unreachable',
		title: 'the database does not answer at database.host and database.port',
		pattern: /The database cannot be reached: (?!.*Access denied)/i,
		severity: 'error',
		advice: (_config, context) =>
			'rewind reaches the database from the server, as mysqldump will. On PythonAnywhere the database is not on the server you SSH into: ' +
			`set database.host to ${context.managedDb ? `${context.managedDb.host}${context.managedDb.port === 3306 ? '' : ` (port ${context.managedDb.port})`}` : '<user>.mysql.pythonanywhere-services.com'} (config: database.host).`,
		fix: (_config, context) => useManagedHost(context, 'preflight'),
	},
];

export const BACKUP_HINTS: readonly HintRule[] = [
	{
		id: 'mysql-socket',
		title: 'mysqldump looked for a local database socket',
		pattern: /Can't connect to local (?:MySQL |MariaDB )?server through socket/i,
		severity: 'error',
		advice: (_config, context) =>
			`The database is not on this server's local socket. Give mysqldump the database host with -h` +
			(context.managedDb
				? ` ${context.managedDb.host}${context.managedDb.port === 3306 ? '' : ` -P ${context.managedDb.port}`}`
				: ' <user>.mysql.pythonanywhere-services.com on PythonAnywhere') +
			' (config: database.host).',
		fix: (_config, context) => useManagedHost(context),
	},
	{
		id: 'mysql-process-privilege',
		title: 'mysqldump needs the PROCESS privilege to dump tablespaces',
		pattern: /you need \(at least one of\) the PROCESS privilege/i,
		severity: 'error',
		advice: () =>
			'Managed MySQL users lack PROCESS. Add --no-tablespaces (config: database.noTablespaces: true). mysqldump may exit 0 after this error, so the dump is not trusted.',
		fix: () => ({
			id: 'add-no-tablespaces',
			label: 'Add --no-tablespaces and retry the backup',
			rerunFrom: 'backup',
			apply: config => (config.database ? {...config, database: {...config.database, noTablespaces: true}} : config),
		}),
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
		advice: () => 'Check database.user and where the password comes from (database.passwordEnv / passwordFile, or ~/.my.cnf on the server).',
	},
	{
		id: 'mysql-unknown-host',
		title: 'the database host name does not resolve',
		pattern: /Unknown (?:MySQL |MariaDB )?server host/i,
		severity: 'error',
		advice: (_config, context) => `Check database.host${context.managedDb ? ` (expected ${context.managedDb.host})` : ''}.`,
		fix: (_config, context) => useManagedHost(context),
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
		pattern: /unexpected end of file|crc error|no "-- Dump completed" trailer|did not finish/i,
		severity: 'error',
		advice: () => 'The dump was cut short (connection lost, disk full or mysqldump killed). It was removed; retry the backup.',
	},
];
