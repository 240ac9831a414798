/**
 * The runbook engine: runs the runbook's steps in order over one connection, asks the operator
 * where a step needs a person, offers recovery when a step fails, and emits a typed event for
 * everything. It knows no step by name. Every event is redacted, journaled as it was, then made
 * inert (inert.ts) before the fold and the listeners see it: that is the boundary between text from
 * outside and every screen and report. It imports nothing from the UI.
 */
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import type {Config} from './config/schema.js';
import {Cleanups} from './engine/cleanups.js';
import {CommandRunner} from './engine/command-runner.js';
import {Connection, type ConnectHelpers, type Connector} from './engine/connection.js';
import {stepContext, type EngineServices} from './engine/context.js';
import {Recovery} from './engine/recovery.js';
import {ConnectionLostError, errorMessage, OperatorAborted, StopRequestedError, UserError} from './errors.js';
import type {EventListener, LogLevel, RunEvent} from './events.js';
import type {HintContext} from './hints.js';
import {inertDeep, journalLine} from './inert.js';
import {Journal, newRunId, REPORT_FILE} from './journal.js';
import {collectCriteria, exitCodeFor, outcomeOf, summaryFor} from './outcome.js';
import {describeAnswer, inertQuestion, type Answer, type Operator, type Question} from './questions.js';
import {Redactor} from './redact.js';
import {initialRunState, reduceRun, type RunState} from './run-state.js';
import {GoBack, VerificationFailed, type PlanView, type RunFlags, type StepDefinition} from './step.js';
import {commandView, EXIT, type Outcome, type PlannedCommand, type RunFacts, type RunKind, type StepId} from './types.js';

