/**
 * The runbook engine: runs the runbook's steps in order on the run's server (one connection; a
 * per-server step's events carry it: servers.ts), asks the operator where a step needs a person,
 * hands failures to recovery, and emits a typed event for everything (through the event bus:
 * redacted, journaled, made inert, folded). It knows no step by name and imports nothing from the UI.
 */
import type {Config} from './config/schema.js';
import {Cleanups} from './engine/cleanups.js';
import {CommandRunner} from './engine/command-runner.js';
import {Connection, type ConnectHelpers} from './engine/connection.js';
import {stepContext, type EngineServices} from './engine/context.js';
import {EventBus} from './engine/event-bus.js';
import {lookupsAfter} from './engine/sent-ahead.js';
import {runStartedEvent} from './engine/announce.js';
import {onServer} from './engine/server-scope.js';
import {factEvents} from './fact-scope.js';
import {serversOf, type ServerRef} from './servers.js';
import {finishRun, type RunResult} from './engine/finish.js';
import type {EngineOptions} from './engine/options.js';
import {outcomeOfError, Recovery} from './engine/recovery.js';
import {errorMessage, StopRequestedError} from './errors.js';
import type {EventListener, LogLevel, RunEvent} from './events.js';
import {compactStamp, newRunId} from './journal.js';
import {describeAnswer, inertQuestion, type Answer, type Question} from './questions.js';
import type {Redactor} from './redact.js';
import type {RunState} from './run-state.js';
import {GoBack, type PlanView, type StepDefinition} from './step.js';
import type {Outcome, PlannedCommand, RunFacts, StepId} from './types.js';

export type {RunResult} from './engine/finish.js';
export type {EngineOptions} from './engine/options.js';
const now = () => new Date().toISOString();

export class Engine {
	readonly runId: string;
	readonly steps: readonly StepDefinition[];
	#config: Config;
	readonly #options: EngineOptions;
	readonly #facts: RunFacts;
	readonly #stamp: string;
	readonly #startedAt = Date.now();
	readonly #bus: EventBus;
	/** The servers of the run (one today) and the one its steps work on. */
	readonly #servers: readonly ServerRef[];
	readonly #server: ServerRef;
	#current: StepDefinition | null = null;
	#stepAbort = new AbortController();
	#stopRequested = false;
	#finished = false;
	readonly #connection: Connection;
	readonly #cleanups: Cleanups;
	readonly #recovery: Recovery;
	readonly #services: EngineServices;

