/**
 * The operator's other decisions: each question kind as a short explanation and an @inkjs/ui
 * Select (or a text prompt). Every choice is logged by the engine.
 */
import {PasswordInput, Select, StatusMessage} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {FIX_LABELS} from '../../core/hints.js';
import {describeHolder} from '../../core/steps/lock.js';
import type {FixId, Question, RecoveryChoice} from '../../core/types.js';
import {LineInput} from '../components/line-input.js';

type Props<K extends Question['kind']> = {readonly question: Extract<Question, {kind: K}>; readonly onAnswer: (value: unknown) => void; readonly width: number};

function Choices({options, onAnswer}: {readonly options: ReadonlyArray<{label: string; value: string}>; readonly onAnswer: (value: string) => void}) {
	return <Select options={[...options]} visibleOptionCount={options.length} onChange={onAnswer} />;
}

export function HostKeyQuestion({question, onAnswer}: Props<'host-key'>) {
	return (
		<Box flexDirection="column" gap={1}>
			<StatusMessage variant="warning">The server {question.host} is not in known_hosts yet.</StatusMessage>
			<Box flexDirection="column">
				<Text>
					Its {question.keyType} key fingerprint is <Text bold>{question.fingerprint}</Text>.
				</Text>
				<Text dimColor>Check it with the server’s owner (PythonAnywhere publishes theirs) before trusting it.</Text>
			</Box>
			<Choices
				options={[
					{label: 'Trust this key and continue (adds it to known_hosts)', value: 'yes'},
					{label: 'Do not connect', value: 'no'},
				]}
				onAnswer={value => onAnswer(value === 'yes')}
			/>
		</Box>
	);
}

export function PassphraseQuestion({question, onAnswer}: Props<'passphrase'>) {
	return (
		<Box flexDirection="column">
			<Text>
				Passphrase for <Text bold>{question.keyPath}</Text> (empty to skip this key):
			</Text>
			<PasswordInput onSubmit={value => onAnswer(value === '' ? null : value)} />
		</Box>
	);
}

export function DirtyTreeQuestion({question, onAnswer}: Props<'dirty-tree'>) {
	return (
		<Box flexDirection="column" gap={1}>
			<StatusMessage variant="warning">The server’s checkout has {question.files.length} uncommitted change{question.files.length === 1 ? '' : 's'}: git reset --hard would destroy them.</StatusMessage>
			<Box flexDirection="column">
				{question.files.slice(0, 8).map(file => (
					<Text key={file} dimColor>
						{'  '}
						{file}
					</Text>
				))}
				{question.files.length > 8 && <Text dimColor>{`  … and ${question.files.length - 8} more`}</Text>}
			</Box>
			<Choices
				options={[
					{label: 'Save them first (patch + untracked-files archive + stash commit), then continue', value: 'save'},
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
				options={[
					{label: 'Take over the lock (logged in the journal and the report)', value: 'take-over'},
					{label: 'Abort: somebody may still be working', value: 'abort'},
				]}
				onAnswer={onAnswer}
			/>
		</Box>
	);
}

const CHOICE_LABEL: Record<Exclude<RecoveryChoice, 'fix'>, string> = {
	retry: 'Retry this step',
	reconnect: 'Reconnect and retry this step',
	'override-backup': 'Reset WITHOUT a verified backup (asks for a reason, logged)',
	abort: 'Abort the run (the lock is released; nothing else changes)',
};

export function RecoverQuestion({question, onAnswer, width}: Props<'recover'>) {
	const fixes = question.hints.filter(hint => hint.fix !== undefined);
	const options = question.choices.flatMap(choice =>
		choice === 'fix' ? fixes.map(hint => ({label: FIX_LABELS[hint.fix!], value: `fix:${hint.fix}`})) : [{label: CHOICE_LABEL[choice], value: choice}],
	);
	return (
		<Box flexDirection="column" gap={1} width={width}>
			<StatusMessage variant="error">{question.error}</StatusMessage>
			{question.hints.map(hint => (
				<Box key={hint.id} flexDirection="column">
					<Text color="cyan" bold>
						💡 {hint.title}
					</Text>
					<Text wrap="wrap">{hint.advice}</Text>
				</Box>
			))}
			<Text>What now?</Text>
			<Choices
				options={options}
				onAnswer={value => (value.startsWith('fix:') ? onAnswer({choice: 'fix', fix: value.slice(4) as FixId}) : onAnswer({choice: value as RecoveryChoice}))}
			/>
		</Box>
	);
}

export function OverrideReasonQuestion({onAnswer}: Props<'override-reason'>) {
	return (
		<Box flexDirection="column">
			<StatusMessage variant="warning">Resetting without a verified backup: nothing can restore the database if this goes wrong.</StatusMessage>
			<Text>Why? (written to the journal and the report; empty to abort)</Text>
			<LineInput placeholder="e.g. the database was not touched by the bad deploy" onSubmit={value => onAnswer(value.trim() === '' ? null : value.trim())} />
		</Box>
	);
}

export function ManualReloadQuestion({question, onAnswer}: Props<'manual-reload'>) {
	return (
		<Box flexDirection="column" gap={1}>
			<Text bold>Reload the web app by hand:</Text>
			<Text wrap="wrap">{question.instructions}</Text>
			<Choices
				options={[
					{label: 'Done: I reloaded the app', value: 'done'},
					{label: 'Abort', value: 'abort'},
				]}
				onAnswer={onAnswer}
			/>
		</Box>
	);
}
