/**
 * What a step is: one file declaring its commands, the facts it reads and writes, its success
 * criteria, its recovery choices and hints, and the code that runs it. The plan, the live screen,
 * the journal, the criteria and the report all come from these declarations; the engine only
 * sequences steps, records what they do and emits events.
 */
import type {Config} from './config/schema.js';
import type {LogLevel} from './events.js';
import type {ExecResult, Host, RunOptions} from './host.js';
import type {HintContext, HintRule} from './hints.js';
import type {Answer, Question} from './questions.js';
import type {ServerRef, StepScope} from './servers.js';
import type {Criterion, FactKey, Hint, PlannedCommand, RunFacts, RunKind, StepId, StepState} from './types.js';

export type RunFlags = {
	/** Commit (hash or ref) to roll back to without the picker. */
	readonly target?: string;
	/** Answer confirmations with yes (non-interactive runs). */
	readonly yes: boolean;
	readonly acceptNewHostKey: boolean;
	/** An explicit, logged reason to reset without a verified backup. */
	readonly skipBackupReason?: string;
	readonly takeOverStaleLock: boolean;
	/** The run being resumed: its own lock is taken over without asking. */
	readonly resumeOf?: string;
	/** Why the operator rolls back (one line, recorded in the release history and the report). */
	readonly reason?: string;
	/** Why the build will work with a Node the target does not ask for (logged; otherwise such a run stops before the reset). */
	readonly acceptToolchainReason?: string;
};

/** What a step's commands are rendered from; unknown facts show as `<placeholders>`. */
export type PlanView = {
	readonly config: Config;
	readonly facts: RunFacts;
	readonly runId: string;
	readonly kind: RunKind;
	readonly flags: RunFlags;
	/** Time of the run's start, for names such as the backup file. */
	readonly stamp: string;
	/** The config's stage the run works on (absent without stages). */
	readonly stage?: string;
};

export type RunCommandOptions = Pick<RunOptions, 'stdin' | 'captureLimit' | 'stdoutTo' | 'stallMs'> & {
	/** Do not throw when the command exits non-zero. */
	readonly allowFailure?: boolean;
	/** Show the output in the live tail and the journal (default true). */
	readonly stream?: boolean;
	/**
	 * The output is read, so it must be whole: past the capture limit the command fails (a
	 * ServerOutputError) instead of returning a cut answer. Default: true when `stream` is false.
	 */
	readonly whole?: boolean;
	/** A read-only lookup, kept out of the run's on-screen log (still journaled). */
	readonly quiet?: boolean;
	/** Called with each whole stdout line (for progress reports); a line it returns true for is also shown and journaled. */
	readonly onStdoutLine?: (line: string) => boolean;
	/** The same for stderr. */
	readonly onStderrLine?: (line: string) => boolean;
};

