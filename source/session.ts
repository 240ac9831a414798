/**
 * The composition root: config → host → runbook → engine → renderer. Rollback, resume, undo and
 * rehearse all build their run here, and run it in the TUI (a person at a terminal), as plain
 * lines (CI, pipes, --plain) or as a JSON event stream (--json). The process's signals and exit
 * code are owned by lifecycle.ts.
 */
import type {Config} from './core/config/schema.js';
import {Engine, type RunResult} from './core/engine.js';
import type {Connector} from './core/engine/connection.js';
import type {HintContext} from './core/hints.js';
import {FlagOperator} from './core/operator.js';
import type {Operator} from './core/questions.js';
import {sshConnector} from './core/remote/connect.js';
import {runbookFor} from './core/runbook.js';
import type {RunState} from './core/run-state.js';
import {checkSecrets, hintContextFor, knownSecrets, runsDirFor} from './core/setup.js';
import type {RunFlags} from './core/step.js';
import type {RunIdentity} from './core/identity.js';
import type {RunFacts, RunKind} from './core/types.js';
import {undoOfFacts} from './core/undo.js';
import {InteractiveOperator} from './ui/interactive-operator.js';
import {renderReport} from './ui/report.js';
import type {Session} from './ui/session-run.js';

export type RunRequest = {
	readonly config: Config;
	readonly configPath: string | null;
	readonly kind: RunKind;
	readonly flags: RunFlags;
	readonly initialFacts?: Partial<RunFacts>;
	/** Where journals and reports go (default: the config's runsDir or ~/.rewind/runs); null keeps nothing. */
	readonly runsDir?: string | null;
	readonly hintContext?: HintContext;
	readonly secrets?: readonly string[];
	/** A section the report ends with (the rehearsal's scorecard). */
	readonly reportExtra?: (state: RunState) => string;
	/** Lines shown after the result (the rehearsal's scorecard). */
	readonly finalLines?: (state: RunState) => readonly string[];
	/** How to reach the server (default: SSH as the config's ssh section says). */
	readonly connect?: Connector;
	/** Environment for secrets, SSH_AUTH_SOCK and REWIND_SSH_PASSPHRASE (default: this process's). */
	readonly env?: NodeJS.ProcessEnv;
	/** The trainee and drill of a rehearsal. */
	readonly identity?: RunIdentity;
	/** Called with the final state once the run has finished (the rehearsal's record of the trainee). */
	readonly afterRun?: (state: RunState) => void;
};

export type OutputMode = 'tui' | 'plain' | 'json';

/** How the screen looks: no colours (NO_COLOR, --no-color), no motion (--reduced-motion). */
export type DisplayOptions = {
	readonly noColor?: boolean;
	readonly reducedMotion?: boolean;
	/** Plain lines with the questions asked one line at a time (`--plain` in a terminal). */
	readonly lineByLine?: boolean;
};

/** The run's engine, assembled from the request: every engine of rewind is made here. */
export function createEngine(request: RunRequest, operator: Operator): Engine {
	const env = request.env ?? process.env;
	checkSecrets(request.config, env);
	return new Engine({
		config: request.config,
		configPath: request.configPath,
		kind: request.kind,
		operator,
		flags: request.flags,
		steps: runbookFor(request.kind),
		connect: server => request.connect ?? sshConnector(server.ssh, env),
		runsDir: request.runsDir === undefined ? runsDirFor(request.config, env) : request.runsDir,
		secrets: [...knownSecrets(request.config, env), ...(request.secrets ?? [])],
		hintContext: {...hintContextFor(request.config), ...request.hintContext},
		...(request.initialFacts ? {initialFacts: request.initialFacts} : {}),
		...(request.identity ? {identity: request.identity} : {}),
		...(request.afterRun ? {afterRun: request.afterRun} : {}),
		renderReport: state => renderReport(state, request.config, request.reportExtra?.(state) ?? ''),
	});
}

/** A non-interactive run's engine: its questions are answered by the flags. */
export function createFlagEngine(request: RunRequest): Engine {
	return createEngine(request, new FlagOperator(request.flags));
}

/** A TUI session: the engine and the operator its screens answer for. */
export function sessionFor(request: RunRequest): Session {
	const operator = new InteractiveOperator();
	return {engine: createEngine(request, operator), operator, ...(request.finalLines ? {finalLines: request.finalLines} : {})};
}

/** The run that returns the server to where a finished rollback started, and puts back what it saved. */
export function undoRequest(request: RunRequest, result: Pick<RunResult, 'runId' | 'facts'>): RunRequest | null {
	const {facts} = result;
	if (!facts.fromHead) return null;
	// An override given for the rollback is not carried into its undo: that one makes its own backup.
	const {skipBackupReason: _override, target: _target, ...flags} = request.flags;
	const undoOf = undoOfFacts(result.runId, facts);
	// The undo is no rehearsal of its own: it keeps the stage and the trainee's name, and is neither scored nor recorded.
	const {reportExtra: _extra, finalLines: _lines, afterRun: _record, identity, ...rest} = request;
	const kept = {...(identity?.stage ? {stage: identity.stage} : {}), ...(identity?.trainee ? {trainee: identity.trainee} : {})};
	return {
		...rest,
		...(Object.keys(kept).length > 0 ? {identity: kept} : {}),
		kind: 'undo',
		flags: {...flags, target: facts.fromHead},
		initialFacts: {undoOf},
	};
}

/** Runs a request and resolves with the exit code: the TUI, plain lines, or the JSON stream. */
export async function runSession(request: RunRequest, mode: OutputMode, display: DisplayOptions = {}): Promise<number> {
	const {runWithSignals} = await import('./lifecycle.js');
	if (mode === 'tui') {
		const {loadInkChunk, prepareTerminalUi} = await import('./terminal.js');
		prepareTerminalUi(display);
		const {renderApp} = await loadInkChunk(() => import('./ui/render.js'));
		return renderApp({
			session: sessionFor(request),
			createUndo: result => {
				const next = undoRequest(request, result);
				return next ? sessionFor(next) : null;
			},
		});
	}
	const engine = display.lineByLine
		? createEngine(request, new (await import('./ui/line-operator.js')).LineOperator(process.stdin, process.stdout))
		: createFlagEngine(request);
	if (mode === 'json') {
		const {attachJsonStream} = await import('./ui/json-stream.js');
		attachJsonStream(engine, process.stdout);
	} else {
		const {attachPlainRenderer} = await import('./ui/plain-renderer.js');
		attachPlainRenderer(engine, process.stdout, request.finalLines ? {finalLines: request.finalLines} : {});
	}
	return runWithSignals(engine, {quiet: mode === 'json'});
}
