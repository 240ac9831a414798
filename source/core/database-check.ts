/**
 * Verify's database half: the fingerprint after the rollback against the one taken with the backup,
 * judged against what the run's migrations were expected to change.
 */
import {databaseCredentials, takeFingerprint} from './database.js';
import {describeDifference, diffFingerprints, judgeDifferences, NOTHING_EXPECTED, type ExpectedChanges} from './fingerprint.js';
import {migrationPlanOf} from './migrations/plan.js';
import {restoreBackup} from './migrations/way-out.js';
import type {CriteriaView, PlanView, StepContext} from './step.js';
import type {DatabaseConfig} from './config/schema.js';
import type {Criterion, DatabaseFingerprint} from './types.js';

/**
 * An undo of a rollback that restored an earlier backup: is the database back where the rollback
 * started? Rows the restore removed are not back by themselves; the rollback's own backup holds them.
 */
function backWhereItStarted(view: CriteriaView): Criterion[] {
	const afterRestore = view.facts.undoOf?.afterRestore;
	if (view.kind !== 'undo' || !afterRestore) return [];
	const label = 'Database back where the rollback started';
	const after = view.facts.fingerprintAfter;
	if (!after) return [{id: 'database-start', label, status: 'skip', detail: 'not compared: verification did not run'}];
	const differences = sinceTheStart(view, afterRestore.start, after);
	if (differences.length === 0)
		return [{id: 'database-start', label, status: 'pass', detail: 'every table as it was when the rollback started (row counts and checksums)'}];
	const own = afterRestore.ownBackup
		? `the rollback's own backup holds the start: ${afterRestore.ownBackup.path} — restore it (this replaces the database's contents) with: ${afterRestore.ownBackup.restoreCommand}`
		: 'the rollback took no backup of its own: what the restore removed cannot be put back by rewind';
	return [
		{
			id: 'database-start',
			label,
			status: 'fail',
			detail: `not back: the rollback restored ${afterRestore.restored}, and since then ${differences.map(describeDifference).join('; ')}; ${own}`,
		},
	];
}

/** The differences between where the rollback started and now, the version table aside. */
function sinceTheStart(view: Pick<PlanView, 'config' | 'facts'>, start: DatabaseFingerprint, now: DatabaseFingerprint) {
	return diffFingerprints(start, now).filter(difference => difference.table !== view.config.migrations.versionTable);
}

/**
 * An undo after a rollback that restored an earlier backup, and the database is not back where the
 * rollback started: offers to restore the rollback's own backup, which holds that state (a typed
 * reason, what it replaces named). Without an answer (no terminal) the database stays as it is and
 * the check says how to restore it.
 */
export async function offerOwnBackup(context: StepContext): Promise<void> {
	const afterRestore = context.facts.undoOf?.afterRestore;
	const after = context.facts.fingerprintAfter;
	const own = afterRestore?.ownBackup;
	if (context.kind !== 'undo' || !afterRestore || !own || !after) return;
	const differences = sinceTheStart(context, afterRestore.start, after);
	if (differences.length === 0) return;
	const reason = (
		await context.ask({
			kind: 'override-reason',
			warning:
				`The database is not back where the rollback started: ${differences.map(describeDifference).join('; ')} (the rollback restored ${afterRestore.restored}). ` +
				`The rollback's own backup holds that state: ${own.path}. Restoring it replaces the database's contents with it; anything written since the rollback began is lost. ` +
				'Type why to restore it now; leave it empty to keep the database as it is.',
			example: 'e.g. bring back the play log the earlier backup removed',
		})
	)?.trim();
	if (!reason) return;
	await restoreBackup(context, {path: own.path, takenAt: own.takenAt, sha256: own.sha256, revisions: []});
	const database = context.config.database!;
	const credentials = await databaseCredentials(context);
	const now = await takeFingerprint(context.host(), database, credentials.password);
	context.setFacts({fingerprintAfter: now, ownBackupRestored: {path: own.path, reason, at: new Date().toISOString()}});
	context.note('warning', `Restored the rollback's own backup ${own.path} (reason: ${reason}).`);
}

export function databaseCriteria(view: CriteriaView): Criterion[] {
	return [...databaseIntact(view), ...backWhereItStarted(view)];
}

