/**
 * What preflight learns of the app's migrations: the framework, HEAD's version files (read while
 * the downgrade scripts still exist) and the database's revision (read with the size estimate, in
 * one database session).
 */
import {UserError} from '../errors.js';
import type {PlanView, StepContext} from '../step.js';
import {serverCommand, type MigrationKind, type MigrationsFound, type PlannedCommand} from '../types.js';
import {currentRevisionCommand} from './commands.js';
import {summary} from './plan.js';
import {migrationsReadCommand, parseMigrationsRead, readsAlembic, type MigrationsRead} from './read.js';

function currentCommand(view: PlanView): PlannedCommand {
	return serverCommand('migrations-current', 'read the database’s migration revision (migrations.current)', currentRevisionCommand(view));
}

export function preflightMigrationCommands(view: PlanView): PlannedCommand[] {
	if (readsAlembic(view.config)) return [migrationsReadCommand(view)];
	if (view.config.database && view.config.migrations.kind === 'command') return [currentCommand(view)];
	return [];
}

/** HEAD's Alembic files, or undefined when the app has none (and the config did not say it has). */
export async function readMigrationFiles(context: StepContext): Promise<MigrationsRead | undefined> {
	if (!readsAlembic(context.config)) return undefined;
	const read = parseMigrationsRead((await context.run('migrations', {stream: false})).stdout);
	if (read.dir) return read;
	const {kind, dir} = context.config.migrations;
	if (kind === 'auto') return undefined;
	throw new UserError(
		`migrations.kind is ${kind}, but ${context.config.app.dir} has no ${dir ?? 'migrations or alembic'} folder with versions/ in it. ` +
			'Set migrations.dir to the folder that holds env.py and versions/, or migrations.kind: none.',
	);
}

export function foundFromFiles(context: StepContext, read: MigrationsRead, current: readonly string[], problem?: string): MigrationsFound {
	const {kind} = context.config.migrations;
	const resolved: MigrationKind = kind === 'alembic' || kind === 'flask-migrate' ? kind : (read.flavor ?? 'alembic');
	return {
		kind: resolved,
		...(read.dir ? {dir: read.dir} : {}),
		current,
		migrations: read.migrations.map(migration => ({...summary(migration), downRevisions: migration.downRevisions, file: migration.file})),
		blobs: Object.fromEntries(read.files.map(file => [file.path, file.blob])),
		...(problem ? {problem} : {}),
	};
}

/** kind command: the operator's command prints the revision (its last line). */
export async function foundFromCommand(context: StepContext): Promise<MigrationsFound | undefined> {
	if (!context.config.database || context.config.migrations.kind !== 'command') return undefined;
	const output = (await context.runPlanned(currentCommand(context), {stream: false})).stdout.trim().split('\n').at(-1)?.trim() ?? '';
	return {kind: 'command', current: output === '' ? [] : [output], migrations: [], blobs: {}};
}
