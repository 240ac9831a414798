import {ProgressBar, Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {formatBytes, formatDuration} from '../../core/criteria.js';
import {commandHeadline, type RunState} from '../../core/run-state.js';

/** The running command, its progress and the last few lines of its output: capped in height. */
export function LiveArea({state, tailLines, width}: {readonly state: RunState; readonly tailLines: number; readonly width: number}) {
	const {command, progress, tail} = state;
	if (!command && !progress && tail.length === 0) return null;
	const rate = progress?.bytes !== undefined && progress.elapsedMs > 0 ? progress.bytes / (progress.elapsedMs / 1000) : undefined;
	return (
		<Box flexDirection="column" width={width}>
			{command && <Spinner label={truncate(commandHeadline(command.display), width - 4)} />}
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
				<Text key={index} dimColor wrap="truncate">
					{'  '}
					{line}
				</Text>
			))}
		</Box>
	);
}

export function truncate(text: string, width: number): string {
	return text.length > width ? `${text.slice(0, Math.max(1, width - 1))}…` : text;
}