function databaseIntact(view: CriteriaView): Criterion[] {
	const {config, facts} = view;
	const {fingerprintBefore: before, fingerprintAfter: after} = facts;
	const label = 'Database intact';
	if (before && after) {
		const differences = diffFingerprints(before, after);
		if (differences.length === 0)
			return [{id: 'database', label, status: 'pass', detail: `database unchanged (${after.tables.length} tables: schema, row counts and checksums equal)`}];
		const {failures, expectedChanges: changes, warnings} = judgeDifferences(differences, expectedChanges(view));
		if (failures.length > 0) return [{id: 'database', label, status: 'fail', detail: [...failures, ...warnings].join('; ')}];
		if (facts.ownBackupRestored)
			return [
				{
					id: 'database',
					label,
					status: 'warn',
					detail: `restored the rollback's own backup ${facts.ownBackupRestored.path} (${facts.ownBackupRestored.reason}): ${changes.join('; ')}`,
				},
			];
		if (facts.migrationRestore)
			return [
				{
					id: 'database',
					label,
					status: 'warn',
					detail: `restored the backup of ${facts.migrationRestore.takenAt.slice(0, 16).replace('T', ' ')} UTC: ${changes.join('; ')}`,
				},
			];
		const migrated = changes.length > 0 ? `the migrations’ changes: ${changes.join('; ')}` : '';
		if (warnings.length > 0) return [{id: 'database', label, status: 'warn', detail: [...warnings, ...(migrated ? [migrated] : [])].join('; ')}];
		return [{id: 'database', label, status: 'pass', detail: `data unchanged in the tables the migrations did not touch; ${migrated}`}];
	}
	if (!config.database?.fingerprint) return [];
	return [{id: 'database', label, status: 'skip', detail: before ? 'not compared: verification did not run' : 'no fingerprint taken'}];
}

/** What the migrations of this run were expected to change in the database. */
function expectedChanges(view: Pick<PlanView, 'config' | 'facts'>): ExpectedChanges {
	const {facts} = view;
	if (facts.migrationRestore || facts.ownBackupRestored) return {...NOTHING_EXPECTED, restored: true};
	if (!facts.migrated) return NOTHING_EXPECTED;
	const plan = migrationPlanOf(facts);
	// Down: what the undone migrations' upgrades touched. Up (an undo): what the migrations run again touch.
	const moved = facts.migrated.how === 'downgrade' ? plan?.undo : plan?.redo;
	return {
		tables: new Set([view.config.migrations.versionTable, ...(moved ?? []).flatMap(migration => migration.touches)]),
		unknown:
			moved === undefined
				? [{migration: 'the migrations (no plan to read them from)'}]
				: moved
						.filter(migration => migration.touchesUnknown)
						.map(migration => ({migration: `migration ${migration.revision}`, ...(migration.mayTouch ? {mayTouch: migration.mayTouch} : {})})),
		restored: false,
	};
}

/**
 * The fingerprint after the rollback against the one taken with the backup: data lost in a table
 * no undone migration touched fails; the migrations' own changes are listed; the revision must be
 * the target's.
 */
export async function compareDatabase(context: StepContext, database: DatabaseConfig, before: DatabaseFingerprint): Promise<string[]> {
	const credentials = await databaseCredentials(context);
	const plan = migrationPlanOf(context.facts);
	const versionTable = context.facts.migrationsFound && plan?.kind !== 'command' ? context.config.migrations.versionTable : undefined;
	const after = await context.record('fingerprint', () => takeFingerprint(context.host(), database, credentials.password, versionTable));
	context.setFacts({fingerprintAfter: after});
	const {failures, expectedChanges: changes, warnings} = judgeDifferences(diffFingerprints(before, after), expectedChanges(context));
	if (changes.length > 0) context.note('info', `Changed by the schema migrations, as expected: ${changes.join('; ')}.`);
	if (warnings.length > 0) context.note('warning', `The database changed during the rollback: ${warnings.join('; ')}.`);
	// After a downgrade (or a restore) the version table must say the target's revision.
	const moved = context.facts.migrated && context.facts.migrated.how !== 'upgrade';
	const wrongRevision =
		plan && moved && after.revisions && [...after.revisions].sort().join() !== [...plan.target].sort().join()
			? [`database: the migration revision is ${after.revisions.join(', ') || 'base'}, not the target's ${plan.target.join(', ') || 'base'}`]
			: [];
	return [...failures.map(failure => `database: ${failure}`), ...wrongRevision];
}
