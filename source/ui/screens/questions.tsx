/**
 * The operator's other decisions: each question as a short explanation and a choice list (or a
 * text prompt), driven by the one key router. Every answer is logged by the engine.
 */
import {StatusMessage} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useState} from 'react';
import {describeHolder} from '../../core/format.js';
import {describeBackupAge} from '../../core/migrations/way-out.js';
import type {Question, RecoveryChoice} from '../../core/questions.js';
import {ChoiceList, useChoices, type Choice} from '../components/choice-list.js';
import {TextField, useTextField} from '../components/text-field.js';
import {useKeys} from '../key-router.js';
import {fitHelpLine, helpLine, KEYS} from '../keys.js';
import {useTheme} from '../theme.js';

type Props<K extends Question['kind']> = {readonly question: Extract<Question, {kind: K}>; readonly onAnswer: (value: unknown) => void; readonly width: number};

/** A choice list that answers the question when one is chosen. */
function Choices<T extends string>({
	choices,
	onAnswer,
	width = 80,
}: {
	readonly choices: readonly Choice<T>[];
	readonly onAnswer: (value: T) => void;
	readonly width?: number;
}) {
	const state = useChoices(choices);
	useKeys(
		(input, key) => {
			const chosen = state.handle(input, key);
			if (typeof chosen === 'string') onAnswer(chosen);
		},
		{bindings: [KEYS.up, KEYS.down, KEYS.choose]},
	);
	return (
		<Box flexDirection="column">
			<ChoiceList choices={choices} state={state} />
			<Text color={useTheme().color('muted')}>{fitHelpLine(width, KEYS.choose, KEYS.askStop, KEYS.up, KEYS.down, KEYS.help)}</Text>
		</Box>
	);
}

/** A one-line text prompt. Free text (a passphrase, a reason) takes `?` as a character; a word to type (yes) does not. */
function Prompt({
	placeholder,
	mask,
	freeText = true,
	onSubmit,
}: {
	readonly placeholder: string;
	readonly mask?: boolean;
	readonly freeText?: boolean;
	readonly onSubmit: (value: string) => void;
}) {
	const theme = useTheme();
	const field = useTextField();
	useKeys(
		(input, key) => {
			const result = field.handle(input, key);
			if (typeof result === 'string') onSubmit(result);
		},
		{typing: true, questionMarkIsText: freeText, bindings: [KEYS.choose]},
	);
	return (
		<Box flexDirection="column">
			<Box gap={1}>
				<Text color={theme.color('accent')}>›</Text>
				<TextField field={field} placeholder={placeholder} mask={mask === true} />
			</Box>
			<Text color={theme.color('muted')}>
				{freeText ? helpLine(KEYS.choose, KEYS.askStopTyping, KEYS.stop) : helpLine(KEYS.choose, KEYS.askStopTyping, KEYS.help)}
			</Text>
		</Box>
	);
}

export function HostKeyQuestion({question, onAnswer}: Props<'host-key'>) {
	const theme = useTheme();
	return (
		<Box flexDirection="column" gap={1}>
			<StatusMessage variant="warning">
				The server {question.host} is not in known_hosts yet
				{question.otherTypes ? ` under ${question.keyType} (known_hosts has its ${question.otherTypes.join(', ')} key)` : ''}.
			</StatusMessage>
			<Box flexDirection="column">
				<Text>
					Its {question.keyType} key fingerprint is <Text bold>{question.fingerprint}</Text>.
				</Text>
				<Text color={theme.color('muted')}>Check it with the server’s owner (PythonAnywhere publishes theirs) before trusting it.</Text>
			</Box>
			<HostKeyAnswer onAnswer={onAnswer} />
		</Box>
	);
}

/** No default answer for a key never seen: `yes` typed in full, as OpenSSH asks it. */
function HostKeyAnswer({onAnswer}: {readonly onAnswer: (value: boolean) => void}) {
	const [unclear, setUnclear] = useState<string | null>(null);
	return (
		<Box flexDirection="column">
			<Text>Trust this key and connect (it is added to known_hosts)? Type yes or no:</Text>
			<Prompt
				placeholder="yes or no"
				freeText={false}
				onSubmit={value => {
					const word = value.trim().toLowerCase();
					if (word === 'yes' || word === 'no') onAnswer(word === 'yes');
					else setUnclear(value.trim());
				}}
			/>
			{unclear !== null && <StatusMessage variant="error">“{unclear}” is neither yes nor no: nothing was trusted. Type yes or no.</StatusMessage>}
		</Box>
	);
}

export function PassphraseQuestion({question, onAnswer}: Props<'passphrase'>) {
	return (
		<Box flexDirection="column">
			<Text>
				Passphrase for <Text bold>{question.keyPath}</Text> (empty to skip this key):
			</Text>
			<Prompt placeholder="" mask onSubmit={value => onAnswer(value === '' ? null : value)} />
		</Box>
	);
}

export function DirtyTreeQuestion({question, onAnswer}: Props<'dirty-tree'>) {
	const theme = useTheme();
	const tracked = question.files.filter(file => !file.startsWith('?? ')).length;
	const untracked = question.files.length - tracked;
	const parts = [
		...(tracked > 0 ? [`${tracked} uncommitted change${tracked === 1 ? '' : 's'} to tracked files that git reset --hard would destroy`] : []),
		...(untracked > 0 ? [`${untracked} untracked file${untracked === 1 ? '' : 's'} (the reset keeps them)`] : []),
	];
	return (
		<Box flexDirection="column" gap={1}>
			<StatusMessage variant="warning">The server’s checkout has {parts.join(' and ')}.</StatusMessage>
			<Box flexDirection="column">
				{question.files.slice(0, 8).map(file => (
					<Text key={file} color={theme.color('muted')}>
						{'  '}
						{file}
					</Text>
				))}
				{question.files.length > 8 && <Text color={theme.color('muted')}>{`  … and ${question.files.length - 8} more`}</Text>}
			</Box>
			<Choices
				choices={[
					{label: 'Save them first (patch, stash commit, archive of untracked files), then continue', value: 'save'},
					{label: 'Abort: leave the server untouched', value: 'abort'},
				]}
				onAnswer={onAnswer}
			/>
		</Box>
	);
}

