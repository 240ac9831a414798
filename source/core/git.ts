/** Parsers for the git output rewind asks the server for. Pure functions, unit-tested. */
import type {ChangeFlag, ChangedFile, Commit} from './types.js';

const FIELD = '\u001F';
const RECORD = '\u001E';

/** One commit a line: hash, short hash, parents, ISO date, author, subject; fields split by US, records end with RS. */
export const LOG_FORMAT = '%H%x1f%h%x1f%P%x1f%aI%x1f%an%x1f%s%x1e';

export function parseGitLog(output: string): Commit[] {
	const commits: Commit[] = [];
	for (const chunk of output.split(RECORD)) {
		const record = chunk.replace(/^\r?\n/, '');
		if (record.trim() === '') continue;
		const fields = record.split(FIELD);
		if (fields.length < 6) continue;
		const [hash, shortHash, parents, date, author, ...subject] = fields as [string, string, string, string, string, ...string[]];
		if (!/^[0-9a-f]{7,64}$/.test(hash)) continue;
		commits.push({
			hash,
			shortHash,
			parents: parents.trim() === '' ? [] : parents.trim().split(' '),
			date,
			author,
			// A subject containing the field separator itself is rejoined rather than cut short.
			subject: subject.join(FIELD),
		});
	}
	return commits;
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
	migration: 'database migration: the schema may not match the old code; plan a down-migration before the reset',
	lockfile: 'lockfile changed: dependencies must be reinstalled (npm ci / pip install) after the reset',
	'dependency-manifest': 'dependency list changed: reinstall dependencies after the reset',
	'frontend-config': 'front-end build config changed: rebuild the assets after the reset',
};
