/**
 * Nothing in the UI throws past the lifecycle root: an error while rendering a screen is caught
 * here, the run is asked to stop safely (lock released, journal closed, report written, through the
 * same path as Ctrl+C), and the operator reads one paragraph saying so and what to run next.
 */
import {Box, Text} from 'ink';
import {Component, useEffect, type ReactNode} from 'react';
import {errorMessage} from '../../core/errors.js';
import {useLifecycle} from '../lifecycle-root.js';

type GuardProps = {
	/** Told once, when a screen failed: stop the run. */
	readonly onError: (error: unknown) => void;
	/** Resolves with the exit code once the run has finished its stop (at once without a run). */
	readonly finish: () => Promise<number>;
	readonly children: ReactNode;
};

export class ScreenGuard extends Component<GuardProps, {error: unknown}> {
	override state: {error: unknown} = {error: null};

	static getDerivedStateFromError(error: unknown): {error: unknown} {
		return {error: error ?? new Error('unknown error')};
	}

	override componentDidCatch(error: unknown): void {
		this.props.onError(error);
	}

	override render(): ReactNode {
		if (this.state.error === null) return this.props.children;
		return <ScreenFailed message={errorMessage(this.state.error)} finish={this.props.finish} />;
	}
}

function ScreenFailed({message, finish}: {readonly message: string; readonly finish: () => Promise<number>}) {
	const lifecycle = useLifecycle();
	useEffect(() => {
		void finish().then(code => lifecycle.complete(code));
	}, []);
	return (
		<Box flexDirection="column" marginY={1}>
			<Text wrap="wrap">
				rewind’s screen failed ({message}). The run is being stopped safely, as Ctrl+C would: the lock is released, the journal closed and the report written;
				the server is left as the report says. Then run `rewind resume` to see where it stands and go on.
			</Text>
		</Box>
	);
}
