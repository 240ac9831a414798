import {Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {formatDurationShort} from '../../core/format.js';
import type {StepView} from '../../core/run-state.js';
import type {StepState} from '../../core/types.js';
import {useNow} from '../use-now.js';
import {useTheme, type Tone} from '../theme.js';

const MARK: Record<Exclude<StepState, 'running'>, {icon: string; tone: Tone; dim?: boolean}> = {
	pending: {icon: '○', tone: 'plain', dim: true},
	'waiting-for-operator': {icon: '◆', tone: 'warning'},
	succeeded: {icon: '✓', tone: 'success'},
	failed: {icon: '✗', tone: 'danger'},
	skipped: {icon: '–', tone: 'plain', dim: true},
};

/** The time column: 7 characters at most, so it never wraps. */
const TIME_WIDTH = 7;

function StepRow({step, now}: {readonly step: StepView; readonly now: number}) {
	const theme = useTheme();
	const open = step.state === 'running' || step.state === 'waiting-for-operator';
	const elapsed = open ? (step.startedAt ? Math.max(0, now - step.startedAt) : undefined) : step.durationMs;
	const mark = step.state === 'running' ? undefined : MARK[step.state];
	return (
		<Box gap={1}>
			{mark ? (
				<Text color={theme.color(mark.tone)} dimColor={mark.dim}>
					{mark.icon}
				</Text>
			) : theme.reducedMotion ? (
				<Text>●</Text>
			) : (
				<Spinner />
			)}
			<Box flexGrow={1} flexShrink={1} minWidth={0}>
				<Text dimColor={step.state === 'pending' || step.state === 'skipped'} bold={open} wrap="truncate">
					{step.title}
				</Text>
			</Box>
			<Box flexShrink={0} width={TIME_WIDTH} justifyContent="flex-end">
				<Text dimColor wrap="truncate">
					{elapsed === undefined ? ' ' : formatDurationShort(elapsed)}
				</Text>
			</Box>
		</Box>
	);
}

/** Every step with its state and duration, always on screen. */
export function StepList({steps, width}: {readonly steps: readonly StepView[]; readonly width: number}) {
	const theme = useTheme();
	const active = steps.some(step => step.state === 'running' || step.state === 'waiting-for-operator');
	const now = useNow(active);
	return (
		<Box flexDirection="column" width={width} borderStyle="round" borderColor={theme.color('muted')} paddingX={1}>
			{steps.map(step => (
				<StepRow key={step.id} step={step} now={now} />
			))}
		</Box>
	);
}

/** One line for narrow terminals: icons only, the current step named. */
export function StepBar({steps}: {readonly steps: readonly StepView[]}) {
	const current = steps.find(step => step.state === 'running' || step.state === 'waiting-for-operator' || step.state === 'failed');
	return (
		<Box gap={1}>
			<Text>{steps.map(step => (step.state === 'running' ? '●' : MARK[step.state].icon)).join(' ')}</Text>
			{current && <Text bold>{current.title}</Text>}
		</Box>
	);
}
