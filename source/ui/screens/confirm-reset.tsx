/**
 * The last gate before `git reset --hard`: the very command the reset step will run, what it
 * undoes, the backup and what was saved, and a typed short hash to go ahead (optionally followed by
 * the reason, for the release history and the report).
 */
import {StatusMessage} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useState} from 'react';
import {FLAG_LABELS} from '../../core/git.js';
import type {Question} from '../../core/questions.js';
import type {ChangeFlag} from '../../core/types.js';
import {TextField, useTextField} from '../components/text-field.js';
import {useKeys} from '../key-router.js';
import {helpLine, KEYS} from '../keys.js';
import {MigrationPlanLines} from '../components/migration-plan.js';
import {useTheme} from '../theme.js';

type ConfirmQuestion = Extract<Question, {kind: 'confirm-reset'}>;

/** "undoes 3 commits" or, when moving forward (an undo), "re-applies 3 commits". */
export function describeMove(impact: NonNullable<ConfirmQuestion['impact']>): string {
	const files = `${impact.files.length} file${impact.files.length === 1 ? '' : 's'}`;
	const count = (commits: readonly unknown[]) => `${commits.length} commit${commits.length === 1 ? '' : 's'}`;
	if (impact.commitsUndone.length === 0 && impact.commitsAdded.length > 0)
		return `This re-applies ${count(impact.commitsAdded)} (a roll forward) and changes ${files}.`;
	const added = impact.commitsAdded.length > 0 ? ` and brings in ${count(impact.commitsAdded)} from another line of history` : '';
	return `This undoes ${count(impact.commitsUndone)}${added} and changes ${files}.`;
}

export type ConfirmAnswer = {readonly answer: 'confirm' | 'back' | 'abort'; readonly reason?: string};

export function ConfirmReset({
	question,
	onAnswer,
	onWrongTurn,
	width,
}: {
	readonly question: ConfirmQuestion;
	readonly onAnswer: (answer: ConfirmAnswer) => void;
	readonly onWrongTurn?: (text: string) => void;
	readonly width: number;
}) {
	const theme = useTheme();
	const [mismatch, setMismatch] = useState<string | null>(null);
	const field = useTextField('', () => setMismatch(null));
	const {target, impact} = question;
	useKeys(
		(input, key) => {
			if (KEYS.back.match(input, key)) {
				onAnswer({answer: 'back'});
				return;
			}
			const result = field.handle(input, key);
			if (typeof result !== 'string') return;
			const [typed = '', ...why] = result.trim().split(/\s+/);
			if (typed.toLowerCase() === target.shortHash.toLowerCase()) {
				onAnswer({answer: 'confirm', ...(why.length > 0 ? {reason: why.join(' ')} : {})});
				return;
			}
			setMismatch(typed);
			onWrongTurn?.(`typed "${typed}" at the reset confirmation instead of ${target.shortHash}`);
		},
		{typing: true, bindings: [KEYS.confirmHash, KEYS.back]},
	);
	const noBackup = question.backupSummary.startsWith('NO BACKUP');
	const flags = [...new Set<ChangeFlag>(impact?.files.flatMap(file => file.flags) ?? [])];
	const lines = question.command.display.split('\n');
	return (
		<Box flexDirection="column" width={width} gap={1}>
			<Box flexDirection="column">
				<Text bold>
					Reset the server from <Text color={theme.color('warning')}>{question.from.slice(0, 7)}</Text> to{' '}
					<Text color={theme.color('success')}>{target.shortHash}</Text> “{target.subject}”?
				</Text>
				{impact && <Text>{describeMove(impact)}</Text>}
				{flags
					.filter(flag => !(flag === 'migration' && impact?.migrations))
					.map(flag => (
						<Text key={flag} color={theme.color('warning')}>
							⚠ {FLAG_LABELS[flag]}
						</Text>
					))}
				<MigrationPlanLines plan={impact?.migrations} />
				<Text color={theme.color(noBackup ? 'danger' : 'success')}>Backup: {question.backupSummary}</Text>
				{question.savedSummary && <Text color={theme.color('success')}>Saved: {question.savedSummary}</Text>}
			</Box>
			{question.migrateFirst && (
				<Box flexDirection="column">
					<Text color={theme.color('muted')}>First, the schema’s downgrade (while its scripts still exist), exactly:</Text>
					<Text color={theme.color('warning')} wrap="wrap">
						{'  '}
						{question.migrateFirst}
					</Text>
				</Box>
			)}
			<Box flexDirection="column">
				<Text color={theme.color('muted')}>{question.migrateFirst ? 'Then the reset' : 'The command rewind will run on the server'}, exactly:</Text>
				{lines.map((line, index) => (
					<Text
						key={index}
						color={theme.color(line.startsWith('git reset --hard') ? 'danger' : 'muted')}
						bold={line.startsWith('git reset --hard')}
						wrap="wrap"
					>
						{'  '}
						{line}
					</Text>
				))}
			</Box>
			<Box flexDirection="column">
				<Text>
					Type{' '}
					<Text bold color={theme.color('success')}>
						{target.shortHash}
					</Text>{' '}
					and press Enter to reset <Text color={theme.color('muted')}>(a reason may follow the hash, for the history)</Text>:
				</Text>
				<Box gap={1}>
					<Text color={theme.color('accent')}>›</Text>
					<TextField field={field} placeholder="type the short hash" />
				</Box>
				{mismatch !== null && (
					<StatusMessage variant="error">
						“{mismatch}” is not {target.shortHash}: nothing was reset. Type the short hash exactly.
					</StatusMessage>
				)}
			</Box>
			<Text color={theme.color('muted')} wrap="truncate-middle">
				{helpLine(KEYS.confirmHash, KEYS.back, KEYS.stop, KEYS.help)}
			</Text>
		</Box>
	);
}
