/** Runs the engine as the CLI would (through the session root), collecting its events. */
import type {Config} from '../../source/core/config/schema.js';
import type {Engine, RunResult} from '../../source/core/engine.js';
import type {RunEvent} from '../../source/core/events.js';
import {FlagOperator} from '../../source/core/operator.js';
import type {Operator} from '../../source/core/questions.js';
import type {RunFlags} from '../../source/core/step.js';
import type {RunFacts, RunKind} from '../../source/core/types.js';
import {createEngine, type RunRequest} from '../../source/session.js';

export const flagsFor = (extra: Partial<RunFlags> = {}): RunFlags => ({yes: true, acceptNewHostKey: false, takeOverStaleLock: false, ...extra});

export type EngineRun = {readonly result: RunResult; readonly events: RunEvent[]; readonly output: string; readonly engine: Engine};

export type RunOptions = {
	readonly flags?: Partial<RunFlags>;
	readonly kind?: RunKind;
	readonly runsDir?: string | null;
	readonly secrets?: readonly string[];
	readonly operator?: Operator;
	readonly initialFacts?: Partial<RunFacts>;
	/** Called with every event, and the engine (to stop it, say). */
	readonly hook?: (event: RunEvent, engine: Engine) => void;
	readonly request?: Partial<RunRequest>;
};

export function engineFor(config: Config, options: RunOptions = {}): Engine {
	const flags = flagsFor(options.flags);
	return createEngine(
		{
			config,
			configPath: null,
			kind: options.kind ?? 'rollback',
			flags,
			...(options.runsDir === undefined ? {} : {runsDir: options.runsDir}),
			...(options.secrets ? {secrets: options.secrets} : {}),
			...(options.initialFacts ? {initialFacts: options.initialFacts} : {}),
			...options.request,
		},
		options.operator ?? new FlagOperator(flags),
	);
}

export async function runEngine(config: Config, options: RunOptions = {}): Promise<EngineRun> {
	const engine = engineFor(config, options);
	const events: RunEvent[] = [];
	engine.subscribe(event => {
		events.push(event);
		options.hook?.(event, engine);
	});
	const result = await engine.run();
	return {result, events, output: JSON.stringify(events), engine};
}
