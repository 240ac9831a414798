/**
 * The server commands that move the schema: the framework's downgrade (or upgrade, for an undo)
 * to a revision, in app.dir with the configured environment. The operator's command runs as
 * written; the revision is a value and is quoted.
 */
import {inDir, joinCommands, operatorShell, operatorTemplate, placeholder, sh, type Placeholder, type ShellCommand} from '../command.js';
import type {Config} from '../config/schema.js';
import {appDir} from '../paths.js';
import type {PlanView} from '../step.js';
import {serverUnchangedGuards} from '../git-commands.js';
import type {MigrationKind} from '../types.js';

/** `export 'NAME=value'` for each configured variable, then the command. */
export function withEnvironment(config: Config, command: ShellCommand): ShellCommand {
	const exports = Object.entries(config.migrations.env).map(([name, value]) => sh`export ${`${name}=${value}`}`);
	return exports.length === 0 ? command : joinCommands([...exports, command], '; ');
}

/** How the framework is run: the configured command, else `flask db` (Flask-Migrate) or `alembic`. */
export function frameworkCommand(config: Config, kind: MigrationKind): string {
	return config.migrations.command ?? (kind === 'flask-migrate' ? 'flask db' : 'alembic');
}

/** The revision argument: Alembic's `base` when the target has no migrations; one head (several are refused before). */
export function revisionArgument(target: readonly string[] | undefined): string | Placeholder {
	if (target === undefined) return placeholder('target revision');
	return target.length === 0 ? 'base' : target.join(' ');
}

/**
 * The migration lock in the git dir: taken on fd 9 (flock) before a migration, and inherited by the
 * framework's processes, so it is held for as long as a migration rewind started runs — past the run
 * that started it, if that run was killed. A second migration refuses (exit 3) while it is held.
 */
export const MIGRATION_LOCK = 'rewind-migration.lock';

function takeMigrationLock(view: PlanView): ShellCommand {
	// Without flock on the server (not util-linux) there is no lock to take: the migration runs unguarded.
	return sh`if command -v flock >/dev/null 2>&1; then { exec 9>>"$(git -C ${appDir(view)} rev-parse --absolute-git-dir)"/${MIGRATION_LOCK} && flock -n 9; } || { printf '%s\\n' 'rewind: a migration started earlier (by an interrupted run) is still running on the server; nothing was migrated' >&2; exit 3; }; fi`;
}

/**
 * The framework's downgrade or upgrade, under the migration lock. `scriptsFrom` brings version files
 * back from a commit for the run (after the reset, the scripts of the revisions to undo are gone)
 * and removes them after.
 */
export function migrateCommand(
	view: PlanView,
	kind: MigrationKind,
	action: 'downgrade' | 'upgrade',
	revision: string | Placeholder,
	scriptsFrom?: {readonly commit: string; readonly files: readonly string[]},
): ShellCommand {
	return joinCommands([takeMigrationLock(view), migrateCommandUnlocked(view, kind, action, revision, scriptsFrom)], '\n');
}

/**
 * Migrate down as the migrate step runs it, and as the confirmation shows it: in app.dir, only while
 * HEAD and the working tree are as the run saw them (the reset's guards), under the migration lock.
 */
export function guardedDowngrade(
	view: PlanView,
	kind: MigrationKind,
	revision: string | Placeholder,
	scriptsFrom?: {readonly commit: string; readonly files: readonly string[]},
): ShellCommand {
	return joinCommands(
		[sh`cd ${appDir(view)} || exit 4`, ...serverUnchangedGuards(view, NOTHING_MIGRATED), migrateCommand(view, kind, 'downgrade', revision, scriptsFrom)],
		'\n',
	);
}

/** What a guard says when it stops a downgrade (the migrate step reads it back). */
export const NOTHING_MIGRATED = 'nothing was migrated';

/** Whether a migration holds the lock now: `held` or `free` (nothing is created when there is no lock file). */
export function migrationLockState(waitSeconds = 0): ShellCommand {
	const test = waitSeconds > 0 ? sh`flock -w ${String(waitSeconds)} "$l" true` : sh`flock -n "$l" true`;
	return sh`l="$(git rev-parse --absolute-git-dir)"/${MIGRATION_LOCK}; if [ -e "$l" ] && command -v flock >/dev/null 2>&1 && ! ${test}; then echo held; else echo free; fi`;
}

function migrateCommandUnlocked(
	view: PlanView,
	kind: MigrationKind,
	action: 'downgrade' | 'upgrade',
	revision: string | Placeholder,
	scriptsFrom?: {readonly commit: string; readonly files: readonly string[]},
): ShellCommand {
	const {config} = view;
	const run =
		kind === 'command'
			? operatorTemplate(config.migrations[action]!, {revision})
			: action === 'downgrade'
				? sh`${operatorShell(frameworkCommand(config, kind))} downgrade ${revision}`
				: sh`${operatorShell(frameworkCommand(config, kind))} upgrade ${revision}`;
	const migrate = withEnvironment(config, run);
	if (!scriptsFrom || scriptsFrom.files.length === 0) return inDir(appDir(view), migrate);
	return inDir(
		appDir(view),
		joinCommands(
			[
				sh`set --; for f in ${scriptsFrom.files}; do if [ ! -e "$f" ]; then git show ${`${scriptsFrom.commit}:`}"$f" > "$f" || exit 5; set -- "$@" "$f"; fi; done`,
				sh`( ${migrate} ); r=$?; rm -f -- "$@"; exit $r`,
			],
			'\n',
		),
	);
}

/** The framework's `current`, as the downgrade will run it (in app.dir, with the configured environment). */
export function frameworkCurrent(view: PlanView, kind: MigrationKind): ShellCommand {
	return inDir(appDir(view), withEnvironment(view.config, sh`${operatorShell(frameworkCommand(view.config, kind))} current`));
}

/** The operator's own commands (kind command): the database's revision, and the one the target expects. */
export function currentRevisionCommand(view: PlanView): ShellCommand {
	return inDir(appDir(view), withEnvironment(view.config, sh`${operatorShell(view.config.migrations.current!)}`));
}

export function targetRevisionCommand(view: PlanView, commit: string | Placeholder): ShellCommand {
	return inDir(appDir(view), withEnvironment(view.config, operatorTemplate(view.config.migrations.target!, {commit})));
}
