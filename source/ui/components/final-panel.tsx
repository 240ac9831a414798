/** The final verification panel: each success criterion with ✓/✗ and its proof, totals, report. */
import {Box, Text} from 'ink';
import {formatDuration} from '../../core/criteria.js';
import {STATUS_MARK} from '../../core/report.js';
import type {Criterion, RunEvent, RunKind} from '../../core/types.js';
import {helpLine, KEYS} from '../keys.js';

const STATUS_COLOR: Record<Criterion['status'], string | undefined> = {pass: 'green', fail: 'red', warn: 'yellow', skip: 'gray'};

const HEADLINE: Record<Extract<RunEvent, {type: 'run-finished'}>['outcome'], {text: string; color: string}> = {
	succeeded: {text: 'Rolled back and verified', color: 'green'},
	'verification-failed': {text: 'Rolled back, but verification FAILED', color: 'red'},
	failed: {text: 'The rollback FAILED', color: 'red'},
	aborted: {text: 'Aborted by the operator', color: 'yellow'},
	interrupted: {text: 'Stopped safely at your request', color: 'yellow'},
	refused: {text: 'Refused', color: 'red'},
	'bad-input': {text: 'Stopped: the input needs fixing', color: 'red'},
};

export function FinalPanel({
	result,
	kind,
	canUndo,
	width,
}: {
	readonly result: Extract<RunEvent, {type: 'run-finished'}>;
	readonly kind: RunKind | null;
	readonly canUndo: boolean;
	readonly width: number;
}) {
	const headline = kind === 'undo' ? {...HEADLINE[result.outcome], text: HEADLINE[result.outcome].text.replace('Rolled back', 'Rolled forward')} : HEADLINE[result.outcome];
	const labelWidth = Math.min(36, Math.max(...result.criteria.map(criterion => criterion.label.length)));
	return (
		<Box flexDirection="column" width={width}>
			<Box borderStyle="round" borderColor={headline.color} flexDirection="column" paddingX={1}>
				<Text bold color={headline.color}>
					{headline.text}
				</Text>
				<Text wrap="wrap">{result.message}</Text>
				<Box flexDirection="column" marginTop={1}>
					{result.criteria.map(criterion => (
						<Box key={criterion.id}>
							<Box width={2} flexShrink={0}>
								<Text color={STATUS_COLOR[criterion.status]}>{STATUS_MARK[criterion.status]}</Text>
							</Box>
							<Box width={labelWidth + 1} flexShrink={0}>
								<Text wrap="truncate">{criterion.label}</Text>
							</Box>
							<Box flexGrow={1} flexShrink={1} minWidth={0}>
								<Text dimColor wrap="truncate">
									{criterion.detail}
								</Text>
							</Box>
						</Box>
					))}
				</Box>
				<Text>
					Total {formatDuration(result.totalMs)}
					{result.rollbackMs === null ? '' : ` · rollback ${formatDuration(result.rollbackMs)} (target under 5 min)`}
				</Text>
				{result.reportPath && <Text dimColor>Report: {result.reportPath}</Text>}
				{result.journalPath && <Text dimColor>Journal: {result.journalPath}</Text>}
			</Box>
			<Text dimColor>{canUndo ? helpLine(KEYS.undo, KEYS.quit) : helpLine(KEYS.quit)}</Text>
		</Box>
	);
}
