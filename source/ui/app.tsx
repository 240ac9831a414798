/**
 * The rewind TUI: the step list, the screen for whatever the run needs now (a question, the live
 * output, the final panel), the finished log above, and the stop prompt and help overlay on top.
 * It reads the engine's fold and answers its questions; it runs nothing itself.
 */
import {Box, Text, useStdout} from 'ink';
import {useEffect, useRef, useState, useSyncExternalStore} from 'react';
import type {RunResult} from '../core/engine.js';
import type {Commit} from '../core/types.js';
import {FinalPanel} from './components/final-panel.js';
import {HelpOverlay} from './components/help-overlay.js';
import {LiveArea} from './components/live-area.js';
import {RunLog} from './components/run-log.js';
import {StepBar, StepList} from './components/step-list.js';
import type {PendingQuestion} from './interactive-operator.js';
import {KeyRouter, type Focus, type GlobalHandler} from './key-router.js';
import {helpLine, KEYS, type Binding} from './keys.js';
import {useLifecycle} from './lifecycle-root.js';
import {CommitPicker} from './screens/commit-picker.js';
import {ConfirmReset} from './screens/confirm-reset.js';
import {
	DirtyTreeQuestion,
	HostKeyQuestion,
	ManualReloadQuestion,
	MigrationWayOutQuestion,
	OverrideReasonQuestion,
	PassphraseQuestion,
	RecoverQuestion,
	StaleLockQuestion,
} from './screens/questions.js';
import {runOf, type Session} from './session-run.js';
import {useTheme} from './theme.js';

export type {Session} from './session-run.js';

export type AppProps = {
	readonly session: Session;
	/** Builds the run that returns the server to where a finished rollback started (the `u` key). */
	readonly createUndo?: (result: RunResult) => Session | null;
	/** Told which session is in front (the undo replaces the rollback). */
	readonly onSession?: (session: Session) => void;
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
				<CommitPicker
					source={question.source}
					onPick={(commit: Commit) => answer(commit)}
					onAbort={() => answer(null)}
					onWrongTurn={onWrongTurn}
					height={height}
					width={width}
				/>
			);
		case 'confirm-reset':
			return (
				<ConfirmReset
					question={question}
					onAnswer={({answer: decision, reason}) => answer({decision, ...(reason ? {reason} : {})})}
					onWrongTurn={onWrongTurn}
					width={width}
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

/** The stop question. Its keys (y, n) are read by the app's global handler, from a ref set when Ctrl+C is pressed. */
function StopPrompt() {
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			<Text bold color={theme.color('warning')}>
				Stop the rollback? rewind stops at the next safe point (a running reset always finishes) and releases the lock.
			</Text>
			<Text>Stop now? y stop · n keep going (Ctrl+C again stops at once)</Text>
		</Box>
	);
}

