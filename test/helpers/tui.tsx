/** Renders TUI screens the way the CLI does (lifecycle root, theme) with ink-testing-library. */
import {render} from 'ink-testing-library';
import type {ReactElement} from 'react';
import type {Config} from '../../source/core/config/schema.js';
import type {RunResult} from '../../source/core/engine.js';
import type {RunFlags} from '../../source/core/step.js';
import type {RunKind} from '../../source/core/types.js';
import {sessionFor, undoRequest, type RunRequest} from '../../source/session.js';
import {LifecycleRoot, type LifecycleControl} from '../../source/ui/lifecycle-root.js';
import type {Session} from '../../source/ui/session-run.js';
import {makeTheme, ThemeProvider, type Theme} from '../../source/ui/theme.js';

export function renderTui(element: ReactElement, options: {theme?: Theme} = {}) {
	let exitCode: number | undefined;
	const control: LifecycleControl = {stop: null, unattended: false};
	const ui = render(
		<ThemeProvider value={options.theme ?? makeTheme()}>
			<LifecycleRoot control={control} onExit={code => (exitCode = code)}>
				{element}
			</LifecycleRoot>
		</ThemeProvider>,
	);
	return {ui, exitCode: () => exitCode, control};
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
