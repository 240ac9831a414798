/**
 * Types shared by the runbook engine, its steps, the journal and every renderer.
 * Nothing here imports React or any I/O library.
 */

export const STEP_STATES = ['pending', 'running', 'waiting-for-operator', 'succeeded', 'failed', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

export type StepId =
	| 'connect'
	| 'lock'
	| 'preflight'
	| 'pick-target'
	| 'backup'
	| 'confirm'
	| 'reset'
	| 'build'
	| 'reload'
	| 'verify';

/** Where a planned command runs. */
export type CommandWhere = 'server' | 'local' | 'http' | 'database';

/** One command as the plan, the live screen, the journal and the report show it. */
export type PlannedCommand = {
	readonly id: string;
	readonly where: CommandWhere;
	/** The literal command (placeholders such as `<target>` where a value is not known yet). */
	readonly display: string;
	/** Why the step runs it, in a few words. */
	readonly purpose: string;
};

export type Commit = {
	readonly hash: string;
	readonly shortHash: string;
	readonly parents: readonly string[];
	/** ISO 8601 author date. */
	readonly date: string;
	readonly author: string;
	readonly subject: string;
};

export type ChangeFlag = 'migration' | 'lockfile' | 'frontend-config' | 'dependency-manifest';

export type ChangedFile = {
	readonly path: string;
	readonly added: number | undefined;
	readonly removed: number | undefined;
	readonly flags: readonly ChangeFlag[];
};

/** What rolling back to a target would undo. */
export type RollbackImpact = {
	readonly target: string;
	readonly commitsUndone: readonly Commit[];
	/** Commits the target has that HEAD does not (an undo moves forward). */
	readonly commitsAdded: readonly Commit[];
	readonly files: readonly ChangedFile[];
	/** The target is not an ancestor of HEAD: the reset moves sideways or forward. */
	readonly targetIsAncestor: boolean;
};

export type TableFingerprint = {
	readonly name: string;
	readonly rows: number;
	readonly checksum: string | null;
};

export type DatabaseFingerprint = {
	readonly database: string;
	readonly takenAt: string;
	readonly tables: readonly TableFingerprint[];
};

export type FingerprintDifference = {
	readonly table: string;
	readonly kind: 'missing' | 'added' | 'rows' | 'checksum';
	readonly before?: string;
	readonly after?: string;
};

export type BackupRecord = {
	readonly path: string;
	readonly bytes: number;
	readonly sha256: string;
	readonly verified: boolean;
	readonly restoreCommand: string;
	readonly localCopy?: {readonly path: string; readonly sha256: string};
};

export type BackupOverride = {readonly reason: string; readonly at: string};

export type DirtySave = {
	readonly files: readonly string[];
	readonly patchPath?: string;
	readonly untrackedArchive?: string;
	readonly stashCommit?: string;
	/** Hash of `git status --porcelain` at the time of saving; the reset refuses if it changed. */
	readonly statusDigest: string;
};

export type LockHolder = {
	readonly runId: string;
	readonly operator: string;
	readonly localHost: string;
	readonly pid: number;
	readonly startedAt: string;
	readonly reason: string;
};

export type TextCheck = {readonly kind: 'contains' | 'absent'; readonly text: string; readonly ok: boolean};

export type HttpObservation = {
	readonly attempt: number;
	readonly at: string;
	readonly status: number | null;
	readonly note: string;
};

/** Facts a run establishes; the report and a resumed run are built from them. */
export type RunFacts = {
	sshTarget?: string;
	appDir?: string;
	fromHead?: string;
	fromBranch?: string;
	target?: Commit;
	impact?: RollbackImpact;
	dirty?: DirtySave;
	backup?: BackupRecord;
	backupOverride?: BackupOverride;
	fingerprintBefore?: DatabaseFingerprint;
	fingerprintAfter?: DatabaseFingerprint;
	lock?: {readonly path: string; readonly takenOver?: LockHolder};
	remoteHeadAfter?: string;
	http?: {
		readonly url: string;
		readonly observations: readonly HttpObservation[];
		readonly finalStatus: number | null;
		readonly checks: readonly TextCheck[];
	};
	reloadWarning?: string;
	rollbackStartedAt?: string;
	rollbackFinishedAt?: string;
	sshConnections?: number;
};

export type CriterionStatus = 'pass' | 'fail' | 'warn' | 'skip';

export type Criterion = {
	readonly id: string;
	readonly label: string;
	readonly status: CriterionStatus;
	readonly detail: string;
};

export type Hint = {
	readonly id: string;
	readonly title: string;
	readonly advice: string;
	/** Only a warning: the step still succeeded. */
	readonly severity: 'error' | 'warning';
	readonly fix?: FixId;
};

/** Changes an operator can apply after a failure, then retry. */
export type FixId = 'use-managed-db-host' | 'add-no-tablespaces' | 'clean-install' | 'restore-build-commands' | 'reload-by-touch';

export type Outcome = 'succeeded' | 'verification-failed' | 'failed' | 'aborted' | 'interrupted' | 'refused' | 'bad-input';

// ---------------------------------------------------------------------------------------------
// Operator questions: a step that needs a person asks one and waits for the answer.

export type CommitPage = {readonly commits: readonly Commit[]; readonly hasMore: boolean};

/** What the commit picker needs from the server, paged so a huge history opens at once. */
export type CommitSource = {
	readonly head: string;
	page(offset: number, count: number): Promise<CommitPage>;
	search(query: string, limit: number): Promise<readonly Commit[]>;
	impact(target: string): Promise<RollbackImpact>;
};

export type RecoveryChoice = 'retry' | 'fix' | 'reconnect' | 'override-backup' | 'abort';

export type Question =
	| {readonly kind: 'host-key'; readonly host: string; readonly keyType: string; readonly fingerprint: string}
	| {readonly kind: 'passphrase'; readonly keyPath: string}
	| {readonly kind: 'pick-target'; readonly source: CommitSource; readonly preselect?: string}
	| {
			readonly kind: 'confirm-reset';
			readonly command: string;
			readonly appDir: string;
			readonly from: string;
			readonly target: Commit;
			readonly impact?: RollbackImpact;
			readonly backupSummary: string;
	  }
	| {readonly kind: 'dirty-tree'; readonly files: readonly string[]}
	| {readonly kind: 'stale-lock'; readonly holder: LockHolder; readonly ageMinutes: number}
	| {
			readonly kind: 'recover';
			readonly stepId: StepId;
			readonly error: string;
			readonly hints: readonly Hint[];
			readonly choices: readonly RecoveryChoice[];
	  }
	| {readonly kind: 'override-reason'}
	| {readonly kind: 'manual-reload'; readonly instructions: string};

export type Answer<Q extends Question> = Q extends {kind: 'host-key'}
	? boolean
	: Q extends {kind: 'passphrase'}
		? string | null
		: Q extends {kind: 'pick-target'}
			? Commit | null
			: Q extends {kind: 'confirm-reset'}
				? 'confirm' | 'back' | 'abort'
				: Q extends {kind: 'dirty-tree'}
					? 'save' | 'abort'
					: Q extends {kind: 'stale-lock'}
						? 'take-over' | 'abort'
						: Q extends {kind: 'recover'}
							? {choice: RecoveryChoice; fix?: FixId}
							: Q extends {kind: 'override-reason'}
								? string | null
								: Q extends {kind: 'manual-reload'}
									? 'done' | 'abort'
									: never;

/** Whoever answers questions: the TUI, or the flags of a non-interactive run. */
export type Operator = {
	ask<Q extends Question>(question: Q, signal: AbortSignal): Promise<Answer<Q>>;
};

// ---------------------------------------------------------------------------------------------
// Events: everything the engine does is an event; renderers and the journal subscribe.

export type LogLevel = 'info' | 'success' | 'warning' | 'error';

export type RunEvent =
	| {
			readonly type: 'run-started';
			readonly at: string;
			readonly runId: string;
			readonly kind: RunKind;
			readonly steps: ReadonlyArray<{readonly id: StepId; readonly title: string}>;
			readonly plan: ReadonlyArray<{readonly stepId: StepId; readonly commands: readonly PlannedCommand[]}>;
			readonly configPath: string | null;
			readonly appName: string;
	  }
	| {readonly type: 'step-started'; readonly at: string; readonly stepId: StepId}
	| {readonly type: 'step-waiting'; readonly at: string; readonly stepId: StepId; readonly question: Question['kind']}
	| {readonly type: 'step-resumed'; readonly at: string; readonly stepId: StepId}
	| {readonly type: 'step-succeeded'; readonly at: string; readonly stepId: StepId; readonly durationMs: number; readonly summary: string}
	| {
			readonly type: 'step-failed';
			readonly at: string;
			readonly stepId: StepId;
			readonly durationMs: number;
			readonly error: string;
			readonly connectionLost?: boolean;
	  }
	| {readonly type: 'step-skipped'; readonly at: string; readonly stepId: StepId; readonly reason: string}
	| {
			readonly type: 'command-started';
			readonly at: string;
			readonly stepId: StepId;
			readonly commandId: string;
			readonly where: CommandWhere;
			readonly display: string;
			/** A read-only lookup (the picker browsing history): journaled, not shown in the run's log. */
			readonly quiet?: boolean;
	  }
	| {readonly type: 'output'; readonly at: string; readonly stepId: StepId; readonly commandId: string; readonly lines: readonly string[]}
	| {
			readonly type: 'command-finished';
			readonly at: string;
			readonly stepId: StepId;
			readonly commandId: string;
			readonly startedAt: string;
			readonly exitCode: number | null;
			readonly durationMs: number;
			readonly error?: string;
	  }
	| {readonly type: 'progress'; readonly at: string; readonly stepId: StepId; readonly label: string; readonly bytes?: number; readonly elapsedMs: number; readonly fraction?: number}
	| {readonly type: 'hint'; readonly at: string; readonly stepId: StepId; readonly hint: Hint}
	| {readonly type: 'note'; readonly at: string; readonly stepId?: StepId; readonly level: LogLevel; readonly text: string}
	| {readonly type: 'fact'; readonly at: string; readonly facts: Partial<RunFacts>}
	| {readonly type: 'operator'; readonly at: string; readonly stepId: StepId; readonly question: Question['kind']; readonly answer: string}
	| {readonly type: 'stop-requested'; readonly at: string; readonly stepId?: StepId}
	/** Something a trainee (or a tired operator) did that the procedure does not want: counted in the scorecard. */
	| {readonly type: 'wrong-turn'; readonly at: string; readonly stepId?: StepId; readonly text: string}
	| {
			readonly type: 'run-finished';
			readonly at: string;
			readonly outcome: Outcome;
			readonly exitCode: number;
			readonly criteria: readonly Criterion[];
			readonly totalMs: number;
			readonly rollbackMs: number | null;
			readonly reportPath: string | null;
			readonly journalPath: string | null;
			readonly message: string;
	  };

export type RunKind = 'rollback' | 'undo' | 'resume' | 'rehearsal';

export type EventListener = (event: RunEvent) => void;

export const EXIT = {
	ok: 0,
	failed: 1,
	usage: 2,
	refused: 3,
	interrupted: 130,
} as const;
