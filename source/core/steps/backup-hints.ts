/** The backup's known failures (mysqldump on managed hosts) and the fixes rewind can apply. */
import type {Config} from '../config/schema.js';
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

/** The managed host fix, unless database.host and port already are it (then the host is not what is wrong). */
function useManagedHostIfOther(config: Config, context: HintContext): Fix | undefined {
	const managed = context.managedDb;
	if (managed && config.database?.host === managed.host && config.database.port === managed.port) return undefined;
	return useManagedHost(context);
}

/** The managed database host as advice names it: the preset's (or the rehearsal's), else PythonAnywhere's pattern. */
const managedHost = (context: HintContext) =>
	context.managedDb
		? `${context.managedDb.host}${context.managedDb.port === 3306 ? '' : ` (port ${context.managedDb.port})`}`
		: '<user>.mysql.pythonanywhere-services.com';

/** Preflight proves the database answers: a host or port that does not is found before the picker. */
export const PREFLIGHT_DATABASE_HINTS: readonly HintRule[] = [
	{
		id: 'database-unreachable',
		title: 'the database does not answer at database.host and database.port',
		pattern: /The database cannot be reached: (?!.*Access denied)/i,
		severity: 'error',
		advice: (_config, context) =>
			'rewind reaches the database from the server, as mysqldump will. On PythonAnywhere the database is not on the server you SSH into: ' +
			`set database.host to ${managedHost(context)} (config: database.host).`,
		fix: (_config, context) => useManagedHost(context, 'preflight'),
	},
];

/** mysqldump's own words, quoted in the hint (the failure's summary shows only its first error lines). */
export const BACKUP_HINTS: readonly HintRule[] = [
	{
		id: 'mysql-socket',
		title: 'mysqldump looked for a local database socket',
		// Error 2002 through a socket: no host (or localhost) given, and no database on this server.
		pattern: /Can't connect to local (?:MySQL |MariaDB )?server through socket/i,
		severity: 'error',
		quote: true,
		advice: (_config, context) =>
			`The database is not on this server's local socket: database.host is wrong. Give mysqldump the database host with -h` +
			(context.managedDb
				? ` ${context.managedDb.host}${context.managedDb.port === 3306 ? '' : ` -P ${context.managedDb.port}`}`
				: ' <user>.mysql.pythonanywhere-services.com on PythonAnywhere') +
			' (config: database.host, database.port).',
		fix: (_config, context) => useManagedHost(context),
	},
	{
		id: 'mysql-server-unreachable',
		title: 'mysqldump cannot reach the database server',
		// Error 2002 (MariaDB's client) or 2003 (MySQL's) over TCP: nothing answers at that host and port.
		pattern: /Can't connect to (?:MySQL |MariaDB )?server on '([^']*)'/i,
		severity: 'error',
		quote: true,
		advice: (config, context, found) =>
			`Nothing answered at ${found?.match[1] ? `'${found.match[1]}'` : 'database.host'}` +
			`${config.database ? ` (database.host ${config.database.host}, database.port ${config.database.port})` : ''}. ` +
			`The database host or port is wrong: on PythonAnywhere it is ${managedHost(context)}, reachable from your PythonAnywhere server only. ` +
			'Elsewhere check the address, the port, and that the database accepts connections from this server.',
		fix: useManagedHostIfOther,
	},
	{
		id: 'mysql-process-privilege',
		title: 'mysqldump needs the PROCESS privilege to dump tablespaces',
		// Error 1227 for PROCESS, as mysqldump prints it ("… when trying to dump tablespaces", or "… (1227)").
		pattern: /you need \(at least one of\) the PROCESS privilege/i,
		severity: 'error',
		quote: true,
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
		id: 'mysql-missing-privilege',
		title: 'the database user lacks a privilege mysqldump asked for',
		// Error 1227 for any other privilege (RELOAD, FLUSH_TABLES, SUPER…): an option of the dump needs it.
		pattern: /Access denied; you need \(at least one of\) the (?!PROCESS privilege)([\w, ]+?) privilege/i,
		severity: 'error',
		quote: true,
		advice: (config, _context, found) =>
			`mysqldump asked for ${found?.match[1] ? `the ${found.match[1]} privilege` : 'a privilege'}, which a managed database user does not have. ` +
			'An option asks for it (--flush-logs, --master-data / --source-data and --lock-all-tables need RELOAD): remove it from database.extraDumpArgs' +
			`${config.database?.extraDumpArgs.length ? ` (${config.database.extraDumpArgs.join(' ')})` : ''}; --single-transaction is enough for a consistent dump.`,
	},
	{
		id: 'mysql-database-access',
		title: 'the user may not use that database (or it does not exist)',
		// Error 1044.
		pattern: /Access denied for user '?([^'@\s]*)'?@[^\n]* to database '?([^'\s]*)'?/i,
		severity: 'error',
		quote: true,
		advice: (_config, _context, found) => {
			const name = found?.match[2] ?? '';
			const misspelt = 'MySQL answers this way for a misspelt name too: compare it with the Databases tab.';
			if (name.includes('$')) return `Check database.name ('${name}') and that database.user may use it. ${misspelt}`;
			return `Check database.name: on PythonAnywhere it is '<user>$<name>', e.g. '${found?.match[1] || 'alice'}$${name || 'bankroll'}'${name ? ` rather than '${name}'` : ''}. ${misspelt}`;
		},
	},
	{
		id: 'mysql-access-denied',
		title: 'the database refused the user or password',
		// Error 1045.
		pattern: /Access denied for user '([^']*)'@'[^']*' \(using password(?:: (YES|NO))?/i,
		severity: 'error',
		quote: true,
		advice: (_config, _context, found) =>
			(found?.match[2]?.toUpperCase() === 'NO'
				? 'No password was sent. '
				: `The password of ${found?.match[1] ? `'${found.match[1]}'` : 'database.user'} was refused, or no such user may connect from this server. `) +
			'Check database.user and where the password comes from (database.passwordEnv / passwordFile, or ~/.my.cnf on the server); ' +
			'on PythonAnywhere it is the MySQL password set on the Databases tab, not the account’s.',
	},
	{
		id: 'mysql-unknown-host',
		title: 'the database host name does not resolve',
		pattern: /Unknown (?:MySQL |MariaDB )?server host/i,
		severity: 'error',
		quote: true,
		advice: (_config, context) => `Check database.host${context.managedDb ? ` (expected ${context.managedDb.host})` : ''}.`,
		fix: (_config, context) => useManagedHost(context),
	},
	{
		id: 'mysql-unknown-database',
		title: 'no such database',
		pattern: /Unknown database|Got error: 1049/i,
		severity: 'error',
		quote: true,
		advice: () => "Check database.name. On PythonAnywhere it is '<user>$<name>', e.g. alice$bankroll.",
	},
	{
		id: 'mysqldump-missing',
		title: 'mysqldump is not installed on the server',
		pattern: /mysqldump: (?:command )?not found/i,
		severity: 'error',
		quote: true,
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
