/**
 * Data shared by the runbook engine, its steps, the journal and every renderer: commands, commits,
 * facts, criteria. Nothing here imports React or any I/O library.
 */
import type {ShellCommand} from './command.js';
import type {MigrationKind, MigrationPlan, MigrationsFound} from './migrations/model.js';
import type {ReloadEvidence, SiteCheckFact, SiteSample} from './site-acceptance.js';
import type {AssetFacts} from './asset-facts.js';

export type {HttpObservation, TextCheck} from './site-acceptance.js';

export type {MigrationKind, MigrationPlan, MigrationsFound, MigrationSummary} from './migrations/model.js';

export const STEP_STATES = ['pending', 'running', 'waiting-for-operator', 'succeeded', 'failed', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

/** A step's id: the runbook decides which steps exist; the engine knows none by name. */
export type StepId = string;

/** Where a planned command runs. */
export type CommandWhere = 'server' | 'local' | 'http' | 'database';

/** One command as the plan, the journal and the report show it (plain data). */
export type CommandView = {
	readonly id: string;
	readonly where: CommandWhere;
	/** The literal command (`<placeholders>` where a value is not known yet). */
	readonly display: string;
	/** Why the step runs it, in a few words. */
	readonly purpose: string;
	/** One line for the log when the command is long (the guarded reset, the backup script). */
	readonly headline?: string;
};

/** A step's command: a server command carries the built command object it runs; the rest describe what they do. */
export type PlannedCommand =
	| (CommandView & {
			readonly where: 'server';
			readonly command: ShellCommand;
			/** Only reads the server: it may be sent ahead, behind the command before it (one that is not read-only makes earlier answers stale). */
			readonly readOnly?: boolean;
	  })
	| (CommandView & {readonly where: 'local' | 'http' | 'database'});

export function serverCommand(id: string, purpose: string, command: ShellCommand, headline?: string): PlannedCommand {
	return {id, where: 'server', purpose, command, display: command.display, ...(headline ? {headline} : {})};
}

export type ServerCommand = Extract<PlannedCommand, {where: 'server'}>;

/** A server command that changes nothing on the server (a lookup): see `readOnly`. */
export function readOnlyCommand(id: string, purpose: string, command: ShellCommand): ServerCommand {
	return {id, where: 'server', purpose, command, display: command.display, readOnly: true};
}

export function describedCommand(id: string, where: 'local' | 'http' | 'database', purpose: string, display: string): PlannedCommand {
	return {id, where, purpose, display};
}

/** The plain-data view of a planned command (what events carry). */
export function commandView(planned: PlannedCommand): CommandView {
	return {id: planned.id, where: planned.where, display: planned.display, purpose: planned.purpose, ...(planned.headline ? {headline: planned.headline} : {})};
}

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
	/** The schema migrations the rollback crosses (when the app has migrations). */
	readonly migrations?: MigrationPlan;
};

export type ColumnShape = {readonly name: string; readonly type: string; readonly nullable: boolean; readonly key: string};

export type TableFingerprint = {
	readonly name: string;
	readonly rows: number;
	readonly checksum: string | null;
	/** Columns with their types, in order (schema comparison). */
	readonly columns?: readonly ColumnShape[];
	/** Indexes as `name(col1,col2) unique?`. */
	readonly indexes?: readonly string[];
};

export type DatabaseFingerprint = {
	readonly database: string;
	readonly takenAt: string;
	readonly tables: readonly TableFingerprint[];
	/** The migration revision(s) in the version table, when the app has migrations. */
	readonly revisions?: readonly string[];
};

export type FingerprintDifference = {
	readonly table: string;
	readonly kind: 'missing' | 'added' | 'rows' | 'checksum' | 'schema';
	readonly before?: string;
	readonly after?: string;
	/** For a schema change: the columns and indexes gone (−) and new (+). */
	readonly change?: string;
};

export type BackupRecord = {
	readonly path: string;
	readonly bytes: number;
	readonly sha256: string;
	readonly verified: boolean;
	readonly restoreCommand: string;
	/** The server HEAD and the database's migration revision(s) when it was taken. */
	readonly head?: string;
	readonly revisions?: readonly string[];
	readonly takenAt?: string;
	readonly localCopy?: {readonly path: string; readonly sha256: string};
};

export type BackupOverride = {readonly reason: string; readonly at: string};

/** What preflight saved before the reset could touch it. */
export type DirtySave = {
	readonly files: readonly string[];
	readonly patchPath?: string;
	readonly untrackedArchive?: string;
	readonly stashCommit?: string;
	/** Hash of `git status --porcelain` at the time of saving; the reset refuses if it changed. */
	readonly statusDigest: string;
};

/** Untracked or ignored files the target commit tracks: the reset would overwrite (or its undo delete) them. */
export type AtRiskSave = {
	readonly files: readonly string[];
	readonly archive: string;
	/** sha256 over the files' sha256 lines; the reset refuses if they changed since the save. */
	readonly digest: string;
};

export type LockHolder = {
	readonly runId: string;
	readonly operator: string;
	readonly localHost: string;
	/** The holder's machine (hashed machine id, boot id and PID namespace: containers differ), when it could be read. */
	readonly machine?: string;
	readonly pid: number;
	/** The holder process's start time (clock ticks since boot): a reused pid is not the holder. */
	readonly pidStart?: string;
	readonly startedAt: string;
	readonly reason: string;
};