export type StepContext = PlanView & {
	readonly stepId: StepId;
	/** The server the step works on (a step of the run's scope: the server its commands go to). */
	readonly server: ServerRef;
	readonly hintContext: HintContext;
	/** Aborted when the operator stops the run (never during a step that must not be cut short). */
	readonly signal: AbortSignal;
	/** The run's connection to the server. */
	host(): Host;
	/** Opens the run's one connection (a step that `opensConnection`); `whileWaiting` runs while the server starts its shell. */
	connect(options?: {readonly whileWaiting?: () => void}): Promise<Host>;
	/** Records facts; only those the step declares in `writes`. */
	setFacts(facts: Partial<RunFacts>): void;
	/** Never shown, journaled or reported: every form of it is redacted from here on. */
	secret(value: string | undefined): void;
	/**
	 * A value worked out once per run and kept in memory only, never journaled (the database
	 * password read from the server): later steps get the same answer without asking the server again.
	 */
	once<T>(key: string, compute: () => Promise<T>): Promise<T>;
	/** The step's declared commands, rendered with what is known now. */
	commands(): PlannedCommand[];
	/** Runs one of the step's declared server commands by id; records and streams it. */
	run(commandId: string, options?: RunCommandOptions): Promise<ExecResult>;
	/** Runs a server command the step built for this moment (a page of history, a search). */
	runPlanned(planned: PlannedCommand, options?: RunCommandOptions): Promise<ExecResult>;
	/** Records a declared non-shell command (HTTP, database, local) around `work`. */
	record<T>(commandId: string, work: () => Promise<T>): Promise<T>;
	ask<Q extends Question>(question: Q): Promise<Answer<Q>>;
	note(level: LogLevel, text: string): void;
	progress(label: string, values: {bytes?: number; fraction?: number; elapsedMs: number}): void;
	hint(hint: Hint): void;
	/**
	 * Registers a server command that must run before the run ends, whatever happens (release the
	 * lock, stop a dump orphaned by a lost connection). The engine runs what is still registered at
	 * the end, reconnecting if the connection was lost.
	 */
	deferCleanup(key: string, planned: PlannedCommand | (() => PlannedCommand)): void;
	/** Runs a registered cleanup now (if the connection is up) and forgets it; false if it could not run. */
	runCleanup(key: string): Promise<boolean>;
	cancelCleanup(key: string): void;
};

/** What a step's success criteria are computed from: the fold's view of the run. */
export type CriteriaView = {
	readonly config: Config;
	readonly facts: RunFacts;
	readonly kind: RunKind | null;
	/** The state (and skip reason) of any step of the run. */
	readonly stateOf: (stepId: StepId) => {readonly state: StepState; readonly summary?: string};
};

export type StepDefinition = {
	readonly id: StepId;
	readonly title: string;
	/** What the step is for, in one sentence (the help overlay, the plan). */
	readonly purpose: string;
	/** Once for the run, or once on each server: its events, facts and cleanups carry the server when per server. */
	readonly scope: StepScope;
	/** False for steps that must finish once started (the reset): a stop waits for them. */
	readonly interruptible: boolean;
	/** The step that opens the connection: a failure there is not a lost connection. */
	readonly opensConnection?: boolean;
	/** Facts the step needs from earlier steps (or from the journal of a resumed run). */
	readonly reads: readonly FactKey[];
	/** Facts the step records; recording any other is a bug the engine refuses. */
	readonly writes: readonly FactKey[];
	commands(view: PlanView): PlannedCommand[];
	/**
	 * Ids of the step's read-only commands that may be sent ahead, behind an earlier step's command
	 * (over a transport that runs requests in order), when they can be rendered by then.
	 */
	readonly sendAhead?: readonly string[];
	/** A reason to skip the step, decided when its turn comes. */
	skip?(context: StepContext): Promise<string | undefined> | string | undefined;
	/** Runs the step; returns a one-line summary. */
	run(context: StepContext): Promise<string>;
	/** The success criteria this step proves (or fails), in the order shown. */
	criteria?(view: CriteriaView): Criterion[];
	/**
	 * A way past a failure of this step that the operator may take with a typed, logged reason (the
	 * backup's "reset without a verified backup"): offered among the recovery choices.
	 */
	readonly override?: {readonly label: string; apply(context: StepContext, reason: string): void};
	/** Known failures of this step and their fixes. */
	readonly hints?: readonly HintRule[];
};

/** Thrown by a step to send the run back to an earlier step (the operator chose another commit). */
export class GoBack extends Error {
	readonly to: StepId;

	constructor(to: StepId) {
		super(`back to ${to}`);
		this.name = 'GoBack';
		this.to = to;
	}
}

/** Thrown by a verifying step: checks ran, and some failed. */
export class VerificationFailed extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'VerificationFailed';
	}
}

/** A step's declared command by id (an unknown id is a bug in the step). */
export function declared(commands: readonly PlannedCommand[], id: string): PlannedCommand {
	const found = commands.find(command => command.id === id);
	if (!found) throw new Error(`no command ${id} among ${commands.map(command => command.id).join(', ')}`);
	return found;
}
