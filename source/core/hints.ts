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

export type HintRule = {
	readonly id: string;
	readonly title: string;
	readonly pattern: RegExp;
	readonly severity: 'error' | 'warning';
	readonly advice: (config: Config, context: HintContext) => string;
	readonly fix?: (config: Config, context: HintContext) => Fix | undefined;
};

export const GENERAL_HINTS: readonly HintRule[] = [
	{
		id: 'disk-full',
		title: 'the server disk is full',
		pattern: /No space left on device|Disk quota exceeded|disk full/i,
		severity: 'error',
		advice: () => 'Free space on the server (old backups, caches) or point database.backupDir at a filesystem with room, then retry.',
	},
	{
		id: 'git-dubious-ownership',
		title: 'git refuses a repository owned by someone else',
		pattern: /detected dubious ownership/i,
		severity: 'error',
		advice: () => 'Run rewind as the owner of the checkout, or add it to git’s safe.directory on the server.',
	},
	{
		id: 'git-index-lock',
		title: 'another git process holds the index lock',
		pattern: /index\.lock': File exists/i,
		severity: 'error',
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

/** The hints whose pattern appears in `text`, with the fixes they offer. */
export function matchHints(text: string, rules: readonly HintRule[], config: Config, context: HintContext = {}): MatchedHints {
	const hints: Hint[] = [];
	const fixes = new Map<string, Fix>();
	for (const rule of rules) {
		if (!rule.pattern.test(text)) continue;
		const fix = rule.fix?.(config, context);
		if (fix) fixes.set(fix.id, fix);
		hints.push({
			id: rule.id,
			title: rule.title,
			advice: rule.advice(config, context),
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
