/** `?`: every key of the current screen and what it does, and what the current step is for. */
import {Box, Text} from 'ink';
import type {StepView} from '../../core/run-state.js';
import {KEYS, type Binding} from '../keys.js';
import {useTheme} from '../theme.js';

/** Ctrl+C once the run has ended: nothing is left to stop, it quits. */
const QUIT_NOW: Binding = {...KEYS.stop, label: 'quit (the run has ended)'};

export function HelpOverlay({
	bindings,
	step,
	width,
	ended = false,
}: {
	readonly bindings: readonly Binding[];
	readonly step: StepView | undefined;
	readonly width: number;
	/** The run has ended (the final panel): Ctrl+C quits, it asks nothing. */
	readonly ended?: boolean;
}) {
	const theme = useTheme();
	const all = [...bindings, ended ? QUIT_NOW : KEYS.stop, KEYS.help];
	const keyWidth = Math.max(...all.map(binding => binding.keys.length));
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.color('accent')} paddingX={1} width={width}>
			<Text bold color={theme.color('accent')}>
				Help
			</Text>
			{step && (
				<Box flexDirection="column" marginBottom={1}>
					<Text bold>
						{step.title}: <Text bold={false}>{step.purpose}</Text>
					</Text>
				</Box>
			)}
			{all.map(binding => (
				<Text key={`${binding.keys}-${binding.label}`}>
					<Text bold>{binding.keys.padEnd(keyWidth)}</Text> {binding.label}
				</Text>
			))}
			<Text color={theme.color('muted')}>
				{ended
					? 'The run has ended: the lock is released, the journal closed and the report written.'
					: 'Ctrl+C asks first; rewind then stops at the next safe point (a running reset always finishes), releases the lock and writes the report.'}
			</Text>
			<Text color={theme.color('muted')}>{`${KEYS.closeHelp.keys} ${KEYS.closeHelp.label}`}</Text>
		</Box>
	);
}
