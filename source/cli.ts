/**
 * The command line: parses arguments, loads the config, builds the run and hands it to the TUI
 * (a terminal is attached) or the plain line renderer (CI, pipes). Every error the operator can fix
 * is printed as one paragraph, never a stack trace.
 */
import path from 'node:path';
import {parseArgs} from 'node:util';
import type {Config} from './core/config/schema.js';
import {findConfigFile, loadConfigFile} from './core/config/load.js';
import {Engine, type EngineOptions, type RunResult} from './core/engine.js';
import {errorMessage, UserError} from './core/errors.js';
import {listJournals, readJournal, type JournalSummary} from './core/journal.js';
import {FlagOperator} from './core/operator.js';
import {hintContextFor, knownSecrets, runsDirFor} from './core/setup.js';
import {loadSsh2} from './core/remote/ssh.js';
import type {RunFlags} from './core/step.js';
import {EXIT, type RunFacts, type RunKind} from './core/types.js';

export const COMMANDS = ['rollback', 'plan', 'rehearse', 'resume', 'undo', 'drills'] as const;
type Command = (typeof COMMANDS)[number];

export type CliOptions = {
	readonly command: Command;
	readonly config?: string;
	readonly flags: RunFlags;
	readonly dryRun: boolean;
	readonly plain: boolean;
	readonly journal?: string;
	readonly drill?: string;
	readonly drillsDir?: string;
	readonly keep: boolean;
};

export function parseCli(argv: readonly string[]): CliOptions {
	let parsed;
	try {
		parsed = parseArgs({
			args: [...argv],
			allowPositionals: true,
			strict: true,
			options: {
				config: {type: 'string', short: 'c'},
				target: {type: 'string', short: 't'},
				yes: {type: 'boolean', short: 'y'},
				'dry-run': {type: 'boolean'},
				plain: {type: 'boolean'},
				'accept-new-host-key': {type: 'boolean'},
				'take-over-stale-lock': {type: 'boolean'},
				'skip-backup': {type: 'string'},
				journal: {type: 'string'},
				drill: {type: 'string'},
				'drills-dir': {type: 'string'},
				keep: {type: 'boolean'},
				help: {type: 'boolean', short: 'h'},
				version: {type: 'boolean', short: 'v'},
			},
		});
	} catch (error) {
		throw new UserError(`${errorMessage(error).replace(/\. To specify a positional argument.*$/s, '')}. See rewind --help.`);
	}
	const [first, ...rest] = parsed.positionals;
	if (rest.length > 0) throw new UserError(`Unexpected argument "${rest[0]}". See rewind --help.`);
	const command = (first ?? 'rollback') as Command;
	if (!COMMANDS.includes(command)) throw new UserError(`Unknown command "${first}": expected one of ${COMMANDS.join(', ')}. See rewind --help.`);
	const values = parsed.values;
	const skipBackup = values['skip-backup'];
	if (skipBackup !== undefined && skipBackup.trim().length < 3) {
		throw new UserError('--skip-backup needs a reason (it is written to the journal and the report), e.g. --skip-backup "database untouched by this deploy".');
	}
	if (values.target !== undefined && !/^[\w./@^~{}:-]{1,200}$/.test(values.target)) {
		throw new UserError(`--target "${values.target}" is not a commit, tag or branch name.`);
	}
	return {
		command: values['dry-run'] && command === 'rollback' ? 'plan' : command,
		...(values.config === undefined ? {} : {config: values.config}),
		flags: {
			...(values.target === undefined ? {} : {target: values.target}),
			yes: values.yes === true,
			acceptNewHostKey: values['accept-new-host-key'] === true,
			...(skipBackup === undefined ? {} : {skipBackupReason: skipBackup.trim()}),
			takeOverStaleLock: values['take-over-stale-lock'] === true,
		},
		dryRun: values['dry-run'] === true,
		plain: values.plain === true,
		...(values.journal === undefined ? {} : {journal: values.journal}),
		...(values.drill === undefined ? {} : {drill: values.drill}),
		...(values['drills-dir'] === undefined ? {} : {drillsDir: values['drills-dir']}),
		keep: values.keep === true,
	};
}

/** A terminal the TUI can use: both ends are TTYs, and it has a width (a 0-column pty gets plain lines). */
export function isInteractive(options: {plain: boolean}): boolean {
	const width = process.stdout.columns || Number(process.env['COLUMNS'] ?? 0);
	return !options.plain && process.stdin.isTTY === true && process.stdout.isTTY === true && width > 0;
}

