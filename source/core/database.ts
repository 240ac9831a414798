/**
 * The database as rewind sees it: where the password comes from (never the command line), and
 * queries (the fingerprint, the size estimate, the migration revision) made with mysql2 through the
 * host's own tunnel. mysql2 is loaded only when a query is made.
 */
import {readFileSync} from 'node:fs';
import {sh} from './command.js';
import type {Config, DatabaseConfig} from './config/schema.js';
import type {Host} from './host.js';
import {UserError} from './errors.js';
import {encodedPassword, passwordFromSetting, settingsKeyCommand, settingsKeyProblem, settingValue} from './settings-password.js';
import {expandTilde} from './remote/ssh-config.js';
import type {StepContext} from './step.js';
import {readOnlyCommand, type ServerCommand, type ColumnShape, type DatabaseFingerprint, type TableFingerprint} from './types.js';

export type PasswordSource = 'env' | 'file' | 'server-settings' | 'my.cnf' | 'none';
export type DatabaseCredentials = {
	readonly password: string | undefined;
	readonly source: PasswordSource;
	/** The password as a URL in the settings holds it (percent-encoded): redacted as well. */
	readonly alsoSecret?: string;
};

const MAX_TABLES = 2000;
const QUERY_TIMEOUT_MS = 10 * 60 * 1000;

/** The password from the config's env var or file; undefined when the config names neither. */
export function configuredPassword(database: DatabaseConfig, env: NodeJS.ProcessEnv = process.env): DatabaseCredentials | undefined {
	if (database.passwordEnv) {
		const value = env[database.passwordEnv];
		if (value !== undefined) return {password: value, source: 'env'};
	}
	if (database.passwordFile) {
		try {
			return {password: readFileSync(expandTilde(database.passwordFile), 'utf8').replace(/\r?\n$/, ''), source: 'file'};
		} catch {
			return undefined;
		}
	}
	return undefined;
}

/** The `password` of the `[client]` (or `[mysqldump]`/`[mysql]`) group of a my.cnf. */
export function passwordFromMyCnf(text: string): string | undefined {
	let group = '';
	let found: string | undefined;
	for (const rawLine of text.split(/\r?\n/)) {
		const line = rawLine.trim();
		if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
		const header = /^\[(.+)\]$/.exec(line);
		if (header) {
			group = header[1]!.trim().toLowerCase();
			continue;
		}
		if (!['client', 'mysql', 'mysqldump'].includes(group)) continue;
		const match = /^password\s*=\s*(.*)$/i.exec(line);
		if (!match) continue;
		let value = match[1]!.trim();
		if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
			value = value.slice(1, -1).replace(/\\(.)/g, '$1');
		}
		if (group === 'client' || found === undefined) found = value;
	}
	return found;
}

/** Characters a MySQL option file cannot carry in a value: the password would be cut or mangled. */
export const OPTION_FILE_UNSAFE = /[\r\n\0]/;

/**
 * The longest password, in UTF-8 bytes, an option file carries. MariaDB and MySQL read an option
 * file a line of 4 KB at a time: the rest of a longer line is read as a line of its own, that is as
 * another option (a password ending in `host=…` would name the server). Escaping doubles at most.
 */
export const OPTION_FILE_MAX_PASSWORD_BYTES = 1024;

/** What keeps a MySQL option file from carrying this password, with what to do ("the database password …"); undefined when nothing does. */
export function optionFileProblem(password: string): string | undefined {
	if (OPTION_FILE_UNSAFE.test(password))
		return 'contains a line break or NUL, which a MySQL option file cannot carry (mysqldump would read a cut password and print the rest). Use a password without line breaks';
	const bytes = Buffer.byteLength(password, 'utf8');
	if (bytes > OPTION_FILE_MAX_PASSWORD_BYTES)
		return `is ${bytes} bytes long, and a MySQL option file carries at most ${OPTION_FILE_MAX_PASSWORD_BYTES} (mysqldump reads such a file 4 KB a line, and would take the rest of a longer line as another option). Use a shorter password`;
	return undefined;
}

