/** Renders TUI screens the way the CLI does (lifecycle root, theme) with ink-testing-library. */
import {EventEmitter} from 'node:events';
import {render as inkRender} from 'ink';
import {render} from 'ink-testing-library';
import type {ReactElement} from 'react';
import type {Config} from '../../source/core/config/schema.js';
import type {RunResult} from '../../source/core/engine.js';
import type {RunFlags} from '../../source/core/step.js';
import type {RunKind} from '../../source/core/types.js';
import {sessionFor, undoRequest, type RunRequest} from '../../source/session.js';
import type {LifecycleControl} from '../../source/ui/lifecycle-root.js';
import {runOf, type Session} from '../../source/ui/session-run.js';
import {makeTheme, type Theme} from '../../source/ui/theme.js';
import {TuiRoot} from '../../source/ui/tui-root.js';
import {EXIT} from '../../source/core/types.js';

export type TuiOptions = {
	readonly theme?: Theme;
	/** A terminal of this size (ink-testing-library's own is 100 columns, no rows). */
	readonly size?: {readonly columns: number; readonly rows: number};
	/** The session whose run a failed screen waits for (as the CLI's root does). */
	readonly session?: () => Session | undefined;
};

export function renderTui(element: ReactElement, options: TuiOptions = {}) {
	let exitCode: number | undefined;
	const control: LifecycleControl = {stop: null, unattended: false};
	const finishRun = async () => {
		const session = options.session?.();
		return session ? (await runOf(session)).exitCode : EXIT.failed;
	};
	const tree = (
		<TuiRoot theme={options.theme ?? makeTheme()} control={control} onExit={code => (exitCode = code)} finishRun={finishRun}>
			{element}
		</TuiRoot>
	);
	const ui = options.size ? renderSized(tree, options.size) : render(tree);
	return {ui, exitCode: () => exitCode, control};
}

/** A stdout of a given size that keeps the last frame, as ink-testing-library's does. */
class SizedStdout extends EventEmitter {
	lastFrameText: string | undefined;
	constructor(
		readonly columns: number,
		readonly rows: number,
	) {
		super();
	}
	write = (frame: string) => {
		this.lastFrameText = frame;
		return true;
	};
}

class TestStdin extends EventEmitter {
	isTTY = true;
	data: string | null = null;
	write = (data: string) => {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	};
	setEncoding() {}
	setRawMode() {}
	resume() {}
	pause() {}
	ref() {}
	unref() {}
	read = () => {
		const {data} = this;
		this.data = null;
		return data;
	};
}

function renderSized(tree: ReactElement, size: {readonly columns: number; readonly rows: number}) {
	const stdout = new SizedStdout(size.columns, size.rows);
	const stderr = new SizedStdout(size.columns, size.rows);
	const stdin = new TestStdin();
	const instance = inkRender(tree, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: stderr as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	return {unmount: instance.unmount, stdin, lastFrame: () => stdout.lastFrameText};
}

export const interactiveFlags: RunFlags = {yes: false, acceptNewHostKey: false, takeOverStaleLock: false};

/** A TUI session for `config`, and the `u` key's undo session built the way the CLI builds it. */
export function tuiSessions(
	config: Config,
	runsDir: string,
	extra: Partial<RunRequest> & {kind?: RunKind} = {},
): {session: Session; createUndo: (result: RunResult) => Session | null; request: RunRequest} {
	const request: RunRequest = {config, configPath: null, kind: 'rollback', flags: interactiveFlags, runsDir, ...extra};
	return {
		request,
		session: sessionFor(request),
		createUndo: result => {
			const next = undoRequest(request, result);
			return next ? sessionFor(next) : null;
		},
	};
}
