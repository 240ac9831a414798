/**
 * The command line's options: parsed, and checked as a combination before anything connects (a
 * refused run leaves nothing behind on the server).
 */
import type {ConfigLayer} from './core/config/layers.js';
import {parseArgs} from 'node:util';
import {findConfigFile, loadConfigFile} from './core/config/load.js';
import type {Config} from './core/config/schema.js';
import {errorMessage, UserError} from './core/errors.js';
import {reloadMethodOf} from './core/reload-methods.js';
import {TRAINEE_NAME} from './core/identity.js';
import {inert} from './core/inert.js';
import type {RunFlags} from './core/step.js';
import type {OutputMode} from './session.js';

export const COMMANDS = ['rollback', 'plan', 'rehearse', 'resume', 'undo', 'drills', 'init', 'check', 'scores'] as const;
type Command = (typeof COMMANDS)[number];

export type CliOptions = {
	readonly command: Command;
	readonly config?: string;
	readonly flags: RunFlags;
	readonly dryRun: boolean;
	/** `rewind plan` / `--dry-run`: every command in full instead of one line per step. */
	readonly verbose: boolean;
	readonly plain: boolean;
	readonly json: boolean;
	readonly noColor: boolean;
	readonly reducedMotion: boolean;
	readonly journal?: string;
	/** The config's stage to work on (required when the config has several). */
	readonly stage?: string;
	readonly drill?: string;
	readonly drillsDir?: string;
	readonly keep: boolean;
	/** Rehearsal: whose rehearsal it is (default: the OS user); `rewind scores`: whose to show. */
	readonly trainee?: string;
	/** Rehearsal: a drill the trainee is not told (one not passed yet, or any with `any`). */
	readonly mystery: boolean;
	readonly any: boolean;
	/** `rewind init`: the server to inspect and where to write the config. */
	readonly host?: string;
	readonly output?: string;
	/** `rewind init`: how to reach the server and what to put in the config, instead of asking. */
	readonly init?: {
		readonly port?: number;
		readonly user?: string;
		readonly identity?: string;
		readonly knownHosts?: string;
		readonly sshConfig?: string;
		readonly appDir?: string;
		readonly siteUrl?: string;
		/** How the app reloads: a WSGI file to touch (…_wsgi.py), a command, `manual` or `none`. */
		readonly reload?: string;
		/** `none` (the app has no database), or `mysql://user@host:port/name`. */
		readonly database?: string;
	};
};

export const OPTIONS = {
	config: {type: 'string', short: 'c'},
	target: {type: 'string', short: 't'},
	yes: {type: 'boolean', short: 'y'},
	reason: {type: 'string'},
	'dry-run': {type: 'boolean'},
	verbose: {type: 'boolean'},
	plain: {type: 'boolean'},
	json: {type: 'boolean'},
	'no-color': {type: 'boolean'},
	'reduced-motion': {type: 'boolean'},
	'accept-new-host-key': {type: 'boolean'},
	'take-over-stale-lock': {type: 'boolean'},
	'skip-backup': {type: 'string'},
	'accept-toolchain': {type: 'string'},
	journal: {type: 'string'},
	stage: {type: 'string'},
	drill: {type: 'string'},
	'drills-dir': {type: 'string'},
	keep: {type: 'boolean'},
	trainee: {type: 'string'},
	mystery: {type: 'boolean'},
	any: {type: 'boolean'},
	host: {type: 'string'},
	port: {type: 'string'},
	user: {type: 'string'},
	identity: {type: 'string'},
	'known-hosts': {type: 'string'},
	'ssh-config': {type: 'string'},
	'app-dir': {type: 'string'},
	'site-url': {type: 'string'},
	reload: {type: 'string'},
	database: {type: 'string'},
	output: {type: 'string', short: 'o'},
	help: {type: 'boolean', short: 'h'},
	version: {type: 'boolean', short: 'v'},
} as const;

/**
 * Which commands each option belongs to (the rest belong to every command). `rewind --dry-run` is
 * `rewind plan`: an option of either is accepted there.
 */
