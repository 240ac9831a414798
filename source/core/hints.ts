/**
 * Known failures and their fixes. A step declares the ones of its own trade (mysqldump's, npm's);
 * the general ones (a lost link, a full disk, git's locks) are here. When a step fails, its output
 * is matched against both and the operator is told what to do, with a fix to apply when there is one.
 */
import type {Config} from './config/schema.js';
import type {Hint, StepId} from './types.js';

export type HintContext = {
	/** The database address the preset or the rehearsal says is right (PythonAnywhere: `<user>.mysql…`:3306). */
	readonly managedDb?: {readonly host: string; readonly port: number};
	/** Build commands to restore when the build step was left out (the forgotten-build fix). */
	readonly defaultBuildCommands?: readonly string[];
	/** The WSGI file whose touch reloads the app (PythonAnywhere), for the reload-by-touch fix. */
	readonly wsgiPath?: string;
};

/** A change to this run's config (never the file on disk), then the step to run again from. */
export type Fix = {
	readonly id: string;
	readonly label: string;
	readonly rerunFrom: StepId;
	apply(config: Config): Config;
};

/** The line of the output a rule matched: quoted to the operator, and read by the rule's advice (a script's name, a path). */
export type MatchedLine = {
	/** Trimmed and capped at QUOTE_LIMIT characters, as the operator is shown it. */
	readonly line: string;
	/** The rule's pattern matched against the whole line (its groups). */
	readonly match: RegExpExecArray;
};

export type HintRule = {
	readonly id: string;
	readonly title: string;
	readonly pattern: RegExp;
	readonly severity: 'error' | 'warning';
	/** Quote the matched line in the advice: for rules matching the server's own words (npm, mysqldump, git), not rewind's. */
	readonly quote?: boolean;
	readonly advice: (config: Config, context: HintContext, found?: MatchedLine) => string;
	readonly fix?: (config: Config, context: HintContext, found?: MatchedLine) => Fix | undefined;
};

export const GENERAL_HINTS: readonly HintRule[] = [
	{
		id: 'disk-full',
		title: 'the server disk is full',
		pattern: /No space left on device|Disk quota exceeded|disk full/i,
		severity: 'error',
		quote: true,
		advice: () => 'Free space on the server (old backups, caches) or point database.backupDir at a filesystem with room, then retry.',
	},
	{
		id: 'git-dubious-ownership',
		title: 'git refuses a repository owned by someone else',
		pattern: /detected dubious ownership/i,
		severity: 'error',
		quote: true,
		advice: () => 'Run rewind as the owner of the checkout, or add it to git’s safe.directory on the server.',
	},
	{
		id: 'git-index-lock',
		title: 'another git process holds the index lock',
		pattern: /index\.lock': File exists/i,
		severity: 'error',
		quote: true,
		advice: () => 'Another git command is running in the checkout, or one crashed. Check for it; remove .git/index.lock only when none is running.',
	},
	{
		id: 'connection-lost',
		title: 'the SSH connection was lost',
		pattern: /SSH connection (?:was )?lost|ECONNRESET|keepalive timeout/i,
		severity: 'error',
		advice: () => 'Reconnect and retry the step: nothing is marked done that was not proven. A half-written backup is removed, never counted.',
	},
	{
		id: 'command-died',
		title: 'the command died on the server',
		pattern: /killed on the server|no longer running on the server/i,
		severity: 'error',
		advice: () => 'Something on the server killed the command (the OOM killer, an administrator, a process limit). Check the server, then retry the step.',
	},
];

export type MatchedHints = {readonly hints: Hint[]; readonly fixes: ReadonlyMap<string, Fix>};

/** The longest quote of an output line a hint shows. */
export const QUOTE_LIMIT = 200;

/** `line` trimmed and, when longer than QUOTE_LIMIT, cut to the part around the match (at index `at`), with ellipses. */
function capped(line: string, at: number): string {
	const text = line.trim();
	if (text.length <= QUOTE_LIMIT) return text;
	const matchAt = at - (line.length - line.trimStart().length);
	if (matchAt < QUOTE_LIMIT - 60) return `${text.slice(0, QUOTE_LIMIT - 1)}…`;
	const start = Math.min(matchAt - 40, text.length - (QUOTE_LIMIT - 1));
	return start + QUOTE_LIMIT - 1 >= text.length ? `…${text.slice(start)}` : `…${text.slice(start, start + QUOTE_LIMIT - 2)}…`;
}

/**
 * The first line of `text` that `pattern` matches, trimmed and capped, with the match; or the line
 * where the match starts for a pattern that spans lines. A line that repeats a later matching line
 * within itself (a failure's summary of its last lines, ahead of its output) gives way to that line.
 */
export function findMatchingLine(text: string, pattern: RegExp): MatchedLine | undefined {
	// A copy without g/y: a stateful lastIndex would skip matches between calls.
	const once = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
	const found: Array<{line: string; match: RegExpExecArray}> = [];
	for (const line of text.split(/\r\n|\r|\n/)) {
		const match = once.exec(line);
		if (match && found.push({line, match}) >= 20) break;
	}
	const first = found.find(({line}, index) => !found.slice(index + 1).some(later => later.line.trim() !== line.trim() && line.includes(later.line.trim())));
	if (first) return {line: capped(first.line, first.match.index), match: first.match};
	const match = once.exec(text);
	if (!match) return undefined;
	const start = Math.max(text.lastIndexOf('\n', match.index), text.lastIndexOf('\r', match.index)) + 1;
	const end = text.slice(start).search(/\r|\n/);
	return {line: capped(text.slice(start, end === -1 ? undefined : start + end), match.index - start), match};
}

/** The first line of `text` that `pattern` matches (trimmed, capped), for a hint to quote. */
export function firstMatchingLine(text: string, pattern: RegExp): string | undefined {
	return findMatchingLine(text, pattern)?.line;
}

/**
 * The hints whose pattern appears in `text`, with the fixes they offer. A quoting rule's advice ends
 * with the line it matched (the summary of a failure shows only its last lines). A fix already offered
 * by an earlier hint is not offered again.
 */
export function matchHints(text: string, rules: readonly HintRule[], config: Config, context: HintContext = {}): MatchedHints {
	const hints: Hint[] = [];
	const fixes = new Map<string, Fix>();
	for (const rule of rules) {
		const found = findMatchingLine(text, rule.pattern);
		if (!found) continue;
		const candidate = rule.fix?.(config, context, found);
		const fix = candidate && !fixes.has(candidate.id) ? candidate : undefined;
		if (fix) fixes.set(fix.id, fix);
		const advice = rule.advice(config, context, found);
		hints.push({
			id: rule.id,
			title: rule.title,
			advice: rule.quote && found.line ? `${advice} Seen in the output: “${found.line}”` : advice,
			severity: rule.severity,
			...(fix ? {fix: {id: fix.id, label: fix.label}} : {}),
		});
	}
	return {hints, fixes};
}

/** One hint by id (a step showing a warning it recognised, not a failure). */
export function hintFor(rules: readonly HintRule[], id: string, config: Config, context: HintContext = {}): Hint | undefined {
	const rule = rules.find(candidate => candidate.id === id);
	return rule ? {id: rule.id, title: rule.title, advice: rule.advice(config, context), severity: rule.severity} : undefined;
}
