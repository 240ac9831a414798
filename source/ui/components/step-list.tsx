import {Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {formatDuration} from '../../core/criteria.js';
import type {StepView} from '../../core/run-state.js';
import type {StepState} from '../../core/types.js';
import {useNow} from '../use-now.js';

const MARK: Record<Exclude<StepState, 'running'>, {icon: string; color?: string; dim?: boolean}> = {
	pending: {icon: '○', dim: true},
	'waiting-for-operator': {icon: '◆', color: 'yellow'},
	succeeded: {icon: '✓', color: 'green'},
	failed: {icon: '✗', color: 'red'},
	skipped: {icon: '–', dim: true},
};

function StepRow({step, now}: {readonly step: StepView; readonly now: number}) {
	const elapsed = step.state === 'running' || step.state === 'waiting-for-operator' ? (step.startedAt ? Math.max(0, now - step.startedAt) : undefined) : step.durationMs;
	const mark = step.state === 'running' ? undefined : MARK[step.state];
	return (
		<Box gap={1}>
			{mark ? (
				<Text color={mark.color} dimColor={mark.dim}>
					{mark.icon}
				</Text>
			) : (
				<Spinner />
			)}
			<Box flexGrow={1} flexShrink={1} minWidth={0}>
				<Text dimColor={step.state === 'pending' || step.state === 'skipped'} bold={step.state === 'running' || step.state === 'waiting-for-operator'} wrap="truncate">
					{step.title}
				</Text>
			</Box>
			<Box flexShrink={0} width={7} justifyContent="flex-end">
				<Text dimColor>{elapsed === undefined ? ' ' : formatDuration(elapsed)}</Text>
			</Box>
		</Box>
	);
}

/** Every step with its state and duration, always on screen. */
export function StepList({steps, width}: {readonly steps: readonly StepView[]; readonly width: number}) {
	const active = steps.some(step => step.state === 'running' || step.state === 'waiting-for-operator');
	const now = useNow(active);
	return (
		<Box flexDirection="column" width={width} borderStyle="round" borderColor="gray" paddingX={1}>
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
			<Text>
				{steps.map(step => (step.state === 'running' ? '●' : MARK[step.state].icon)).join(' ')}
			</Text>
			{current && <Text bold>{current.title}</Text>}
		</Box>
	);
}
