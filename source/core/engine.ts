/**
 * The runbook engine: runs step descriptions in order over one SSH connection, asks the operator
 * where a step needs a person, offers recovery when a step fails, and emits a typed event for
 * everything it does. It imports nothing from the UI.
 */
import type {Config} from './config/schema.js';
import {computeCriteria, outcomeOf} from './criteria.js';
import {CommandFailedError, ConnectionLostError, errorMessage, OperatorAborted, StopRequestedError, UserError} from './errors.js';
import {applyFix, FIX_RERUN_FROM} from './fixes.js';
import {FIX_LABELS, matchHints, type HintContext} from './hints.js';
import {Journal, newRunId, readJournal, REPORT_FILE} from './journal.js';
import {LineBatcher} from './line-batcher.js';
import {Redactor} from './redact.js';
import {connectToServer} from './remote/connect.js';
import type {ExecResult, Remote} from './remote/ssh.js';
import {writeReport} from './report.js';
import {GoBack, VerificationFailed, type PlanView, type RunCommandOptions, type RunFlags, type StepContext, type StepDefinition} from './step.js';
import {ROLLBACK_STEPS} from './steps/index.js';
import {
	EXIT,
	type Answer,
	type EventListener,
	type Hint,
	type LogLevel,
	type Outcome,
	type PlannedCommand,
	type Question,
	type RecoveryChoice,
	type RunEvent,
	type RunFacts,
	type RunKind,
	type StepId,
} from './types.js';

export type EngineOptions = {
	readonly config: Config;
	readonly configPath: string | null;
	readonly kind: RunKind;
	readonly operator: import('./types.js').Operator;
	readonly flags: RunFlags;
	/** Where the journal and report go; null keeps nothing on disk (dry runs, some tests). */
	readonly runsDir: string | null;
	readonly steps?: readonly StepDefinition[];
	readonly initialFacts?: Partial<RunFacts>;
	readonly hintContext?: HintContext;
	readonly env?: NodeJS.ProcessEnv;
	/** Opens the SSH connection; the default reads the config's ssh section. */
	readonly connect?: (context: {ask: (question: Question) => Promise<unknown>; note: (text: string) => void; addSecret: (secret: string) => void}) => Promise<Remote>;
	readonly runId?: string;
	/** Secrets known before the run starts (passwords and tokens read from env or files). */
	readonly secrets?: readonly string[];
	/** The rehearsal's scorecard: lines shown at the end and a section appended to the report. */
	readonly scorecard?: (input: ScorecardInput) => {notes: string[]; markdown: string};
};

export type ScorecardInput = {
	readonly events: readonly RunEvent[];
	readonly criteria: readonly import('./types.js').Criterion[];
	readonly outcome: Outcome;
	readonly totalMs: number;
};

export type RunResult = {
	readonly runId: string;
	readonly outcome: Outcome;
	readonly exitCode: number;
	readonly facts: RunFacts;
	readonly reportPath: string | null;
	readonly journalPath: string | null;
	readonly message: string;
};

type StepRecord = {state: 'pending' | 'succeeded' | 'failed' | 'skipped'; summary?: string; durationMs?: number; skipReason?: string};

class AbortRun extends Error {
	readonly outcome: Outcome;
	constructor(outcome: Outcome, message: string) {
		super(message);
		this.outcome = outcome;
	}
}

export class Engine {
	readonly runId: string;
	readonly redactor = new Redactor();
	readonly steps: readonly StepDefinition[];
	#config: Config;
	readonly #options: EngineOptions;
	readonly #listeners = new Set<EventListener>();
	readonly #facts: RunFacts;
	readonly #records = new Map<StepId, StepRecord>();
	readonly #stamp: string;
	readonly #startedAt = Date.now();
	#journal: Journal | null = null;
	#remote: Remote | null = null;
	#currentStep: StepDefinition | null = null;
	#stepAbort = new AbortController();
	#stopRequested = false;
	#commandCounter = 0;
	/** SSH connections this run opened (one, unless a lost link forced a reconnect). */
	#connections = 0;
	/** Server commands that must run before the run ends (see StepContext.deferCleanup). */
	readonly #cleanups = new Map<string, {stepId: StepId; planned: PlannedCommand}>();
	#finished = false;

