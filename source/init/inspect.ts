/**
 * What `rewind init` reads on the server, in two commands: the account (home, host name, user,
 * PythonAnywhere's WSGI files, the checkouts under the home, ~/.my.cnf) and then the checkout
 * picked (branch, build script, lockfile, migrations, database names in its settings).
 */
import {inDir, joinCommands, remotePath, sh} from '../core/command.js';
import {framed, nulRecords, readFrames} from '../core/frames.js';
import {UserError} from '../core/errors.js';
import type {ExecResult, Host} from '../core/host.js';
import {EXIT} from '../core/types.js';

export type Account = {
	readonly home: string;
	readonly hostname: string;
	readonly user: string;
	/** PythonAnywhere's web app WSGI files (`/var/www/<domain>_wsgi.py`). */
	readonly wsgiFiles: readonly string[];
	readonly checkouts: readonly string[];
	/** Virtualenvs outside the checkouts (~/.virtualenvs/*, those the WSGI files name) whose Python imports Flask-Migrate. */
	readonly flaskMigrateEnvs: readonly string[];
	readonly myCnf: {readonly present: boolean; readonly user?: string; readonly host?: string; readonly port?: number; readonly database?: string};
};

export type Checkout = {
	readonly dir: string;
	readonly branch: string;
	readonly buildScript: boolean;
	readonly lockfile?: 'npm' | 'yarn' | 'pnpm';
	readonly migrationsDir?: string;
	readonly flaskMigrate: boolean;
	/** `<user>$<name>` strings in the app's settings: PythonAnywhere database names. */
	readonly databaseNames: readonly string[];
	/** Database URLs in the app's settings files, the password cut out on the server. */
	readonly databaseUrls: ReadonlyArray<{readonly file: string; readonly key: string; readonly url: string}>;
	/** The checkout's own virtualenvs (venv/, .venv/, env/) whose Python imports Flask-Migrate. */
	readonly flaskMigrateEnvs: readonly string[];
	/** The server's python3 imports Flask-Migrate. */
	readonly systemFlaskMigrate: boolean;
	/** Lines HEAD's last commit added to the page's templates (`git diff -U0 HEAD~1 HEAD`), for a mustNotContain proposal. */
	readonly addedPageLines: readonly string[];
	/** package.json's `name` (a better app name than the folder's), when it has one. */
	readonly packageName?: string;
	/** WSGI entry points beside the checkout (`../*_wsgi.py`) or in it (`wsgi.py`, `*_wsgi.py`): what a touch reload may use. */
	readonly wsgiFiles: readonly string[];
};

/** Settings files and the keys in them that hold a database URL (Flask-SQLAlchemy's and twelve-factor's names). */
export const DATABASE_URL_FILES = ['.env', '.flaskenv'] as const;
export const DATABASE_URL_KEYS = ['DATABASE_URL', 'SQLALCHEMY_DATABASE_URI'] as const;

/** Prints each directory (NUL-ended) among the ones the shell loop sets as "$d" whose Python imports Flask-Migrate. */
const IF_FLASK_MIGRATE = sh`[ -x "$d/bin/python" ] && "$d/bin/python" -c 'import flask_migrate' >/dev/null 2>&1 && printf '%s\\0' "$d"`;

/**
 * `key=value` lines of the settings files, each as `file NUL key NUL value NUL`: the value's
 * password cut out here on the server (`scheme://user:…@` → `scheme://user:@`), NULs dropped.
 */
function databaseUrlsCommand() {
	const cutPassword = `s#^\\(["']\\{0,1\\}[A-Za-z][A-Za-z0-9+.-]*://[^:/@]*\\):.*@#\\1:@#`;
	return DATABASE_URL_FILES.flatMap(file =>
		DATABASE_URL_KEYS.map(key => {
			const line = `s/^[[:space:]]*\\(export[[:space:]]\\{1,\\}\\)\\{0,1\\}${key}[[:space:]]*=[[:space:]]*//p`;
			return sh`if [ -f ${file} ]; then v=$(sed -n ${line} ${file} | head -n 1 | tr -d '\\000\\r' | sed ${cutPassword}); [ -n "$v" ] && printf '%s\\0%s\\0%s\\0' ${file} ${key} "$v"; fi`;
		}),
	);
}

/** Every look at the server is bounded: a find over /opt or a slow Python import cannot hang init. */
const INSPECT_TIMEOUT_MS = 120_000;
const inspectOptions = () => ({signal: AbortSignal.timeout(INSPECT_TIMEOUT_MS)});

function answered(result: ExecResult): void {
	if (result.aborted)
		throw new UserError(
			`The server did not answer rewind init's look at it within ${INSPECT_TIMEOUT_MS / 1000} s: run rewind init again, or name the checkout with --app-dir.`,
			EXIT.failed,
		);
}