/**
 * Call before the Ink UI is loaded. Ink (through is-in-ci) paints only the last frame when CI or
 * CONTINUOUS_INTEGRATION is set, which at a real terminal means a blank screen until the end.
 * Whoever is at this terminal is a person, so those variables are dropped for this process.
 */
export function prepareTerminalUi(): void {
	delete process.env['CI'];
	delete process.env['CONTINUOUS_INTEGRATION'];
}

export type RunRequest = {
	readonly config: Config;
	readonly configPath: string | null;
	readonly kind: RunKind;
	readonly flags: RunFlags;
	readonly initialFacts?: Partial<RunFacts>;
	readonly engineExtras?: Partial<EngineOptions>;
	readonly runsDir?: string;
};

export function engineFor(request: RunRequest, operator: EngineOptions['operator']): Engine {
	return new Engine({
		config: request.config,
		configPath: request.configPath,
		kind: request.kind,
		operator,
		flags: request.flags,
		runsDir: request.runsDir ?? runsDirFor(request.config),
		secrets: knownSecrets(request.config),
		hintContext: hintContextFor(request.config),
		...(request.initialFacts ? {initialFacts: request.initialFacts} : {}),
		...request.engineExtras,
	});
}

/** The run that returns the server to where `result`'s rollback started. */
export function undoRequest(request: RunRequest, facts: RunFacts): RunRequest | null {
	if (!facts.fromHead) return null;
	// An override given for the rollback is not carried into its undo: that one makes its own backup.
	const {skipBackupReason: _override, ...flags} = request.flags;
	const {scorecard: _scorecard, ...extras} = request.engineExtras ?? {};
	return {...request, kind: 'undo', flags: {...flags, target: facts.fromHead}, initialFacts: {}, engineExtras: extras};
}

/** Runs a request in the TUI or, without a terminal, with plain lines; resolves with the exit code. */
export async function execute(request: RunRequest, plain: boolean): Promise<number> {
	if (!isInteractive({plain})) {
		const {attachPlainRenderer} = await import('./ui/plain-renderer.js');
		const engine = engineFor(request, new FlagOperator(request.flags));
		attachPlainRenderer(engine, process.stdout);
		let signals = 0;
		const onSignal = () => {
			signals++;
			if (signals === 1) {
				process.stderr.write('\nrewind: stopping at the next safe point (send the signal again to quit at once)…\n');
				engine.requestStop();
			} else {
				process.stderr.write('rewind: quitting now; the journal has everything up to here.\n');
				process.exit(EXIT.interrupted);
			}
		};
		process.on('SIGINT', onSignal);
		process.on('SIGTERM', onSignal);
		try {
			return (await engine.run()).exitCode;
		} finally {
			process.off('SIGINT', onSignal);
			process.off('SIGTERM', onSignal);
		}
	}
	prepareTerminalUi();
	const [{renderApp}, sessionFor] = await Promise.all([import('./ui/render.js'), interactiveSessions()]);
	return renderApp({
		session: sessionFor(request),
		createUndo: (result: RunResult) => {
			const next = undoRequest(request, result.facts);
			return next ? sessionFor(next) : null;
		},
	});
}

/** Builds TUI sessions (an engine and the operator the screens answer for). */
export async function interactiveSessions(): Promise<(request: RunRequest) => {engine: Engine; operator: import('./ui/interactive-operator.js').InteractiveOperator}> {
	const {InteractiveOperator} = await import('./ui/interactive-operator.js');
	return request => {
		const operator = new InteractiveOperator();
		return {engine: engineFor(request, operator), operator};
	};
}

function loadConfig(options: CliOptions): {config: Config; path: string} {
	const file = findConfigFile(options.config, process.cwd());
	const {config} = loadConfigFile(file);
	return {config, path: file};
}

export function printPlan(engine: Engine, configPath: string | null, out: NodeJS.WritableStream = process.stdout): void {
	const {config} = engine;
	out.write(`rewind plan: ${config.app.name} on ${config.ssh.user ? `${config.ssh.user}@` : ''}${config.ssh.host} (${configPath ?? 'no config file'})\n`);
	out.write('Nothing runs: this is every command a rollback would run, in order. <placeholders> are decided during the run.\n');
	engine.plan().forEach(({step, commands}, index) => {
		out.write(`\n${String(index + 1).padStart(2)}. ${step.title}${step.interruptible ? '' : '  (never cut short by a stop)'}\n`);
		if (commands.length === 0) out.write('      (a question for the operator; no command)\n');
		for (const command of commands) {
			const [first, ...more] = command.display.split('\n');
			out.write(`      ${command.where.padEnd(8)} ${first}\n`);
			for (const line of more) out.write(`      ${''.padEnd(8)} ${line}\n`);
			out.write(`      ${''.padEnd(8)} ↳ ${command.purpose}\n`);
		}
	});
}

