/**
 * The TUI's lifecycle root (Shopify cli-kit's idea): the only place that calls Ink's exit() and
 * holds the exit code. Screens finish with `complete(code)`; the stop handler of the screen in front
 * receives Ctrl+C from outside (SIGINT), SIGTERM and SIGHUP as the same safe stop.
 */
import {useApp} from 'ink';
import {createContext, useContext, useRef, type ReactNode} from 'react';

export type Lifecycle = {
	/** Leaves the app with this exit code. */
	complete(code: number): void;
	/** Who stops the run when a signal arrives (the screen that owns a run). */
	setStopHandler(handler: ((reason: string) => void) | null): void;
	/** True once the terminal is gone (SIGHUP): a finished run leaves without waiting for a key. */
	readonly unattended: () => boolean;
};

const LifecycleContext = createContext<Lifecycle | null>(null);

export function useLifecycle(): Lifecycle {
	const lifecycle = useContext(LifecycleContext);
	if (!lifecycle) throw new Error('useLifecycle outside LifecycleRoot');
	return lifecycle;
}

export type LifecycleControl = {stop: ((reason: string) => void) | null; unattended: boolean};

export function LifecycleRoot({
	control,
	onExit,
	children,
}: {
	readonly control: LifecycleControl;
	readonly onExit: (code: number) => void;
	readonly children: ReactNode;
}) {
	const {exit} = useApp();
	const done = useRef(false);
	const lifecycle = useRef<Lifecycle>({
		complete(code) {
			if (done.current) return;
			done.current = true;
			onExit(code);
			exit();
		},
		setStopHandler(handler) {
			control.stop = handler;
		},
		unattended: () => control.unattended,
	});
	return <LifecycleContext.Provider value={lifecycle.current}>{children}</LifecycleContext.Provider>;
}