/** A framed answer's parts as text, each one's status 0 or the part read as empty. */
function texts<Name extends string>(stdout: string, names: readonly Name[], what: string): Record<Name, string> {
	const parts = readFrames(stdout, names, what);
	return Object.fromEntries(names.map(name => [name, parts[name].status === 0 ? parts[name].text : ''])) as Record<Name, string>;
}

const ACCOUNT_PARTS = ['home', 'user', 'hostname', 'wsgi', 'checkouts', 'venvs', 'mycnf', 'mycnf-user', 'mycnf-host', 'mycnf-port', 'mycnf-database'] as const;

/** `key = value` of ~/.my.cnf (the first one; quotes dropped). */
const myCnfValue = (key: string) =>
	sh`[ -f "$HOME/.my.cnf" ] && sed -n ${`s/^[[:space:]]*${key}[[:space:]]*=[[:space:]]*"\\{0,1\\}\\([^"]*\\)"\\{0,1\\}[[:space:]]*$/\\1/p`} "$HOME/.my.cnf" | head -n 1 | tr -d '\\n'`;

export async function inspectAccount(host: Host): Promise<Account> {
	const result = await host.run(
		framed([
			['home', sh`printf '%s' "$HOME"`],
			['user', sh`id -un | tr -d '\\n'`],
			['hostname', sh`{ hostname -f 2>/dev/null || hostname; } | tr -d '\\n'`],
			['wsgi', sh`for f in /var/www/*_wsgi.py; do [ -f "$f" ] && printf '%s\\0' "$f"; done; true`],
			[
				'checkouts',
				sh`for r in "$HOME" /srv /var/www /opt; do [ -d "$r" ] && find "$r" -maxdepth 3 -name .git -type d -not -path '*/node_modules/*' -not -path '*/.cache/*' -print0 2>/dev/null; done | head -z -n 50`,
			],
			// The ones a WSGI file activates (activate_this.py) or puts on sys.path (site-packages) first, then ~/.virtualenvs/*.
			[
				'venvs',
				sh`{ for f in /var/www/*_wsgi.py; do [ -f "$f" ] && grep -oE '/[^"'"'"' ]+/(bin/activate_this\\.py|lib/python[0-9.]+/site-packages)' "$f" | sed -E 's#/(bin/activate_this\\.py|lib/python[0-9.]+/site-packages)$##'; done; for d in "$HOME"/.virtualenvs/*; do printf '%s\\n' "$d"; done; } 2>/dev/null | awk '!seen[$0]++' | head -n 20 | while IFS= read -r d; do ${IF_FLASK_MIGRATE}; done; true`,
			],
			['mycnf', sh`[ -f "$HOME/.my.cnf" ] && printf yes || printf no`],
			['mycnf-user', myCnfValue('user')],
			['mycnf-host', myCnfValue('host')],
			['mycnf-port', myCnfValue('port')],
			['mycnf-database', myCnfValue('database')],
		]),
		inspectOptions(),
	);
	answered(result);
	const found = texts(result.stdout, ACCOUNT_PARTS, 'read the account');
	const list = (text: string) => nulRecords(text, 1, 'read the account').map(([entry = '']) => entry);
	const port = Number(found['mycnf-port']);
	const optional = (key: 'user' | 'host' | 'database') => (found[`mycnf-${key}`] ? {[key]: found[`mycnf-${key}`]} : {});
	return {
		home: found.home || '~',
		hostname: found.hostname,
		user: found.user,
		wsgiFiles: list(found.wsgi),
		checkouts: byLikelihood(list(found.checkouts).map(dir => dir.replace(/\/\.git$/, ''))),
		flaskMigrateEnvs: list(found.venvs),
		myCnf: {
			present: found.mycnf === 'yes',
			...optional('user'),
			...optional('host'),
			...(/^\d+$/.test(found['mycnf-port']) && port > 0 ? {port} : {}),
			...optional('database'),
		},
	};
}

const CHECKOUT_PARTS = [
	'branch',
	'build',
	'lockfile',
	'migrations',
	'flask-migrate',
	'dbnames',
	'dburls',
	'venvs',
	'system-flask-migrate',
	'wsgi',
	'package-name',
	'added-page-lines',
] as const;

