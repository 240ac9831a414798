/**
 * Starts the TUI (this chunk holds Ink and React, loaded only when a terminal is attached) and
 * resolves with the exit code once the operator leaves. The terminal is always restored.
 */
import type {ReactElement} from 'react';
import {render} from 'ink';
import {App, type AppProps, type Session} from './app.js';

/**
 * Renders `element` until the app exits. A SIGINT or SIGTERM from outside (kill -INT) asks for
 * the same safe stop as Ctrl+C; the terminal is restored (cursor shown) on every way out.
 */
export async function runInk(element: ReactElement, requestStop: () => void): Promise<void> {
	const instance = render(element, {exitOnCtrlC: false, patchConsole: true, maxFps: 30});
	process.on('SIGINT', requestStop);
	process.on('SIGTERM', requestStop);
	try {
		await instance.waitUntilExit();
	} finally {
		process.off('SIGINT', requestStop);
		process.off('SIGTERM', requestStop);
		instance.cleanup();
		process.stdout.write('\u001B[?25h');
	}
}

export async function renderApp(props: Omit<AppProps, 'onExit'>): Promise<number> {
	let exitCode = 1;
	let current: Session = props.session;
	await runInk(
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
		() => current.engine.requestStop(),
	);
	return exitCode;
}
