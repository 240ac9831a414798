/**
 * The sandbox's "production" app: a small Flask app on MySQL with Flask-Migrate migrations
 * (flask-app.ts), a Vite-like build (a gitignored dist/ made by `npm run build`), a few commits of
 * history, and a last "bad deploy" whose page shows ROLLBACK TEST and whose migrations move the
 * schema on, as in the original drill.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {simpleGit} from 'simple-git';
import {ALEMBIC_INI, appPy, ENV_PY, SCRIPT_MAKO, SESSION_MODEL, STAKE_MODEL, VERSION_FILES} from './flask-app.js';

export const MARKER = 'ROLLBACK TEST';
export const SITE_TITLE = 'Bankroll';

export type AppRepository = {
	readonly dir: string;
	/** Oldest first. */
	readonly commits: ReadonlyArray<{readonly hash: string; readonly subject: string}>;
	/** The last good deploy: the commit before the bad one. */
	readonly good: string;
	/** HEAD: the bad deploy showing the marker. */
	readonly bad: string;
};

const BUILD_SCRIPT = `// Builds dist/ from src/ (stands in for "vite build").
import {mkdirSync, readFileSync, writeFileSync, existsSync} from 'node:fs';
const page = readFileSync('src/index.html', 'utf8');
const version = existsSync('VERSION') ? readFileSync('VERSION', 'utf8').trim() : 'dev';
mkdirSync('dist/assets', {recursive: true});
writeFileSync('dist/index.html', page.replace('%VERSION%', version));
writeFileSync('dist/assets/app.css', 'body { font-family: sans-serif; }\\n');
console.log('built dist/index.html (' + version + ')');
`;

function page(body: string): string {
	return `<!doctype html>\n<html><head><title>${SITE_TITLE}</title><link rel="stylesheet" href="/assets/app.css"></head>\n<body>\n<h1>${SITE_TITLE}</h1>\n${body}\n<footer>version %VERSION%</footer>\n</body></html>\n`;
}

type Revision = {subject: string; files: Record<string, string>};

const MIGRATIONS_SETUP = {
	'migrations/alembic.ini': ALEMBIC_INI,
	'migrations/env.py': ENV_PY,
	'migrations/script.py.mako': SCRIPT_MAKO,
};

const HISTORY: readonly Revision[] = [
	{
		subject: 'Initial site: bankroll tracker',
		files: {
			'.gitignore': 'dist/\nnode_modules/\n__pycache__/\n.env\n.venv/\nvenv/\n',
			'package.json': `${JSON.stringify({name: 'bankroll', version: '1.0.0', private: true, scripts: {build: 'node build.mjs'}}, null, 2)}\n`,
			'package-lock.json': `${JSON.stringify({name: 'bankroll', version: '1.0.0', lockfileVersion: 3, requires: true, packages: {'': {name: 'bankroll', version: '1.0.0'}}}, null, 2)}\n`,
			'build.mjs': BUILD_SCRIPT,
			'app.py': appPy('name'),
			...MIGRATIONS_SETUP,
			[VERSION_FILES.players.path]: VERSION_FILES.players.content,
			'src/index.html': page('<p>Track your bankroll.</p>'),
			VERSION: '1.0.0\n',
		},
	},
	{
		subject: 'Add stakes page',
		files: {
			'src/index.html': page('<p>Track your bankroll.</p>\n<p><a href="/stakes">Stakes</a></p>'),
			'app.py': appPy('name', STAKE_MODEL),
			[VERSION_FILES.stakes.path]: VERSION_FILES.stakes.content,
			VERSION: '1.1.0\n',
		},
	},
	{
		subject: 'Fix rounding in stake totals',
		files: {'app.py': `${appPy('name', STAKE_MODEL)}# totals are rounded to cents\n`, VERSION: '1.1.1\n'},
	},
	{
		subject: `Deploy test: show "${MARKER}" banner`,
		files: {
			'src/index.html': page(`<p>Track your bankroll.</p>\n<p><a href="/stakes">Stakes</a></p>\n<div class="banner">${MARKER}</div>`),
			'vite.config.js': 'export default {build: {outDir: "dist"}};\n',
			// The schema moves on with it: a column renamed, a table added (two migrations to undo).
			'app.py': appPy('display_name', `${STAKE_MODEL}${SESSION_MODEL}`),
			[VERSION_FILES.rename.path]: VERSION_FILES.rename.content,
			[VERSION_FILES.sessions.path]: VERSION_FILES.sessions.content,
			VERSION: '1.2.0-rc\n',
		},
	},
];

