/** Parsers for the git output rewind asks the server for. Pure functions, unit-tested. */
import {nulRecords, ServerOutputError} from './frames.js';
import type {ChangeFlag, ChangedFile, Commit} from './types.js';

/**
 * One commit a record: hash, short hash, parents, ISO date, author, subject, each ended by NUL
 * (`git log -z`). A field cannot hold NUL, so no subject or author can forge another field or commit.
 */
export const LOG_FORMAT = '%H%x00%h%x00%P%x00%aI%x00%an%x00%s';

const HASH = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const PARENTS = /^(?:[0-9a-f]{40,64}(?: [0-9a-f]{40,64})*)?$/;
const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)$/;

/** `git log -z --format=LOG_FORMAT`; a record that does not hold what git writes is refused (ServerOutputError). */
export function parseGitLog(output: string, what = 'git log'): Commit[] {
	return nulRecords(output, 6, what).map(([hash = '', shortHash = '', parents = '', date = '', author = '', subject = '']) => {
		if (!HASH.test(hash) || !hash.startsWith(shortHash) || shortHash.length < 4 || !PARENTS.test(parents) || !ISO_DATE.test(date))
			throw new ServerOutputError(what, `a commit record is not what git writes (${JSON.stringify(hash.slice(0, 64))})`);
		return {hash, shortHash, parents: parents === '' ? [] : parents.split(' '), date, author, subject};
	});
}

export function isMerge(commit: Commit): boolean {
	return commit.parents.length > 1;
}

export type StatusEntry = {readonly code: string; readonly path: string; readonly untracked: boolean};

/** `git status --porcelain=v1 -z`: `XY path\0`, renames and copies followed by `orig\0`. */
export function parseStatusZ(output: string): StatusEntry[] {
	const parts = output.split('\0');
	const entries: StatusEntry[] = [];
	for (let index = 0; index < parts.length; index++) {
		const part = parts[index]!;
		if (part.length < 4) continue;
		const code = part.slice(0, 2);
		entries.push({code, path: part.slice(3), untracked: code === '??'});
		if (code.includes('R') || code.includes('C')) index++;
	}
	return entries;
}

/** The working tree in words, from `git status --porcelain=v1 -z`: clean, or how many uncommitted changes and untracked files. */
export function describeTree(statusRaw: string): string {
	const entries = parseStatusZ(statusRaw);
	const tracked = entries.filter(entry => !entry.untracked).length;
	const untracked = entries.length - tracked;
	if (entries.length === 0) return 'working tree clean';
	return `${tracked} uncommitted change${tracked === 1 ? '' : 's'}, ${untracked} untracked file${untracked === 1 ? '' : 's'}`;
}

/** `git diff --numstat -z`: `added\tremoved\tpath\0`, or for renames `added\tremoved\t\0old\0new\0`. */
export function parseNumstatZ(output: string): ChangedFile[] {
	const parts = output.split('\0');
	const files: ChangedFile[] = [];
	for (let index = 0; index < parts.length; index++) {
		const part = parts[index]!;
		const match = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(part);
		if (!match) continue;
		let filePath = match[3]!;
		if (filePath === '') {
			// Rename: the old path, then the new one.
			const from = parts[index + 1] ?? '';
			const to = parts[index + 2] ?? '';
			index += 2;
			filePath = `${from} → ${to}`;
		}
		const added = match[1] === '-' ? undefined : Number(match[1]);
		const removed = match[2] === '-' ? undefined : Number(match[2]);
		files.push({path: filePath, added, removed, flags: classifyPath(filePath)});
	}
	return files;
}

const LOCKFILES = new Set([
	'package-lock.json',
	'npm-shrinkwrap.json',
	'yarn.lock',
	'pnpm-lock.yaml',
	'bun.lockb',
	'poetry.lock',
	'Pipfile.lock',
	'uv.lock',
	'composer.lock',
	'Gemfile.lock',
]);
const MANIFESTS = new Set(['package.json', 'requirements.txt', 'pyproject.toml', 'Pipfile', 'setup.py', 'setup.cfg', 'composer.json', 'Gemfile']);
const FRONTEND_CONFIG =
	/(^|\/)(vite|webpack|rollup|postcss|tailwind|babel|esbuild|svelte|nuxt|next|astro)\.config\.[cm]?[jt]s$|(^|\/)(tsconfig[^/]*\.json|\.babelrc|\.browserslistrc)$/;
const MIGRATION = /(^|\/)(migrations?|alembic|db\/migrate|versions)\/|\.sql$/i;

/** Flags a changed path that makes a rollback riskier than a code change. */
export function classifyPath(filePath: string): ChangeFlag[] {
	// For a rename both sides count.
	const names = filePath.split(' → ');
	const flags = new Set<ChangeFlag>();
	for (const name of names) {
		const base = name.split('/').at(-1) ?? name;
		if (MIGRATION.test(name)) flags.add('migration');
		if (LOCKFILES.has(base)) flags.add('lockfile');
		if (MANIFESTS.has(base)) flags.add('dependency-manifest');
		if (FRONTEND_CONFIG.test(name)) flags.add('frontend-config');
	}
	return [...flags];
}

export const FLAG_LABELS: Record<ChangeFlag, string> = {
	migration: 'database migration among the changes: the schema must match the code it moves to',
	lockfile: 'lockfile changed: dependencies must be reinstalled (npm ci / pip install) after the reset',
	'dependency-manifest': 'dependency list changed: reinstall dependencies after the reset',
	'frontend-config': 'front-end build config changed: the assets must be rebuilt for the target',
};
