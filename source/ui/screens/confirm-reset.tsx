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
import {fitHelpLine, KEYS} from '../keys.js';
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

/** The line of a guarded script that does the work (the guards before it only stop it), without its `cd <dir> &&`. */
export function keyLine(script: string, marker: RegExp): string {
	const lines = script.split('\n').map(line => line.trim());
	const line = lines.findLast(candidate => marker.test(candidate)) ?? lines.at(-1) ?? '';
	const withoutCd = line.replace(/^cd \S+ && /, '');
	return withoutCd.replace(/ && printf 'rewind: head=.*$/, '');
}

export function ConfirmReset({
	question,
	onAnswer,
	onWrongTurn,
	width,
	height,
}: {
	readonly question: ConfirmQuestion;
	readonly onAnswer: (answer: ConfirmAnswer) => void;
	readonly onWrongTurn?: (text: string) => void;
	readonly width: number;
	readonly height?: number;
}) {
	const theme = useTheme();
	const [mismatch, setMismatch] = useState<string | null>(null);
	const [details, setDetails] = useState(false);
	const field = useTextField('', () => setMismatch(null));
	const {target, impact} = question;
	useKeys(
		(input, key) => {
			if (KEYS.back.match(input, key)) {
				onAnswer({answer: 'back'});
				return;
			}
			if (KEYS.details.match(input, key)) {
				setDetails(shown => !shown);
				return;
			}
			// `?` is help, never a hash character: one typed within a fast chunk is dropped too.
			const result = field.handle(input.length > 1 ? input.replaceAll('?', '') : input, key);
			if (typeof result !== 'string') return;
			const [typed = '', ...why] = result.trim().split(/\s+/);
			if (typed.toLowerCase() === target.shortHash.toLowerCase()) {
				onAnswer({answer: 'confirm', ...(why.length > 0 ? {reason: why.join(' ')} : {})});
				return;
			}
			setMismatch(typed);
			onWrongTurn?.(`typed "${typed}" at the reset confirmation instead of ${target.shortHash}`);
		},
		{typing: true, bindings: [KEYS.confirmHash, KEYS.back, details ? KEYS.hideDetails : KEYS.details]},
	);
	const noBackup = question.backupSummary.startsWith('NO BACKUP');
	const flags = [...new Set<ChangeFlag>(impact?.files.flatMap(file => file.flags) ?? [])];
	const commands = [...(question.migrateFirst ? [keyLine(question.migrateFirst, / downgrade /)] : []), keyLine(question.command.display, /^git reset --hard /)];
	// Short screens (80×24) keep the impact to its first lines: the prompt must stay in view.
	const compact = (height ?? 40) < 24;
	return (
		<Box flexDirection="column" width={width} gap={compact ? 0 : 1}>
			<Box flexDirection="column">
				<Text bold wrap="wrap">
					Reset the {question.stage ? <Text underline>{question.stage}</Text> : ''}
					{question.stage ? ' ' : ''}server from <Text color={theme.color('warning')}>{question.from.slice(0, 7)}</Text> to{' '}
					<Text color={theme.color('success')}>{target.shortHash}</Text> “{target.subject}”?
				</Text>
				{impact && <Text>{describeMove(impact)}</Text>}
				{flags
					.filter(flag => !(flag === 'migration' && impact?.migrations))
					.map(flag => (
						<Text key={flag} color={theme.color('warning')} wrap="wrap">
							⚠ {FLAG_LABELS[flag]}
						</Text>
					))}
				<MigrationPlanLines plan={impact?.migrations} limit={compact ? 2 : 4} />
				{question.dropsData && (
					<Text color={theme.color('warning')} wrap="wrap">
						⚠ The downgrade drops data ({question.dropsData.keptIn}): {question.dropsData.items.join(', ')}
					</Text>
				)}
				<Text color={theme.color(noBackup ? 'danger' : 'success')} wrap="wrap">
					Backup: {question.backupSummary}
				</Text>
				{question.savedSummary && (
					<Text color={theme.color('success')} wrap="wrap">
						Saved: {question.savedSummary}
					</Text>
				)}
				{question.assets && (
					<Text color={theme.color(question.assets.startsWith('prebuilt') ? 'success' : 'warning')} wrap="wrap">
						Assets: {question.assets}
					</Text>
				)}
			</Box>
			<Box flexDirection="column">
				<Text color={theme.color('muted')} wrap="wrap">
					In {question.appDir}, rewind will run{commands.length > 1 ? ', in this order' : ''}:
				</Text>
				{commands.map(command => (
					<Text key={command} color={theme.color(command.startsWith('git reset --hard') ? 'danger' : 'warning')} bold wrap="wrap">
						{'  '}
						{command}
					</Text>
				))}
				<Text color={theme.color('muted')} wrap="wrap">
					{commands.length > 1 ? 'each' : 'only'} if HEAD and the working tree are still as preflight saw them
					{details ? '' : ` (${KEYS.details.keys}: the guarded script; also in the journal and rewind plan --verbose)`}.
				</Text>
			</Box>
			{details && <GuardedScript question={question} />}
			<Box flexDirection="column">
				<Text wrap="wrap">
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
			<Text color={theme.color('muted')}>
				{fitHelpLine(width, KEYS.confirmHash, KEYS.back, details ? KEYS.hideDetails : KEYS.details, KEYS.stop, KEYS.help)}
			</Text>
		</Box>
	);
}

/** Every line the migrate and reset steps will send, guards included (behind Tab). */
function GuardedScript({question}: {readonly question: ConfirmQuestion}) {
	const theme = useTheme();
	const scripts = [...(question.migrateFirst ? [question.migrateFirst] : []), question.command.display];
	return (
		<Box flexDirection="column">
			{scripts.map((script, index) => (
				<Box key={index} flexDirection="column">
					<Text color={theme.color('muted')}>{index === 0 && scripts.length > 1 ? 'First, the schema’s downgrade, exactly:' : 'The reset, exactly:'}</Text>
					{script.split('\n').map((line, lineIndex) => (
						<Text key={lineIndex} color={theme.color(line.startsWith('git reset --hard') ? 'danger' : 'muted')} wrap="wrap">
							{'  '}
							{line}
						</Text>
					))}
				</Box>
			))}
		</Box>
	);
}