const ONLY: Record<string, readonly Command[]> = {
	journal: ['resume', 'undo'],
	stage: ['rollback', 'plan', 'check', 'resume', 'undo'],
	drill: ['rehearse'],
	keep: ['rehearse'],
	trainee: ['rehearse', 'scores'],
	mystery: ['rehearse'],
	any: ['rehearse'],
	host: ['init'],
	port: ['init'],
	user: ['init'],
	identity: ['init'],
	'known-hosts': ['init'],
	'ssh-config': ['init'],
	'app-dir': ['init'],
	'site-url': ['init'],
	reload: ['init'],
	database: ['init'],
	output: ['init'],
	target: ['rollback', 'plan', 'rehearse'],
	'skip-backup': ['rollback', 'resume', 'undo', 'rehearse'],
	'accept-toolchain': ['rollback', 'resume', 'undo', 'rehearse'],
	verbose: ['plan'],
};

function initOptions(values: Record<string, unknown>): NonNullable<CliOptions['init']> {
	const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
	const port = text('port');
	if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UserError(`--port "${inert(port, {singleLine: true})}" is not a port number.`);
	const pairs = {
		user: text('user'),
		identity: text('identity'),
		knownHosts: text('known-hosts'),
		sshConfig: text('ssh-config'),
		appDir: text('app-dir'),
		siteUrl: text('site-url'),
		reload: text('reload'),
		database: text('database'),
	};
	return {...(port ? {port: Number(port)} : {}), ...Object.fromEntries(Object.entries(pairs).filter(([, value]) => value !== undefined))};
}

export function parseCli(argv: readonly string[]): CliOptions {
	let parsed;
	try {
		parsed = parseArgs({args: [...argv], allowPositionals: true, strict: true, options: OPTIONS});
	} catch (error) {
		throw new UserError(`${errorMessage(error).replace(/\. To specify a positional argument.*$/s, '')}. See rewind --help.`);
	}
	const [first, ...rest] = parsed.positionals;
	if (rest.length > 0) throw new UserError(`Unexpected argument "${inert(rest[0]!, {singleLine: true})}". See rewind --help.`);
	const named = (first ?? 'rollback') as Command;
	if (!COMMANDS.includes(named))
		throw new UserError(`Unknown command "${inert(first!, {singleLine: true})}": expected one of ${COMMANDS.join(', ')}. See rewind --help.`);
	const values = parsed.values;
	const command: Command = values['dry-run'] && named === 'rollback' ? 'plan' : named;
	for (const [option, commands] of Object.entries(ONLY)) {
		if ((values as Record<string, unknown>)[option] !== undefined && !commands.includes(named) && !commands.includes(command)) {
			throw new UserError(`--${option} is for ${commands.map(name => `rewind ${name}`).join(' or ')}, not rewind ${named}. See rewind --help.`);
		}
	}
	const skipBackup = values['skip-backup'];
	const acceptToolchain = values['accept-toolchain'];
	if (acceptToolchain !== undefined && (acceptToolchain.trim().length < 3 || /[\u0000-\u001f]/.test(acceptToolchain)))
		throw new UserError(
			'--accept-toolchain needs a reason (one line: it goes to the journal and the report), e.g. --accept-toolchain "engines is stale, builds on Node 20 in CI".',
		);
	if (skipBackup !== undefined && skipBackup.trim().length < 3) {
		throw new UserError('--skip-backup needs a reason (it is written to the journal and the report), e.g. --skip-backup "database untouched by this deploy".');
	}
	if (values.target !== undefined && !/^[\w./@^~{}:-]{1,200}$/.test(values.target))
		throw new UserError(`--target "${inert(values.target, {singleLine: true})}" is not a commit, tag or branch name.`);
	if (values.reason !== undefined && (values.reason.trim() === '' || /[\u0000-\u001f]/.test(values.reason)))
		throw new UserError('--reason needs one line of text (why you roll back; it goes to the release history and the report).');
	if (values.trainee !== undefined && !TRAINEE_NAME.test(values.trainee))
		throw new UserError(
			`--trainee "${inert(values.trainee, {singleLine: true})}" is not a name rewind keeps: 1 to 40 letters, digits, spaces, dots, dashes or underscores.`,
		);
	if (values.mystery && values.drill !== undefined)
		throw new UserError('--mystery picks the drill for you (and does not say which): pass --mystery or --drill, not both.');
	if (values.any && !values.mystery) throw new UserError('--any is for --mystery: pick among every drill, passed or not.');
	if (values.plain && values.json) throw new UserError('--plain and --json are two ways of printing the run: pass one of them.');
	return {
		command,
		...(values.config === undefined ? {} : {config: values.config}),
		flags: {
			...(values.target === undefined ? {} : {target: values.target}),
			yes: values.yes === true,
			acceptNewHostKey: values['accept-new-host-key'] === true,
			...(skipBackup === undefined ? {} : {skipBackupReason: skipBackup.trim()}),
			takeOverStaleLock: values['take-over-stale-lock'] === true,
			...(values.reason === undefined ? {} : {reason: values.reason.trim()}),
			...(acceptToolchain === undefined ? {} : {acceptToolchainReason: acceptToolchain.trim()}),
		},
		dryRun: values['dry-run'] === true,
		verbose: values.verbose === true,
		plain: values.plain === true,
		json: values.json === true,
		noColor: values['no-color'] === true,
		reducedMotion: values['reduced-motion'] === true,
		...(values.journal === undefined ? {} : {journal: values.journal}),
		...(values.stage === undefined ? {} : {stage: values.stage}),
		...(values.drill === undefined ? {} : {drill: values.drill}),
		...(values['drills-dir'] === undefined ? {} : {drillsDir: values['drills-dir']}),
		keep: values.keep === true,
		...(values.trainee === undefined ? {} : {trainee: values.trainee.trim()}),
		mystery: values.mystery === true,
		any: values.any === true,
		...(values.host === undefined ? {} : {host: values.host}),
		...(values.output === undefined ? {} : {output: values.output}),
		...(named === 'init' ? {init: initOptions(values)} : {}),
	};
}

