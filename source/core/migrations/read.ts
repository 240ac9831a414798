/**
 * Reading an app's migrations on the server, in as few commands as possible: preflight lists HEAD's
 * version files and reads them all in one `git cat-file --batch`; the target's listing rides along
 * with the picker's impact query (blob ids only: a file HEAD also has is not read twice); a file
 * only the target has is read on its own, rarely.
 */
import {inDir, sh, type ShellCommand} from '../command.js';
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
function findDir(config: Config): ShellCommand {
	return sh`d=; for c in ${candidateDirs(config)}; do if [ -d "$c/versions" ]; then d=$c; break; fi; done`;
}

/** The `.py` files under `$d/versions/` at `rev`: `<mode> blob <sha>\t<path>` lines. */
function listing(rev: ShellCommand): ShellCommand {
	return sh`git ls-tree -r ${rev} -- "$d/versions/" | awk -F '\\t' '$2 ~ /\\.py$/'`;
}

/** The migrations' folder and the version files at `rev` (HEAD at preflight; the commit rolled back from, later). */
export function migrationsReadCommand(view: PlanView, rev?: string): PlannedCommand {
	const at = rev === undefined ? sh`HEAD` : sh`${rev}`;
	return readOnlyCommand(
		rev === undefined ? 'migrations' : 'migrations-at',
		rev === undefined ? 'find the migrations and read HEAD’s version files' : 'read the version files of the commit rolled back from',
		inDir(
			appDir(view),
			sh`${findDir(view.config)}; if [ -z "$d" ]; then echo none; exit 0; fi
printf 'dir=%s\\n' "$d"
if grep -qs -e current_app -e flask_migrate "$d/env.py"; then echo flavor=flask-migrate; else echo flavor=alembic; fi
printf 'listing\\n'; ${listing(at)}
printf '\\035\\035\\n'; ${listing(at)} | awk -F '\\t' '{split($1, f, " "); print f[3]}' | git cat-file --batch`,
		),
	);
}

/** The target's version files, on their own (when the plan is made after the pick). */
export function targetListingCommand(view: PlanView, target: string): PlannedCommand {
	return readOnlyCommand('migrations-target-files', 'list the target’s version files', inDir(appDir(view), sh`t=${target}; ${targetListing(view)}`));
}

/** The target's version files (`$t` is the target's hash), for the impact query. */
export function targetListing(view: PlanView): ShellCommand {
	return sh`${findDir(view.config)}; if [ -n "$d" ]; then ${listing(sh`"$t"`)}; fi`;
}

export type ListedFile = {readonly blob: string; readonly path: string};

/** `git ls-tree` lines: blob ids and paths. */
export function parseListing(text: string): ListedFile[] {
	const files: ListedFile[] = [];
	for (const line of text.split('\n')) {
		const match = /^\d+ blob ([0-9a-f]{40,64})\t(.+)$/.exec(line);
		if (match) files.push({blob: match[1]!, path: match[2]!.replace(/^"(.*)"$/, '$1')});
	}
	return files;
}

/** `git cat-file --batch` output: each object's content by id (sizes are bytes: the text is re-encoded). */
export function parseBatch(text: string): Map<string, string> {
	const bytes = Buffer.from(text, 'utf8');
	const objects = new Map<string, string>();
	let at = 0;
	while (at < bytes.length) {
		const newline = bytes.indexOf(0x0a, at);
		if (newline === -1) break;
		const header = bytes.subarray(at, newline).toString('utf8');
		const match = /^([0-9a-f]{40,64}) blob (\d+)$/.exec(header);
		if (!match) {
			at = newline + 1;
			continue;
		}
		const size = Number(match[2]);
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

export function parseMigrationsRead(stdout: string): MigrationsRead {
	if (!/^dir=/m.test(stdout)) return {files: [], migrations: []};
	const [head = '', batch = ''] = stdout.split('\u001d\u001d\n');
	const dir = /^dir=(.*)$/m.exec(head)?.[1];
	const flavor = /^flavor=(flask-migrate|alembic)$/m.exec(head)?.[1] as MigrationsRead['flavor'];
	const files = parseListing(head.slice(head.indexOf('listing\n') + 'listing\n'.length));
	const contents = parseBatch(batch);
	const migrations = files.flatMap(file => {
		const source = contents.get(file.blob);
		const parsed = source === undefined ? undefined : parseVersionFile(file.path, source);
		return parsed ? [parsed] : [];
	});
	return {...(dir ? {dir} : {}), ...(flavor ? {flavor} : {}), files, migrations};
}

/** Reads version files by blob id (those only the target has). */
export function blobsCommand(view: PlanView, blobs: readonly string[]): PlannedCommand {
	return readOnlyCommand('migration-files', 'read the target’s own version files', inDir(appDir(view), sh`printf '%s\\n' ${blobs} | git cat-file --batch`));
}
