/** The roots every TUI screen renders under: the theme, the lifecycle root and the screen guard. */
import type {ReactNode} from 'react';
import {ScreenGuard} from './components/screen-guard.js';
import {LifecycleRoot, type LifecycleControl} from './lifecycle-root.js';
import {ThemeProvider, type Theme} from './theme.js';
import {errorMessage} from '../core/errors.js';

export function TuiRoot({
	theme,
	control,
	onExit,
	finishRun,
	children,
}: {
	readonly theme: Theme;
	readonly control: LifecycleControl;
	readonly onExit: (code: number) => void;
	/** After a screen failed: resolves with the exit code once the run has finished its stop. */
	readonly finishRun: () => Promise<number>;
	readonly children: ReactNode;
}) {
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