/** An option file holding the password, read by mysqldump from a pipe (`--defaults-extra-file=/dev/fd/3`). */
export function optionFileText(password: string): string {
	const problem = optionFileProblem(password);
	if (problem) throw new Error(`the database password ${problem}`);
	return `[client]\npassword="${password.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"\n`;
}

export function myCnfCommand(): ServerCommand {
	return readOnlyCommand('read-my-cnf', 'read the database password from the server’s ~/.my.cnf', sh`cat "$HOME/.my.cnf" 2>/dev/null; true`);
}

/**
 * The database password from wherever the config says: this machine (passwordEnv/passwordFile),
 * the app's settings on the server (passwordFrom: server with passwordKey), else ~/.my.cnf on the
 * server (then mysqldump reads that file itself). `run` runs a read-only command on the server.
 */
export async function readCredentials(
	config: Config,
	run: (command: ServerCommand) => Promise<{stdout: string; exitCode: number | null}>,
	env: NodeJS.ProcessEnv = process.env,
): Promise<DatabaseCredentials> {
	const database = config.database!;
	// With passwordFrom: server the schema allows neither passwordEnv nor passwordFile: nothing is configured here.
	const configured = configuredPassword(database, env);
	if (configured) return configured;
	if (database.passwordKey) {
		const result = await run(settingsKeyCommand(config));
		const setting = result.exitCode === 0 ? settingValue(result.stdout) : undefined;
		const password = setting === undefined ? undefined : passwordFromSetting(setting);
		if (setting === undefined || password === undefined) throw new UserError(settingsKeyProblem(config, result.exitCode));
		// Caught here, before any lock: a password a MySQL option file cannot carry (the error never repeats it).
		const problem = optionFileProblem(password);
		if (problem) throw new UserError(`database.passwordKey: the password in ${database.passwordKey} ${problem}.`);
		const encoded = encodedPassword(setting);
		return {password, source: 'server-settings', ...(encoded && encoded !== password ? {alsoSecret: encoded} : {})};
	}
	const password = passwordFromMyCnf((await run(myCnfCommand())).stdout);
	return password === undefined ? {password: undefined, source: 'none'} : {password, source: 'my.cnf'};
}

/** Whether rewind hands the password to mysqldump/mysql itself (an option file on stdin); else they read ~/.my.cnf. */
export const handsPasswordOn = (credentials: DatabaseCredentials): boolean =>
	credentials.source === 'env' || credentials.source === 'file' || credentials.source === 'server-settings';

/** The database password of this run (read once a run; a password read on the server is never journaled). */
export async function databaseCredentials(context: StepContext): Promise<DatabaseCredentials> {
	const configured = configuredPassword(context.config.database!);
	if (configured) {
		context.secret(configured.password);
		return configured;
	}
	// Read from the server once a run (the first time, usually sent ahead with preflight).
	return context.once('database-credentials', async () => {
		const credentials = await readCredentials(context.config, async command => {
			const result = await context.runPlanned(command, {stream: false, allowFailure: true});
			if (command.id === 'read-password-key') context.secret(settingValue(result.stdout));
			return result;
		});
		context.secret(credentials.password);
		context.secret(credentials.alsoSecret);
		return credentials;
	});
}

type Mysql2 = {default?: typeof import('mysql2/promise')} & typeof import('mysql2/promise');
let mysql2Module: Promise<Mysql2> | undefined;
/** mysql2, loaded once; call early (without waiting) to have it ready when a query is due. */
export function loadMysql2(): Promise<Mysql2> {
	mysql2Module ??= import('mysql2/promise') as unknown as Promise<Mysql2>;
	return mysql2Module;
}

type Query = (sql: string, values?: readonly unknown[]) => Promise<Array<Record<string, unknown>>>;