export function StaleLockQuestion({question, onAnswer}: Props<'stale-lock'>) {
	return (
		<Box flexDirection="column" gap={1}>
			<StatusMessage variant="warning">A stale rollback lock is on the server.</StatusMessage>
			<Text>Held by {describeHolder(question.holder.runId === 'unknown' ? null : question.holder, question.ageMinutes)}.</Text>
			<Choices
				choices={[
					// Not on one Enter: somebody may still be working.
					{label: 'Abort: somebody may still be working', value: 'abort'},
					{label: 'Take over the lock (logged in the journal and the report)', value: 'take-over'},
				]}
				onAnswer={onAnswer}
			/>
		</Box>
	);
}

const CHOICE_LABEL: Record<Exclude<RecoveryChoice, 'fix' | 'override'>, string> = {
	retry: 'Retry this step',
	reconnect: 'Reconnect and retry this step',
	abort: 'Abort the run (the lock is released; nothing else changes)',
};

export function RecoverQuestion({question, onAnswer, width}: Props<'recover'>) {
	const theme = useTheme();
	const fixes = question.hints.filter(hint => hint.fix !== undefined);
	const choices = question.choices.flatMap((choice): Array<Choice<string>> => {
		if (choice === 'fix') return fixes.map(hint => ({label: hint.fix!.label, value: `fix:${hint.fix!.id}`}));
		if (choice === 'override') return [{label: question.overrideLabel ?? 'Override', value: 'override'}];
		return [{label: CHOICE_LABEL[choice], value: choice}];
	});
	return (
		<Box flexDirection="column" gap={1} width={width}>
			<StatusMessage variant="error">{question.error}</StatusMessage>
			{question.hints.map(hint => (
				<Box key={hint.id} flexDirection="column">
					<Text color={theme.color('accent')} bold>
						💡 {hint.title}
					</Text>
					<Text wrap="wrap">{hint.advice}</Text>
				</Box>
			))}
			<Text>What now?</Text>
			<Choices
				width={width}
				choices={choices}
				onAnswer={value => (value.startsWith('fix:') ? onAnswer({choice: 'fix', fix: value.slice(4)}) : onAnswer({choice: value as RecoveryChoice}))}
			/>
		</Box>
	);
}

export function OverrideReasonQuestion({question, onAnswer}: Props<'override-reason'>) {
	return (
		<Box flexDirection="column">
			<StatusMessage variant="warning">
				{question.warning ?? 'Resetting without a verified backup: nothing can restore the database if this goes wrong.'}
			</StatusMessage>
			<Text>Why? (written to the journal and the report; empty to abort)</Text>
			<Prompt
				placeholder={question.example ?? 'e.g. the database was not touched by the bad deploy'}
				onSubmit={value => onAnswer(value.trim() === '' ? null : value.trim())}
			/>
		</Box>
	);
}

/** No way down for the schema: what stops it, then the ways out, each with its cost. */
export function MigrationWayOutQuestion({question, onAnswer, width}: Props<'migration-way-out'>) {
	const theme = useTheme();
	const target = question.target.join(', ') || 'base';
	const choices: Array<Choice<string>> = [
		{label: 'Abort: nothing is changed (the backup just taken stays)', value: 'abort'},
		{label: `Reset the code only and leave the schema ahead — the old code may fail against it (you type why)`, value: 'code-only'},
		...question.backups.slice(0, 3).map(backup => ({
			label: `Restore the backup of ${describeBackupAge(backup)} (at ${target}) — data written since is lost; tables made since are dropped (this run’s backup keeps them)`,
			value: `restore:${backup.path}`,
		})),
	];
	return (
		<Box flexDirection="column" gap={1} width={width}>
			<StatusMessage variant="error">The schema cannot be migrated down to {target}: nothing has been changed yet.</StatusMessage>
			{question.irreversible.length === 0 && <Text wrap="wrap">{question.why}</Text>}
			{question.irreversible.map(migration => (
				<Text key={migration.revision} color={theme.color('warning')} wrap="wrap">
					{'  ✗ '}
					{migration.revision} {migration.message}: {migration.irreversible}
				</Text>
			))}
			{question.backups.length === 0 && (
				<Text color={theme.color('muted')} wrap="wrap">
					No earlier backup taken at {target} is on the server (each backup records the revision it was taken at).
				</Text>
			)}
			<Text>What now?</Text>
			<Choices
				width={width}
				choices={choices}
				onAnswer={value =>
					onAnswer(value.startsWith('restore:') ? {choice: 'restore', path: value.slice('restore:'.length)} : {choice: value as 'abort' | 'code-only'})
				}
			/>
		</Box>
	);
}

export function ManualReloadQuestion({question, onAnswer}: Props<'manual-reload'>) {
	return (
		<Box flexDirection="column" gap={1}>
			<Text bold>Reload the web app by hand:</Text>
			<Text wrap="wrap">{question.instructions}</Text>
			<Choices
				choices={[
					{label: 'Done: I reloaded the app', value: 'done'},
					{label: 'Abort', value: 'abort'},
				]}
				onAnswer={onAnswer}
			/>
		</Box>
	);
}