/** A terminal the TUI can use: both ends are TTYs, and it has a width (a 0-column pty gets plain lines). */
export function hasTerminal(): boolean {
	const width = process.stdout.columns || Number(process.env['COLUMNS'] ?? 0);
	return process.stdin.isTTY === true && process.stdout.isTTY === true && width > 0;
}

/** `--plain` in a terminal: plain lines, and the questions asked one line at a time (screen readers). */
export function asksLineByLine(options: Pick<CliOptions, 'plain' | 'json'>): boolean {
	return options.plain && !options.json && hasTerminal();
}

export function outputMode(options: Pick<CliOptions, 'plain' | 'json'>): OutputMode {
	if (options.json) return 'json';
	return options.plain || !hasTerminal() ? 'plain' : 'tui';
}

/**
 * Without a person to ask (no terminal, or --json), the flags must answer every question the run
 * will ask — checked before connecting, so a refused run leaves nothing behind on the server.
 */
export function checkUnattended(options: CliOptions, config: Config | undefined, kind: 'rollback' | 'resume' | 'undo' | 'rehearsal'): void {
	if (outputMode(options) === 'tui' || asksLineByLine(options)) return;
	const why = options.json ? 'with --json' : 'without a terminal';
	if (kind === 'rollback' && options.flags.target === undefined)
		throw new UserError(`No commit to roll back to: ${why} there is no picker, so pass --target <commit> (and --yes).`);
	if (!options.flags.yes) throw new UserError(`The reset needs confirmation: ${why} pass --yes (and check the target with rewind plan first).`);
	if (config && reloadMethodOf(config.reload).needsOperator)
		throw new UserError(
			`reload.method is ${config.reload.method}: the reload needs a person at a terminal, so rewind cannot run ${why}. Use another reload method or run it in a terminal.`,
		);
}

/** The config file the command line names (or the conventional one here), for the stage it names. */
export function loadConfig(options: Pick<CliOptions, 'config' | 'stage'>): {config: Config; path: string; stage?: string; layers: readonly ConfigLayer[]} {
	const file = findConfigFile(options.config, process.cwd());
	const {config, stage, layers = []} = loadConfigFile(file, options.stage);
	return {config, path: file, layers, ...(stage ? {stage} : {})};
}
