/** The final verification panel: each success criterion with ✓/✗ and its proof, totals, and the paths to copy. */
import {Box, Text} from 'ink';
import type {RunEvent} from '../../core/events.js';
import {formatDuration} from '../../core/format.js';
import type {RunFacts, RunKind} from '../../core/types.js';
import {helpLine, KEYS} from '../keys.js';
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

/** Paths an operator must be able to copy: shown whole, never cut with `…`. */
function pathsToCopy(facts: RunFacts): Array<[string, string]> {
	const paths: Array<[string, string]> = [];
	if (facts.backup?.verified) paths.push(['Backup', facts.backup.path]);
	if (facts.backup?.localCopy) paths.push(['Backup copy here', facts.backup.localCopy.path]);
	if (facts.dirty?.patchPath) paths.push(['Saved changes', facts.dirty.patchPath]);
	if (facts.dirty?.untrackedArchive) paths.push(['Saved untracked files', facts.dirty.untrackedArchive]);
	if (facts.dirty?.stashCommit) paths.push(['Stash commit', facts.dirty.stashCommit]);
	if (facts.atRisk?.archive) paths.push(['Saved files the target tracks', facts.atRisk.archive]);
	return paths;
}

export function FinalPanel({
	result,
	facts,
	kind,
	canUndo,
	extraLines,
	width,
}: {
	readonly result: Extract<RunEvent, {type: 'run-finished'}>;
	readonly facts: RunFacts;
	readonly kind: RunKind | null;
	readonly canUndo: boolean;
	readonly extraLines: readonly string[];
	readonly width: number;
}) {
	const theme = useTheme();
	const base = HEADLINE[result.outcome];
	const headline = kind === 'undo' ? {...base, text: base.text.replace('Rolled back', 'Rolled forward')} : base;
	const labelWidth = Math.min(36, Math.max(0, ...result.criteria.map(criterion => criterion.label.length)));
	return (
		<Box flexDirection="column" width={width}>
			<Box borderStyle="round" borderColor={theme.color(headline.tone)} flexDirection="column" paddingX={1}>
				<Text bold color={theme.color(headline.tone)}>
					{headline.text}
				</Text>
				<Text wrap="wrap">{result.message}</Text>
				<Box flexDirection="column" marginTop={1}>
					{result.criteria.map(criterion => (
						<Box key={criterion.id}>
							<Box width={2} flexShrink={0}>
								<Text color={theme.color(STATUS_TONE[criterion.status])}>{STATUS_MARK[criterion.status]}</Text>
							</Box>
							<Box width={labelWidth + 1} flexShrink={0}>
								<Text wrap="truncate">{criterion.label}</Text>
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
					{result.rollbackMs === null ? '' : ` · rollback ${formatDuration(result.rollbackMs)} (target under 5 min)`}
				</Text>
				{pathsToCopy(facts).map(([label, path]) => (
					<Text key={label} wrap="wrap">
						{label}: {path}
					</Text>
				))}
				{result.reportPath && <Text wrap="wrap">Report: {result.reportPath}</Text>}
				{result.journalPath && <Text wrap="wrap">Journal: {result.journalPath}</Text>}
				{extraLines.map((line, index) => (
					<Text key={index} wrap="wrap">
						{line}
					</Text>
				))}
			</Box>
			<Text color={theme.color('muted')} wrap="truncate-middle">
				{canUndo ? helpLine(KEYS.undo, KEYS.quit, KEYS.help) : helpLine(KEYS.quit, KEYS.help)}
			</Text>
		</Box>
	);
}
