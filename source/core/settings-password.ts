/**
 * `database.passwordFrom: server` with `passwordKey`: the key's line in the app's settings file,
 * read on the server by a fixed command (the key is a name: nothing else reaches the sed script),
 * and its value read as the app's own libraries read it — python-dotenv for the line (quotes,
 * escapes, a comment after the value, the last of a repeated key) and SQLAlchemy for a URL (the
 * password ends at the first `@` and is percent-decoded leniently).
 */
import {inDir, remotePath, sh} from './command.js';
import type {Config} from './config/schema.js';
import {readOnlyCommand, type ServerCommand} from './types.js';

/** `passwordKey`'s lines in the settings file, the last one is the app's (exit 3: no such file). */
export function settingsKeyCommand(config: Config): ServerCommand {
	const database = config.database!;
	const key = database.passwordKey ?? '';
	const file = database.passwordKeyFile;
	const where = /^[~/]/.test(file) ? remotePath(file) : sh`${file}`;
	return readOnlyCommand(
		'read-password-key',
		`read ${key} from ${file} on the server (the database password: kept in memory, never written to a file here)`,
		inDir(
			remotePath(config.app.dir),
			sh`[ -r ${where} ] || exit 3; sed -n ${`s/^[[:space:]]*\\(export[[:space:]]\\{1,\\}\\)\\{0,1\\}${key}[[:space:]]*=[[:space:]]*//p`} ${where} | tail -n 1`,
		),
	);
}

const DOUBLE_QUOTED_ESCAPES: Record<string, string> = {'\\': '\\', "'": "'", '"': '"', a: '\u0007', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v'};

/** The value of a `KEY=value` line as python-dotenv reads it; undefined when it is empty. */
export function settingValue(raw: string): string | undefined {
	const text = raw.replace(/\r?\n$/, '').trim();
	const single = /^'((?:\\'|[^'])*)'(?:\s+#.*|\s*)$/.exec(text);
	if (single) return single[1]!.replace(/\\([\\'])/g, '$1') || undefined;
	const double = /^"((?:\\.|[^"\\])*)"(?:\s+#.*|\s*)$/.exec(text);
	if (double) return double[1]!.replace(/\\(.)/g, (whole, char: string) => DOUBLE_QUOTED_ESCAPES[char] ?? whole) || undefined;
	return text.replace(/\s+#.*$/, '').trim() || undefined;
}

/** `%XX` runs decoded where they are valid UTF-8, anything else kept (as Python's unquote does). */
function unquote(text: string): string {
	return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, run => {
		try {
			return decodeURIComponent(run);
		} catch {
			return run;
		}
	});
}

/** A URL's password as written (percent-encoded), as SQLAlchemy finds it: up to the first `@`. */
export function encodedPassword(value: string): string | undefined {
	return /^[\w+]+:\/\/[^:/@]*:([^@]*)@/.exec(value)?.[1] || undefined;
}

/** The password in a settings value: a URL's password (SQLAlchemy's reading), else the value itself. */
export function passwordFromSetting(value: string): string | undefined {
	if (/^[\w+]+:\/\//.test(value)) {
		const encoded = encodedPassword(value);
		return encoded === undefined ? undefined : unquote(encoded);
	}
	return value === '' ? undefined : value;
}

/** The error for a password that `passwordFrom: server` could not read (the value is never repeated). */
export function settingsKeyProblem(config: Config, exitCode: number | null): string {
	const database = config.database!;
	const file = `${database.passwordKeyFile} in ${config.app.dir}`;
	return exitCode === 3
		? `database.passwordKeyFile: ${file} cannot be read on the server. Name the app's settings file, or drop passwordKey to use ~/.my.cnf.`
		: `database.passwordKey: ${database.passwordKey} holds no password in ${file} on the server (a line \`${database.passwordKey}=…\`, the password or a mysql:// URL with one).`;
}
