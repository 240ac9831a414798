import {ProgressBar, Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {formatBytes, formatDuration} from '../../core/format.js';
import {commandHeadline, type RunState} from '../../core/run-state.js';
import {useNow} from '../use-now.js';
import {useTheme} from '../theme.js';

export function truncate(text: string, width: number): string {
	return text.length > width ? `${text.slice(0, Math.max(1, width - 1))}…` : text;
}

/** The running command, its progress and the last few lines of its output: capped in height. */
export function LiveArea({state, tailLines, width}: {readonly state: RunState; readonly tailLines: number; readonly width: number}) {
	const theme = useTheme();
	const {command, progress, tail} = state;
	const now = useNow(theme.reducedMotion && command !== null);
	if (!command && !progress && tail.length === 0) return null;
	const rate = progress?.bytes !== undefined && progress.elapsedMs > 0 ? progress.bytes / (progress.elapsedMs / 1000) : undefined;
	const headline = command ? truncate(commandHeadline(command.display), width - 14) : '';
	return (
		<Box flexDirection="column" width={width}>
			{command &&
				(theme.reducedMotion ? (
					<Text>
						running ({formatDuration(Math.max(0, now - command.startedAt))}): {headline}
					</Text>
				) : (
					<Spinner label={headline} />
				))}
			{progress && (
				<Box flexDirection="column">
					<Text>
						{progress.label}
						{progress.bytes === undefined ? '' : `: ${formatBytes(progress.bytes)}`}
						{rate === undefined ? '' : ` (${formatBytes(rate)}/s)`} · {formatDuration(progress.elapsedMs)}
					</Text>
					{progress.fraction !== undefined && (
						<Box width={Math.min(50, width)}>
							<ProgressBar value={Math.round(progress.fraction * 100)} />
						</Box>
					)}
				</Box>
			)}
			{tail.slice(-tailLines).map((line, index) => (
				<Text key={index} color={theme.color('muted')} wrap="truncate">
					{'  '}
					{line}
				</Text>
			))}
		</Box>
	);
}
