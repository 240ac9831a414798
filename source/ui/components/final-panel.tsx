/** The final verification panel: each success criterion with ✓/✗ and its proof, totals, and the paths to copy. */
import {Box, Text} from 'ink';
import type {RunEvent} from '../../core/events.js';
import {formatDuration} from '../../core/format.js';
import type {RunState} from '../../core/run-state.js';
import type {RunKind} from '../../core/types.js';
import {copyLines} from '../copy-lines.js';
import {fitHelpLine, KEYS} from '../keys.js';
import {STATUS_MARK, STATUS_TONE} from '../log-text.js';
import {useTheme, type Tone} from '../theme.js';

const HEADLINE: Record<Extract<RunEvent, {type: 'run-finished'}>['outcome'], {text: string; tone: Tone}> = {
	succeeded: {text: 'Rolled back and verified', tone: 'success'},
	'verification-failed': {text: 'Rolled back, but verification FAILED', tone: 'danger'},
	failed: {text: 'The rollback FAILED', tone: 'danger'},
	aborted: {text: 'Aborted by the operator', tone: 'warning'},
	interrupted: {text: 'Stopped safely at your request', tone: 'warning'},
	refused: {text: 'Refused', tone: 'danger'},
	'bad-input': {text: 'Stopped: the input needs fixing', tone: 'danger'},
};

export function FinalPanel({
	result,
	state,
	kind,
	canUndo,
	extraLines,
	width,
}: {
	readonly result: Extract<RunEvent, {type: 'run-finished'}>;
	readonly state: RunState;
	readonly kind: RunKind | null;
	readonly canUndo: boolean;
	readonly extraLines: readonly string[];
	readonly width: number;
}) {
	const theme = useTheme();
	const base = HEADLINE[result.outcome];
	const headline = kind === 'undo' ? {...base, text: base.text.replace('Rolled back', 'Rolled forward')} : base;
	// Labels and proofs wrap, never cut: the data-loss and proof cells are read in full.
	// The label column is as wide as the longest label while the proof keeps 24 columns, then narrower.
	const labelWidth = Math.min(Math.max(16, width - 4 - 2 - 1 - 24), Math.max(0, ...result.criteria.map(criterion => criterion.label.length)));
	return (
		<Box flexDirection="column" width={width}>
			<Box borderStyle="round" borderColor={theme.color(headline.tone)} flexDirection="column" paddingX={1}>
				<Text bold color={theme.color(headline.tone)}>
					{headline.text}
				</Text>
				<Text wrap="wrap">{result.message}</Text>
				<Box flexDirection="column" marginTop={1}>
					{result.criteria.map((criterion, index) => (
						<Box key={`${criterion.id}-${index}`}>
							<Box width={2} flexShrink={0}>
								<Text color={theme.color(STATUS_TONE[criterion.status])}>{STATUS_MARK[criterion.status]}</Text>
							</Box>
							<Box width={labelWidth + 1} flexShrink={0}>
								<Text wrap="wrap">{criterion.label}</Text>
							</Box>
							<Box flexGrow={1} flexShrink={1} minWidth={0}>
								<Text color={theme.color('muted')} wrap="wrap">
									{criterion.detail}
								</Text>
							</Box>
						</Box>
					))}
				</Box>
				<Text>
					Total {formatDuration(result.totalMs)}
					{result.rollbackMs === null ? '' : ` · ${kind === 'undo' ? 'undo' : 'rollback'} ${formatDuration(result.rollbackMs)} (target under 5 min)`}
				</Text>
				{extraLines.map((line, index) => (
					<Text key={index} wrap="wrap">
						{line}
					</Text>
				))}
			</Box>
			{/* Outside the border, each value whole on a line of its own: copied with a mouse or tmux as it is. */}
			{copyLines(state).map(({label, value}) => (
				<Box key={label} flexDirection="column">
					<Text color={theme.color('muted')}>{label}:</Text>
					<Text>{value}</Text>
				</Box>
			))}
			{/* The outcome again by the keys: on a short terminal the panel's top has scrolled away. */}
			<Text>
				<Text bold color={theme.color(headline.tone)}>
					{headline.text}
				</Text>
				<Text color={theme.color('muted')}>
					{' · '}
					{canUndo
						? fitHelpLine(width - headline.text.length - 3, KEYS.undo, KEYS.quit, KEYS.help)
						: fitHelpLine(width - headline.text.length - 3, KEYS.quit, KEYS.help)}
				</Text>
			</Text>
		</Box>
	);
}
