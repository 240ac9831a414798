/**
 * The last gate before `git reset --hard`: the literal command, what it undoes, the backup, and a
 * typed short hash to go ahead.
 */
import {StatusMessage} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useState} from 'react';
import {impactWarnings} from '../../core/steps/pick-target.js';
import type {Question} from '../../core/types.js';
import {LineInput} from '../components/line-input.js';
import {useKeys} from '../key-router.js';
import {helpLine, KEYS} from '../keys.js';

type ConfirmQuestion = Extract<Question, {kind: 'confirm-reset'}>;

/** "undoes 3 commits" or, when moving forward (an undo), "re-applies 3 commits". */
export function describeMove(impact: NonNullable<ConfirmQuestion['impact']>): string {
	const files = `${impact.files.length} file${impact.files.length === 1 ? '' : 's'}`;
	const count = (commits: readonly unknown[]) => `${commits.length} commit${commits.length === 1 ? '' : 's'}`;
	if (impact.commitsUndone.length === 0 && impact.commitsAdded.length > 0) return `This re-applies ${count(impact.commitsAdded)} (a roll forward) and changes ${files}.`;
	const added = impact.commitsAdded.length > 0 ? ` and brings in ${count(impact.commitsAdded)} from another line of history` : '';
	return `This undoes ${count(impact.commitsUndone)}${added} and changes ${files}.`;
}

export function ConfirmReset({
	question,
	onAnswer,
	onWrongTurn,
	width,
}: {
	readonly question: ConfirmQuestion;
	readonly onAnswer: (answer: 'confirm' | 'back' | 'abort') => void;
	readonly onWrongTurn?: (text: string) => void;
	readonly width: number;
}) {
	const [mismatch, setMismatch] = useState<string | null>(null);
	const {target, impact} = question;
	useKeys((input, key) => {
		if (KEYS.back.match(input, key)) onAnswer('back');
	});
	const noBackup = question.backupSummary.startsWith('NO BACKUP');
	return (
		<Box flexDirection="column" width={width} gap={1}>
			<Box flexDirection="column">
				<Text bold>
					Reset the server from <Text color="yellow">{question.from.slice(0, 7)}</Text> to <Text color="green">{target.shortHash}</Text> “{target.subject}”?
				</Text>
				{impact && <Text>{describeMove(impact)}</Text>}
				{impact && impactWarnings(impact).map(warning => (
					<Text key={warning} color="yellow">
						⚠ {warning}
					</Text>
				))}
				<Text color={noBackup ? 'red' : 'green'}>Backup: {question.backupSummary}</Text>
			</Box>
			<Box flexDirection="column">
				<Text dimColor>The command rewind will run on the server (in {question.appDir}):</Text>
				<Text color="red" bold>
					{'  '}git reset --hard {target.hash}
				</Text>
				<Text dimColor wrap="wrap">
					{'  '}guarded: it runs only if HEAD is still {question.from.slice(0, 7)} and the working tree is as preflight saw it (the whole command is in the plan
					and the journal)
				</Text>
			</Box>
			<Box flexDirection="column">
				<Text>
					Type <Text bold color="green">{target.shortHash}</Text> and press Enter to reset:
				</Text>
				<Box gap={1}>
					<Text color="cyan">›</Text>
					<LineInput
						placeholder="type the short hash"
						onSubmit={value => {
							if (value.trim().toLowerCase() === target.shortHash.toLowerCase()) onAnswer('confirm');
							else {
								setMismatch(value.trim());
								onWrongTurn?.(`typed "${value.trim()}" at the reset confirmation instead of ${target.shortHash}`);
							}
						}}
					/>
				</Box>
				{mismatch !== null && <StatusMessage variant="error">“{mismatch}” is not {target.shortHash}: nothing was reset. Type the short hash exactly.</StatusMessage>}
			</Box>
			<Text dimColor>{helpLine(KEYS.back, KEYS.stop)}</Text>
		</Box>
	);
}
