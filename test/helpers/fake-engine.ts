/** An engine on a fake Host, for fast tests of the engine, its steps and what it writes (journal, report). */
import {configSchema, type Config} from '../../source/core/config/schema.js';
import {Engine} from '../../source/core/engine.js';
import type {RunEvent} from '../../source/core/events.js';
import type {Host} from '../../source/core/host.js';
import {FlagOperator} from '../../source/core/operator.js';
import type {Operator} from '../../source/core/questions.js';
import type {RunState} from '../../source/core/run-state.js';
import type {StepDefinition} from '../../source/core/step.js';
import {FakeHost} from './fake-host.js';

export const fakeConfig = configSchema.parse({
	app: {dir: '/srv/app'},
	ssh: {host: 'example.com'},
	site: {url: 'http://127.0.0.1:9/'},
	reload: {method: 'none'},
});
export const fakeFlags = {yes: true, acceptNewHostKey: false, takeOverStaleLock: false};

/** The first step of a fake run: opens the connection and records where to. */
export const connectStep: StepDefinition = {
	id: 'connect',
	title: 'Connect',
	purpose: 'Opens the connection to the fake server.',
	scope: 'server',
	interruptible: true,
	opensConnection: true,
	reads: [],
	writes: ['sshTarget'],
	commands: () => [],
	async run(context) {
		const host = await context.connect();
		context.setFacts({sshTarget: host.description});
		return 'connected';
	},
};

/** A rollback engine running `steps` on a fake Host (a new one unless `connect` gives one), its events collected. */
export function fakeEngine(options: {
	readonly steps: readonly StepDefinition[];
	readonly config?: Config;
	readonly runsDir?: string | null;
	readonly operator?: Operator;
	readonly connect?: () => Promise<Host>;
	readonly renderReport?: (state: RunState) => string;
}): {engine: Engine; events: RunEvent[]} {
	const engine = new Engine({
		config: options.config ?? fakeConfig,
		configPath: null,
		kind: 'rollback',
		operator: options.operator ?? new FlagOperator(fakeFlags),
		flags: fakeFlags,
		steps: [...options.steps],
		runsDir: options.runsDir ?? null,
		connect: () => options.connect ?? (async () => new FakeHost()),
		...(options.renderReport ? {renderReport: options.renderReport} : {}),
	});
	const events: RunEvent[] = [];
	engine.subscribe(event => events.push(event));
	return {engine, events};
}
