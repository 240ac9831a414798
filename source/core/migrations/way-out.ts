/**
 * When the schema cannot be migrated down (a migration that cannot be undone, no plan), the ways
 * out and what each costs: abort (nothing changed); reset the code only and leave the schema ahead
 * (a logged override); or restore an earlier backup taken at the target's revision — data written
 * since is lost, and tables made since are dropped (this run's own backup keeps them).
 */
import {remotePath, sh} from '../command.js';
import {serverArgs} from '../backup-script.js';
import {configuredPassword, databaseCredentials, handsPasswordOn, optionFileText, readDatabaseState} from '../database.js';
import {formatDuration} from '../format.js';
import type {EarlierBackup} from '../questions.js';
import type {StepContext} from '../step.js';
import {readOnlyCommand, serverCommand, type DatabaseFingerprint, type MigrationPlan} from '../types.js';
import {readRecords} from '../frames.js';

/** Verified backups on the server whose sidecar says they were taken at exactly `target`, newest first. */
export async function backupsAt(context: StepContext, target: readonly string[]): Promise<EarlierBackup[]> {
	const database = context.config.database;
	if (!database) return [];
	const list = readOnlyCommand(
		'earlier-backups',
		'list earlier backups and the revision each was taken at',
		// Each record: the file's path and its content, base64 (a path or record cannot forge another).
		sh`for f in ${remotePath(database.backupDir)}/*.sql.gz.json; do { [ -f "$f" ] && [ ! -L "$f" ]; } || continue; printf '%s' "$f" | base64 | tr -d '\\n'; printf ' '; base64 <"$f" | tr -d '\\n'; echo; done; echo end`,
	);
	const answer = await context.runPlanned(list, {stream: false, allowFailure: true});
	if (answer.exitCode !== 0) return [];
	const wanted = [...target].sort().join(',');
	const found: EarlierBackup[] = [];
	for (const [path = Buffer.alloc(0), content = Buffer.alloc(0)] of readRecords(answer.stdout, 2, 'list earlier backups')) {
		try {
			const record = JSON.parse(content.toString('utf8')) as {sha256?: unknown; takenAt?: unknown; revisions?: unknown; rows?: unknown};
			if (
				typeof record.sha256 !== 'string' ||
				!/^[0-9a-f]{64}$/.test(record.sha256) ||
				typeof record.takenAt !== 'string' ||
				Number.isNaN(Date.parse(record.takenAt))
			)
				continue;
			if (!Array.isArray(record.revisions) || !record.revisions.every(revision => typeof revision === 'string')) continue;
			const revisions = record.revisions;
			if ([...revisions].sort().join(',') !== wanted) continue;
			const rows =
				record.rows && typeof record.rows === 'object' && Object.values(record.rows).every(count => Number.isSafeInteger(count) && (count as number) >= 0)
					? {rows: record.rows as Record<string, number>}
					: {};
			found.push({path: path.toString('utf8').replace(/\.json$/, ''), takenAt: record.takenAt, sha256: record.sha256, revisions, ...rows});
		} catch {
			// A sidecar that is not ours, or damaged: not offered.
		}
	}
	return found.sort((a, b) => b.takenAt.localeCompare(a.takenAt));
}

/**
 * What restoring `backup` would lose, table by table, against the database now (this run's
 * fingerprint): rows written since it was taken, tables made since (dropped). Row counts only: rows
 * changed in place are lost too and cannot be counted.
 */