/** `undefined` when `dir` is not a git checkout. */
export async function inspectCheckout(host: Host, dir: string): Promise<Checkout | undefined> {
	// Not .env: a `name$…` there may be a password's piece (its URLs are read, password cut, below).
	const settings = ['*.py', '*.cfg', '*.ini', '*.toml', '*.yaml', '*.yml'].map(glob => sh`--include=${glob}`);
	const result = await host.run(
		inDir(
			remotePath(dir),
			sh`git rev-parse --is-inside-work-tree >/dev/null 2>&1 || exit 4
${framed([
	['branch', sh`git rev-parse --abbrev-ref HEAD | tr -d '\\n'`],
	['build', sh`grep -qs '"build"[[:space:]]*:' package.json && printf yes || printf no`],
	['lockfile', sh`if [ -f package-lock.json ]; then printf npm; elif [ -f yarn.lock ]; then printf yarn; elif [ -f pnpm-lock.yaml ]; then printf pnpm; fi`],
	['migrations', sh`for d in migrations alembic; do if [ -d "$d/versions" ]; then printf '%s' "$d"; break; fi; done`],
	['flask-migrate', sh`grep -qs -e current_app -e flask_migrate migrations/env.py && printf yes || printf no`],
	// Only names that match the pattern, one a line: a line cannot hold another.
	[
		'dbnames',
		sh`grep -rhoE ${settings} --exclude-dir=node_modules --exclude-dir=.git --exclude-dir=venv --exclude-dir=.venv '[A-Za-z0-9_-]+[$][A-Za-z0-9_]+' . 2>/dev/null | sort -u | head -n 20`,
	],
	// Each file and key is a test of its own: the part's status is the last one's, so it ends with true.
	['dburls', joinCommands([...databaseUrlsCommand(), sh`true`], '; ')],
	['venvs', sh`for d in "$PWD/venv" "$PWD/.venv" "$PWD/env"; do ${IF_FLASK_MIGRATE}; done; true`],
	['system-flask-migrate', sh`python3 -c 'import flask_migrate' >/dev/null 2>&1 && printf yes || printf no`],
	[
		'package-name',
		sh`sed -n ${'s/^[{[:space:]]*"name"[[:space:]]*:[[:space:]]*"\\([A-Za-z0-9@/._-]*\\)".*$/\\1/p'} package.json 2>/dev/null | head -n 1 | tr -d '\\n'`,
	],
	[
		'added-page-lines',
		sh`git -c core.quotepath=off diff --no-color --no-ext-diff -U0 HEAD~1 HEAD -- ${['*.html', '*.htm', '*.jinja', '*.jinja2', '*.j2']} 2>/dev/null | sed -n 's/^+\\([^+]\\)/\\1/p' | head -n 50; true`,
	],
	['wsgi', sh`for f in "$(dirname "$PWD")"/*_wsgi.py "$PWD"/wsgi.py "$PWD"/*_wsgi.py; do [ -f "$f" ] && printf '%s\\0' "$f"; done; true`],
])}`,
		),
		inspectOptions(),
	);
	answered(result);
	if (result.exitCode === 4) return undefined;
	const found = texts(result.stdout, CHECKOUT_PARTS, 'read the checkout');
	const lockfile = found.lockfile;
	return {
		dir,
		branch: found.branch || 'main',
		buildScript: found.build === 'yes',
		...(lockfile === 'npm' || lockfile === 'yarn' || lockfile === 'pnpm' ? {lockfile} : {}),
		...(found.migrations ? {migrationsDir: found.migrations} : {}),
		flaskMigrate: found['flask-migrate'] === 'yes',
		databaseNames: found.dbnames.split('\n').filter(name => /^[A-Za-z0-9_-]+[$][A-Za-z0-9_]+$/.test(name)),
		databaseUrls: nulRecords(found.dburls, 3, 'read the checkout').map(([file = '', key = '', url = '']) => ({file, key, url})),
		flaskMigrateEnvs: nulRecords(found.venvs, 1, 'read the checkout').map(([entry = '']) => entry),
		systemFlaskMigrate: found['system-flask-migrate'] === 'yes',
		wsgiFiles: nulRecords(found.wsgi, 1, 'read the checkout').map(([entry = '']) => entry),
		// Diff lines cannot hold a line break: a line each.
		addedPageLines: found['added-page-lines'].split('\n').filter(Boolean),
		...(/^(@[\w.-]+\/)?[\w.-]{1,100}$/.test(found['package-name']) ? {packageName: found['package-name'].replace(/^@[^/]+\//, '')} : {}),
	};
}

/** PythonAnywhere, told by its host names and its WSGI files: the user and the web app domains. */
export function pythonAnywhere(account: Account, sshHost: string): {username: string; domains: string[]; region: 'us' | 'eu'} | undefined {
	const onPa = /pythonanywhere/i.test(`${account.hostname} ${sshHost}`);
	if (!onPa) return undefined;
	const domains = account.wsgiFiles.map(file =>
		file
			.replace(/^.*\//, '')
			.replace(/_wsgi\.py$/, '')
			.replaceAll('_', '.'),
	);
	return {username: account.user, domains, region: /\beu\b|\.eu\./i.test(sshHost) ? 'eu' : 'us'};
}

/** Apps first: checkouts in hidden folders (~/.pyenv, ~/.nvm, ~/.cache, dotfiles) are tools, listed last; then the shallower. */
export function byLikelihood(checkouts: readonly string[]): string[] {
	const hidden = (dir: string) => /\/\.[^/]+/.test(dir);
	const depth = (dir: string) => dir.split('/').length;
	return [...new Set(checkouts)].sort((a, b) => Number(hidden(a)) - Number(hidden(b)) || depth(a) - depth(b) || a.localeCompare(b));
}
