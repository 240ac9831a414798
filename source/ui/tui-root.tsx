/** The roots every TUI screen renders under: the theme, the lifecycle root and the screen guard. */
import type {ReactNode} from 'react';
import {ScreenGuard} from './components/screen-guard.js';
import {LifecycleRoot, type LifecycleControl} from './lifecycle-root.js';
import {ThemeProvider, type Theme} from './theme.js';
import {errorMessage} from '../core/errors.js';
import {EXIT} from '../core/types.js';
import {runOf, type Session} from './session-run.js';

export function TuiRoot({
	theme,
	control,
	onExit,
	current,
	children,
}: {
	readonly theme: Theme;
	readonly control: LifecycleControl;
	readonly onExit: (code: number) => void;
	/** The session in front: after a screen failed, its run's exit code (once it has finished its stop) is the process's. */
	readonly current: () => Session | undefined;
	readonly children: ReactNode;
}) {
	const finishRun = async () => {
		const session = current();
		return session ? (await runOf(session)).exitCode : EXIT.failed;
	};
	return (
		<ThemeProvider value={theme}>
			<LifecycleRoot control={control} onExit={onExit}>
				<ScreenGuard onError={error => control.stop?.(`the screen failed: ${errorMessage(error)}`)} finish={finishRun}>
					{children}
				</ScreenGuard>
			</LifecycleRoot>
		</ThemeProvider>
	);
}
