/**
 * `rewind check`'s verdicts on what the server answered: the checkout, the locks, the build tools,
 * the reload target and the migrations command. Pure: each takes the probe's answer and says ✓ or
 * ✗ with the config field to fix, or why it could not be checked.
 */
import type {Config} from '../core/config/schema.js';
import {describeHolder} from '../core/format.js';
import {describeTree} from '../core/git.js';
import {frameworkCommand} from '../core/migrations/commands.js';
import {parseLockHolder} from '../core/steps/lock.js';
import {buildTools, migrationsToCheck, programOf, type ProbeAnswer} from './probe.js';

export type CheckStatus = 'pass' | 'fail' | 'skip';
export type CheckResult = {readonly id: string; readonly title: string; readonly status: CheckStatus; readonly detail: string; readonly field?: string};

export const TITLES = {
	ssh: 'SSH and host key',
	checkout: 'App checkout',
	lock: 'Lock free',
	database: 'Database reachable',
	dump: 'mysqldump with the backup’s flags',
	migrations: 'Migrations command',
	build: 'Build tools',
	reload: 'Reload method',
	site: 'Site answers',
} as const;
export type CheckId = keyof typeof TITLES;

export const pass = (id: CheckId, detail: string): CheckResult => ({id, title: TITLES[id], status: 'pass', detail});
export const fail = (id: CheckId, detail: string, field?: string): CheckResult => ({id, title: TITLES[id], status: 'fail', detail, ...(field ? {field} : {})});
export const skip = (id: CheckId, detail: string): CheckResult => ({id, title: TITLES[id], status: 'skip', detail});

/** app.dir is the top of a git checkout with a commit, on app.branch. */
export function checkoutVerdict(config: Config, probe: ProbeAnswer): CheckResult {
	const dir = config.app.dir;
	const real = probe.ok('dir');
	if (real === undefined) return fail('checkout', `${dir} does not exist on the server (or cannot be entered).`, 'app.dir');
	const top = probe.ok('top');
	if (top === undefined) return fail('checkout', `${dir} is not a git checkout on the server.`, 'app.dir');
	if (top !== real) return fail('checkout', `${dir} is inside the git checkout ${top}, not the top of one: point app.dir at the checkout itself.`, 'app.dir');
	const head = probe.ok('head') ?? '';
	if (!/^[0-9a-f]{40,64}$/.test(head)) return fail('checkout', `${dir} has no commit to roll back from.`, 'app.dir');
	const branch = probe.ok('branch') ?? '';
	if (branch === 'HEAD') return fail('checkout', `${dir} is on a detached HEAD (${head.slice(0, 7)}), not on a branch.`, 'app.branch');
	if (config.app.branch && branch !== config.app.branch)
		return fail('checkout', `${dir} is on the branch ${branch}, the config says ${config.app.branch}.`, 'app.branch');
	const status = probe.ok('status') ?? '';
	const tree = `${describeTree(status)}${status === '' ? '' : ' (a rollback saves them first)'}`;
	return pass('checkout', `${dir} is a git checkout at ${head.slice(0, 7)} on ${branch}, ${tree}.`);
}

/** No rollback holds the lock, and no migration an interrupted run started is still running. */
export function lockVerdict(config: Config, probe: ProbeAnswer): CheckResult {
	const lock = probe.part('lock');
	const path = lock?.text ?? 'the lock';
	if (lock?.status === 0) {
		const mtime = Number(probe.ok('lock-mtime'));
		const holder = parseLockHolder(probe.ok('lock-owner') ?? '');
		const startedMs = holder ? Date.parse(holder.startedAt) : mtime * 1000;
		const ageMinutes = Number.isFinite(startedMs) && startedMs > 0 ? (Date.now() - startedMs) / 60_000 : Number.POSITIVE_INFINITY;
		const stale = ageMinutes >= config.lock.staleMinutes;
		return fail(
			'lock',
			`${path} is held by ${describeHolder(holder, ageMinutes)}. A rollback now would ${stale ? 'ask to take over this stale lock' : 'be refused'}. ` +
				`If no rollback is running, remove it on the server (rm -r ${path}).`,
		);
	}
	if (probe.ok('migration-lock') === 'held')
		return fail(
			'lock',
			'a schema migration started by an interrupted run is still running on the server (it holds .git/rewind-migration.lock): a rollback would wait for it. Let it finish, or stop it (fuser -v .git/rewind-migration.lock).',
		);
	return pass('lock', `no rollback holds ${path}; no migration is running.`);
}

/** Revisions `current` printed: a line that is one revision id (Alembic's hex, or a custom one), maybe with `(head)` and such after it. */
export function revisionsIn(text: string): string[] {
	return [...new Set([...text.matchAll(/^([A-Za-z0-9_]+)(?: \([a-z ]+\))*[ \t]*$/gm)].map(match => match[1]!))];
}

