/**
 * What a step is: a title, the commands it declares (so the dry-run plan, the live screen, the
 * journal and the report all come from one description) and the code that runs them.
 */
import type {Config} from './config/schema.js';
import type {HintContext} from './hints.js';
import type {Redactor} from './redact.js';
import type {ExecResult, Remote} from './remote/ssh.js';
import type {Answer, Hint, LogLevel, PlannedCommand, Question, RunFacts, RunKind, StepId} from './types.js';

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
};

export type RunCommandOptions = {
	/** Do not throw when the command exits non-zero. */
	readonly allowFailure?: boolean;
	readonly stdin?: string;
	/** Show the output in the live tail and the journal (default true). */
	readonly stream?: boolean;
	/** A read-only lookup, kept out of the run's on-screen log (still journaled). */
	readonly quiet?: boolean;
	readonly captureLimit?: number;
	readonly stdoutTo?: import('node:stream').Writable;
	/** Called with each whole stdout line (for progress reports); a line it returns true for is also shown and journaled. */
	readonly onStdoutLine?: (line: string) => boolean;
};

export type StepContext = PlanView & {
	readonly stepId: StepId;
	readonly redactor: Redactor;
	readonly hintContext: HintContext;
	/** Aborted when the operator stops the run (never during a step that must not be cut short). */
	readonly signal: AbortSignal;
	remote(): Remote;
	/** Opens the run's one SSH connection (the connect step) or a new one after a loss. */
	connect(): Promise<Remote>;
	setFacts(facts: Partial<RunFacts>): void;
	/** The step's declared commands, rendered with what is known now. */
	commands(): PlannedCommand[];
	/** Runs one of the step's declared server commands by id; records and streams it. */
	run(commandId: string, options?: RunCommandOptions): Promise<ExecResult>;
	/** Runs a server command built by one of the step's own command builders (paged or parameterised). */
	runPlanned(planned: PlannedCommand, options?: RunCommandOptions): Promise<ExecResult>;
	/** Records a declared non-shell command (HTTP, database, local) around `work`. */
	record<T>(commandId: string, work: () => Promise<T>): Promise<T>;
	ask<Q extends Question>(question: Q): Promise<Answer<Q>>;
	note(level: LogLevel, text: string): void;
	progress(label: string, values: {bytes?: number; fraction?: number; elapsedMs: number}): void;
	hint(hint: Hint): void;
	/**
	 * Registers a server command that must run before the run ends, whatever happens (release the
	 * lock, remove a password file, stop a dump orphaned by a lost connection). The engine runs what
	 * is still registered at the end, reconnecting if the connection was lost.
	 */
	deferCleanup(key: string, planned: PlannedCommand): void;
	/** Runs a registered cleanup now (if the connection is up) and forgets it; false if it could not run. */
	runCleanup(key: string): Promise<boolean>;
	/** Forgets a registered cleanup that is no longer needed. */
	cancelCleanup(key: string): void;
};

export type StepDefinition = {
	readonly id: StepId;
	readonly title: string;
	/** False for steps that must finish once started (the reset): a stop waits for them. */
	readonly interruptible: boolean;
	commands(view: PlanView): PlannedCommand[];
	/** A reason to skip the step, decided when its turn comes. */
	skip?(context: StepContext): Promise<string | undefined> | string | undefined;
	/** Runs the step; returns a one-line summary. */
	run(context: StepContext): Promise<string>;
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

/** Thrown by the verify step: checks ran, and some failed. */
export class VerificationFailed extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'VerificationFailed';
	}
}

/** Renders a possibly unknown value for a plan: the value, or `<name>`. */
export function known(value: string | undefined, placeholder: string): string {
	return value === undefined || value === '' ? `<${placeholder}>` : value;
}
