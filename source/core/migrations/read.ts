/**
 * Reading an app's migrations on the server, in as few commands as possible: preflight lists HEAD's
 * version files and reads them all in one `git cat-file --batch`; the target's listing rides along
 * with the picker's impact query (blob ids only: a file HEAD also has is not read twice); a file
 * only the target has is read on its own, rarely.
 */
import {inDir, sh, type ShellCommand} from '../command.js';
import {framed, nulRecords, readFrames, ServerOutputError} from '../frames.js';
import type {Config} from '../config/schema.js';
import {appDir} from '../paths.js';
import type {PlanView} from '../step.js';
import {readOnlyCommand, type PlannedCommand} from '../types.js';
import {parseVersionFile, type Migration} from './alembic.js';

/** The folders that may hold Alembic's versions/ (the configured one, else the usual two). */
function candidateDirs(config: Config): string[] {
	return config.migrations.dir ? [config.migrations.dir] : ['migrations', 'alembic'];
}

/** Whether this run looks for Alembic migrations at all. */
export function readsAlembic(config: Config): boolean {
	const {kind} = config.migrations;
	return config.database !== undefined && (kind === 'auto' || kind === 'alembic' || kind === 'flask-migrate');
}

/** `d` becomes the first candidate folder with a versions/ (or stays empty). */
export function findMigrationsDir(config: Config): ShellCommand {
	return sh`d=; for c in ${candidateDirs(config)}; do if [ -d "$c/versions" ]; then d=$c; break; fi; done`;
}

/** After findMigrationsDir: prints `flask-migrate` or `alembic` by the folder's env.py (nothing when no folder was found). */
export const MIGRATIONS_FLAVOR = sh`[ -z "$d" ] || { grep -qs -e current_app -e flask_migrate "$d/env.py" && printf flask-migrate || printf alembic; }`;

/** The entries under `$d/versions/` at `rev`, NUL-terminated: `<mode> <type> <id>\t<path>\0` (paths as they are). */
function listing(rev: ShellCommand): ShellCommand {
	return sh`git ls-tree -r -z ${rev} -- "$d/versions/"`;
}

/** `git cat-file --batch` of every blob under `$d/versions/` at `rev` (ids are hex: one a line whatever the paths hold). */
function batch(rev: ShellCommand): ShellCommand {
	return sh`git ls-tree -r ${rev} -- "$d/versions/" | awk '$2 == "blob" {print $3}' | git cat-file --batch`;
}

const READ_PARTS = ['dir', 'flavor', 'listing', 'batch'] as const;

/** The migrations' folder and the version files at `rev` (HEAD at preflight; the commit rolled back from, later): one framed answer. */
export function migrationsReadCommand(view: PlanView, rev?: string): PlannedCommand {
	const at = rev === undefined ? sh`HEAD` : sh`${rev}`;
	return readOnlyCommand(
		rev === undefined ? 'migrations' : 'migrations-at',
		rev === undefined ? 'find the migrations and read HEAD’s version files' : 'read the version files of the commit rolled back from',
		inDir(
			appDir(view),
			sh`${findMigrationsDir(view.config)}; ${framed([
				['dir', sh`printf '%s' "$d"`],
				['flavor', MIGRATIONS_FLAVOR],
				['listing', sh`[ -z "$d" ] || ${listing(at)}`],
				['batch', sh`[ -z "$d" ] || ${batch(at)}`],
			])}`,
		),
	);
}

/** The target's version files, on their own (when the plan is made after the pick). */
export function targetListingCommand(view: PlanView, target: string): PlannedCommand {
	return readOnlyCommand('migrations-target-files', 'list the target’s version files', inDir(appDir(view), sh`t=${target}; ${targetListing(view)}`));
}

/** The target's version files (`$t` is the target's hash), for the impact query. */
export function targetListing(view: PlanView): ShellCommand {
	return sh`${findMigrationsDir(view.config)}; if [ -n "$d" ]; then ${listing(sh`"$t"`)}; fi`;
}

