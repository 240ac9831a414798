/**
 * Starts the TUI (this chunk holds Ink and React, loaded only when a terminal is attached) and
 * resolves with the exit code the lifecycle root was given. Signals from outside ask for the same
 * safe stop as Ctrl+C; on SIGHUP (the terminal closed) the screen is let go and the run still
 * finishes its stop: lock released, journal closed, report written. The terminal is always restored.
 */
import type {ReactElement} from 'react';
import {render} from 'ink';
import {signalReason, STOP_SIGNALS} from '../lifecycle.js';
import {EXIT} from '../core/types.js';
import {App, type AppProps} from './app.js';
import {copyLines, copyText} from './copy-lines.js';
import type {LifecycleControl} from './lifecycle-root.js';
import {runOf, type Session} from './session-run.js';
import {themeFromEnvironment, type Theme} from './theme.js';
import {TuiRoot} from './tui-root.js';

export type InkOptions = {readonly theme?: Theme; readonly current?: () => Session | undefined};

export async function runInk(element: ReactElement, options: InkOptions = {}): Promise<number> {
	let exitCode: number = EXIT.failed;
	const control: LifecycleControl = {stop: null, unattended: false};
	// A screen that failed: the run stops as on Ctrl+C, and its own exit code is the process's.
	const finishRun = async () => {
		const session = options.current?.();
		return session ? (await runOf(session)).exitCode : EXIT.failed;
	};
	const instance = render(
		<TuiRoot theme={options.theme ?? themeFromEnvironment()} control={control} onExit={code => (exitCode = code)} finishRun={finishRun}>
			{element}
		</TuiRoot>,
		{exitOnCtrlC: false, patchConsole: true, maxFps: 30},
	);
	let hungUp = false;
	const onSignal = (signal: NodeJS.Signals) => {
		if (signal === 'SIGHUP' && !hungUp) {
			hungUp = true;
			control.unattended = true;
			// Nobody can read the screen any more: writing to the closed terminal must not crash the stop.
			for (const stream of [process.stdout, process.stderr, process.stdin]) stream.on('error', () => {});
			control.stop?.(signalReason(signal));
			instance.unmount();
			return;
		}
		// SIGTERM is a request to end the process (a supervisor, `kill`): stop safely, show the end, and exit.
		if (signal === 'SIGTERM') control.unattended = true;
		if (control.stop) control.stop(signalReason(signal));
		else {
			exitCode = EXIT.interrupted;
			instance.unmount();
		}
	};
	for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
	try {
		await instance.waitUntilExit();
		const session = options.current?.();
		// After a hang-up the run finishes its stop without a screen, then its exit code counts.
		if (hungUp && session) exitCode = (await runOf(session)).exitCode;
	} finally {
		for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
		instance.cleanup();
		if (!hungUp) {
			process.stdout.write('\u001B[?25h');
			// Again, once the screen is gone: what to copy, whole, with the terminal's own wrapping; the shell prompt on a line of its own.
			const state = options.current?.()?.engine.state;
			process.stdout.write(state?.finished ? `\n${copyText(copyLines(state))}` : '\n');
		}
	}
	return exitCode;
}

export async function renderApp(props: Omit<AppProps, 'onSession'>, options: InkOptions = {}): Promise<number> {
	let current: Session = props.session;
	return runInk(<App {...props} onSession={session => (current = session)} />, {...options, current: () => current});
}
