/**
 * Server commands are built here and nowhere else. The `sh` tagged template quotes every value it
 * interpolates, so a value from the config, the server or the operator can never become shell
 * syntax. What the template's literal text says is code; everything in `${…}` is data, except:
 *
 * - a `ShellCommand` (already built, so already safe) is embedded as is;
 * - a `RemotePath` renders `~/x` as `"$HOME"/'x'` (the remote home), everything else quoted;
 * - a `Placeholder` (`<target>` in a dry-run plan) renders for display and makes the command
 *   impossible to run;
 * - `operatorShell(text)` is the one escape for raw shell: the operator's own configured commands
 *   (build commands, a reload command). Grep for it to find every raw command.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One shell word, single-quoted unless it is plainly safe (nothing is ever left unquoted otherwise). */
export function quoteWord(value: string): string {
	if (value !== '' && SAFE_WORD.test(value)) return value;
	return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A value not known until the run decides it; a command holding one can be shown, never run. */
export class Placeholder {
	readonly name: string;
	constructor(name: string) {
		this.name = name;
	}
}

export function placeholder(name: string): Placeholder {
	return new Placeholder(name);
}

/** Several strings and placeholders that form one shell word (`<name>-<stamp>.sql.gz`). */
export class Word {
	readonly parts: ReadonlyArray<string | Placeholder>;
	constructor(parts: ReadonlyArray<string | Placeholder>) {
		this.parts = parts;
	}
	get known(): boolean {
		return this.parts.every(part => typeof part === 'string');
	}
	/** The text, with `<name>` for unknown parts. */
	toString(): string {
		return this.parts.map(part => (typeof part === 'string' ? part : `<${part.name}>`)).join('');
	}
}

export function word(...parts: ReadonlyArray<string | Placeholder | undefined>): Word {
	return new Word(parts.filter((part): part is string | Placeholder => part !== undefined));
}

/** A path on the server: `~` and `~/…` mean the remote home; nothing else is expanded. */
export class RemotePath {
	readonly path: Word;
	constructor(path: string | Word) {
		this.path = typeof path === 'string' ? new Word([path]) : path;
	}
	/** The path as the operator wrote it (`~/backups/x.sql.gz`). */
	toString(): string {
		return this.path.toString();
	}
	/** This path with `suffix` appended to its last part (`x.sql.gz` → `x.sql.gz.json`). */
	withSuffix(suffix: string): RemotePath {
		return new RemotePath(new Word([...this.path.parts, suffix]));
	}
	/** `relative` inside this path (`.` is the path itself; an absolute or `~` path replaces it). */
	join(...relative: ReadonlyArray<string | Word>): RemotePath {
		let parts: Array<string | Placeholder> = [...this.path.parts];
		for (const next of relative) {
			const text = next.toString();
			if (text === '.' || text === '') continue;
			const nextParts = typeof next === 'string' ? [next.replace(/^\.\//, '')] : [...next.parts];
			if (text.startsWith('/') || text.startsWith('~')) {
				parts = nextParts;
				continue;
			}
			const last = parts.length - 1;
			if (typeof parts[last] === 'string') parts[last] = parts[last].replace(/\/+$/, '');
			parts.push('/', ...nextParts);
		}
		return new RemotePath(new Word(parts));
	}
}

export function remotePath(path: string | Word): RemotePath {
	return new RemotePath(path);
}

/** The operator's own shell text from the config: the only raw shell rewind runs. */
export class OperatorShell {
	readonly text: string;
	constructor(text: string) {
		this.text = text;
	}
}

/** Marks text from the config as the operator's own command, to run as written. */
export function operatorShell(text: string): OperatorShell {
	return new OperatorShell(text);
}

/**
 * The operator's command with values in its `{name}` slots: the text around them runs as written,
 * each value is quoted like any other (`alembic downgrade {revision}` → `alembic downgrade 'ab12'`).
 * A slot with no value given stays as written.
 */
export function operatorTemplate(text: string, values: Readonly<Record<string, ShellValue>>): ShellCommand {
	let command = sh``;
	let rest = text;
	for (let match = /\{(\w+)\}/.exec(rest); match; match = /\{(\w+)\}/.exec(rest)) {
		const value = values[match[1]!];
		const before = rest.slice(0, match.index + (value === undefined ? match[0].length : 0));
		command = value === undefined ? sh`${command}${operatorShell(before)}` : sh`${command}${operatorShell(before)}${value}`;
		rest = rest.slice(match.index + match[0].length);
	}
	return sh`${command}${operatorShell(rest)}`;
}

export type ShellValue = string | number | Placeholder | Word | RemotePath | ShellCommand | OperatorShell | readonly ShellValue[];

/** Thrown when a plan's command (with `<placeholders>`) is about to be run. */
export class PlanOnlyCommand extends Error {
	constructor(display: string) {
		super(`a planned command with unknown values cannot run: ${display.split('\n')[0]}`);
		this.name = 'PlanOnlyCommand';
	}
}

type Rendered = {readonly script: string; readonly display: string; readonly runnable: boolean};

function renderWord(value: Word): Rendered {
	const text = value.toString();
	return {script: quoteWord(text), display: quoteWord(text), runnable: value.known};
}

function renderPath(value: RemotePath): Rendered {
	const [first, ...rest] = value.path.parts;
	const runnable = value.path.known;
	if (typeof first === 'string' && (first === '~' || first.startsWith('~/'))) {
		const remainder = new Word([first.slice(first === '~' ? 1 : 2), ...rest]).toString().replace(/^\/+/, '');
		const text = remainder === '' ? '"$HOME"' : `"$HOME"/${quoteWord(remainder)}`;
		return {script: text, display: text, runnable};
	}
	return {...renderWord(value.path), runnable};
}

function render(value: ShellValue): Rendered {
	if (value instanceof ShellCommand) return {script: value.scriptText, display: value.display, runnable: value.runnable};
	if (value instanceof OperatorShell) return {script: value.text, display: value.text, runnable: true};
	if (value instanceof RemotePath) return renderPath(value);
	if (value instanceof Word) return renderWord(value);
	if (value instanceof Placeholder) return {script: '', display: `<${value.name}>`, runnable: false};
	if (Array.isArray(value)) {
		const parts = (value as readonly ShellValue[]).map(render);
		return {script: parts.map(part => part.script).join(' '), display: parts.map(part => part.display).join(' '), runnable: parts.every(part => part.runnable)};
	}
	const text = quoteWord(String(value));
	return {script: text, display: text, runnable: true};
}

const BRAND = Symbol('built by sh');

/** A server command built by `sh`; it runs as `script()` and is shown as `display`. */
export class ShellCommand {
	readonly display: string;
	readonly runnable: boolean;
	readonly scriptText: string;

	constructor(brand: typeof BRAND, scriptText: string, display: string, runnable: boolean) {
		if (brand !== BRAND) throw new Error('ShellCommand is made by sh`…`');
		this.scriptText = scriptText;
		this.display = display;
		this.runnable = runnable;
	}

	/** The text to run; refuses a plan's command whose values are not known yet. */
	script(): string {
		if (!this.runnable) throw new PlanOnlyCommand(this.display);
		return this.scriptText;
	}

	/** What tells two commands apart (answers sent ahead are kept by it); undefined for a plan's command. */
	get key(): string | undefined {
		return this.runnable ? this.scriptText : undefined;
	}

	toJSON(): string {
		return this.display;
	}
}

/** Builds a command: literal text is code, every `${value}` is quoted (see the module comment). */
export function sh(strings: TemplateStringsArray, ...values: readonly ShellValue[]): ShellCommand {
	let script = strings[0] ?? '';
	let display = strings[0] ?? '';
	let runnable = true;
	values.forEach((value, index) => {
		const rendered = render(value);
		script += rendered.script + (strings[index + 1] ?? '');
		display += rendered.display + (strings[index + 1] ?? '');
		runnable &&= rendered.runnable;
	});
	return new ShellCommand(BRAND, script, display, runnable);
}

const SEPARATORS = new Set([' && ', '; ', '\n', ' | ', ' || ', ' ']);

/** Joins built commands with one of a fixed set of separators. */
export function joinCommands(commands: readonly ShellCommand[], separator: ' && ' | '; ' | '\n' | ' | ' | ' || ' | ' '): ShellCommand {
	if (!SEPARATORS.has(separator)) throw new Error(`not a command separator: ${JSON.stringify(separator)}`);
	return new ShellCommand(
		BRAND,
		commands.map(command => command.scriptText).join(separator),
		commands.map(command => command.display).join(separator),
		commands.every(command => command.runnable),
	);
}

/** `command` as it runs, shown as `shown` is (a framing shown as what it frames: the plan stays readable). */
export function shownAs(command: ShellCommand, shown: ShellCommand): ShellCommand {
	return new ShellCommand(BRAND, command.scriptText, shown.display, command.runnable);
}

/** `cd <dir> && <command>`: a step's server commands run in the app directory. */
export function inDir(dir: RemotePath, command: ShellCommand | OperatorShell): ShellCommand {
	return sh`cd ${dir} && ${command}`;
}

/** Git log with signature display off: a server's log.showSignature would mix gpg lines into the output. */
export const GIT_LOG = sh`git -c log.showSignature=false log`;
