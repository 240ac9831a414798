/** Events: everything the engine does is an event; the fold, the renderers and the journal read them. */
import type {Question} from './questions.js';
import type {AnnouncedIdentity} from './identity.js';
import type {ServerId, StepScope} from './servers.js';
import type {CommandView, CommandWhere, Criterion, Hint, Outcome, RunFacts, RunKind, StepId} from './types.js';

export type LogLevel = 'info' | 'success' | 'warning' | 'error';

/** A step as `run-started` announces it; `scope` is absent in journals written before steps had one. */
export type StepSummary = {readonly id: StepId; readonly title: string; readonly purpose: string; readonly scope?: StepScope};

/**
 * The server an event happened on: set on the events of a step that runs per server (and on the
 * facts of a server), absent for what holds for the whole run.
 */
type OnServer = {readonly server?: ServerId};

export type RunEvent =
	| {
			readonly type: 'run-started';
			readonly at: string;
			readonly runId: string;
			readonly kind: RunKind;
			readonly steps: readonly StepSummary[];
			readonly plan: ReadonlyArray<{readonly stepId: StepId; readonly commands: readonly CommandView[]}>;
			readonly configPath: string | null;
			readonly appName: string;
			/** The trainee and the drill of a rehearsal (a mystery drill without its id). */
			readonly identity?: AnnouncedIdentity;
			/** The servers the run works on, in order (absent in journals written before runs had a server scope). */
			readonly servers?: readonly ServerId[];
	  }
	| ({readonly type: 'step-started'; readonly at: string; readonly stepId: StepId} & OnServer)
	| ({readonly type: 'step-waiting'; readonly at: string; readonly stepId: StepId; readonly question: Question['kind']} & OnServer)
	| ({readonly type: 'step-resumed'; readonly at: string; readonly stepId: StepId} & OnServer)
	| ({readonly type: 'step-succeeded'; readonly at: string; readonly stepId: StepId; readonly durationMs: number; readonly summary: string} & OnServer)
	| ({
			readonly type: 'step-failed';
			readonly at: string;
			readonly stepId: StepId;
			readonly durationMs: number;
			readonly error: string;
			readonly connectionLost?: boolean;
	  } & OnServer)
	| ({readonly type: 'step-skipped'; readonly at: string; readonly stepId: StepId; readonly reason: string} & OnServer)
	/** The run goes back to an earlier step (the operator chose another commit): these steps are pending again. */
	| {readonly type: 'steps-reset'; readonly at: string; readonly to: StepId; readonly steps: readonly StepId[]; readonly reason: string}
	| ({
			readonly type: 'command-started';
			readonly at: string;
			readonly stepId: StepId;
			readonly commandId: string;
			readonly where: CommandWhere;
			readonly display: string;
			/** One line for the log (a long command's gist). */
			readonly headline?: string;
			/** A read-only lookup (the picker browsing history): journaled, not shown in the run's log. */
			readonly quiet?: boolean;
			/** Sent ahead (behind an earlier command, in the same round trip); `at` is when it was sent. */
			readonly sentAhead?: boolean;
	  } & OnServer)
	| ({readonly type: 'output'; readonly at: string; readonly stepId: StepId; readonly commandId: string; readonly lines: readonly string[]} & OnServer)
	| ({
			readonly type: 'command-finished';
			readonly at: string;
			readonly stepId: StepId;
			readonly commandId: string;
			readonly startedAt: string;
			readonly exitCode: number | null;
			readonly durationMs: number;
			readonly error?: string;
	  } & OnServer)
	| ({
			readonly type: 'progress';
			readonly at: string;
			readonly stepId: StepId;
			readonly label: string;
			readonly bytes?: number;
			readonly elapsedMs: number;
			readonly fraction?: number;
	  } & OnServer)
	| ({readonly type: 'hint'; readonly at: string; readonly stepId: StepId; readonly hint: Hint} & OnServer)
	| ({readonly type: 'note'; readonly at: string; readonly stepId?: StepId; readonly level: LogLevel; readonly text: string} & OnServer)
	| ({readonly type: 'fact'; readonly at: string; readonly facts: Partial<RunFacts>} & OnServer)
	| ({readonly type: 'operator'; readonly at: string; readonly stepId: StepId; readonly question: Question['kind']; readonly answer: string} & OnServer)
	| {readonly type: 'stop-requested'; readonly at: string; readonly stepId?: StepId; readonly reason?: string}
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
			/** A mystery drill's id, named at last. */
			readonly revealedDrill?: string;
	  };

export type EventListener = (event: RunEvent) => void;
