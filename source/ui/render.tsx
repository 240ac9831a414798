/**
 * Starts the TUI (this chunk holds Ink and React, loaded only when a terminal is attached) and
 * resolves with the exit code once the operator leaves. The terminal is always restored.
 */
import {render} from 'ink';
import {App, type AppProps, type Session} from './app.js';

export async function renderApp(props: Omit<AppProps, 'onExit'>): Promise<number> {
	let exitCode = 1;
	let current: Session = props.session;
	const instance = render(
		<App
			session={props.session}
			{...(props.createUndo
				? {
						createUndo: result => {
							const next = props.createUndo!(result);
							if (next) current = next;
							return next;
						},
					}
				: {})}
			onExit={code => {
				exitCode = code;
			}}
		/>,
		{exitOnCtrlC: false, patchConsole: true, maxFps: 30},
	);
	// A SIGINT from outside (kill -INT) asks for the same safe stop as Ctrl+C.
	const onSignal = () => current.engine.requestStop();
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		await instance.waitUntilExit();
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
		instance.cleanup();
		process.stdout.write('\u001B[?25h');
	}
	return exitCode;
}
