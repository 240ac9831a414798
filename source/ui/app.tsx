/**
 * The rewind TUI: the step list, the screen for whatever the run needs now (a question, the live
 * output, the final panel), and the finished log above. It renders the engine's events and answers
 * its questions; it runs nothing itself.
 */
import {ConfirmInput} from '@inkjs/ui';
import {Box, Text, useApp, useStdout} from 'ink';
import {useRef, useState, useSyncExternalStore} from 'react';
import type {Engine, RunResult} from '../core/engine.js';
import type {Commit, FixId, RecoveryChoice} from '../core/types.js';
import {FinalPanel} from './components/final-panel.js';
import {LiveArea} from './components/live-area.js';
import {RunLog} from './components/run-log.js';
import {StepBar, StepList} from './components/step-list.js';
import type {InteractiveOperator, PendingQuestion} from './interactive-operator.js';
import {KeyRouter, type KeyHandler} from './key-router.js';
import {helpLine, KEYS} from './keys.js';
import {CommitPicker} from './screens/commit-picker.js';
import {ConfirmReset} from './screens/confirm-reset.js';
import {
	DirtyTreeQuestion,
	HostKeyQuestion,
	ManualReloadQuestion,
	OverrideReasonQuestion,
	PassphraseQuestion,
	RecoverQuestion,
	StaleLockQuestion,
} from './screens/questions.js';
import {useRun} from './use-run.js';

export type Session = {readonly engine: Engine; readonly operator: InteractiveOperator};

export type AppProps = {
	readonly session: Session;
	/** Builds the run that returns the server to where a finished rollback started (the `u` key). */
	readonly createUndo?: (result: RunResult) => Session | null;
	/** Called once, with the exit code, when the operator leaves. */
	readonly onExit: (exitCode: number) => void;
};

const SIDEBAR_WIDTH = 30;
const WIDE_ENOUGH = 90;

function QuestionScreen({
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
			return (
				<CommitPicker source={question.source} onPick={(commit: Commit) => answer(commit)} onAbort={() => answer(null)} onWrongTurn={onWrongTurn} height={height} width={width} />
			);
		case 'confirm-reset':
			return <ConfirmReset question={question} onAnswer={answer} onWrongTurn={onWrongTurn} width={width} />;
		case 'host-key':
			return <HostKeyQuestion question={question} onAnswer={answer} width={width} />;
		case 'passphrase':
			return <PassphraseQuestion question={question} onAnswer={answer} width={width} />;
		case 'dirty-tree':
			return <DirtyTreeQuestion question={question} onAnswer={answer} width={width} />;
		case 'stale-lock':
			return <StaleLockQuestion question={question} onAnswer={answer} width={width} />;
		case 'recover':
			return <RecoverQuestion question={question} onAnswer={value => answer(value as {choice: RecoveryChoice; fix?: FixId})} width={width} />;
		case 'override-reason':
			return <OverrideReasonQuestion question={question} onAnswer={answer} width={width} />;
		case 'manual-reload':
			return <ManualReloadQuestion question={question} onAnswer={answer} width={width} />;
	}
}

export function App({session: initialSession, createUndo, onExit}: AppProps) {
	const [session, setSession] = useState(initialSession);
	const [result, setResult] = useState<RunResult | null>(null);
	const [confirmingStop, setConfirmingStopState] = useState(false);
	// Keys read the ref: a Ctrl+C right after answering must see the answer, not the last render's state.
	const confirmingStopRef = useRef(false);
	const setConfirmingStop = (value: boolean) => {
		confirmingStopRef.current = value;
		setConfirmingStopState(value);
	};
	const state = useRun(session.engine, setResult);
	const pending = useSyncExternalStore(session.operator.subscribe, session.operator.pending);
	const {exit} = useApp();
	const {stdout} = useStdout();
	const columns = stdout.columns || 80;
	const rows = stdout.rows || 24;
	const wide = columns >= WIDE_ENOUGH;
	const mainWidth = wide ? columns - SIDEBAR_WIDTH - 1 : columns;
	const finished = state.finished !== null && result !== null;
	const undoable =
		finished && createUndo !== undefined && result.facts.fromHead !== undefined && result.facts.remoteHeadAfter !== undefined && result.facts.remoteHeadAfter !== result.facts.fromHead;

	const leave = (code: number) => {
		onExit(code);
		exit();
	};

	const globalKeys: KeyHandler = (input, key) => {
		if (KEYS.stop.match(input, key)) {
			if (finished) leave(result.exitCode);
			else if (confirmingStopRef.current || state.stopRequested) {
				// A second Ctrl+C does not wait for the question.
				setConfirmingStop(false);
				session.engine.requestStop();
			} else setConfirmingStop(true);
			return true;
		}
		if (confirmingStopRef.current) return true;
		if (finished && !pending) {
			if (undoable && KEYS.undo.match(input, key)) {
				const next = createUndo(result);
				if (next) {
					setResult(null);
					setSession(next);
				}
			} else if (KEYS.quit.match(input, key)) leave(result.exitCode);
			return true;
		}
		return false;
	};

	const title = state.kind === 'undo' ? 'undo' : state.kind === 'rehearsal' ? 'rehearsal' : state.kind === 'resume' ? 'resume' : 'rollback';
	const screenHeight = Math.max(8, rows - 4);
	return (
		<KeyRouter global={globalKeys}>
			<RunLog entries={state.log} />
			<Box flexDirection="column" width={columns}>
				<Box gap={1}>
					<Text bold color="cyan">
						rewind
					</Text>
					<Text>
						{title} of <Text bold>{state.appName || session.engine.config.app.name}</Text>
						{state.facts.sshTarget ? ` on ${state.facts.sshTarget}` : ''}
					</Text>
					<Text dimColor>{state.runId ?? ''}</Text>
				</Box>
				<Box>
					{wide && <StepList steps={state.steps} width={SIDEBAR_WIDTH} />}
					<Box flexDirection="column" marginLeft={wide ? 1 : 0} width={mainWidth}>
						{!wide && <StepBar steps={state.steps} />}
						{confirmingStop ? (
							<Box flexDirection="column">
								<Text bold color="yellow">
									Stop the rollback? rewind stops at the next safe point (a running reset always finishes) and releases the lock.
								</Text>
								<Box gap={1}>
									<Text>Stop now?</Text>
									<ConfirmInput
										defaultChoice="cancel"
										onConfirm={() => {
											setConfirmingStop(false);
											session.engine.requestStop();
										}}
										onCancel={() => setConfirmingStop(false)}
									/>
								</Box>
							</Box>
						) : pending ? (
							<QuestionScreen key={pending.id} pending={pending} onWrongTurn={text => session.engine.wrongTurn(text)} width={mainWidth} height={screenHeight} />
						) : finished ? (
							<FinalPanel result={state.finished!} kind={state.kind} canUndo={undoable} width={mainWidth} />
						) : (
							<LiveArea state={state} tailLines={Math.max(3, Math.min(8, rows - 16))} width={mainWidth} />
						)}
					</Box>
				</Box>
				{!finished && !pending && !confirmingStop && <Text dimColor>{state.stopRequested ? 'Stopping at the next safe point…' : helpLine(KEYS.stop)}</Text>}
			</Box>
		</KeyRouter>
	);
}
