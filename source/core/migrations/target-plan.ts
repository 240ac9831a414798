/**
 * The migration plan for one candidate target, from what preflight read (HEAD's version files and
 * the database's revision) and the target's listing that came with the impact query. A version
 * file only the target has is read (once); the operator's own commands ask for the target's revision.
 */
import type {StepContext} from '../step.js';
import {serverCommand, type MigrationPlan} from '../types.js';
import type {Migration} from './alembic.js';
import {targetRevisionCommand} from './commands.js';
import {planAlembic} from './plan.js';
import {
	blobsCommand,
	migrationsReadCommand,
	migrationsFrom,
	parseBatch,
	parseListing,
	parseMigrationsRead,
	readsAlembic,
	targetListingCommand,
	type ListedFile,
} from './read.js';
import {configuredPassword, databaseCredentials, readDatabaseState} from '../database.js';
import {foundFromCommand, foundFromFiles} from './found.js';
import type {MigrationsFound} from '../types.js';

export async function migrationPlanFor(
	context: StepContext,
	target: string,
	versionFiles: readonly ListedFile[],
	found = context.facts.migrationsFound,
): Promise<MigrationPlan | undefined> {
	if (!found) return undefined;
	if (found.kind === 'command') {
		const command = serverCommand('migrations-target', 'read the revision the target expects (migrations.target)', targetRevisionCommand(context, target));
		const revision = (await context.runPlanned(command, {stream: false, quiet: true})).stdout.trim().split('\n').at(-1)?.trim() ?? '';
		const targetRevisions = revision === '' ? [] : [revision];
		const same = targetRevisions.join() === found.current.join();
		return {
			kind: 'command',
			current: found.current,
			target: targetRevisions,
			undo: same
				? []
				: [
						{
							revision: `${found.current.join(', ') || 'base'} → ${revision || 'base'}`,
							message: 'the configured downgrade command',
							touches: [],
							touchesUnknown: true,
						},
					],
		};
	}
	const knownBlobs = new Set(Object.values(found.blobs));
	const byFile = new Map(found.migrations.map(migration => [found.blobs[migration.file], migration]));
	const files: Migration[] = [];
	const unknown: ListedFile[] = [];
	for (const file of versionFiles) {
		const migration = byFile.get(file.blob);
		if (migration) files.push({...migration, file: file.path});
		else if (!knownBlobs.has(file.blob)) unknown.push(file);
	}
	if (unknown.length > 0) {
		const what = 'read the target’s own version files';
		const answer = await context.runPlanned(
			blobsCommand(
				context,
				unknown.map(file => file.blob),
			),
			{stream: false, quiet: true},
		);
		files.push(...migrationsFrom(unknown, parseBatch(Buffer.from(answer.stdout, 'utf8'), what), what));
	}
	return planAlembic(found, files);
}

/**
 * The plan made after the pick (migrations were off then, and a fix turned them on): the version
 * files of the commit rolled back from (they are gone from the working tree once it is reset), the
 * database's revision now, and the target's files.
 */
export async function planAfterThePick(context: StepContext): Promise<{found: MigrationsFound; plan: MigrationPlan} | undefined> {
	const {config, facts} = context;
	const target = facts.target?.hash;
	const from = facts.fromHead;
	if (!config.database || !target || !from) return undefined;
	let found: MigrationsFound | undefined;
	if (readsAlembic(config)) {
		const read = parseMigrationsRead((await context.runPlanned(migrationsReadCommand(context, from), {stream: false})).stdout);
		if (!read.dir) return undefined;
		const credentials = configuredPassword(config.database) ?? (await databaseCredentials(context));
		const state = await context.record('revision', () =>
			readDatabaseState(context.host(), config.database!, credentials.password, {versionTable: config.migrations.versionTable}),
		);
		found = foundFromFiles(context, read, state.revisions ?? []);
	} else found = await foundFromCommand(context);
	if (!found) return undefined;
	const listing = found.kind === 'command' ? [] : parseListing((await context.runPlanned(targetListingCommand(context, target), {stream: false})).stdout);
	const plan = await migrationPlanFor(context, target, listing, found);
	return plan ? {found, plan} : undefined;
}
