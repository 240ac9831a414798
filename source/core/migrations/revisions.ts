/**
 * The database's migration revision, read after a migration moved it (the version table through
 * the tunnel, or the operator's command), and migrating back up when the reset refuses after a
 * downgrade: schema and code never part.
 */
import {configuredPassword, databaseCredentials, readDatabaseState} from '../database.js';
import type {PlanView, StepContext} from '../step.js';
import {describedCommand, serverCommand, type MigrationKind, type PlannedCommand} from '../types.js';
import {currentRevisionCommand, migrateCommand, revisionArgument} from './commands.js';

/** The database's revision(s) now: from the version table, or the operator's command. */
export async function readRevisions(context: StepContext, kind: MigrationKind, recorded = true): Promise<string[]> {
	if (kind === 'command') {
		const command = serverCommand('revision', 'read the database’s migration revision (migrations.current)', currentRevisionCommand(context));
		const line = (await context.runPlanned(command, {stream: false})).stdout.trim().split('\n').at(-1)?.trim() ?? '';
		return line === '' ? [] : [line];
	}
	const database = context.config.database!;
	const credentials = configuredPassword(database) ?? (await databaseCredentials(context));
	const read = () => readDatabaseState(context.host(), database, credentials.password, {versionTable: context.config.migrations.versionTable});
	// A step without the read among its commands (the reset taking a downgrade back) reads it unrecorded.
	const state = recorded ? await context.record('revision', read) : await read();
	return [...(state.revisions ?? [])];
}

/** How the revision is read after the migration: the version table, or the operator's command. */
export function revisionRead(view: PlanView, kind: MigrationKind): PlannedCommand {
	return kind === 'command'
		? serverCommand('revision', 'read the database’s migration revision', currentRevisionCommand(view))
		: describedCommand(
				'revision',
				'database',
				'read the database’s migration revision',
				`SELECT version_num FROM ${view.config.migrations.versionTable} (through the SSH tunnel)`,
			);
}

const revisionsText = (list: readonly string[]) => list.join(', ') || 'base';

/**
 * The reset refused after Migrate down had run (HEAD or the tree moved meanwhile): the schema is
 * migrated back up to where it was, so the code the server runs has its schema again. Returns what
 * to tell the operator.
 */
export async function migrateBackUp(context: StepContext): Promise<string> {
	const migrated = context.facts.migrated;
	const kind = context.facts.migrationsFound?.kind;
	if (!migrated || migrated.how !== 'downgrade' || !kind) return 'The schema was not migrated by this run: it is as it was.';
	const upgrade = serverCommand(
		'upgrade-back',
		'migrate the schema back up (the reset did not happen)',
		migrateCommand(context, kind, 'upgrade', revisionArgument(migrated.from)),
	);
	const answer = await context.runPlanned(upgrade, {allowFailure: true});
	const now = answer.exitCode === 0 ? await readRevisions(context, kind, false) : [];
	if (answer.exitCode !== 0 || [...now].sort().join() !== [...migrated.from].sort().join())
		return (
			`The schema had been migrated down to ${revisionsText(migrated.to)}, and migrating it back up to ${revisionsText(migrated.from)} failed` +
			`${answer.exitCode === 0 ? ` (it is at ${revisionsText(now)})` : ` (exit ${answer.exitCode ?? answer.exitSignal})`}: the code on the server may fail against it. ` +
			`Migrate it up by hand (${kind === 'command' ? 'migrations.upgrade' : 'flask db upgrade / alembic upgrade'} ${revisionsText(migrated.from)}), or restore this run's backup.`
		);
	context.setFacts({migrated: {from: migrated.to, to: now, how: 'upgrade', at: new Date().toISOString()}});
	return `The schema had been migrated down; it was migrated back up to ${revisionsText(now)}, so the code on the server and its schema match again.`;
}
