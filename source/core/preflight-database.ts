/**
 * Preflight's proof of the database: it answers through the tunnel (as the backup and the
 * fingerprint will reach it), and no migration an interrupted run started is still running on it.
 */
import {inDir} from './command.js';
import {configuredPassword, databaseCredentials, readDatabaseState, type DatabaseState} from './database.js';
import {UserError} from './errors.js';
import {migrationLockState} from './migrations/commands.js';
import {appDir} from './paths.js';
import {sampleSite} from './remote/http-check.js';
import type {StepContext} from './step.js';
import {EXIT, readOnlyCommand} from './types.js';

/** How long preflight waits for a migration an interrupted run left running. */
const LEFT_MIGRATION_WAIT_MS = 10 * 60_000;
const LOCK_POLL_SECONDS = 5;

/**
 * A migration started by an interrupted run is still running on the server (it holds the migration
 * lock): nothing else touches the database until it ends. Waited for with progress (what the site
 * answers meanwhile), up to 10 minutes; then refused with how to stop it.
 */
export async function awaitLeftMigration(context: StepContext): Promise<void> {
	const started = Date.now();
	const site = await sampleSite(context.config.site, context.signal);
	const serving = `meanwhile ${context.config.site.url} answers ${site.status ?? 'nothing'}`;
	context.note(
		'warning',
		`A schema migration started by an interrupted run is still running on the server: waiting for it to end before anything else touches the database (${serving}).`,
	);
	const poll = readOnlyCommand(
		'migration-lock-wait',
		'wait for the migration an interrupted run left running',
		inDir(appDir(context), migrationLockState(LOCK_POLL_SECONDS)),
	);
	while (Date.now() - started < LEFT_MIGRATION_WAIT_MS) {
		const answer = (await context.runPlanned(poll, {stream: false})).stdout.trim();
		if (answer === 'free') {
			context.note(
				'info',
				`The migration left by the interrupted run ended after ${Math.round((Date.now() - started) / 1000)} s of waiting: its revision is read now.`,
			);
			return;
		}
		context.progress(`waiting for the migration an interrupted run left running (${serving})`, {elapsedMs: Date.now() - started});
	}
	throw new UserError(
		`A schema migration started by an interrupted run is still running on the server after ${LEFT_MIGRATION_WAIT_MS / 60_000} minutes (${serving}). ` +
			'Let it finish, or stop it on the server (the process holding .git/rewind-migration.lock: fuser -v .git/rewind-migration.lock), then run rewind resume. Nothing was changed by this run.',
		EXIT.refused,
	);
}

/** The field to fix for a database that cannot be reached, from the driver's error. */
function databaseField(reason: string): string {
	if (/unknown database|access denied for user .* to database/i.test(reason))
		return 'database.name (PythonAnywhere: <user>$<name>) and that database.user may use it';
	if (/access denied/i.test(reason)) return 'database.user and its password (database.passwordEnv, or [client] in ~/.my.cnf on the server)';
	return 'database.host and database.port (PythonAnywhere: <user>.mysql.pythonanywhere-services.com, port 3306)';
}

/**
 * Proves the database answers (through the tunnel, as the backup and the fingerprint will reach it),
 * reading its size and revision in the same session. A database that cannot be reached fails the
 * step before the picker naming the field to fix (its hint offers the fix) — unless the backup is skipped with a reason
 * and no migration needs the revision, when it is a warning.
 */
export async function readDatabase(
	context: StepContext,
	backupSpaceKnown: boolean,
	migrations: boolean,
): Promise<(DatabaseState & {unreadable?: string}) | undefined> {
	const database = context.config.database;
	if (!database) return undefined;
	const size = backupSpaceKnown && context.flags.skipBackupReason === undefined;
	const credentials = configuredPassword(database) ?? (await databaseCredentials(context));
	const wanted = {size, ...(migrations ? {versionTable: context.config.migrations.versionTable} : {})};
	try {
		return await context.record('read-database', () => readDatabaseState(context.host(), database, credentials.password, wanted));
	} catch (error) {
		if (context.signal.aborted) throw error;
		const reason = (error as Error).message;
		if (context.flags.skipBackupReason !== undefined && !migrations) {
			context.note('warning', `Could not reach the database (${reason}): no backup is taken (--skip-backup) and no fingerprint can be compared.`);
			return {unreadable: reason};
		}
		// A step failure, not a refusal: its hint offers the fix, and a retry checks again.
		throw new Error(
			`The database cannot be reached: ${reason}. The backup${migrations ? ', the migration plan' : ''} and the data check need it. ` +
				`Check ${databaseField(reason)}. If the database itself is what is down and the code must go back anyway, run with --skip-backup "<why>"${migrations ? ' and migrations.kind: none' : ''}. Nothing was changed.`,
			{cause: error},
		);
	}
}
