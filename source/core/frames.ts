/**
 * Server output is data: the reader that is the command builder's counterpart (command.ts). A
 * command whose answer has several parts is built with `framed(…)`: each part runs in a subshell of
 * its own and its stdout travels base64-encoded on one line, `<part> <exit status> <base64>`; the
 * answer ends with the line `end`. Nothing the data holds — newlines, GS/RS, NUL, `key=value`, a
 * fake `end` — can forge a part or a field, and `readFrames` refuses an answer that is cut short
 * (no `end`), names a part twice or one it did not ask for, or carries anything else.
 */
import {joinCommands, sh, shownAs, type ShellCommand} from './command.js';
import {UserError} from './errors.js';
import {EXIT} from './types.js';

const PART_NAME = /^[a-z][a-z0-9-]*$/;
const FRAME_LINE = /^([a-z][a-z0-9-]*) (\d{1,3}) ([A-Za-z0-9+/]*={0,2})$/;

/** An answer from the server that cannot be read as it was asked for: refused whole, never guessed at. */
export class ServerOutputError extends UserError {
	constructor(what: string, why: string) {
		super(
			`The server's answer to "${what}" could not be read: ${why}. rewind refuses to act on an answer it cannot read whole; nothing was changed by this read. ` +
				'Run the command by hand on the server to see what it prints (a shell start-up file that writes to stdout, a tool missing from PATH).',
			EXIT.refused,
		);
		this.name = 'ServerOutputError';
	}
}

/**
 * One command answering in named parts. Each part's stdout is kept whole (binary-safe), with its
 * exit status; a part's stderr goes to the command's stderr. Variables set before the framed
 * command (`t=…; ${framed(…)}`) are seen by every part; a part's own `cd` or variables are not.
 */
export function framed(parts: ReadonlyArray<readonly [name: string, command: ShellCommand]>): ShellCommand {
	const names = new Set<string>();
	for (const [name] of parts) {
		if (!PART_NAME.test(name) || names.has(name)) throw new Error(`not a part name, or one given twice: ${JSON.stringify(name)}`);
		names.add(name);
	}
	const framing = joinCommands(
		[
			sh`_rw_t=$(mktemp) || exit 1; trap 'rm -f "$_rw_t"' EXIT; _rw_frame() { printf '%s %s ' "$1" "$2"; base64 <"$_rw_t" | tr -d '\\n\\r'; echo; }`,
			...parts.map(
				([name, command]) => sh`(
${command}
) >"$_rw_t"; _rw_frame ${name} $?`,
			),
			sh`echo end`,
		],
		'\n',
	);
	// Shown (plan, screen, journal) as the parts it runs, one after the other.
	const shown = joinCommands(
		parts.map(([, command]) => command),
		'; ',
	);
	return shownAs(framing, sh`{ ${shown}; }  # each part answered framed (base64)`);
}

/** One part of a framed answer: its exit status and its stdout as sent. */
export type Part = {
	readonly status: number;
	readonly bytes: Buffer;
	/** The stdout as UTF-8 text. */
	readonly text: string;
};

/** Reads a framed answer into its parts; every part asked for must be there exactly once. */
export function readFrames<Name extends string>(stdout: string, names: readonly Name[], what: string): Record<Name, Part> {
	const lines = stdout.split('\n');
	if (lines.at(-1) === '') lines.pop();
	if (lines.at(-1) !== 'end') throw new ServerOutputError(what, 'the answer is cut short (its end marker is missing)');
	lines.pop();
	const wanted = new Set<string>(names);
	const parts = new Map<string, Part>();
	for (const line of lines) {
		const match = FRAME_LINE.exec(line);
		if (!match) throw new ServerOutputError(what, `it holds text that is not part of the answer (${JSON.stringify(line.slice(0, 60))})`);
		const [, name = '', status = '', data = ''] = match;
		if (!wanted.has(name)) throw new ServerOutputError(what, `it has a part "${name}" that was not asked for`);
		if (parts.has(name)) throw new ServerOutputError(what, `it has the part "${name}" twice`);
		if (data.length % 4 !== 0) throw new ServerOutputError(what, `the part "${name}" is cut short`);
		const bytes = Buffer.from(data, 'base64');
		parts.set(name, {status: Number(status), bytes, text: bytes.toString('utf8')});
	}
	const missing = names.filter(name => !parts.has(name));
	if (missing.length > 0) throw new ServerOutputError(what, `it lacks the part${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);
	return Object.fromEntries(parts) as Record<Name, Part>;
}

/** Fields separated by NUL (git's `-z` and `%x00`), in records of `width` fields; a count that does not divide is refused. */
export function nulRecords(text: string, width: number, what: string): string[][] {
	if (text === '') return [];
	const fields = text.split('\0');
	// `-z` output ends with a NUL after the last record (or not, for one record in some formats).
	if (fields.at(-1) === '') fields.pop();
	if (fields.length % width !== 0) throw new ServerOutputError(what, `its NUL-separated fields do not form records of ${width}`);
	const records: string[][] = [];
	for (let index = 0; index < fields.length; index += width) records.push(fields.slice(index, index + width));
	return records;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A list answered as lines of `width` base64 fields separated by spaces, then `end` (the shell
 * writes each field with `base64 | tr -d '\n'`): for lists whose length only the server knows.
 */
export function readRecords(stdout: string, width: number, what: string): Buffer[][] {
	const lines = stdout.split('\n');
	if (lines.at(-1) === '') lines.pop();
	if (lines.pop() !== 'end') throw new ServerOutputError(what, 'the answer is cut short (its end marker is missing)');
	return lines.map(line => {
		const fields = line.split(' ');
		if (fields.length !== width || fields.some(field => !BASE64.test(field) || field.length % 4 !== 0))
			throw new ServerOutputError(what, `it holds text that is not part of the answer (${JSON.stringify(line.slice(0, 60))})`);
		return fields.map(field => Buffer.from(field, 'base64'));
	});
}
