/**
 * What preflight learns of the app's migrations: the framework, HEAD's version files (read while
 * the downgrade scripts still exist) and the database's revision (read with the size estimate, in
 * one database session).
 */
import {UserError} from '../errors.js';
import type {PlanView, StepContext} from '../step.js';
import {EXIT, readOnlyCommand, serverCommand, type MigrationKind, type MigrationsFound, type PlannedCommand} from '../types.js';
import {currentRevisionCommand, frameworkCommand, frameworkCurrent} from './commands.js';
import {summary} from './plan.js';
import {migrationsReadCommand, parseMigrationsRead, readsAlembic, type MigrationsRead} from './read.js';

function currentCommand(view: PlanView): PlannedCommand {
	return serverCommand('migrations-current', 'read the database’s migration revision (migrations.current)', currentRevisionCommand(view));
}

/**
 * The framework's own `current` (`flask db current`), as Migrate down will run it: proves
 * migrations.command runs in the server's environment and reads this database, before the picker.
 */
export function frameworkCurrentCommand(view: PlanView, kind: MigrationKind): PlannedCommand {
	const command = frameworkCommand(view.config, kind);
	return readOnlyCommand('framework-current', `run \`${command} current\` as Migrate down will run the migrations command`, frameworkCurrent(view, kind));
}

export function preflightMigrationCommands(view: PlanView): PlannedCommand[] {
	if (readsAlembic(view.config))
		return [
			migrationsReadCommand(view),
			...(view.config.database ? [frameworkCurrentCommand(view, view.config.migrations.kind === 'alembic' ? 'alembic' : 'flask-migrate')] : []),
		];
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

/**
 * Runs the framework's `current` and refuses (exit 3) when it fails or reads another database than
 * the one rewind read the revision of, naming the field to fix. Nothing has changed yet.
 */
export async function proveMigrationsCommand(context: StepContext, found: MigrationsFound): Promise<void> {
	// Only where a migration may run: a database at no revision has nothing to migrate down.
	if (found.kind === 'command' || !context.config.database || found.migrations.length === 0 || found.current.length === 0 || found.problem) return;
	const command = frameworkCommand(context.config, found.kind);
	const answer = await context.runPlanned(frameworkCurrentCommand(context, found.kind), {stream: false, allowFailure: true});
	if (answer.exitCode !== 0) {
		const said = `${answer.stderr}\n${answer.stdout}`.trim().split('\n').filter(Boolean).slice(-2).join(' | ').slice(0, 300);
		throw new UserError(
			`The migrations command does not run on the server: \`${command} current\` in ${context.config.app.dir} ended with ${answer.exitCode ?? answer.exitSignal ?? 'no status'}${said ? ` (${said})` : ''}. ` +
				'Migrate down would fail the same way, after the backup. Set migrations.command to the framework as the app runs it ' +
				'(PythonAnywhere: the virtualenv’s, e.g. ~/.virtualenvs/<name>/bin/flask db) and migrations.env to the variables the app needs (FLASK_APP, its database settings). Nothing was changed.',
			EXIT.refused,
		);
	}
	const reported = new Set([...answer.stdout.matchAll(/\b[0-9a-f]{12,40}\b/g)].map(match => match[0]));
	const database = context.config.database.name;
	const agrees = found.current.every(revision => reported.has(revision));
	if (!agrees)
		throw new UserError(
			`\`${command} current\` reports ${[...reported].join(', ') || 'no revision'}, but the database ${database} is at ${found.current.join(', ') || 'no revision'}: ` +
				'the migrations command reads another database than the one rewind backs up. Set migrations.env to the settings the app uses for this database. Nothing was changed.',
			EXIT.refused,
		);
}