	constructor(options: EngineOptions) {
		this.#options = options;
		this.#config = options.config;
		this.steps = options.steps ?? ROLLBACK_STEPS;
		this.runId = options.runId ?? newRunId();
		this.#stamp = new Date(this.#startedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
		this.#facts = {...options.initialFacts};
		for (const secret of options.secrets ?? []) this.redactor.add(secret);
		for (const step of this.steps) this.#records.set(step.id, {state: 'pending'});
	}

	get config(): Config {
		return this.#config;
	}

	get facts(): RunFacts {
		return this.#facts;
	}

	subscribe(listener: EventListener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** The plan: every step's commands in order, as far as they are known before connecting. */
	plan(): Array<{step: StepDefinition; commands: PlannedCommand[]}> {
		const view = this.#view();
		return this.steps.map(step => ({step, commands: step.commands(view)}));
	}

	/** Records a wrong turn (the UI reports the operator's slips; the engine its own). */
	wrongTurn(text: string): void {
		if (this.#finished) return;
		this.#emit({type: 'wrong-turn', at: now(), ...(this.#currentStep ? {stepId: this.#currentStep.id} : {}), text});
	}

	/**
	 * Asks the run to stop. A step that may be cut short is aborted now; the reset is allowed to
	 * finish, and the run stops right after it.
	 */
	requestStop(): void {
		if (this.#finished) return;
		const first = !this.#stopRequested;
		this.#stopRequested = true;
		if (first) this.#emit({type: 'stop-requested', at: now(), ...(this.#currentStep ? {stepId: this.#currentStep.id} : {})});
		if (!this.#currentStep || this.#currentStep.interruptible) {
			this.#stepAbort.abort(new StopRequestedError());
		} else if (first) {
			this.#note('warning', `${this.#currentStep.title} is running and must not be cut in half: rewind stops as soon as it ends.`, this.#currentStep.id);
		}
	}

	async run(): Promise<RunResult> {
		if (this.#options.runsDir !== null) this.#journal = new Journal(this.#options.runsDir, this.runId, this.redactor);
		const view = this.#view();
		this.#emit({
			type: 'run-started',
			at: now(),
			runId: this.runId,
			kind: this.#options.kind,
			steps: this.steps.map(step => ({id: step.id, title: step.title})),
			plan: this.steps.map(step => ({stepId: step.id, commands: step.commands(view)})),
			configPath: this.#options.configPath,
			appName: this.#config.app.name,
		});
		if (Object.keys(this.#facts).length > 0) this.#emit({type: 'fact', at: now(), facts: this.#facts});
		let outcome: Outcome = 'succeeded';
		let message = '';
		try {
			await this.#runSteps();
		} catch (error) {
			if (error instanceof AbortRun) {
				outcome = error.outcome;
				message = error.message;
			} else if (error instanceof StopRequestedError) {
				outcome = 'interrupted';
				message = error.message;
			} else if (error instanceof UserError && (error.exitCode === EXIT.refused || error.exitCode === EXIT.usage)) {
				outcome = error.exitCode === EXIT.refused ? 'refused' : 'bad-input';
				message = error.message;
			} else {
				outcome = 'failed';
				message = errorMessage(error);
			}
		}
		return this.#finish(outcome, message);
	}

	async #runSteps(): Promise<void> {
		for (let index = 0; index < this.steps.length; index++) {
			const step = this.steps[index]!;
			if (this.#stopRequested) throw new StopRequestedError(`Stopped before ${step.title}.`);
			const next = await this.#runStep(step);
			if (next !== undefined) {
				const target = this.steps.findIndex(candidate => candidate.id === next);
				if (target === -1) throw new Error(`no step ${next} in this run`);
				for (const later of this.steps.slice(target)) this.#records.set(later.id, {state: 'pending'});
				index = target - 1;
			}
		}
	}

	/** Runs one step to success or skip; returns a step id to continue from instead of the next. */
	async #runStep(step: StepDefinition): Promise<StepId | undefined> {
		this.#currentStep = step;
		this.#stepAbort = new AbortController();
		const context = this.#context(step);
		const skipReason = await step.skip?.(context);
		if (skipReason !== undefined) {
			this.#records.set(step.id, {state: 'skipped', skipReason});
			this.#emit({type: 'step-skipped', at: now(), stepId: step.id, reason: skipReason});
			return undefined;
		}
		let retriedWithoutFix: string | undefined;
		for (let attempt = 1; ; attempt++) {
			const started = Date.now();
			this.#emit({type: 'step-started', at: now(), stepId: step.id});
			try {
				const summary = await step.run(context);
				const durationMs = Date.now() - started;
				this.#records.set(step.id, {state: 'succeeded', summary, durationMs});
				this.#emit({type: 'step-succeeded', at: now(), stepId: step.id, durationMs, summary});
				if (this.#stopRequested) throw new StopRequestedError(`Stopped after ${step.title}.`);
				return undefined;
			} catch (error) {
				if (error instanceof GoBack) {
					this.#emit({type: 'step-skipped', at: now(), stepId: step.id, reason: `back to ${error.to}`});
					return error.to;
				}
				const durationMs = Date.now() - started;
				const stopped = error instanceof StopRequestedError || (this.#stopRequested && this.#stepAbort.signal.aborted);
				const connectionLost = error instanceof ConnectionLostError || (this.#remote?.closed === true && step.id !== 'connect');
				const text = describeFailure(error);
				this.#records.set(step.id, {state: 'failed', durationMs});
				this.#emit({type: 'step-failed', at: now(), stepId: step.id, durationMs, error: this.redactor.redact(text), ...(connectionLost ? {connectionLost} : {})});
				if (connectionLost && !step.interruptible) {
					this.#note(
						'error',
						`The connection was lost while ${step.title} was running: it may have finished on the server or not. ` +
							'rewind resume checks the server (its HEAD) before doing anything else.',
						step.id,
					);
				}
				if (stopped) throw new StopRequestedError(`Stopped during ${step.title}.`);
				if (error instanceof OperatorAborted) throw new AbortRun('aborted', `${step.title}: ${error.message}`);
				// Refusals and bad input are not fixed by retrying: they end the run.
				if (error instanceof UserError && (error.exitCode === EXIT.refused || error.exitCode === EXIT.usage)) throw error;
				const hints = this.#hintsFor(step.id, error, text, connectionLost);
				if (retriedWithoutFix !== undefined && retriedWithoutFix === hints.map(hint => hint.id).join(',')) {
					this.wrongTurn(`retried ${step.title} without the suggested fix, and it failed the same way`);
				}
				retriedWithoutFix = undefined;
				for (const hint of hints) this.#emit({type: 'hint', at: now(), stepId: step.id, hint});
				const choice = await this.#askRecovery(step, text, hints, connectionLost, error);
				if (choice.choice === 'abort') {
					const outcome: Outcome = error instanceof VerificationFailed ? 'verification-failed' : 'failed';
					throw new AbortRun(outcome, `${step.title} failed: ${firstLine(this.redactor.redact(text))}`);
				}
				if (choice.choice === 'override-backup') {
					if (hints.some(hint => hint.fix !== undefined)) this.wrongTurn('reset without a verified backup although rewind offered a fix');
					return undefined;
				}
				if (choice.choice === 'retry' && hints.some(hint => hint.fix !== undefined)) retriedWithoutFix = hints.map(hint => hint.id).join(',');
				if (choice.choice === 'reconnect' || connectionLost) await this.#reconnect();
				if (choice.choice === 'fix' && choice.fix) {
					this.#config = applyFix(this.#config, choice.fix, this.#options.hintContext ?? {});
					this.#note('info', `Applied: ${FIX_LABELS[choice.fix]}.`, step.id);
					const from = FIX_RERUN_FROM[choice.fix];
					if (from !== step.id && this.steps.some(candidate => candidate.id === from)) return from;
				}
				this.#note('info', `Retrying ${step.title} (attempt ${attempt + 1}).`, step.id);
			}
		}
	}

	#hintsFor(stepId: StepId, error: unknown, text: string, connectionLost: boolean): Hint[] {
		const output = error instanceof CommandFailedError ? `${text}\n${error.output}` : text;
		const context: HintContext = {
			...this.#options.hintContext,
			buildConfigured: this.#config.build.commands.length > 0,
			...(this.#config.reload.method === 'pythonanywhere-api' && this.#config.reload.tokenEnv ? {tokenEnv: this.#config.reload.tokenEnv} : {}),
		};
		const hints = matchHints(connectionLost ? `SSH connection lost\n${output}` : output, stepId, context);
		return hints;
	}

	async #askRecovery(step: StepDefinition, text: string, hints: readonly Hint[], connectionLost: boolean, error: unknown): Promise<{choice: RecoveryChoice; fix?: import('./types.js').FixId}> {
		const choices: RecoveryChoice[] = [];
		if (connectionLost) choices.push('reconnect');
		else if (step.id !== 'connect' || !(error instanceof UserError) || error.exitCode !== EXIT.usage) choices.push('retry');
		if (hints.some(hint => hint.fix !== undefined)) choices.push('fix');
		if (step.id === 'backup') choices.push('override-backup');
		choices.push('abort');
		const question = {kind: 'recover', stepId: step.id, error: this.redactor.redact(text), hints, choices} as const;
		const answer = await this.#ask(step.id, question);
		if (answer.choice === 'override-backup') {
			const reason = await this.#ask(step.id, {kind: 'override-reason'});
			if (reason === null || reason.trim() === '') return {choice: 'abort'};
			this.#recordBackupOverride(reason.trim(), step.id);
			return {choice: 'override-backup'};
		}
		if (answer.choice === 'fix' && answer.fix === undefined) {
			const fix = hints.find(hint => hint.fix !== undefined)?.fix;
			return fix === undefined ? {choice: 'retry'} : {choice: 'fix', fix};
		}
		return answer;
	}

	/** Records an explicit, logged decision to reset without a verified backup. */
	#recordBackupOverride(reason: string, stepId: StepId): void {
		this.#setFacts({backupOverride: {reason, at: now()}});
		this.#records.set(stepId, {state: 'skipped', skipReason: `overridden: ${reason}`});
		this.#emit({type: 'step-skipped', at: now(), stepId, reason: `overridden by the operator: ${reason}`});
		this.#note('warning', `Backup overridden by the operator: "${reason}". The reset will run without a verified backup.`, stepId);
	}

	async #reconnect(): Promise<void> {
		const old = this.#remote;
		this.#remote = null;
		if (old && !old.closed) await old.close().catch(() => {});
		this.#note('info', 'Reconnecting over SSH.');
		this.#remote = await this.#openConnection();
		this.#setFacts({sshConnections: this.#connections});
	}

	async #openConnection(): Promise<Remote> {
		this.#connections++;
		const helpers = {
			ask: (question: Question) => this.#ask(this.#currentStep?.id ?? 'connect', question),
			note: (text: string) => this.#note('info', text),
			addSecret: (secret: string) => this.redactor.add(secret),
		};
		if (this.#options.connect) return this.#options.connect(helpers);
		const {session} = await connectToServer(this.#config.ssh, {...helpers, ...(this.#options.env ? {env: this.#options.env} : {})});
		return session;
	}

	async #ask<Q extends Question>(stepId: StepId, question: Q): Promise<Answer<Q>> {
		this.#emit({type: 'step-waiting', at: now(), stepId, question: question.kind});
		const answer = await this.#options.operator.ask(question, this.#stepAbort.signal);
		this.#emit({type: 'operator', at: now(), stepId, question: question.kind, answer: describeAnswer(question, answer)});
		this.#emit({type: 'step-resumed', at: now(), stepId});
		return answer;
	}

	#context(step: StepDefinition): StepContext {
		const engine = this;
		const view = this.#view();
		return {
			...view,
			get config() {
				return engine.#config;
			},
			get facts() {
				return engine.#facts;
			},
			stepId: step.id,
			redactor: this.redactor,
			hintContext: this.#options.hintContext ?? {},
			get signal() {
				return engine.#stepAbort.signal;
			},
			remote: () => {
				if (!this.#remote) throw new ConnectionLostError('not connected');
				return this.#remote;
			},
			connect: async () => {
				this.#remote = await this.#openConnection();
				this.#setFacts({sshConnections: this.#connections});
				return this.#remote;
			},
			setFacts: facts => this.#setFacts(facts),
			commands: () => step.commands(this.#view()),
			run: (commandId, options) => {
				const planned = step.commands(this.#view()).find(command => command.id === commandId);
				if (!planned) throw new Error(`step ${step.id} declares no command ${commandId}`);
				return this.runPlanned(step.id, planned, options);
			},
			runPlanned: (planned, options) => this.runPlanned(step.id, planned, options),
			record: (commandId, work) => {
				const planned = step.commands(this.#view()).find(command => command.id === commandId);
				if (!planned) throw new Error(`step ${step.id} declares no command ${commandId}`);
				return this.recordPlanned(step.id, planned, work);
			},
			ask: question => this.#ask(step.id, question),
			note: (level, text) => this.#note(level, text, step.id),
			progress: (label, values) => this.#emit({type: 'progress', at: now(), stepId: step.id, label, ...values}),
			hint: hint => this.#emit({type: 'hint', at: now(), stepId: step.id, hint}),
			deferCleanup: (key, planned) => this.#cleanups.set(key, {stepId: step.id, planned}),
			runCleanup: key => this.#runCleanup(key),
			cancelCleanup: key => void this.#cleanups.delete(key),
		};
	}

	/** Runs a planned server command: records it, streams its output in batches, throws on failure. */
	async runPlanned(stepId: StepId, planned: PlannedCommand, options: RunCommandOptions = {}): Promise<ExecResult> {
		const remote = this.#remote;
		if (!remote) throw new ConnectionLostError('not connected');
		const commandId = `${planned.id}#${++this.#commandCounter}`;
		const startedAt = now();
		const started = Date.now();
		this.#emit({type: 'command-started', at: startedAt, stepId, commandId, where: planned.where, display: this.redactor.redact(planned.display), ...(options.quiet ? {quiet: true} : {})});
		const stream = options.stream ?? true;
		const batcher = new LineBatcher(lines => this.#emit({type: 'output', at: now(), stepId, commandId, lines: lines.map(line => this.redactor.redact(line))}));
		const lineReader = options.onStdoutLine ? new LineBatcher(lines => lines.forEach(line => options.onStdoutLine!(line) && batcher.push('out', `${line}\n`)), 0) : undefined;
		const onStdout = lineReader
			? (chunk: Buffer) => {
					lineReader.push('out', chunk);
					lineReader.flush();
				}
			: stream
				? (chunk: Buffer) => batcher.push('out', chunk)
				: undefined;
		try {
			const result = await remote.exec(planned.display, {
				signal: this.#stepAbort.signal,
				...(options.stdin === undefined ? {} : {stdin: options.stdin}),
				...(options.captureLimit === undefined ? {} : {captureLimit: options.captureLimit}),
				...(options.stdoutTo === undefined ? {} : {stdoutTo: options.stdoutTo}),
				...(onStdout ? {onStdout} : {}),
				...(stream ? {onStderr: (chunk: Buffer) => batcher.push('err', chunk)} : {}),
			});
			lineReader?.flush(true);
			batcher.flush(true);
			this.#emit({type: 'command-finished', at: now(), stepId, commandId, startedAt, exitCode: result.exitCode, durationMs: Date.now() - started});
			if (result.aborted && this.#stopRequested) throw new StopRequestedError();
			if (result.exitCode !== 0 && !options.allowFailure) {
				const output = `${result.stderr}\n${result.stdout}`.trim();
				const code = result.exitCode === null ? `was killed (${result.exitSignal ?? 'no exit status'})` : `exited ${result.exitCode}`;
				throw new CommandFailedError(`${planned.purpose}: the command ${code}${output ? `: ${lastLines(output, 3)}` : ''}`, result.exitCode, output);
			}
			return result;
		} catch (error) {
			batcher.flush(true);
			if (!(error instanceof CommandFailedError) && !(error instanceof StopRequestedError)) {
				this.#emit({type: 'command-finished', at: now(), stepId, commandId, startedAt, exitCode: null, durationMs: Date.now() - started, error: this.redactor.redact(errorMessage(error))});
			}
			throw error;
		}
	}

	/** Records a non-shell command (HTTP, database, local) with its timing and outcome. */
	async recordPlanned<T>(stepId: StepId, planned: PlannedCommand, work: () => Promise<T>): Promise<T> {
		const commandId = `${planned.id}#${++this.#commandCounter}`;
		const startedAt = now();
		const started = Date.now();
		this.#emit({type: 'command-started', at: startedAt, stepId, commandId, where: planned.where, display: this.redactor.redact(planned.display)});
		try {
			const result = await work();
			this.#emit({type: 'command-finished', at: now(), stepId, commandId, startedAt, exitCode: 0, durationMs: Date.now() - started});
			return result;
		} catch (error) {
			this.#emit({type: 'command-finished', at: now(), stepId, commandId, startedAt, exitCode: 1, durationMs: Date.now() - started, error: this.redactor.redact(errorMessage(error))});
			throw error;
		}
	}

	#view(): PlanView {
		return {config: this.#config, facts: this.#facts, runId: this.runId, kind: this.#options.kind, flags: this.#options.flags, stamp: this.#stamp};
	}

	#setFacts(facts: Partial<RunFacts>): void {
		Object.assign(this.#facts, facts);
		this.#emit({type: 'fact', at: now(), facts});
	}

	#note(level: LogLevel, text: string, stepId?: StepId): void {
		this.#emit({type: 'note', at: now(), level, text: this.redactor.redact(text), ...(stepId ? {stepId} : {})});
	}

	#emit(event: RunEvent): void {
		this.#journal?.write(event);
		for (const listener of this.#listeners) listener(event);
	}

	async #finish(outcome: Outcome, message: string): Promise<RunResult> {
		this.#currentStep = null;
		await this.#runPendingCleanups();
		if (this.#remote && !this.#remote.closed) await this.#remote.close().catch(() => {});
		const criteria = computeCriteria(this.#config, this.#facts, this.#records);
		const finalOutcome = outcomeOf(outcome, criteria);
		const totalMs = Date.now() - this.#startedAt;
		const rollbackMs =
			this.#facts.rollbackStartedAt && this.#facts.rollbackFinishedAt
				? Date.parse(this.#facts.rollbackFinishedAt) - Date.parse(this.#facts.rollbackStartedAt)
				: null;
		const exitCode = exitCodeFor(finalOutcome);
		const finalMessage = message || summaryFor(finalOutcome, this.#facts, this.#options.kind);
		const journalPath = this.#journal?.file ?? null;
		let extras = '';
		if (this.#options.scorecard && this.#journal) {
			const card = this.#options.scorecard({events: readJournal(this.#journal.file).events, criteria, outcome: finalOutcome, totalMs});
			for (const note of card.notes) this.#note('info', note);
			extras = card.markdown;
		}
		let reportPath: string | null = null;
		if (this.#journal) {
			reportPath = `${this.#journal.dir}/${REPORT_FILE}`;
			writeReport(reportPath, {
				runId: this.runId,
				kind: this.#options.kind,
				config: this.#config,
				facts: this.#facts,
				criteria,
				outcome: finalOutcome,
				message: finalMessage,
				totalMs,
				rollbackMs,
				journalFile: this.#journal.file,
				redactor: this.redactor,
				extras,
			});
		}
		this.#finished = true;
		this.#emit({type: 'run-finished', at: now(), outcome: finalOutcome, exitCode, criteria, totalMs, rollbackMs, reportPath, journalPath, message: this.redactor.redact(finalMessage)});
		return {runId: this.runId, outcome: finalOutcome, exitCode, facts: this.#facts, reportPath, journalPath, message: finalMessage};
	}

	async #runCleanup(key: string): Promise<boolean> {
		const cleanup = this.#cleanups.get(key);
		if (!cleanup) return true;
		if (!this.#remote || this.#remote.closed) return false;
		// At the end of a run (no current step) the stop signal may be spent: cleanups get a fresh one.
		if (!this.#currentStep) this.#stepAbort = new AbortController();
		await this.runPlanned(cleanup.stepId, cleanup.planned, {stream: false});
		this.#cleanups.delete(key);
		return true;
	}

	/** Runs every cleanup still registered, reconnecting once if the connection was lost. */
	async #runPendingCleanups(): Promise<void> {
		if (this.#cleanups.size === 0) return;
		if (!this.#remote || this.#remote.closed) {
			try {
				this.#note('info', `Reconnecting to clean up on the server (${[...this.#cleanups.values()].map(cleanup => cleanup.planned.purpose).join(', ')}).`);
				this.#remote = await this.#openConnection();
				this.#setFacts({sshConnections: this.#connections});
			} catch (error) {
				this.#note('error', `Could not reconnect to clean up (${errorMessage(error)}). Left on the server: ${[...this.#cleanups.values()].map(cleanup => cleanup.planned.purpose).join('; ')}.`);
				return;
			}
		}
		for (const key of [...this.#cleanups.keys()]) {
			const cleanup = this.#cleanups.get(key)!;
			try {
				await this.#runCleanup(key);
			} catch (error) {
				this.#note('error', `Could not ${cleanup.planned.purpose} (${errorMessage(error)}).`, cleanup.stepId);
			}
		}
	}
}

function now(): string {
	return new Date().toISOString();
}

function firstLine(text: string): string {
	return text.split('\n')[0] ?? text;
}

function lastLines(text: string, count: number): string {
	return text.split('\n').filter(line => line.trim() !== '').slice(-count).join(' | ');
}

function describeFailure(error: unknown): string {
	if (error instanceof CommandFailedError) return error.message;
	return errorMessage(error);
}

function describeAnswer(question: Question, answer: unknown): string {
	switch (question.kind) {
		case 'passphrase':
			return answer === null ? 'none given' : 'given';
		case 'pick-target':
			return answer === null ? 'aborted' : (answer as {hash: string}).hash;
		case 'recover':
			return JSON.stringify(answer);
		default:
			return typeof answer === 'string' ? answer : JSON.stringify(answer);
	}
}

export function exitCodeFor(outcome: Outcome): number {
	switch (outcome) {
		case 'succeeded':
			return EXIT.ok;
		case 'interrupted':
			return EXIT.interrupted;
		case 'refused':
			return EXIT.refused;
		case 'bad-input':
			return EXIT.usage;
		default:
			return EXIT.failed;
	}
}

function summaryFor(outcome: Outcome, facts: RunFacts, kind: RunKind): string {
	const target = facts.target?.shortHash ?? 'the target';
	const moved = kind === 'undo' ? 'Rolled forward' : 'Rolled back';
	switch (outcome) {
		case 'succeeded':
			return `${moved} to ${target} and verified.`;
		case 'verification-failed':
			return `${moved} to ${target}, but verification failed.`;
		case 'interrupted':
			return 'Stopped at the operator’s request.';
		case 'aborted':
			return 'Aborted by the operator.';
		case 'refused':
			return 'Refused.';
		case 'bad-input':
			return 'Stopped: the input needs fixing.';
		default:
			return 'The rollback failed.';
	}
}