export type AppOptions = {
	readonly extraHistory?: number;
	readonly author?: string;
	/** Files the bad deploy adds or replaces (a drill's variation, e.g. an irreversible migration). */
	readonly badDeployFiles?: ReadonlyArray<{readonly path: string; readonly content: string}>;
	/** Files the last good deploy (the rollback's target) adds or replaces; the bad deploy keeps them. */
	readonly goodDeployFiles?: ReadonlyArray<{readonly path: string; readonly content: string}>;
};

export async function createAppRepository(dir: string, options: AppOptions = {}): Promise<AppRepository> {
	mkdirSync(dir, {recursive: true});
	const git = simpleGit(dir);
	await git.init(['--initial-branch=main']);
	await git.addConfig('user.name', options.author ?? 'Ada Deployer');
	await git.addConfig('user.email', 'ada@example.com');
	await git.addConfig('commit.gpgsign', 'false');
	if (options.extraHistory && options.extraHistory > 0) writeOldHistory(dir, options.extraHistory);
	const commits: Array<{hash: string; subject: string}> = [];
	for (const [index, revision] of HISTORY.entries()) {
		const files = index === HISTORY.length - 1 ? options.badDeployFiles : index === HISTORY.length - 2 ? options.goodDeployFiles : undefined;
		const extra = Object.fromEntries((files ?? []).map(file => [file.path, file.content]));
		for (const [file, content] of Object.entries({...revision.files, ...extra})) {
			mkdirSync(path.dirname(path.join(dir, file)), {recursive: true});
			writeFileSync(path.join(dir, file), content);
		}
		await git.add('.');
		await git.commit(revision.subject);
		commits.push({hash: (await git.revparse(['HEAD'])).trim(), subject: revision.subject});
	}
	buildSite(dir);
	return {dir, commits, good: commits.at(-2)!.hash, bad: commits.at(-1)!.hash};
}

/** Runs the app's own build (what `npm run build` would), so dist/ exists as on a deployed server. */
export function buildSite(dir: string): void {
	execFileSync(process.execPath, ['build.mjs'], {cwd: dir, stdio: 'ignore'});
}

/**
 * Many old commits at once through git fast-import (100 000 in a few seconds), for the picker's
 * paging benchmark: each touches one file in `history/`.
 */
function writeOldHistory(dir: string, count: number): void {
	const lines: string[] = [];
	const when = 1_600_000_000;
	for (let index = 1; index <= count; index++) {
		const content = `entry ${index}\n`;
		const message = `Old change #${index}`;
		lines.push(
			'commit refs/heads/main',
			`mark :${index}`,
			`committer Old Timer <old@example.com> ${when + index} +0000`,
			`data ${Buffer.byteLength(message)}`,
			message,
			...(index > 1 ? [`from :${index - 1}`] : []),
			`M 100644 inline history/log.txt`,
			`data ${Buffer.byteLength(content)}`,
			content,
		);
	}
	execFileSync('git', ['fast-import', '--quiet'], {cwd: dir, input: `${lines.join('\n')}\n`, maxBuffer: 1024 * 1024 * 1024});
	execFileSync('git', ['checkout', '-q', '-f', 'main'], {cwd: dir});
}
