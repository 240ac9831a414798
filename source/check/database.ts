/**
 * The database as a rollback reaches it: through the SSH tunnel with the configured credentials
 * (the fingerprint's and the migration revision's way), then mysqldump on the server with the
 * backup's own flags — of one table's schema only, so nothing is written anywhere.
 */
import {dumpFlags, schemaDumpCommand, STDERR_ERROR} from '../core/backup-script.js';
import type {Config} from '../core/config/schema.js';
import {handsPasswordOn, optionFileText, readCredentials, readDatabaseState, type DatabaseCredentials} from '../core/database.js';
import {errorMessage} from '../core/errors.js';
import {matchHints} from '../core/hints.js';
import type {Redactor} from '../core/redact.js';
import type {SshSession} from '../core/remote/ssh-host.js';
import {BACKUP_HINTS} from '../core/steps/backup-hints.js';
import {fail, pass, skip, type CheckResult} from './verdicts.js';

const DATABASE_TIMEOUT_MS = 30_000;
const DUMP_TIMEOUT_MS = 60_000;

/** The field each of mysqldump's known failures points at. */
const DUMP_FIELDS: Readonly<Record<string, string>> = {
	'mysql-process-privilege': 'database.noTablespaces',
	'mysql-missing-privilege': 'database.extraDumpArgs',
	'mysql-socket': 'database.host',
	'mysql-server-unreachable': 'database.host',
	'mysql-unknown-host': 'database.host',
	'mysql-database-access': 'database.name',
	'mysql-unknown-database': 'database.name',
	'mysql-access-denied': 'database.user',
};

export type DatabaseOutcome = {
	readonly result: CheckResult;
	readonly credentials?: DatabaseCredentials;
	readonly tables?: readonly string[];
	readonly revisions?: readonly string[];
};

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
	});
	return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Which field a failed connection points at: the host when it does not resolve or answer, the port when it refuses, else the credentials. */
function unreachable(config: Config, reason: string, resolves: string | undefined, source: DatabaseCredentials['source']): CheckResult {
	const {host, port, name} = config.database!;
	const where = `${host}:${port}`;
	if (resolves === 'no')
		return fail('database', `${host} does not resolve on the server (${reason}). PythonAnywhere: <user>.mysql.pythonanywhere-services.com.`, 'database.host');
	if (/refused/i.test(reason)) return fail('database', `connection refused by ${where} on the server: nothing listens on port ${port} there.`, 'database.port');
	if (/unknown database|access denied for user .* to database/i.test(reason))
		return fail('database', `${reason}. On PythonAnywhere the name is '<user>$<name>'; check that database.user may use ${name}.`, 'database.name');
	if (/access denied/i.test(reason)) {
		const field = {env: 'database.passwordEnv', file: 'database.passwordFile', 'server-settings': 'database.passwordKey'}[source as string] ?? 'database.user';
		return fail(
			'database',
			`${reason}. Check database.user and its password (${field === 'database.user' ? '[client] in ~/.my.cnf on the server' : field}).`,
			field,
		);
	}
	return fail('database', `${where} did not answer from the server (${reason}).`, 'database.host');
}

/** The password from wherever the config says (a read on the server may ride along with the probe); the error when it cannot be read. */
export function credentialsFor(config: Config, session: SshSession, env: NodeJS.ProcessEnv): Promise<DatabaseCredentials | Error> | undefined {
	if (!config.database) return undefined;
	return readCredentials(config, async command => session.run(command.command, {signal: AbortSignal.timeout(DATABASE_TIMEOUT_MS)}), env).catch(
		(error: unknown) => (error instanceof Error ? error : new Error(String(error))),
	);
}

/** Reaches the database through the tunnel and reads its tables and migration revision. */
export async function databaseCheck(
	config: Config,
	session: SshSession,
	redactor: Redactor,
	read: Promise<DatabaseCredentials | Error> | undefined,
	resolves: string | undefined,
): Promise<DatabaseOutcome> {
	const database = config.database;
	if (!database || !read) return {result: skip('database', 'no database in the config: nothing to back up.')};
	const credentials = await read;
	if (credentials instanceof Error) return {result: fail('database', credentials.message, /^database\.\w+/.exec(credentials.message)?.[0])};
	redactor.add(credentials.password);
	redactor.add(credentials.alsoSecret);
	try {
		const state = await withTimeout(
			readDatabaseState(session, database, credentials.password, {tables: true, versionTable: config.migrations.versionTable}),
			DATABASE_TIMEOUT_MS,
			`${database.host}:${database.port}`,
		);
		const tables = state.tables ?? [];
		const revisions = state.revisions ?? [];
		const from = {
			env: `$${database.passwordEnv}`,
			file: database.passwordFile,
			'server-settings': `${database.passwordKey} on the server`,
			'my.cnf': '~/.my.cnf on the server',
			none: 'no password',
		}[credentials.source];
		return {
			credentials,
			tables,
			revisions,
			result: pass(
				'database',
				`${database.user}@${database.host}:${database.port}/${database.name} answers through the SSH tunnel (password from ${from}): ${tables.length} table${tables.length === 1 ? '' : 's'}${revisions.length > 0 ? `, revision ${revisions.join(', ')}` : ''}.`,
			),
		};
	} catch (error) {
		return {credentials, result: unreachable(config, redactor.redact(errorMessage(error)), resolves, credentials.source)};
	}
}

/** mysqldump of one table's schema with the configured flags, on the server: what the backup runs, minus the rows. */
export async function dumpCheck(config: Config, session: SshSession, redactor: Redactor, outcome: DatabaseOutcome): Promise<CheckResult> {
	const database = config.database;
	if (!database) return skip('dump', 'no database in the config.');
	if (outcome.result.status !== 'pass' || !outcome.credentials) return skip('dump', 'the database did not answer (above): mysqldump would not either.');
	const versionTable = config.migrations.versionTable;
	const table = outcome.tables?.find(name => name !== versionTable) ?? outcome.tables?.[0];
	if (table === undefined) return skip('dump', `${database.name} has no tables: nothing to dump yet.`);
	const passwordOnStdin = handsPasswordOn(outcome.credentials);
	const flags = dumpFlags(database).join(' ') || 'no flags';
	const result = await session.run(schemaDumpCommand(database, table, {passwordOnStdin}), {
		...(passwordOnStdin ? {stdin: optionFileText(outcome.credentials.password!)} : {}),
		signal: AbortSignal.timeout(DUMP_TIMEOUT_MS),
	});
	const stderr = redactor.redact(result.stderr);
	const errors = stderr.split('\n').filter(line => STDERR_ERROR.test(line));
	const complete = result.stdout.includes('CREATE TABLE') && result.stdout.includes('-- Dump completed');
	if (result.exitCode === 0 && errors.length === 0 && complete)
		return pass('dump', `mysqldump --no-data of ${database.name}.${table} with ${flags} succeeded on the server (no rows read, nothing written).`);
	const [hint] = matchHints(stderr, BACKUP_HINTS, config).hints;
	const what = `mysqldump --no-data of ${database.name}.${table} with ${flags} ${result.exitCode === 0 ? 'exited 0 but' : `exited ${result.exitCode ?? result.exitSignal ?? 'without a status'} and`}`;
	if (hint) return fail('dump', `${what} failed: ${hint.advice}`, DUMP_FIELDS[hint.id]);
	const said = errors.slice(0, 2).join(' | ') || stderr.trim().split('\n').slice(-2).join(' | ') || (complete ? '' : 'the dump is incomplete');
	return fail('dump', `${what} failed: ${said.slice(0, 300)}.`);
}
