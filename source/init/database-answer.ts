/**
 * What `rewind init` writes for the database and the migrations command, from what it read on the
 * server: a database URL in the app's settings (the password left there, read at run time), else
 * ~/.my.cnf, else PythonAnywhere's `<user>$<db>` names. A database the app shows signs of using but
 * that cannot be configured is never left out silently: the caller asks, or stops naming what is
 * missing. "No database" is an answer of its own, written as such.
 */
import {sh} from '../core/command.js';
import {UserError} from '../core/errors.js';
import {EXIT} from '../core/types.js';
import type {Account, Checkout} from './inspect.js';

export type DatabaseSection = {
	readonly host?: string;
	readonly port?: number;
	readonly user?: string;
	readonly name: string;
	/** The password is read on the server at run time (passwordKey in passwordKeyFile, else ~/.my.cnf). */
	readonly passwordFrom?: 'server';
	readonly passwordKey?: string;
	readonly passwordKeyFile?: string;
};

export type DatabaseAnswer =
	| {readonly kind: 'section'; readonly section: DatabaseSection; readonly note: string}
	| {readonly kind: 'none'; readonly note: string}
	/** The app uses a database (`signs`) that rewind could not configure (`missing`). */
	| {readonly kind: 'unknown'; readonly signs: readonly string[]; readonly missing: string};

