/**
 * The database as rewind sees it: where the password comes from (never the command line), and a
 * fingerprint (tables, row counts, CHECKSUM TABLE) read with mysql2 through the SSH connection's
 * own tunnel. mysql2 is loaded only when a fingerprint is taken.
 */
import {readFileSync} from 'node:fs';
import type {DatabaseConfig} from '../config/schema.js';
import {expandTilde} from './ssh-config.js';
import type {Remote} from './ssh.js';
import type {DatabaseFingerprint, TableFingerprint} from '../types.js';

export type PasswordSource = 'env' | 'file' | 'my.cnf' | 'none';
export type DatabaseCredentials = {readonly password: string | undefined; readonly source: PasswordSource};

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

/** An option file holding the password, for --defaults-extra-file; written over stdin, never argv. */
export function optionFileText(password: string): string {
	return `[client]\npassword="${password.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"\n`;
}

function quoteIdentifier(name: string): string {
	return `\`${name.replaceAll('`', '``')}\``;
}

type Mysql2 = {default?: typeof import('mysql2/promise')} & typeof import('mysql2/promise');
let mysql2Module: Promise<Mysql2> | undefined;
/** mysql2, loaded once; call early (without waiting) to have it ready when the fingerprint is due. */
export function loadMysql2(): Promise<Mysql2> {
	mysql2Module ??= import('mysql2/promise') as unknown as Promise<Mysql2>;
	return mysql2Module;
}

/** Reads the fingerprint through `remote`'s tunnel to the database host. */
export async function takeFingerprint(remote: Remote, database: DatabaseConfig, password: string | undefined): Promise<DatabaseFingerprint> {
	const mysql = await loadMysql2();
	const createConnection = mysql.default?.createConnection ?? mysql.createConnection;
	const stream = await remote.forwardOut(database.host, database.port);
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
		const [rows] = await connection.query({
			sql: "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME LIMIT ?",
			values: [database.name, MAX_TABLES],
			timeout: QUERY_TIMEOUT_MS,
		});
		const names = (rows as Array<{name: string}>).map(row => row.name);
		const tables: TableFingerprint[] = [];
		for (const name of names) {
			const [countRows] = await connection.query({sql: `SELECT COUNT(*) AS n FROM ${quoteIdentifier(name)}`, timeout: QUERY_TIMEOUT_MS});
			const [checksumRows] = await connection.query({sql: `CHECKSUM TABLE ${quoteIdentifier(name)}`, timeout: QUERY_TIMEOUT_MS});
			const checksum = (checksumRows as Array<{Checksum: string | number | null}>)[0]?.Checksum;
			tables.push({
				name,
				rows: Number((countRows as Array<{n: string | number}>)[0]?.n ?? 0),
				checksum: checksum === null || checksum === undefined ? null : String(checksum),
			});
		}
		return {database: database.name, takenAt: new Date().toISOString(), tables};
	} finally {
		await connection.end().catch(() => {});
		stream.destroy();
	}
}
