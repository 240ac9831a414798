/**
 * The rewind TUI: the step list, the screen for whatever the run needs now (a question, the live
 * output, the final panel), the finished log above, and the stop prompt and help overlay on top.
 * It reads the engine's fold and answers its questions; it runs nothing itself.
 */
import {Box, Text, useStdout} from 'ink';
import {useEffect, useRef, useState, useSyncExternalStore} from 'react';
import type {RunResult} from '../core/engine.js';
import {FinalPanel} from './components/final-panel.js';
import {HelpOverlay} from './components/help-overlay.js';
import {LiveArea} from './components/live-area.js';
import {RunLog} from './components/run-log.js';
import {StepBar, StepList} from './components/step-list.js';
import {KeyRouter, type Focus, type GlobalHandler} from './key-router.js';
import {fitHelpLine, KEYS, type Binding} from './keys.js';
import {useLifecycle} from './lifecycle-root.js';
import {QuestionScreen, StopPrompt} from './screens/question-screen.js';
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

/** The help overlay belongs to the screen it was opened on: shown only while that screen is in front. */
type OpenHelp = {readonly focus: NonNullable<Focus>; readonly screen: string};

export function App({session: initialSession, createUndo, onSession}: AppProps) {
	const lifecycle = useLifecycle();
	const theme = useTheme();
	const [session, setSession] = useState(initialSession);
	const [result, setResult] = useState<RunResult | null>(null);
	const [confirmingStop, setConfirmingStopState] = useState(false);
	const [help, setHelpState] = useState<OpenHelp | null>(null);
	const [discarded, setDiscarded] = useState<string | null>(null);
	// Keys read refs: a Ctrl+C right after answering must see the answer, not the last render's state.
	// The stop question and the help overlay answer their keys here, from refs: a key typed the moment
	// they appear (before an effect could register a handler) must not reach the screen below.
	const confirmingStopRef = useRef(false);
	const setConfirmingStop = (value: boolean) => {
		confirmingStopRef.current = value;
		setConfirmingStopState(value);
	};
	const helpRef = useRef<OpenHelp | null>(null);
	const setHelp = (value: OpenHelp | null) => {
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
	// An undo is not undone again from its own panel (a new `rewind undo` can, from its journal).
	const undoable =
		finished &&
		createUndo !== undefined &&
		state.kind !== 'undo' &&
		result.facts.fromHead !== undefined &&
		result.facts.remoteHeadAfter !== undefined &&
		result.facts.remoteHeadAfter !== result.facts.fromHead;
	// Which screen is in front: help opened on one is closed when another takes its place.
	const screen = pending ? `question-${pending.id}` : finished ? 'final' : 'live';
	const screenRef = useRef(screen);
	screenRef.current = screen;
	const helpShown = help !== null && help.screen === screen;
	const helpLeft = help !== null && !helpShown;

	const finalBindings: Binding[] = undoable ? [KEYS.undo, KEYS.quit] : [KEYS.quit];
	const askStop = () => {
		if (confirmingStopRef.current || state.stopRequested) {
			// A second Ctrl+C does not wait for the question.
			setConfirmingStop(false);
			engine.requestStop();
		} else setConfirmingStop(true);
	};
	const globalKeys: GlobalHandler = (input, key, focus) => {
		if (KEYS.stop.match(input, key)) {
			if (finished) lifecycle.complete(result.exitCode);
			else askStop();
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
		const openHelp = helpRef.current;
		if (openHelp !== null && openHelp.screen === screenRef.current) {
			if (KEYS.closeHelp.match(input, key)) setHelp(null);
			return true;
		}
		if (KEYS.help.match(input, key) && !focus?.questionMarkIsText) {
			setHelp({focus: focus ?? {typing: false, questionMarkIsText: false, bindings: finished ? finalBindings : []}, screen: screenRef.current});
			return true;
		}
		if (finished && !pending) {
			if (undoable && KEYS.undo.match(input, key)) {
				const next = createUndo(result);
				if (next) {
					setHelp(null);
					setResult(null);
					setSession(next);
				}
			} else if (KEYS.quit.match(input, key)) lifecycle.complete(result.exitCode);
			return true;
		}
		// Esc, and q where it is not a letter being typed, ask to stop as Ctrl+C does, unless the screen gives them a meaning.
		const screenOwns = focus?.bindings.some(binding => binding.match(input, key)) === true;
		if (!screenOwns && (key.escape || (input === 'q' && !focus?.typing))) {
			askStop();
			return true;
		}
		return false;
	};

	const title = state.kind ?? 'rollback';
	const screenHeight = Math.max(8, rows - 4);
	const current = state.steps.find(step => step.id === state.current);
	const footer = state.stopRequested ? 'Stopping at the next safe point…' : fitHelpLine(columns, KEYS.askStop, KEYS.stop, KEYS.help);
	return (
		<KeyRouter global={globalKeys} onDiscarded={input => setDiscarded(/^[\x21-\x7E]$/.test(input) ? input : 'keys')}>
			<RunLog entries={state.log} />
			<Box flexDirection="column" width={columns}>
				<Box gap={1}>
					<Text bold color={theme.color('accent')}>
						rewind
					</Text>
					<Text wrap="truncate">
						{title} of <Text bold>{state.appName || engine.config.app.name}</Text>
						{state.identity.stage ? (
							<>
								{' '}
								<Text bold>[stage {state.identity.stage}]</Text>
							</>
						) : (
							''
						)}
						{state.facts.sshTarget ? ` on ${state.facts.sshTarget}` : ''}
					</Text>
					{wide && <Text color={theme.color('muted')}>{state.runId ?? ''}</Text>}
				</Box>
				<Box>
					{wide && <StepList steps={state.steps} width={SIDEBAR_WIDTH} />}
					<Box flexDirection="column" marginLeft={wide ? 1 : 0} width={mainWidth}>
						{!wide && <StepBar steps={state.steps} />}
						{confirmingStop && !finished && <StopPrompt what={title === 'resume' ? 'rollback' : title} />}
						{helpLeft && (
							<Text color={theme.color('warning')} wrap="wrap">
								Help closed: {pending ? 'the run asks you something' : finished ? 'the run has ended' : 'the run went on'} (? opens it again).
							</Text>
						)}
						{helpShown && <HelpOverlay bindings={help.focus.bindings} step={finished ? undefined : current} width={mainWidth} ended={Boolean(finished)} />}
						{/* A question hidden under help keeps what was typed; the live area is not drawn hidden (its progress bar measures itself). */}
						<Box display={helpShown ? 'none' : 'flex'} flexDirection="column">
							{pending ? (
								<QuestionScreen
									key={pending.id}
									pending={pending}
									// Slips are a trainee's score: a real run's screen says what went wrong, its log does not grade it.
									onWrongTurn={text => (state.kind === 'rehearsal' ? engine.wrongTurn(text) : undefined)}
									width={mainWidth}
									height={screenHeight}
								/>
							) : finished ? (
								<FinalPanel
									result={state.finished}
									state={state}
									kind={state.kind}
									canUndo={undoable}
									extraLines={session.finalLines?.(state) ?? []}
									width={mainWidth}
								/>
							) : (
								!helpShown && <LiveArea state={state} tailLines={Math.max(3, Math.min(8, rows - 16))} width={mainWidth} />
							)}
						</Box>
					</Box>
				</Box>
				{discarded !== null && !finished && (
					<Text color={theme.color('warning')}>Ignored {discarded === 'keys' ? 'the keys typed' : `"${discarded}"`}: nothing is waiting for input now.</Text>
				)}
				{!finished && !pending && !helpShown && <Text color={theme.color('muted')}>{footer}</Text>}
			</Box>
		</KeyRouter>
	);
}
