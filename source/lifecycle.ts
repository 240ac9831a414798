/**
 * The one exit path of a run without a terminal UI: SIGINT (Ctrl+C), SIGTERM and SIGHUP (the
 * terminal closed) all ask for the same safe stop — the running step ends at a safe point (a running
 * reset finishes), the server's commands of this run are stopped, the lock is released, the journal
 * closed and the report written — then the run's exit code is returned. A second signal quits at
 * once. The TUI has its own lifecycle root (ui/render.tsx) with the same rules.
 */
import type {Engine} from './core/engine.js';
import {EXIT} from './core/types.js';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function signalReason(signal: NodeJS.Signals): string {
	return signal === 'SIGHUP' ? 'the terminal closed (SIGHUP)' : signal === 'SIGTERM' ? 'SIGTERM' : 'Ctrl+C';
}

export async function runWithSignals(engine: Engine, {quiet = false}: {quiet?: boolean} = {}): Promise<number> {
	let signals = 0;
	const say = (text: string) => {
		if (!quiet) process.stderr.write(text);
	};
	const onSignal = (signal: NodeJS.Signals) => {
		signals++;
		if (signal === 'SIGHUP') {
			// Whatever printed to the terminal has nowhere to go now.
			process.stdout.on('error', () => {});
			process.stderr.on('error', () => {});
		}
		if (signals === 1) {
			say(`\nrewind: stopping at the next safe point (${signalReason(signal)}; send the signal again to quit at once)…\n`);
			engine.requestStop(signalReason(signal));
		} else {
			say('rewind: quitting now; the journal has everything up to here. The lock may stay until it is stale.\n');
			process.exit(EXIT.interrupted);
		}
	};
	for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
	try {
		return (await engine.run()).exitCode;
	} finally {
		for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
	}
}