/** The journal `resume` or `undo` works from: the one named, or the newest that fits. */
function pickJournal(options: CliOptions, runsDir: string, fits: (journal: JournalSummary) => boolean, what: string): JournalSummary {
	if (options.journal) {
		const file = path.resolve(options.journal);
		try {
			return readJournal(file.endsWith('.jsonl') ? file : path.join(file, 'journal.jsonl'));
		} catch (error) {
			throw new UserError(`Cannot read the journal ${file}: ${errorMessage(error)}.`);
		}
	}
	for (const file of listJournals(runsDir)) {
		try {
			const journal = readJournal(file);
			if (fits(journal)) return journal;
		} catch {
			// Not a journal: skip it.
		}
	}
	throw new UserError(`No run to ${what} in ${runsDir}. Name one with --journal PATH.`);
}

async function resumeOrUndo(options: CliOptions, kind: 'resume' | 'undo'): Promise<number> {
	const probe = options.config ? loadConfig(options) : undefined;
	const runsDir = probe ? runsDirFor(probe.config) : (await import('./core/journal.js')).defaultRunsDir();
	const fits =
		kind === 'resume'
			? (journal: JournalSummary) => journal.kind !== 'rehearsal' && journal.outcome !== 'succeeded' && journal.facts.target !== undefined
			: (journal: JournalSummary) => journal.kind !== 'rehearsal' && journal.facts.remoteHeadAfter !== undefined && journal.facts.fromHead !== undefined && journal.facts.remoteHeadAfter !== journal.facts.fromHead;
	const journal = pickJournal(options, runsDir, fits, kind);
	if (kind === 'resume' && journal.outcome === 'succeeded') throw new UserError(`Run ${journal.runId} finished successfully: there is nothing to resume.`);
	if (kind === 'resume' && !journal.facts.target) throw new UserError(`Run ${journal.runId} stopped before a target was picked: start a new rollback instead.`);
	const loaded = probe ?? (journal.configPath ? {config: loadConfigFile(journal.configPath).config, path: journal.configPath} : undefined);
	if (!loaded) throw new UserError(`Run ${journal.runId} has no config file on record: pass --config PATH.`);
	const {fromHead, fromBranch, target, impact, backup, backupOverride, dirty, fingerprintBefore} = journal.facts;
	const request: RunRequest =
		kind === 'resume'
			? {
					config: loaded.config,
					configPath: loaded.path,
					kind,
					flags: {...options.flags, resumeOf: journal.runId},
					initialFacts: {fromHead, fromBranch, target, impact, backup, backupOverride, dirty, fingerprintBefore},
				}
			: {config: loaded.config, configPath: loaded.path, kind, flags: {...options.flags, target: fromHead!}};
	return execute(request, options.plain);
}

/**
 * Without a terminal, starts loading ssh2 while the config is read (a failure shows when the
 * connection is opened). With one, the first frame comes first: the load would delay it.
 */
function warmUpSsh(options: CliOptions): void {
	if (!isInteractive(options)) void loadSsh2().catch(() => {});
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
	try {
		const options = parseCli(argv);
		switch (options.command) {
			case 'drills': {
				const {listDrillsText} = await import('./rehearsal/drills.js');
				process.stdout.write(listDrillsText(options.drillsDir));
				return EXIT.ok;
			}
			case 'rehearse': {
				const {rehearse} = await import('./rehearsal/rehearse.js');
				return await rehearse(options);
			}
			case 'resume':
			case 'undo':
				warmUpSsh(options);
				return await resumeOrUndo(options, options.command);
			case 'plan': {
				const {config, path: file} = loadConfig(options);
				printPlan(engineFor({config, configPath: file, kind: 'rollback', flags: options.flags, runsDir: ''}, new FlagOperator(options.flags)), file);
				return EXIT.ok;
			}
			case 'rollback': {
				warmUpSsh(options);
				const {config, path: file} = loadConfig(options);
				return await execute({config, configPath: file, kind: 'rollback', flags: options.flags}, options.plain);
			}
		}
	} catch (error) {
		if (error instanceof UserError) {
			process.stderr.write(`rewind: ${error.message}\n`);
			return error.exitCode;
		}
		process.stderr.write(`rewind: unexpected error: ${errorMessage(error)}\nThis is a bug in rewind; the journal (if any) has what happened so far.\n`);
		if (process.env['REWIND_DEBUG']) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
		return EXIT.failed;
	}
}
