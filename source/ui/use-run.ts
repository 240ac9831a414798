import {useEffect, useReducer} from 'react';
import type {Engine, RunResult} from '../core/engine.js';
import {initialRunState, reduceRun, type RunState} from '../core/run-state.js';

const started = new WeakSet<Engine>();

/**
 * Subscribes to the engine, then starts its run (so no event is missed) and reports the result.
 * The run's state is what the screen shows.
 */
export function useRun(engine: Engine, onFinished: (result: RunResult) => void): RunState {
	const [state, dispatch] = useReducer(reduceRun, initialRunState);
	useEffect(() => {
		const unsubscribe = engine.subscribe(dispatch);
		if (!started.has(engine)) {
			started.add(engine);
			void engine.run().then(onFinished);
		}
		return unsubscribe;
	}, [engine]);
	return state;
}