export function App({session: initialSession, createUndo, onSession}: AppProps) {
	const lifecycle = useLifecycle();
	const theme = useTheme();
	const [session, setSession] = useState(initialSession);
	const [result, setResult] = useState<RunResult | null>(null);
	const [confirmingStop, setConfirmingStopState] = useState(false);
	const [help, setHelpState] = useState<Focus>(null);
	const [discarded, setDiscarded] = useState<string | null>(null);
	// Keys read refs: a Ctrl+C right after answering must see the answer, not the last render's state.
	// The stop question and the help overlay answer their keys here, from refs: a key typed the moment
	// they appear (before an effect could register a handler) must not reach the screen below.
	const confirmingStopRef = useRef(false);
	const setConfirmingStop = (value: boolean) => {
		confirmingStopRef.current = value;
		setConfirmingStopState(value);
	};
	const helpRef = useRef<Focus>(null);
	const setHelp = (value: Focus) => {
		helpRef.current = value;
		setHelpState(value);
	};
	const {engine, operator} = session;
	const state = useSyncExternalStore(engine.subscribe.bind(engine), () => engine.state);
	const pending = useSyncExternalStore(operator.subscribe, operator.pending);
	useEffect(() => {
		onSession?.(session);
		lifecycle.setStopHandler(reason => engine.requestStop(reason));
		void runOf(session).then(finished => {
			setResult(finished);
			if (lifecycle.unattended()) lifecycle.complete(finished.exitCode);
		});
	}, [session]);
	const {stdout} = useStdout();
	const columns = stdout.columns || 80;
	const rows = stdout.rows || 24;
	const wide = columns >= WIDE_ENOUGH;
	const mainWidth = wide ? columns - SIDEBAR_WIDTH - 1 : columns;
	const finished = state.finished !== null && result !== null;
	const undoable =
		finished &&
		createUndo !== undefined &&
		result.facts.fromHead !== undefined &&
		result.facts.remoteHeadAfter !== undefined &&
		result.facts.remoteHeadAfter !== result.facts.fromHead;

	const finalBindings: Binding[] = undoable ? [KEYS.undo, KEYS.quit] : [KEYS.quit];
	const globalKeys: GlobalHandler = (input, key, focus) => {
		if (KEYS.stop.match(input, key)) {
			if (finished) lifecycle.complete(result.exitCode);
			else if (confirmingStopRef.current || state.stopRequested) {
				// A second Ctrl+C does not wait for the question.
				setConfirmingStop(false);
				engine.requestStop();
			} else setConfirmingStop(true);
			return true;
		}
		setDiscarded(null);
		if (confirmingStopRef.current) {
			if (KEYS.yes.match(input, key)) {
				setConfirmingStop(false);
				engine.requestStop();
			} else if (KEYS.no.match(input, key)) setConfirmingStop(false);
			return true;
		}
		if (helpRef.current !== null) {
			if (KEYS.closeHelp.match(input, key)) setHelp(null);
			return true;
		}
		if (KEYS.help.match(input, key) && !focus?.typing) {
			setHelp(focus ?? {typing: false, bindings: finished ? finalBindings : []});
			return true;
		}
		if (finished && !pending) {
			if (undoable && KEYS.undo.match(input, key)) {
				const next = createUndo(result);
				if (next) {
					setResult(null);
					setSession(next);
				}
			} else if (KEYS.quit.match(input, key)) lifecycle.complete(result.exitCode);
			return true;
		}
		return false;
	};

	const title = state.kind ?? 'rollback';
	const screenHeight = Math.max(8, rows - 4);
	const current = state.steps.find(step => step.id === state.current);
	const overlay = confirmingStop || help !== null;
	return (
		<KeyRouter global={globalKeys} onDiscarded={input => setDiscarded(input.length === 1 ? input : 'keys')}>
			<RunLog entries={state.log} />
			<Box flexDirection="column" width={columns}>
				<Box gap={1}>
					<Text bold color={theme.color('accent')}>
						rewind
					</Text>
					<Text>
						{title} of <Text bold>{state.appName || engine.config.app.name}</Text>
						{state.facts.sshTarget ? ` on ${state.facts.sshTarget}` : ''}
					</Text>
					<Text color={theme.color('muted')}>{state.runId ?? ''}</Text>
				</Box>
				<Box>
					{wide && <StepList steps={state.steps} width={SIDEBAR_WIDTH} />}
					<Box flexDirection="column" marginLeft={wide ? 1 : 0} width={mainWidth}>
						{!wide && <StepBar steps={state.steps} />}
						{confirmingStop && <StopPrompt />}
						{help !== null && !confirmingStop && <HelpOverlay bindings={help.bindings} step={finished ? undefined : current} width={mainWidth} />}
						<Box display={overlay ? 'none' : 'flex'} flexDirection="column">
							{pending ? (
								<QuestionScreen key={pending.id} pending={pending} onWrongTurn={text => engine.wrongTurn(text)} width={mainWidth} height={screenHeight} />
							) : finished ? (
								<FinalPanel
									result={state.finished}
									facts={state.facts}
									kind={state.kind}
									canUndo={undoable}
									extraLines={session.finalLines?.(state) ?? []}
									width={mainWidth}
								/>
							) : (
								<LiveArea state={state} tailLines={Math.max(3, Math.min(8, rows - 16))} width={mainWidth} />
							)}
						</Box>
					</Box>
				</Box>
				{discarded !== null && !finished && (
					<Text color={theme.color('warning')}>Ignored {discarded === 'keys' ? 'the keys typed' : `"${discarded}"`}: nothing is waiting for input now.</Text>
				)}
				{!finished && !pending && !overlay && (
					<Text color={theme.color('muted')} wrap="truncate-middle">
						{state.stopRequested ? 'Stopping at the next safe point…' : helpLine(KEYS.stop, KEYS.help)}
					</Text>
				)}
			</Box>
		</KeyRouter>
	);
}