/** Facts a run establishes; steps declare which they read and write, and the report is built from them. */
export type RunFacts = AssetFacts & {
	sshTarget?: string;
	transport?: {readonly kind: string; readonly note?: string};
	appDir?: string;
	fromHead?: string;
	fromBranch?: string;
	/** `git status` digest at preflight, before anything was saved (undo restores to it). */
	statusDigestBefore?: string;
	target?: Commit;
	impact?: RollbackImpact;
	/** Why the operator rolled back (typed at the confirmation or given with --reason). */
	reason?: string;
	dirty?: DirtySave;
	atRisk?: AtRiskSave;
	backup?: BackupRecord;
	backupOverride?: BackupOverride;
	fingerprintBefore?: DatabaseFingerprint;
	fingerprintAfter?: DatabaseFingerprint;
	lock?: {readonly path: string; readonly gitDir?: string; readonly takenOver?: LockHolder};
	/** The release history read at preflight (the newest lines). */
	history?: readonly HistoryEntry[];
	/** The run's outcome, known just before its cleanups (the release history records it). */
	runOutcome?: Outcome;
	/** The backup space check of preflight: free bytes where backups go, and the estimate of the dump. */
	backupSpace?: {readonly freeBytes: number; readonly estimateBytes: number; readonly filesystem: string};
	remoteHeadAfter?: string;
	http?: SiteCheckFact;
	reloadWarning?: string;
	/** What the site answered at preflight, before anything changed (an undo checks this page is back). */
	siteAtStart?: SiteSample;
	/** When and how the app was reloaded, and what the site answered just before. */
	reloaded?: ReloadEvidence;
	/** The rollback an undo returns from: what it saved before its reset, and the status it saw. */
	undoOf?: {
		readonly runId: string;
		readonly dirty?: DirtySave;
		readonly atRisk?: AtRiskSave;
		readonly statusDigestBefore?: string;
		/** The schema revision the rollback migrated down from: the undo migrates back up to it. */
		readonly migrations?: {readonly kind: MigrationKind; readonly from: readonly string[]};
		/** Which of the site's texts the page showed before the rollback's reload: the undo checks that page is back. */
		readonly pageBefore?: SiteSample['texts'];
		/**
		 * The rollback restored an earlier backup: the database where the rollback started (its fingerprint)
		 * and the rollback's own backup, which holds it. The undo compares with the start, not with the restore.
		 */
		readonly afterRestore?: {
			readonly restored: string;
			readonly start: DatabaseFingerprint;
			readonly ownBackup?: {readonly path: string; readonly restoreCommand: string; readonly sha256: string; readonly takenAt: string};
		};
	};
	/** What undo restored of the changes the rollback had saved. */
	restored?: {readonly from: string; readonly items: readonly string[]; readonly verified: boolean};
	rollbackStartedAt?: string;
	rollbackFinishedAt?: string;
	sshConnections?: number;
	shellStarts?: number;
	/** Round trips to the server for commands (see Host.roundTrips). */
	roundTrips?: number;
	/** The app's migrations as preflight found them: the framework, the database's revision, HEAD's version files. */
	migrationsFound?: MigrationsFound;
	/** The plan made after the pick (migrations were turned on by a fix, after the reset). */
	migrationPlan?: MigrationPlan;
	/** What the migrate step did: the revisions before and after, how. */
	migrated?: {readonly from: readonly string[]; readonly to: readonly string[]; readonly how: 'downgrade' | 'upgrade' | 'restore'; readonly at: string};
	/** Why the schema could not be migrated down (an irreversible migration, no plan): the run offered the ways out. */
	migrationBlocked?: string;
	/** The operator chose to reset the code only and leave the schema ahead. */
	migrationOverride?: {readonly reason: string; readonly at: string};
	/** An earlier backup restored instead of a downgrade (data written since it was taken is gone). */
	migrationRestore?: {readonly path: string; readonly takenAt: string; readonly reason?: string; readonly loss?: readonly string[]};
	/** An undo restored the rollback's own backup (the start), the operator's typed reason with it. */
	ownBackupRestored?: {readonly path: string; readonly reason: string; readonly at: string};
};

export type FactKey = keyof RunFacts;

export type CriterionStatus = 'pass' | 'fail' | 'warn' | 'skip';

export type Criterion = {
	readonly id: string;
	readonly label: string;
	readonly status: CriterionStatus;
	readonly detail: string;
};

/** A fix a hint can offer: a change to this run's config, then the step to run again from. */
export type FixOffer = {readonly id: string; readonly label: string};

export type Hint = {
	readonly id: string;
	readonly title: string;
	readonly advice: string;
	/** Only a warning: the step still succeeded. */
	readonly severity: 'error' | 'warning';
	readonly fix?: FixOffer;
};

export type Outcome = 'succeeded' | 'verification-failed' | 'failed' | 'aborted' | 'interrupted' | 'refused' | 'bad-input';

export type RunKind = 'rollback' | 'undo' | 'resume' | 'rehearsal';

export const EXIT = {ok: 0, failed: 1, usage: 2, refused: 3, interrupted: 130} as const;

/** One line of the release history on the server (see core/history.ts). */
export type HistoryEntry = {
	readonly runId: string;
	readonly kind: RunKind;
	readonly from: string;
	readonly to: string;
	readonly operator: string;
	/** UTC, ISO 8601. */
	readonly at: string;
	readonly outcome: Outcome;
	readonly reason?: string;
	/** The site check proved the new code answered (written since rewind proves it; older lines lack it). */
	readonly proof?: 'new-code';
	/** An undo: the run it undid. */
	readonly undoOf?: string;
	/** The config's stage the run worked on. */
	readonly stage?: string;
};
