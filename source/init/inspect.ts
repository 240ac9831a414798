/**
 * What `rewind init` reads on the server, in two commands: the account (home, host name, user,
 * PythonAnywhere's WSGI files, the checkouts under the home, ~/.my.cnf) and then the checkout
 * picked (branch, build script, lockfile, migrations, database names in its settings).
 */
import {inDir, remotePath, sh} from '../core/command.js';
import type {Host} from '../core/host.js';

export type Account = {
	readonly home: string;
	readonly hostname: string;
	readonly user: string;
	/** PythonAnywhere's web app WSGI files (`/var/www/<domain>_wsgi.py`). */
	readonly wsgiFiles: readonly string[];
	readonly checkouts: readonly string[];
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
};

function values(stdout: string): Map<string, string[]> {
	const map = new Map<string, string[]>();
	for (const line of stdout.split('\n')) {
		const equals = line.indexOf('=');
		if (equals <= 0) continue;
		const key = line.slice(0, equals);
		map.set(key, [...(map.get(key) ?? []), line.slice(equals + 1)]);
	}
	return map;
}

export async function inspectAccount(host: Host): Promise<Account> {
	const result = await host.run(sh`printf 'home=%s\\nuser=%s\\nhostname=%s\\n' "$HOME" "$(id -un)" "$(hostname -f 2>/dev/null || hostname)"
for f in /var/www/*_wsgi.py; do [ -f "$f" ] && printf 'wsgi=%s\\n' "$f"; done
find "$HOME" -maxdepth 3 -name .git -type d -not -path '*/node_modules/*' -not -path '*/.cache/*' 2>/dev/null | head -n 50 | sed 's#/\\.git$##; s/^/checkout=/'
if [ -f "$HOME/.my.cnf" ]; then echo mycnf=yes; sed -n 's/^[[:space:]]*\\(user\\|host\\|port\\|database\\)[[:space:]]*=[[:space:]]*"\\{0,1\\}\\([^"]*\\)"\\{0,1\\}[[:space:]]*$/mycnf_\\1=\\2/p' "$HOME/.my.cnf"; fi`);
	const found = values(result.stdout);
	const one = (key: string) => found.get(key)?.[0];
	const port = Number(one('mycnf_port'));
	return {
		home: one('home') ?? '~',
		hostname: one('hostname') ?? '',
		user: one('user') ?? '',
		wsgiFiles: found.get('wsgi') ?? [],
		checkouts: byLikelihood(found.get('checkout') ?? []),
		myCnf: {
			present: one('mycnf') === 'yes',
			...(one('mycnf_user') ? {user: one('mycnf_user')!} : {}),
			...(one('mycnf_host') ? {host: one('mycnf_host')!} : {}),
			...(Number.isInteger(port) && port > 0 ? {port} : {}),
			...(one('mycnf_database') ? {database: one('mycnf_database')!} : {}),
		},
	};
}

/** `undefined` when `dir` is not a git checkout. */
export async function inspectCheckout(host: Host, dir: string): Promise<Checkout | undefined> {
	const settings = ['*.py', '.env', '*.cfg', '*.ini', '*.toml', '*.yaml', '*.yml'].map(glob => sh`--include=${glob}`);
	const result = await host.run(
		inDir(
			remotePath(dir),
			sh`git rev-parse --is-inside-work-tree >/dev/null 2>&1 || exit 4
printf 'branch=%s\\n' "$(git rev-parse --abbrev-ref HEAD)"
grep -qs '"build"[[:space:]]*:' package.json && echo build=yes
[ -f package-lock.json ] && echo lockfile=npm; [ -f yarn.lock ] && echo lockfile=yarn; [ -f pnpm-lock.yaml ] && echo lockfile=pnpm
for d in migrations alembic; do [ -d "$d/versions" ] && echo "migrations=$d"; done
grep -qs -e current_app -e flask_migrate migrations/env.py && echo flask_migrate=yes
grep -rhoE ${settings} --exclude-dir=node_modules --exclude-dir=.git '[A-Za-z0-9_-]+[$][A-Za-z0-9_]+' . 2>/dev/null | sort -u | head -n 20 | sed 's/^/dbname=/'
true`,
		),
	);
	if (result.exitCode === 4) return undefined;
	const found = values(result.stdout);
	const lockfile = found.get('lockfile')?.[0];
	return {
		dir,
		branch: found.get('branch')?.[0] ?? 'main',
		buildScript: found.has('build'),
		...(lockfile === 'npm' || lockfile === 'yarn' || lockfile === 'pnpm' ? {lockfile} : {}),
		...(found.get('migrations')?.[0] ? {migrationsDir: found.get('migrations')![0]!} : {}),
		flaskMigrate: found.has('flask_migrate'),
		databaseNames: (found.get('dbname') ?? []).filter(name => !name.startsWith('$')),
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

/** Apps first: checkouts in hidden folders (~/.pyenv, ~/.nvm, dotfiles) are tools, listed last. */
function byLikelihood(checkouts: readonly string[]): string[] {
	const hidden = (dir: string) => /\/\.[^/]+/.test(dir);
	return [...checkouts].sort((a, b) => Number(hidden(a)) - Number(hidden(b)) || a.localeCompare(b));
}