export type ListedFile = {readonly blob: string; readonly path: string};

const LISTING_ENTRY = /^\d{6} (blob|tree|commit) ([0-9a-f]{40}(?:[0-9a-f]{24})?)\t(.+)$/s;

/** `git ls-tree -r -z` entries: the `.py` blobs' ids and paths; an entry that is not what git writes is refused. */
export function parseListing(text: string, what = 'list the version files'): ListedFile[] {
	return nulRecords(text, 1, what).flatMap(([entry = '']) => {
		const match = LISTING_ENTRY.exec(entry);
		if (!match) throw new ServerOutputError(what, `an entry of the listing is not what git writes (${JSON.stringify(entry.slice(0, 60))})`);
		return match[1] === 'blob' && match[3]!.endsWith('.py') ? [{blob: match[2]!, path: match[3]!}] : [];
	});
}

/** `git cat-file --batch` output, as bytes: each object's content by id; a header that is not git's is refused. */
export function parseBatch(bytes: Buffer, what = 'read the version files'): Map<string, string> {
	const objects = new Map<string, string>();
	let at = 0;
	while (at < bytes.length) {
		const newline = bytes.indexOf(0x0a, at);
		if (newline === -1) throw new ServerOutputError(what, 'an object header is cut short');
		const header = bytes.subarray(at, newline).toString('utf8');
		const match = /^([0-9a-f]{40}(?:[0-9a-f]{24})?) (blob|tree|commit|tag) (\d+)$/.exec(header);
		if (!match) throw new ServerOutputError(what, `an object header is not what git writes (${JSON.stringify(header.slice(0, 60))})`);
		const size = Number(match[3]);
		if (newline + 1 + size + 1 > bytes.length || bytes[newline + 1 + size] !== 0x0a) throw new ServerOutputError(what, `the object ${match[1]} is cut short`);
		objects.set(match[1]!, bytes.subarray(newline + 1, newline + 1 + size).toString('utf8'));
		at = newline + 1 + size + 1;
	}
	return objects;
}

export type MigrationsRead = {
	readonly dir?: string;
	readonly flavor?: 'alembic' | 'flask-migrate';
	readonly files: readonly ListedFile[];
	readonly migrations: readonly Migration[];
};

/** Every listed file's content, or the read is refused: a version file left out would plan a migration away. */
export function migrationsFrom(files: readonly ListedFile[], contents: ReadonlyMap<string, string>, what: string): Migration[] {
	return files.flatMap(file => {
		const source = contents.get(file.blob);
		if (source === undefined) throw new ServerOutputError(what, `the version file ${file.path} was listed but not read`);
		const parsed = parseVersionFile(file.path, source);
		return parsed ? [parsed] : [];
	});
}

export function parseMigrationsRead(stdout: string, what = 'find the migrations and read the version files'): MigrationsRead {
	const parts = readFrames(stdout, READ_PARTS, what);
	for (const name of READ_PARTS) {
		if (parts[name].status !== 0) throw new ServerOutputError(what, `its part "${name}" failed (exit ${parts[name].status})`);
	}
	const dir = parts.dir.text;
	if (dir === '') return {files: [], migrations: []};
	const flavor = parts.flavor.text;
	if (flavor !== 'flask-migrate' && flavor !== 'alembic') throw new ServerOutputError(what, 'the flavour is neither flask-migrate nor alembic');
	const files = parseListing(parts.listing.text, what);
	return {dir, flavor, files, migrations: migrationsFrom(files, parseBatch(parts.batch.bytes, what), what)};
}

/** Reads version files by blob id (those only the target has). */
export function blobsCommand(view: PlanView, blobs: readonly string[]): PlannedCommand {
	return readOnlyCommand('migration-files', 'read the target’s own version files', inDir(appDir(view), sh`printf '%s\\n' ${blobs} | git cat-file --batch`));
}
