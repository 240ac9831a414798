/** The context a step runs with: the engine's services, bound to that step. */
import type {Config} from '../config/schema.js';
import {ConnectionLostError} from '../errors.js';
import type {LogLevel, RunEvent} from '../events.js';
import type {HintContext} from '../hints.js';
import type {Answer, Question} from '../questions.js';
import {declared, type PlanView, type StepContext, type StepDefinition} from '../step.js';
import type {ServerRef} from '../servers.js';
import type {RunFacts, StepId} from '../types.js';
import type {Cleanups} from './cleanups.js';
import type {CommandRunner} from './command-runner.js';
import type {Connection, ConnectHelpers} from './connection.js';

export type EngineServices = {
	readonly view: () => PlanView;
	readonly config: () => Config;
	readonly facts: () => RunFacts;
	readonly signal: () => AbortSignal;
	readonly hintContext: HintContext;
	/** The server the steps work on (one per run today) and the connection to it. */
	readonly server: ServerRef;
	readonly connection: Connection;
	readonly connectHelpers: () => ConnectHelpers;
	readonly runner: CommandRunner;
	readonly cleanups: Cleanups;
	readonly setFacts: (facts: Partial<RunFacts>) => void;
	readonly ask: <Q extends Question>(stepId: StepId, question: Q) => Promise<Answer<Q>>;
	readonly note: (level: LogLevel, text: string, stepId?: StepId) => void;
	readonly emit: (event: RunEvent) => void;
	readonly secret: (value: string | undefined) => void;
	/** Values worked out once per run (see StepContext.once). */
	readonly memory: Map<string, Promise<unknown>>;
};

const now = () => new Date().toISOString();

export function stepContext(step: StepDefinition, services: EngineServices): StepContext {
	const commands = () => step.commands(services.view());
	return {
		...services.view(),
		get config() {
			return services.config();
		},
		get facts() {
			return services.facts();
		},
		get signal() {
			return services.signal();
		},
		stepId: step.id,
		server: services.server,
		hintContext: services.hintContext,
		host: () => {
			const host = services.connection.host;
			if (!host) throw new ConnectionLostError('not connected');
			return host;
		},
		connect: async options => {
			const host = await services.connection.open({...services.connectHelpers(), ...(options?.whileWaiting ? {whileWaiting: options.whileWaiting} : {})});
			services.setFacts({
				sshConnections: services.connection.opened,
				transport: {kind: host.transport, ...(host.transportNote ? {note: host.transportNote} : {})},
			});
			return host;
		},
		setFacts: facts => {
			const undeclared = Object.keys(facts).filter(key => !step.writes.includes(key as keyof RunFacts));
			if (undeclared.length > 0) throw new Error(`step ${step.id} records ${undeclared.join(', ')} without declaring it in writes`);
			services.setFacts(facts);
		},
		secret: value => services.secret(value),
		once: <T>(key: string, compute: () => Promise<T>) => {
			let value = services.memory.get(key) as Promise<T> | undefined;
			if (!value) {
				value = compute();
				services.memory.set(key, value);
				// A failed attempt is not remembered: the next step asks again.
				value.catch(() => services.memory.delete(key));
			}
			return value;
		},
		commands,
		run: (commandId, options) =>
			services.runner.run(step.id, declared(commands(), commandId), {stallMs: services.config().ssh.stallSeconds * 1000, ...options}),
		runPlanned: (planned, options) => services.runner.run(step.id, planned, {stallMs: services.config().ssh.stallSeconds * 1000, ...options}),
		record: (commandId, work) => services.runner.record(step.id, declared(commands(), commandId), work),
		ask: question => services.ask(step.id, question),
		note: (level, text) => services.note(level, text, step.id),
		progress: (label, values) => services.emit({type: 'progress', at: now(), stepId: step.id, label, ...values}),
		hint: hint => services.emit({type: 'hint', at: now(), stepId: step.id, hint}),
		deferCleanup: (key, planned) => services.cleanups.defer(services.server.id, step.id, key, planned),
		runCleanup: key => services.cleanups.runNow(services.server.id, key),
		cancelCleanup: key => services.cleanups.cancel(services.server.id, key),
	};
}