export function lossPreview(backup: EarlierBackup, now: DatabaseFingerprint | undefined, versionTable: string): string[] {
	if (!now) return ['what is lost cannot be previewed: no fingerprint of the database now (database.fingerprint is off)'];
	if (!backup.rows) return ['what is lost cannot be previewed: the backup records no row counts (taken by an older rewind)'];
	const lost: string[] = [];
	for (const table of now.tables) {
		if (table.name === versionTable) continue;
		const then = backup.rows[table.name];
		if (then === undefined) lost.push(`${table.name}: the whole table (${table.rows} rows) is dropped — made after the backup`);
		else if (table.rows > then) lost.push(`${table.name}: ${table.rows - then} of ${table.rows} rows written since are lost`);
		else if (table.rows < then) lost.push(`${table.name}: ${then - table.rows} rows deleted since come back`);
	}
	return lost.length > 0
		? [...lost, 'rows changed in place since are lost too (not counted)']
		: ['no rows added or removed since (rows changed in place since are lost)'];
}

export function describeBackupAge(backup: EarlierBackup, now = Date.now()): string {
	return `${backup.takenAt.replace('T', ' ').slice(0, 16)} UTC, ${formatDuration(Math.max(0, now - Date.parse(backup.takenAt)))} ago`;
}

/** The paragraph a run without a terminal ends with: what stops the downgrade, and the ways out. */
export function refusalText(plan: MigrationPlan, why: string, backups: readonly EarlierBackup[]): string {
	const restore = backups[0]
		? `restore the backup ${backups[0].path} taken at the target's revision (${describeBackupAge(backups[0])}; data written since is lost)`
		: 'restore an earlier backup taken at the target’s revision (none is on the server)';
	return (
		`Refusing to migrate the schema down: ${why}. Nothing was changed (HEAD and schema as they were). The ways out, offered when rewind runs in a terminal: ` +
		`abort; reset the code only and leave the schema ahead at ${plan.current.join(', ') || 'base'} (the old code may fail against it; a typed reason is logged); ` +
		`or ${restore}.`
	);
}

/**
 * Restores an earlier backup: its sha256 checked first, tables it does not have dropped, then the
 * dump loaded (the password through a pipe, as for the backup). Returns the tables dropped.
 */
export async function restoreBackup(context: StepContext, backup: EarlierBackup): Promise<string[]> {
	const database = context.config.database!;
	const file = remotePath(backup.path);
	const check = readOnlyCommand(
		'check-earlier-backup',
		'check the earlier backup (sha256) and list its tables',
		sh`[ "$(sha256sum ${file} | cut -c1-64)" = ${backup.sha256} ] || { echo 'rewind: the backup changed since it was taken (sha256 differs)' >&2; exit 3; }; gunzip -c ${file} | sed -n 's/^CREATE TABLE \`\\(.*\\)\` ($/\\1/p'`,
	);
	const checked = await context.runPlanned(check, {stream: false, allowFailure: true});
	if (checked.exitCode !== 0)
		throw new Error(`${backup.path} cannot be restored: ${checked.stderr.replace(/^rewind: /, '').trim() || `exit ${checked.exitCode}`}`);
	const inDump = new Set(checked.stdout.split('\n').filter(Boolean));
	const credentials = configuredPassword(database) ?? (await databaseCredentials(context));
	const state = await context.record('read-tables', () => readDatabaseState(context.host(), database, credentials.password, {tables: true}));
	const dropped = (state.tables ?? []).filter(table => !inDump.has(table));
	const statements = ['SET FOREIGN_KEY_CHECKS=0;', ...dropped.map(table => `DROP TABLE \`${table.replaceAll('`', '``')}\`;`)];
	const passwordOnStdin = handsPasswordOn(credentials);
	const options = passwordOnStdin ? sh`--defaults-extra-file=/dev/fd/3` : sh``;
	const restore = serverCommand(
		'restore-backup',
		'restore the earlier backup (tables it does not have are dropped first)',
		sh`exec 3<&0 </dev/null; { printf '%s\\n' ${statements}; gunzip -c ${file}; } | mysql ${options} ${serverArgs(database)} ${database.name}`,
	);
	await context.runPlanned(restore, {...(passwordOnStdin ? {stdin: optionFileText(credentials.password ?? '')} : {})});
	return dropped;
}