/** host, port, user and database of a `mysql://user:…@host:port/name` URL (its password is never read here). */
export function databaseFromUrl(text: string): {host: string; port?: number; user: string; name: string} | undefined {
	const value = text.trim().replace(/^(["'])(.*)\1$/, '$2');
	if (!/^mysql(\+[a-z0-9]+)?:\/\//i.test(value)) return undefined;
	try {
		const url = new URL(value);
		const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
		const user = decodeURIComponent(url.username);
		if (!url.hostname || !name || !user) return undefined;
		return {host: url.hostname.replace(/^\[(.*)\]$/, '$1'), ...(url.port ? {port: Number(url.port)} : {}), user, name};
	} catch {
		return undefined;
	}
}

/** An answer typed at the question or given with --database: `none`, or a URL without a password. */
export function givenDatabase(given: string, how: 'flag' | 'answer'): Exclude<DatabaseAnswer, {kind: 'unknown'}> {
	const told = how === 'flag' ? 'Given with --database' : 'Answered at rewind init';
	if (given.trim() === 'none') return {kind: 'none', note: `${told}: the app has no database to back up.`};
	// Checked before anything is repeated back: the answer is never echoed (it may hold a password).
	if (/^[^:/]+:\/\/[^/@]*:[^@]*@/.test(given.trim()))
		throw new UserError(
			'The database URL holds a password: rewind never writes one into its config. Give the URL without it: run rewind init again.',
			EXIT.usage,
		);
	const parsed = databaseFromUrl(given);
	if (!parsed) throw new UserError('The database given is neither none nor a mysql://user@host:port/name URL: run rewind init again.', EXIT.usage);
	return {
		kind: 'section',
		section: {...parsed, passwordFrom: 'server'},
		note: `${told}; the password from ~/.my.cnf on the server (or replace passwordFrom with passwordEnv).`,
	};
}

/** PythonAnywhere-style names in the app's settings that belong to this account (`<user>$…`): anything else may be a password's piece. */
const accountNames = (account: Account, checkout: Checkout) => checkout.databaseNames.filter(name => name.startsWith(`${account.user}$`));

/** Why init thinks the app has a database, in words. */
export function signsOfADatabase(account: Account, checkout: Checkout): string[] {
	return [
		...(checkout.migrationsDir ? [`${checkout.migrationsDir}/versions`] : []),
		...accountNames(account, checkout)
			.slice(0, 1)
			.map(name => `the name ${name} in the app's settings`),
		...checkout.databaseUrls.map(({file, key}) => `${key} in ${file}`),
		...(account.myCnf.present ? ['~/.my.cnf'] : []),
	];
}

/**
 * The database section from what the server holds. `given` is `--database`: `none`, or a
 * `mysql://user@host:port/name` URL (without a password).
 */
export function databaseAnswer(account: Account, checkout: Checkout, pythonAnywhereUser: string | undefined, given?: string): DatabaseAnswer {
	const urls = checkout.databaseUrls.flatMap(found => {
		const parsed = databaseFromUrl(found.url);
		return parsed ? [{...found, parsed}] : [];
	});
	/** Where the password is, for a database named by a URL in the app's settings. */
	const keyOf = ({key, file}: {key: string; file: string}) => ({passwordKey: key, ...(file === '.env' ? {} : {passwordKeyFile: file})});
	if (given !== undefined) {
		const answer = givenDatabase(given, 'flag');
		if (answer.kind !== 'section') return answer;
		// The same database as a URL in the app's settings: its password is read from there.
		const same = urls.find(({parsed}) => parsed.user === answer.section.user && parsed.host === answer.section.host);
		if (!same) return answer;
		return {
			kind: 'section',
			section: {...answer.section, ...keyOf(same)},
			note: `Given with --database; its password is ${same.key}'s in ${same.file} on the server (read at run time, never written to a file here).`,
		};
	}
	const fromSettings = urls[0];
	if (fromSettings) {
		return {
			kind: 'section',
			section: {...fromSettings.parsed, passwordFrom: 'server', ...keyOf(fromSettings)},
			note: `Detected: ${fromSettings.key} in ${fromSettings.file} on the server (host, port, user, name). Its password stays there: read over SSH at run time, never written to a file here.`,
		};
	}
	const named = accountNames(account, checkout)[0];
	const name = named ?? account.myCnf.database;
	const user = account.myCnf.user ?? pythonAnywhereUser;
	if (account.myCnf.present && user && name) {
		return {
			kind: 'section',
			section: {host: account.myCnf.host ?? '127.0.0.1', ...(account.myCnf.port ? {port: account.myCnf.port} : {}), user, name, passwordFrom: 'server'},
			note: `Detected: ~/.my.cnf on the server${named ? ` and the name ${name} in the app's settings` : ''}. Its password stays there: mysqldump reads it on the server.`,
		};
	}
	const signs = signsOfADatabase(account, checkout);
	if (signs.length === 0) return {kind: 'unknown', signs: [], missing: 'whether the app has a database: none of its signs were found'};
	const gaps = [
		...(user ? [] : ['the database user']),
		...(name ? [] : ['the database name']),
		...(account.myCnf.present || checkout.databaseUrls.length > 0 ? [] : ['where its password is (no DATABASE_URL in .env, no ~/.my.cnf)']),
	];
	return {kind: 'unknown', signs, missing: gaps.join(', ') || 'how to reach it'};
}

/** The migrations command: the Python (a virtualenv's first) that imports Flask-Migrate; undefined when none was found. */
export function migrationsCommand(account: Account, checkout: Checkout, kind: 'flask-migrate' | 'alembic'): {command: string; note: string} | undefined {
	// The checkout's own, then one named like the checkout, then the first found (a WSGI file's come first).
	const named = account.flaskMigrateEnvs.find(env => env.split('/').at(-1) === checkout.dir.replace(/\/+$/, '').split('/').at(-1));
	const env = checkout.flaskMigrateEnvs[0] ?? named ?? account.flaskMigrateEnvs[0];
	const module = kind === 'flask-migrate' ? 'flask db' : 'alembic';
	// The path is quoted as a shell word: the command is the operator's shell, run as written.
	if (env) return {command: `${sh`${`${env}/bin/python`}`.display} -m ${module}`, note: `the virtualenv ${env} has Flask-Migrate`};
	if (checkout.systemFlaskMigrate) return {command: `python3 -m ${module}`, note: 'the server’s python3 has Flask-Migrate (no virtualenv with it found)'};
	return undefined;
}
