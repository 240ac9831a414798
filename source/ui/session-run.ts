/** A TUI session: an engine, the operator its screens answer for, and its run (started once). */
import type {Engine, RunResult} from '../core/engine.js';
import type {RunState} from '../core/run-state.js';
import type {InteractiveOperator} from './interactive-operator.js';

export type Session = {
	readonly engine: Engine;
	readonly operator: InteractiveOperator;
	/** Lines the final panel adds (the rehearsal's scorecard). */
	readonly finalLines?: (state: RunState) => readonly string[];
};

const runs = new WeakMap<Engine, Promise<RunResult>>();

/** The session's run, started on first call (so no event is missed by a screen that subscribed first). */
export function runOf(session: Session): Promise<RunResult> {
	let run = runs.get(session.engine);
	if (!run) {
		run = session.engine.run();
		runs.set(session.engine, run);
	}
	return run;
}