	constructor(options: EngineOptions) {
		this.#options = options;
		this.#config = options.config;
		this.steps = options.steps;
		this.runId = options.runId ?? newRunId();
		this.#stamp = compactStamp(new Date(this.#startedAt));
		this.#facts = {...options.initialFacts};
		this.#servers = serversOf(options.config);
		this.#server = this.#servers[0]!;
		const scopeOf = (stepId: StepId) => this.steps.find(step => step.id === stepId)?.scope;
		this.#bus = new EventBus(event => onServer(event, scopeOf, this.#server.id));
		for (const secret of options.secrets ?? []) this.redactor.add(secret);
		const emit = (event: RunEvent) => this.#bus.emit(event);
		const note = (level: LogLevel, text: string, stepId?: StepId) => this.#note(level, text, stepId);
		const ask = <Q extends Question>(stepId: StepId, question: Q) => this.#ask(stepId, question);
		this.#connection = new Connection(options.connect(this.#server));
		const runner = new CommandRunner({
			emit,
			host: () => this.#connection.host,
			signal: () => this.#stepAbort.signal,
			stopRequested: () => this.#stopRequested,
			upcoming: () => (this.#stopRequested ? [] : lookupsAfter(this.steps, this.#current, this.#view())),
			stallMs: () => this.#config.ssh.stallSeconds * 1000,
		});
		this.#cleanups = new Cleanups(runner, this.#connection, note);
		this.#services = {
			view: () => this.#view(),
			config: () => this.#config,
			facts: () => this.#facts,
			signal: () => this.#stepAbort.signal,
			hintContext: options.hintContext ?? {},
			server: this.#server,
			connection: this.#connection,
			connectHelpers: (): ConnectHelpers => ({
				ask: question => this.#ask(this.#current?.id ?? this.steps[0]?.id ?? 'run', question),
				note: text => this.#note('info', text),
				addSecret: secret => this.redactor.add(secret),
			}),
			runner,
			cleanups: this.#cleanups,
			setFacts: facts => this.#setFacts(facts),
			ask,
			note,
			emit,
			secret: value => this.redactor.add(value),
			memory: new Map(),
		};
		this.#recovery = new Recovery({
			services: this.#services,
			steps: this.steps,
			setConfig: config => (this.#config = config),
			wrongTurn: text => this.wrongTurn(text),
			stopped: () => this.#stopRequested && this.#stepAbort.signal.aborted,
		});
	}

	get config(): Config {
		return this.#config;
	}

	get redactor(): Redactor {
		return this.#bus.redactor;
	}

	/** The facts as established (the original text, for steps and callers; screens read `state`). */
	get facts(): RunFacts {
		return this.#facts;
	}

	/** The fold of the run's (inert) events: what every view reads. */
	get state(): RunState {
		return this.#bus.state;
	}

	/** The run's traffic so far: connections opened, shell start-ups and round trips on the server. */
	get traffic(): {connections: number; shellStarts: number; roundTrips: number} {
		return {connections: this.#connection.opened, shellStarts: this.#connection.shellStarts, roundTrips: this.#connection.roundTrips};
	}

	subscribe(listener: EventListener): () => void {
		return this.#bus.subscribe(listener);
	}

	/** The journal's lines as they are written (redacted, JSON-escaped): the `--json` stream. */
	subscribeJournal(listener: (line: string) => void): () => void {
		return this.#bus.subscribeJournal(listener);
	}

	/** The plan: every step's commands in order, as far as they are known before connecting. */
	plan(): Array<{step: StepDefinition; commands: PlannedCommand[]}> {
		const view = this.#view();
		return this.steps.map(step => ({step, commands: step.commands(view)}));
	}

	/** Records a wrong turn (the UI reports the operator's slips; the engine its own). */
	wrongTurn(text: string): void {
		if (this.#finished) return;
		this.#bus.emit({type: 'wrong-turn', at: now(), ...(this.#current ? {stepId: this.#current.id} : {}), text});
	}

	/** Asks the run to stop: a step that may be cut short is aborted now; the reset is let finish first. */
	requestStop(reason?: string): void {
		if (this.#finished) return;
		const first = !this.#stopRequested;
		this.#stopRequested = true;
		if (first) this.#bus.emit({type: 'stop-requested', at: now(), ...(this.#current ? {stepId: this.#current.id} : {}), ...(reason ? {reason} : {})});
		if (!this.#current || this.#current.interruptible) this.#stepAbort.abort(new StopRequestedError());
		else if (first) this.#note('warning', `${this.#current.title} is running and must not be cut in half: rewind stops as soon as it ends.`, this.#current.id);
	}

	async run(): Promise<RunResult> {
		if (this.#options.runsDir !== null) this.#bus.openJournal(this.#options.runsDir, this.runId);
		const view = this.#view();
		this.#bus.emit(runStartedEvent({runId: this.runId, options: this.#options, steps: this.steps, view, servers: this.#servers}));
		for (const event of factEvents(this.#facts, this.#server.id, now())) this.#bus.emit(event);
		let ended: {outcome: Outcome; message: string} = {outcome: 'succeeded', message: ''};
		try {
			await this.#runSteps();
		} catch (error) {
			ended = {outcome: outcomeOfError(error), message: errorMessage(error)};
		}
		this.#current = null;
		// Cleanups run whatever stopped the run: they get a signal of their own.
		this.#stepAbort = new AbortController();
		const input = {runId: this.runId, steps: this.steps, startedAt: this.#startedAt, bus: this.#bus, services: this.#services, options: this.#options};
		const result = await finishRun(input, ended.outcome, ended.message);
		this.#finished = true;
		return result;
	}

	async #runSteps(): Promise<void> {
		for (let index = 0; index < this.steps.length; index++) {
			const step = this.steps[index]!;
			if (this.#stopRequested) throw new StopRequestedError(`Stopped before ${step.title}.`);
			const back = await this.#runStep(step);
			if (back === undefined) continue;
			const target = this.steps.findIndex(candidate => candidate.id === back.to);
			if (target === -1) throw new Error(`no step ${back.to} in this run`);
			this.#bus.emit({type: 'steps-reset', at: now(), to: back.to, steps: this.steps.slice(target).map(later => later.id), reason: back.reason});
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
			this.#bus.emit({type: 'step-skipped', at: now(), stepId: step.id, reason: skipReason});
			return undefined;
		}
		for (;;) {
			const started = Date.now();
			this.#bus.emit({type: 'step-started', at: now(), stepId: step.id});
			let summary: string;
			try {
				summary = await step.run(context);
			} catch (error) {
				if (error instanceof GoBack) return {to: error.to, reason: error.message};
				const move = await this.#recovery.afterFailure(step, error, started);
				if (move.next === 'continue') return undefined;
				if (move.next === 'back') return {to: move.to, reason: move.reason};
				continue;
			}
			this.#bus.emit({type: 'step-succeeded', at: now(), stepId: step.id, durationMs: Date.now() - started, summary});
			if (this.#stopRequested) throw new StopRequestedError(`Stopped after ${step.title}.`);
			return undefined;
		}
	}

	/** Questions cross the same boundary as events: the screens get inert text. */
	async #ask<Q extends Question>(stepId: StepId, question: Q): Promise<Answer<Q>> {
		this.#bus.emit({type: 'step-waiting', at: now(), stepId, question: question.kind});
		const answer = await this.#options.operator.ask(inertQuestion(question), this.#stepAbort.signal);
		this.#bus.emit({type: 'operator', at: now(), stepId, question: question.kind, answer: describeAnswer(question, answer)});
		this.#bus.emit({type: 'step-resumed', at: now(), stepId});
		return answer;
	}

	#view(): PlanView {
		const {kind, flags, identity} = this.#options;
		return {config: this.#config, facts: this.#facts, runId: this.runId, kind, flags, stamp: this.#stamp, ...(identity?.stage ? {stage: identity.stage} : {})};
	}

	#setFacts(facts: Partial<RunFacts>): void {
		Object.assign(this.#facts, facts);
		for (const event of factEvents(facts, this.#server.id, now())) this.#bus.emit(event);
	}

	#note(level: LogLevel, text: string, stepId?: StepId): void {
		this.#bus.emit({type: 'note', at: now(), level, text, ...(stepId ? {stepId} : {})});
	}
}