/** The migrations command's `current` runs on the server and reads the database rewind backs up. */
export function migrationsVerdict(config: Config, probe: ProbeAnswer, databaseRevisions: readonly string[] | undefined): CheckResult {
	const kind = migrationsToCheck(config);
	if (kind === 'none') return skip('migrations', config.database ? 'migrations.kind is none.' : 'no database in the config: no migrations to run.');
	const part = probe.part('migrations');
	if (!part || part.status === 97)
		return skip('migrations', `${config.app.dir} has no migrations or alembic folder with versions/ (migrations.kind auto): nothing to migrate.`);
	const field = kind === 'command' ? 'migrations.current' : 'migrations.command';
	const command = kind === 'command' ? (config.migrations.current ?? '') : `${frameworkCommand(config, kind === 'auto' ? 'flask-migrate' : kind)} current`;
	const said = part.text.trim().split('\n').filter(Boolean).slice(-2).join(' | ').slice(0, 300);
	if (part.status !== 0)
		return fail(
			'migrations',
			`\`${command}\` in ${config.app.dir} ended with ${part.status}${said ? ` (${said})` : ''}: Migrate down would fail the same way, after the backup. ` +
				'Set it to the framework as the app runs it (PythonAnywhere: the virtualenv’s, e.g. ~/.virtualenvs/<name>/bin/flask db), and migrations.env to the variables the app needs.',
			field,
		);
	const reported = kind === 'command' ? [part.text.trim().split('\n').at(-1)?.trim() ?? ''].filter(Boolean) : revisionsIn(part.text);
	if (databaseRevisions === undefined)
		return pass('migrations', `\`${command}\` runs and reports ${reported.join(', ') || 'no revision'} (the database was not read to compare).`);
	// The same set on both sides: an empty version table against a reported revision is another database, not agreement.
	const agrees = reported.length === databaseRevisions.length && databaseRevisions.every(revision => reported.includes(revision));
	if (!agrees)
		return fail(
			'migrations',
			`\`${command}\` reports ${reported.join(', ') || 'no revision'}, but the database ${config.database!.name} is at ${databaseRevisions.join(', ') || 'no revision'}: ` +
				(databaseRevisions.length === 0
					? 'the database rewind backs up has no revision: is database.name the app’s database?'
					: 'the migrations command reads another database than the one rewind backs up. Set migrations.env to the settings the app uses for this database.'),
			databaseRevisions.length === 0 ? 'database.name' : 'migrations.env',
		);
	return pass('migrations', `\`${command}\` reports ${reported.join(', ') || 'no revision'}, as the database’s ${config.migrations.versionTable} says.`);
}

/** The build commands' programs are on the server's PATH (with their versions), and node_modules can be rebuilt. */
export function buildVerdict(config: Config, probe: ProbeAnswer, tools: readonly string[] = buildTools(config)): CheckResult {
	if (config.build.commands.length === 0) return skip('build', 'no build commands configured (build.commands): the rollback rebuilds nothing.');
	if (probe.part('build-dir')?.status !== 0) return fail('build', `${config.app.dir}/${config.build.dir} does not exist on the server.`, 'build.dir');
	const missing = tools.filter((_tool, index) => probe.ok(`tool-${index}`) === undefined);
	if (missing.length > 0)
		return fail(
			'build',
			`${missing.map(tool => `\`${tool}\``).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not on the PATH of a non-interactive shell on the server: the build would fail after the reset. ` +
				'Install it, put it on that PATH (~/.bashrc is not read by every shell), or name it by its full path.',
			'build.commands',
		);
	const versions = tools.map((tool, index) => `${tool} ${probe.ok(`tool-${index}-version`) ?? 'present'}`).join(', ');
	const modules = probe.ok('node-modules');
	if (modules === 'read-only')
		return fail(
			'build',
			`node_modules in ${config.build.dir} is not writable by the SSH user (left by a build run as another user?): an install would fail. Give it back (chown -R).`,
		);
	const state = {
		'no-package': 'no package.json',
		absent: 'no node_modules yet (the install makes it)',
		stale: 'node_modules older than package-lock.json (an install updates it)',
		present: 'node_modules present',
	}[modules ?? ''];
	return pass('build', `${versions}${state ? `; ${state}` : ''}.`);
}

/** The reload target on the server: the touch path writable, the command's program present. Methods checked from here are not. */
export function serverReloadVerdict(config: Config, probe: ProbeAnswer): CheckResult | undefined {
	const reload = config.reload;
	if (reload.method === 'touch') {
		const state = probe.ok('reload-path');
		const user = probe.ok('user') ?? 'the SSH user';
		const owner = probe.ok('reload-owner');
		if (state === 'writable') return pass('reload', `${reload.path} exists and ${user} may touch it (nothing was touched).`);
		const why =
			state === 'read-only'
				? `is not writable by ${user}${owner ? ` (it belongs to ${owner})` : ''}: touching it would fail`
				: state === 'not-a-file'
					? 'is not a regular file'
					: 'does not exist (or cannot be reached): touching it would create an empty file, not reload the app';
		return fail('reload', `${reload.path} ${why}. Name the WSGI file the app is served from.`, 'reload.path');
	}
	if (reload.method === 'command') {
		const program = programOf(reload.command);
		if (program === undefined) return pass('reload', 'reload.command is not a plain command line: its program was not looked up (it runs as written).');
		const found = probe.ok('reload-program');
		if (found === undefined)
			return fail('reload', `\`${program}\` (the start of reload.command) is not found on the server, in ${config.app.dir}.`, 'reload.command');
		return pass('reload', `\`${program}\` is ${found} on the server (the command was not run).`);
	}
	if (reload.method === 'manual') return skip('reload', 'reload.method is manual: a person reloads by hand (a rollback needs someone at a terminal).');
	if (reload.method === 'none') return skip('reload', 'reload.method is none: the rollback reloads nothing.');
	return undefined;
}
