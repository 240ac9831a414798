/** The commit picker's rows and its detail pane (what rolling back to the highlighted commit undoes). */
import {Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {FLAG_LABELS, isMerge} from '../../core/git.js';
import type {CommitMark} from '../../core/history.js';
import type {ChangeFlag, Commit, RollbackImpact} from '../../core/types.js';
import {MigrationPlanLines} from '../components/migration-plan.js';
import {describeMark, describeMarksShort} from '../history-text.js';
import {useTheme} from '../theme.js';

const FLAG_SHORT: Record<ChangeFlag, string> = {
	migration: 'migration',
	lockfile: 'lockfile',
	'dependency-manifest': 'dependencies',
	'frontend-config': 'front-end config',
};

export type ImpactEntry = {status: 'loading'} | {status: 'ready'; impact: RollbackImpact} | {status: 'error'; message: string};

function pad(text: string, width: number): string {
	if (text.length > width) return `${text.slice(0, Math.max(1, width - 1))}…`;
	return text.padEnd(width);
}

export function CommitRow({
	commit,
	selected,
	isHead,
	mark,
	width,
}: {
	readonly commit: Commit;
	readonly selected: boolean;
	readonly isHead: boolean;
	readonly mark: readonly CommitMark[] | undefined;
	readonly width: number;
}) {
	const theme = useTheme();
	// Columns are the same on every row (decided by the width): the author gives way first, then the
	// date. On a row, the HEAD marker comes first (nothing may push it off the line), then 20
	// characters of the subject, then the release-history mark; the subject takes what is left.
	const showAuthor = width >= 86;
	const showDate = width >= 70;
	const head = isHead ? ' ← HEAD (live now)' : isMerge(commit) ? ' (merge)' : '';
	const marks = mark && mark.length > 0 ? ` ${describeMarksShort(mark)}` : '';
	const room = width - 2 - 9 - (showDate ? 11 : 0) - (showAuthor ? 15 : 0) - head.length;
	const showMarks = marks !== '' && room - marks.length >= Math.min(commit.subject.length, 20);
	const subjectWidth = Math.max(6, room - (showMarks ? marks.length : 0));
	const suffix = `${head}${showMarks ? marks : ''}`;
	return (
		<Text color={selected ? theme.color('accent') : undefined} bold={selected} wrap="truncate">
			{selected ? '▸ ' : '  '}
			<Text color={selected ? theme.color('accent') : theme.color('warning')}>{pad(commit.shortHash, 8)}</Text>{' '}
			{showDate && <Text dimColor={!selected}>{`${commit.date.slice(0, 10)} `}</Text>}
			{showAuthor ? `${pad(commit.author, 14)} ` : ''}
			{pad(commit.subject, subjectWidth)}
			<Text color={theme.color('accent')}>{suffix}</Text>
		</Text>
	);
}

export function ImpactPane({
	entry,
	commit,
	isHead,
	mark,
	width,
}: {
	readonly entry: ImpactEntry | undefined;
	readonly mark: readonly CommitMark[] | undefined;
	readonly commit: Commit | undefined;
	readonly isHead: boolean;
	readonly width: number;
}) {
	const theme = useTheme();
	if (!commit) return null;
	const history =
		mark && mark.length > 0 ? (
			<Box flexDirection="column">
				{mark.map((verdict, index) => (
					<Text
						key={`${verdict.runId}-${verdict.kind}-${index}`}
						color={theme.color(verdict.kind === 'verified-good' ? 'success' : verdict.kind === 'reached-unproven' ? 'warning' : 'danger')}
						wrap="wrap"
					>
						{index === 0 ? 'Release history: ' : '                 '}
						{describeMark(verdict, true)}
					</Text>
				))}
			</Box>
		) : null;
	if (isHead)
		return (
			<Box flexDirection="column">
				<Text color={theme.color('muted')}>This is what the server runs now: pick an older commit.</Text>
				{history}
			</Box>
		);
	if (!entry || entry.status === 'loading')
		return theme.reducedMotion ? (
			<Text>Reading what rolling back to {commit.shortHash} would undo…</Text>
		) : (
			<Spinner label={`Reading what rolling back to ${commit.shortHash} would undo…`} />
		);
	if (entry.status === 'error') return <Text color={theme.color('danger')}>Could not read the changes: {entry.message}</Text>;
	const {impact} = entry;
	const flags = [...new Set(impact.files.flatMap(file => file.flags))];
	const added = impact.files.reduce((sum, file) => sum + (file.added ?? 0), 0);
	const removed = impact.files.reduce((sum, file) => sum + (file.removed ?? 0), 0);
	return (
		<Box flexDirection="column" width={width}>
			{history}
			<Text>
				Rolling back to <Text bold>{commit.shortHash}</Text> undoes <Text bold>{impact.commitsUndone.length}</Text> commit
				{impact.commitsUndone.length === 1 ? '' : 's'} and changes {impact.files.length} file
				{impact.files.length === 1 ? '' : 's'} (+{added} −{removed}){impact.targetIsAncestor ? '' : ' — not an ancestor of HEAD!'}
			</Text>
			{impact.commitsUndone.slice(0, 3).map(undone => (
				<Text key={undone.hash} color={theme.color('muted')} wrap="truncate">
					{'  • '}
					{undone.shortHash} {undone.subject}
				</Text>
			))}
			{impact.commitsUndone.length > 3 && <Text color={theme.color('muted')}>{`  … and ${impact.commitsUndone.length - 3} more`}</Text>}
			<Text color={theme.color('muted')} wrap="truncate">
				{'  files: '}
				{impact.files
					.slice(0, 6)
					.map(file => `${file.path}${file.flags.length > 0 ? ` [${file.flags.map(flag => FLAG_SHORT[flag]).join(', ')}]` : ''}`)
					.join(', ')}
				{impact.files.length > 6 ? ', …' : ''}
			</Text>
			{flags
				.filter(flag => !(flag === 'migration' && impact.migrations))
				.map(flag => (
					<Text key={flag} color={theme.color('warning')} wrap="wrap">
						⚠ {FLAG_LABELS[flag]}
					</Text>
				))}
			<MigrationPlanLines plan={impact.migrations} limit={3} />
		</Box>
	);
}
