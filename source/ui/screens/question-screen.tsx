/** The screen for the question the engine asks now, and the stop question shown above any screen. */
import {Box, Text} from 'ink';
import type {Commit} from '../../core/types.js';
import type {PendingQuestion} from '../interactive-operator.js';
import {useTheme} from '../theme.js';
import {CommitPicker} from './commit-picker.js';
import {ConfirmReset} from './confirm-reset.js';
import {
	DirtyTreeQuestion,
	HostKeyQuestion,
	ManualReloadQuestion,
	MigrationWayOutQuestion,
	OverrideReasonQuestion,
	PassphraseQuestion,
	RecoverQuestion,
	StaleLockQuestion,
} from './questions.js';

export function QuestionScreen({
	pending,
	onWrongTurn,
	width,
	height,
}: {
	readonly pending: PendingQuestion;
	readonly onWrongTurn: (text: string) => void;
	readonly width: number;
	readonly height: number;
}) {
	const {question, answer} = pending;
	switch (question.kind) {
		case 'pick-target':
			return <CommitPicker source={question.source} onPick={(commit: Commit) => answer(commit)} onWrongTurn={onWrongTurn} height={height} width={width} />;
		case 'confirm-reset':
			return (
				<ConfirmReset
					question={question}
					onAnswer={({answer: decision, reason}) => answer({decision, ...(reason ? {reason} : {})})}
					onWrongTurn={onWrongTurn}
					width={width}
					height={height}
				/>
			);
		case 'host-key':
			return <HostKeyQuestion question={question} onAnswer={answer} width={width} />;
		case 'passphrase':
			return <PassphraseQuestion question={question} onAnswer={answer} width={width} />;
		case 'dirty-tree':
			return <DirtyTreeQuestion question={question} onAnswer={answer} width={width} />;
		case 'stale-lock':
			return <StaleLockQuestion question={question} onAnswer={answer} width={width} />;
		case 'recover':
			return <RecoverQuestion question={question} onAnswer={value => answer(value)} width={width} />;
		case 'override-reason':
			return <OverrideReasonQuestion question={question} onAnswer={answer} width={width} />;
		case 'manual-reload':
			return <ManualReloadQuestion question={question} onAnswer={answer} width={width} />;
		case 'migration-way-out':
			return <MigrationWayOutQuestion question={question} onAnswer={answer} width={width} />;
	}
}

/**
 * The stop question. It sits above the screen (which stays visible: a question that arrives while
 * it is open is seen at once); its keys (y, n) are read by the app's global handler.
 */
export function StopPrompt({what = 'rollback'}: {readonly what?: string}) {
	const theme = useTheme();
	return (
		<Box flexDirection="column" marginBottom={1}>
			<Text bold color={theme.color('warning')} wrap="wrap">
				Stop the {what}? rewind stops at the next safe point (a running reset always finishes) and releases the lock.
			</Text>
			<Text>Stop now? y stop · n/Esc keep going (Ctrl+C again stops at once)</Text>
		</Box>
	);
}