export type EngineOptions = {
	readonly config: Config;
	readonly configPath: string | null;
	readonly kind: RunKind;
	readonly operator: Operator;
	readonly flags: RunFlags;
	/** The runbook: the steps in order. */
	readonly steps: readonly StepDefinition[];
	/** Opens the connection to the server. */
	readonly connect: Connector;
	/** Where the journal and report go; null keeps nothing on disk (dry runs, some tests). */
	readonly runsDir: string | null;
	readonly initialFacts?: Partial<RunFacts>;
	readonly hintContext?: HintContext;
	readonly runId?: string;
	/** Secrets known before the run starts (passwords and tokens read from env or files). */
	readonly secrets?: readonly string[];
	/** Renders the Markdown report from the final state (written next to the journal). */
	readonly renderReport?: (state: RunState) => string;
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

/** Ends the run with an outcome (an abort at a recovery question). */
class AbortRun extends Error {
	readonly outcome: Outcome;
	constructor(outcome: Outcome, message: string) {
		super(message);
		this.outcome = outcome;
	}
}

const now = () => new Date().toISOString();

export class Engine {
	readonly runId: string;
	readonly redactor = new Redactor();
	readonly steps: readonly StepDefinition[];
	#config: Config;
	readonly #options: EngineOptions;
	readonly #facts: RunFacts;
	readonly #stamp: string;
	readonly #startedAt = Date.now();
	readonly #listeners = new Set<EventListener>();
	readonly #journalListeners = new Set<(line: string) => void>();
	#state: RunState = initialRunState;
	#journal: Journal | null = null;
	#current: StepDefinition | null = null;
	#stepAbort = new AbortController();
	#stopRequested = false;
	#finished = false;
	readonly #connection: Connection;
	readonly #runner: CommandRunner;
	readonly #cleanups: Cleanups;
	readonly #recovery: Recovery;
	readonly #services: EngineServices;

	constructor(options: EngineOptions) {
		this.#options = options;
		this.#config = options.config;
		this.steps = options.steps;
		this.runId = options.runId ?? newRunId();
		this.#stamp = new Date(this.#startedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
		this.#facts = {...options.initialFacts};
		for (const secret of options.secrets ?? []) this.redactor.add(secret);
		const emit = (event: RunEvent) => this.#emit(event);
		this.#connection = new Connection(options.connect);
		this.#runner = new CommandRunner({emit, host: () => this.#connection.host, signal: () => this.#stepAbort.signal, stopRequested: () => this.#stopRequested});
		this.#cleanups = new Cleanups(this.#runner, this.#connection, (level, text, stepId) => this.#note(level, text, stepId));
		const ask = <Q extends Question>(stepId: StepId, question: Q) => this.#ask(stepId, question);
		this.#recovery = new Recovery({config: () => this.#config, hintContext: options.hintContext ?? {}, emit, ask, wrongTurn: text => this.wrongTurn(text)});
		this.#services = {
			view: () => this.#view(),
			config: () => this.#config,
			facts: () => this.#facts,
			signal: () => this.#stepAbort.signal,
			hintContext: options.hintContext ?? {},
			connection: this.#connection,
			connectHelpers: () => this.#connectHelpers(),
			runner: this.#runner,
			cleanups: this.#cleanups,
			setFacts: facts => this.#setFacts(facts),
			ask,
			note: (level, text, stepId) => this.#note(level, text, stepId),
			emit,
			secret: value => this.redactor.add(value),
		};
	}

	get config(): Config {
		return this.#config;
	}

	/** The facts as established (the original text, for steps and callers; screens read `state`). */
	get facts(): RunFacts {
		return this.#facts;
	}

	/** The fold of the run's (inert) events: what every view reads. */
	get state(): RunState {
		return this.#state;
	}

	subscribe(listener: EventListener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** The journal's lines as they are written (redacted, JSON-escaped): the `--json` stream. */
	subscribeJournal(listener: (line: string) => void): () => void {
		this.#journalListeners.add(listener);
		return () => this.#journalListeners.delete(listener);
	}

	/** The plan: every step's commands in order, as far as they are known before connecting. */
	plan(): Array<{step: StepDefinition; commands: PlannedCommand[]}> {
		const view = this.#view();
		return this.steps.map(step => ({step, commands: step.commands(view)}));
	}

	/** Records a wrong turn (the UI reports the operator's slips; the engine its own). */
	wrongTurn(text: string): void {
		if (this.#finished) return;
		this.#emit({type: 'wrong-turn', at: now(), ...(this.#current ? {stepId: this.#current.id} : {}), text});
	}

	/** Asks the run to stop: a step that may be cut short is aborted now; the reset is let finish first. */
	requestStop(reason?: string): void {
		if (this.#finished) return;
		const first = !this.#stopRequested;
		this.#stopRequested = true;
		if (first) this.#emit({type: 'stop-requested', at: now(), ...(this.#current ? {stepId: this.#current.id} : {}), ...(reason ? {reason} : {})});
		if (!this.#current || this.#current.interruptible) this.#stepAbort.abort(new StopRequestedError());
		else if (first) this.#note('warning', `${this.#current.title} is running and must not be cut in half: rewind stops as soon as it ends.`, this.#current.id);
	}

	async run(): Promise<RunResult> {
		if (this.#options.runsDir !== null) this.#journal = new Journal(this.#options.runsDir, this.runId);
		const view = this.#view();
		this.#emit({
			type: 'run-started',
			at: now(),
			runId: this.runId,
			kind: this.#options.kind,
			steps: this.steps.map(step => ({id: step.id, title: step.title, purpose: step.purpose})),
			plan: this.steps.map(step => ({stepId: step.id, commands: step.commands(view).map(commandView)})),
			configPath: this.#options.configPath,
			appName: this.#config.app.name,
		});
		if (Object.keys(this.#facts).length > 0) this.#emit({type: 'fact', at: now(), facts: this.#facts});
		try {
			await this.#runSteps();
			return await this.#finish('succeeded', '');
		} catch (error) {
			if (error instanceof AbortRun) return this.#finish(error.outcome, error.message);
			if (error instanceof StopRequestedError) return this.#finish('interrupted', error.message);
			if (error instanceof UserError && error.exitCode === EXIT.refused) return this.#finish('refused', error.message);
			if (error instanceof UserError && error.exitCode === EXIT.usage) return this.#finish('bad-input', error.message);
			return this.#finish('failed', errorMessage(error));
		}
	}

	async #runSteps(): Promise<void> {
		for (let index = 0; index < this.steps.length; index++) {
			const step = this.steps[index]!;
			if (this.#stopRequested) throw new StopRequestedError(`Stopped before ${step.title}.`);
			const back = await this.#runStep(step);
			if (back === undefined) continue;
			const target = this.steps.findIndex(candidate => candidate.id === back.to);
			if (target === -1) throw new Error(`no step ${back.to} in this run`);
			this.#emit({type: 'steps-reset', at: now(), to: back.to, steps: this.steps.slice(target).map(later => later.id), reason: back.reason});
			index = target - 1;
		}
	}

	/** Runs one step to success or skip; returns where to go back to instead of the next step. */
	async #runStep(step: StepDefinition): Promise<{to: StepId; reason: string} | undefined> {
		this.#current = step;
		this.#stepAbort = new AbortController();
		this.#recovery.reset();
		const context = stepContext(step, this.#services);
		const skipReason = await step.skip?.(context);
		if (skipReason !== undefined) {
			this.#emit({type: 'step-skipped', at: now(), stepId: step.id, reason: skipReason});
			return undefined;
		}
		for (;;) {
			const started = Date.now();
			this.#emit({type: 'step-started', at: now(), stepId: step.id});
			try {
				const summary = await step.run(context);
				this.#emit({type: 'step-succeeded', at: now(), stepId: step.id, durationMs: Date.now() - started, summary});
				if (this.#stopRequested) throw new StopRequestedError(`Stopped after ${step.title}.`);
				return undefined;
			} catch (error) {
				if (error instanceof GoBack) return {to: error.to, reason: error.message};
				const next = await this.#failed(step, error, started);
				if (next === 'continue') return undefined;
				if (next !== 'retry') return {to: next, reason: 'a fix was applied'};
			}
		}
	}

	/** A failed attempt: recorded, then the operator's recovery decides the next move. */
	async #failed(step: StepDefinition, error: unknown, started: number): Promise<'retry' | 'continue' | StepId> {
		if (error instanceof StopRequestedError || (this.#stopRequested && this.#stepAbort.signal.aborted)) {
			this.#emit({type: 'step-failed', at: now(), stepId: step.id, durationMs: Date.now() - started, error: 'stopped at the operator’s request'});
			throw new StopRequestedError(`Stopped during ${step.title}.`);
		}
		const host = this.#connection.host;
		const connectionLost = error instanceof ConnectionLostError || (!step.opensConnection && host !== null && host.closed);
		const text = errorMessage(error);
		this.#emit({type: 'step-failed', at: now(), stepId: step.id, durationMs: Date.now() - started, error: text, ...(connectionLost ? {connectionLost} : {})});
		if (connectionLost && !step.interruptible) {
			this.#note('error', `The connection was lost while ${step.title} was running: it may have finished on the server or not. rewind resume checks the server (its HEAD) before doing anything else.`, step.id);
		}
		if (error instanceof OperatorAborted) throw new AbortRun('aborted', `${step.title}: ${error.message}`);
		if (error instanceof UserError && (error.exitCode === EXIT.refused || error.exitCode === EXIT.usage)) throw error;
		const decision = await this.#recovery.decide(step, error, text, connectionLost);
		switch (decision.next) {
			case 'abort':
				throw new AbortRun(error instanceof VerificationFailed ? 'verification-failed' : 'failed', `${step.title} failed: ${text.split('\n')[0]}`);
			case 'override':
				step.override!.apply(stepContext(step, this.#services), decision.reason);
				this.#emit({type: 'step-skipped', at: now(), stepId: step.id, reason: `overridden by the operator: ${decision.reason}`});
				return 'continue';
			case 'fix':
				this.#config = decision.fix.apply(this.#config);
				this.#note('info', `Applied: ${decision.fix.label}.`, step.id);
				if (decision.fix.rerunFrom !== step.id && this.steps.some(candidate => candidate.id === decision.fix.rerunFrom)) return decision.fix.rerunFrom;
				break;
			case 'retry':
				if (decision.reconnect) {
					this.#note('info', 'Reconnecting.');
					await this.#connection.open(this.#connectHelpers());
					this.#setFacts({sshConnections: this.#connection.opened});
				}
		}
		this.#note('info', `Retrying ${step.title}.`, step.id);
		return 'retry';
	}

	#connectHelpers(): ConnectHelpers {
		return {
			ask: question => this.#ask(this.#current?.id ?? this.steps[0]?.id ?? 'run', question),
			note: text => this.#note('info', text),
			addSecret: secret => this.redactor.add(secret),
		};
	}

	/** Questions cross the same boundary as events: the screens get inert text. */
	async #ask<Q extends Question>(stepId: StepId, question: Q): Promise<Answer<Q>> {
		this.#emit({type: 'step-waiting', at: now(), stepId, question: question.kind});
		const answer = await this.#options.operator.ask(inertQuestion(question), this.#stepAbort.signal);
		this.#emit({type: 'operator', at: now(), stepId, question: question.kind, answer: describeAnswer(question, answer)});
		this.#emit({type: 'step-resumed', at: now(), stepId});
		return answer;
	}

	#view(): PlanView {
		return {config: this.#config, facts: this.#facts, runId: this.runId, kind: this.#options.kind, flags: this.#options.flags, stamp: this.#stamp};
	}

	#setFacts(facts: Partial<RunFacts>): void {
		Object.assign(this.#facts, facts);
		this.#emit({type: 'fact', at: now(), facts});
	}

	#note(level: LogLevel, text: string, stepId?: StepId): void {
		this.#emit({type: 'note', at: now(), level, text, ...(stepId ? {stepId} : {})});
	}

	#emit(event: RunEvent): void {
		const redacted = this.redactor.redactValue(event);
		const line = this.#journal ? this.#journal.write(redacted) : this.#journalListeners.size > 0 ? journalLine(redacted) : '';
		for (const listener of this.#journalListeners) listener(line);
		const shown = inertDeep(redacted);
		this.#state = reduceRun(this.#state, shown);
		for (const listener of this.#listeners) listener(shown);
	}

	async #finish(outcome: Outcome, message: string): Promise<RunResult> {
		this.#current = null;
		// Cleanups run whatever stopped the run: they get a signal of their own.
		this.#stepAbort = new AbortController();
		await this.#cleanups.runAll(this.#connectHelpers());
		await this.#connection.close();
		this.#setFacts({sshConnections: this.#connection.opened, shellStarts: this.#connection.shellStarts});
		const criteria = collectCriteria(this.steps, this.#config, this.#state);
		const finalOutcome = outcomeOf(outcome, criteria);
		const {rollbackStartedAt, rollbackFinishedAt} = this.#facts;
		const rollbackMs = rollbackStartedAt && rollbackFinishedAt ? Date.parse(rollbackFinishedAt) - Date.parse(rollbackStartedAt) : null;
		const exitCode = exitCodeFor(finalOutcome);
		const finalMessage = this.redactor.redact(message || summaryFor(finalOutcome, this.#facts, this.#options.kind));
		const journalPath = this.#journal?.file ?? null;
		const reportPath = this.#journal && this.#options.renderReport ? path.join(this.#journal.dir, REPORT_FILE) : null;
		const totalMs = Date.now() - this.#startedAt;
		this.#emit({type: 'run-finished', at: now(), outcome: finalOutcome, exitCode, criteria, totalMs, rollbackMs, reportPath, journalPath, message: finalMessage});
		this.#finished = true;
		if (reportPath) writeFileSync(reportPath, this.redactor.redact(this.#options.renderReport!(this.#state)), {mode: 0o600});
		return {runId: this.runId, outcome: finalOutcome, exitCode, facts: this.#facts, reportPath, journalPath, message: finalMessage};
	}
}