/** Runs `work` with a connection through the host's tunnel; always closed after. */
export async function withDatabase<T>(host: Host, database: DatabaseConfig, password: string | undefined, work: (query: Query) => Promise<T>): Promise<T> {
	const mysql = await loadMysql2();
	const createConnection = mysql.default?.createConnection ?? mysql.createConnection;
	const stream = await host.tunnel(database.host, database.port);
	const connection = await createConnection({
		stream: stream as never,
		user: database.user,
		...(password === undefined ? {} : {password}),
		database: database.name,
		connectTimeout: 20_000,
		supportBigNumbers: true,
		bigNumberStrings: true,
	});
	try {
		return await work(
			async (sql, values = []) => (await connection.query({sql, values: [...values], timeout: QUERY_TIMEOUT_MS}))[0] as Array<Record<string, unknown>>,
		);
	} finally {
		await connection.end().catch(() => {});
		stream.destroy();
	}
}

function quoteIdentifier(name: string): string {
	return `\`${name.replaceAll('`', '``')}\``;
}

/** Tables with row counts, CHECKSUM TABLE, columns (with types) and indexes; and the migration revision when `versionTable` is given. */
export async function takeFingerprint(host: Host, database: DatabaseConfig, password: string | undefined, versionTable?: string): Promise<DatabaseFingerprint> {
	return withDatabase(host, database, password, async query => {
		const names = (
			await query("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME LIMIT ?", [
				database.name,
				MAX_TABLES,
			])
		).map(row => String(row['name']));
		const columns = await query(
			'SELECT TABLE_NAME AS t, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_KEY AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION',
			[database.name],
		);
		const indexes = await query(
			'SELECT TABLE_NAME AS t, INDEX_NAME AS name, NON_UNIQUE AS nonUnique, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE ORDER BY TABLE_NAME, INDEX_NAME',
			[database.name],
		);
		const tables: TableFingerprint[] = [];
		for (const name of names) {
			const [count] = await query(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(name)}`);
			const [sum] = await query(`CHECKSUM TABLE ${quoteIdentifier(name)}`);
			const checksum = sum?.['Checksum'];
			tables.push({
				name,
				rows: Number(count?.['n'] ?? 0),
				checksum: checksum === null || checksum === undefined ? null : String(checksum),
				columns: columns
					.filter(row => row['t'] === name)
					.map((row): ColumnShape => ({
						name: String(row['name']),
						type: String(row['type']),
						nullable: row['nullable'] === 'YES',
						key: String(row['k'] ?? ''),
					})),
				indexes: indexes
					.filter(row => row['t'] === name)
					.map(row => `${String(row['name'])}(${String(row['cols'])})${Number(row['nonUnique']) === 0 ? ' unique' : ''}`),
			});
		}
		const revisions = versionTable ? {revisions: await revisionsOf(query, database, versionTable)} : {};
		return {database: database.name, takenAt: new Date().toISOString(), tables, ...revisions};
	});
}

/** The data's size in bytes (information_schema), for the backup space estimate. */
async function sizeOf(query: Query, database: DatabaseConfig): Promise<number> {
	const [row] = await query('SELECT COALESCE(SUM(DATA_LENGTH), 0) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [database.name]);
	return Number(row?.['bytes'] ?? 0);
}

/** The migration revision(s) in the version table; empty when the table is missing or empty. */
async function revisionsOf(query: Query, database: DatabaseConfig, versionTable: string): Promise<string[]> {
	const [exists] = await query('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [database.name, versionTable]);
	if (Number(exists?.['n'] ?? 0) === 0) return [];
	return (await query(`SELECT version_num FROM ${quoteIdentifier(versionTable)} ORDER BY version_num`)).map(row => String(row['version_num']));
}

export type DatabaseState = {readonly bytes?: number; readonly revisions?: readonly string[]; readonly tables?: readonly string[]};

/** What the run needs to know of the database now, in one session: its size, its migration revision, its tables. */
export async function readDatabaseState(
	host: Host,
	database: DatabaseConfig,
	password: string | undefined,
	wanted: {readonly size?: boolean; readonly versionTable?: string; readonly tables?: boolean},
): Promise<DatabaseState> {
	return withDatabase(host, database, password, async query => ({
		...(wanted.size ? {bytes: await sizeOf(query, database)} : {}),
		...(wanted.versionTable ? {revisions: await revisionsOf(query, database, wanted.versionTable)} : {}),
		...(wanted.tables
			? {
					tables: (
						await query("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", [
							database.name,
						])
					).map(row => String(row['name'])),
				}
			: {}),
	}));
}
