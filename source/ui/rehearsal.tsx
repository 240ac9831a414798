/**
 * The rehearsal's screens before the run: pick a drill, read its briefing, watch the sandbox being
 * built. Then the same App as a real rollback takes over, under the same lifecycle root.
 */
import {Spinner, StatusMessage} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useState} from 'react';
import {errorMessage} from '../core/errors.js';
import {EXIT} from '../core/types.js';
import {drillLabel, type Drill} from '../rehearsal/drills.js';
import {sessionFor, type RunRequest} from '../session.js';
import {ChoiceList, useChoices} from './components/choice-list.js';
import {KeyRouter, useKeys} from './key-router.js';
import {helpLine, KEYS} from './keys.js';
import {useLifecycle} from './lifecycle-root.js';
import {runInk} from './render.js';
import {RequestApp} from './request-app.js';
import type {Session} from './session-run.js';
import {useTheme} from './theme.js';

const NO_DRILL = '-';
const MYSTERY = '?';

/** What the trainee picked: a drill, a mystery drill (picked for them, named at the end), or a clean rollback. */
export type DrillPick = Drill | 'mystery' | undefined;
const CLEAN_BRIEFING =
	'The sandbox production runs a bad deploy: its page shows "ROLLBACK TEST". Roll it back to the commit before it, with a verified backup first, and prove the site is clean. The original drill took 42 minutes; the target is under 5.';

type Phase =
	| {name: 'pick'}
	| {name: 'brief'; drill: DrillPick}
	| {name: 'building'; status: string}
	| {name: 'failed'; message: string}
	| {name: 'run'; session: Session; request: RunRequest};

export type RehearsalProps = {
	readonly drills: readonly Drill[];
	readonly initialDrill?: Exclude<DrillPick, undefined>;
	/** What a mystery drill's trainee is told before the run. */
	readonly mysteryBriefing: string;
	readonly prepare: (drill: DrillPick, onStatus: (text: string) => void) => Promise<RunRequest>;
};

function DrillPicker({drills, onPick}: {readonly drills: readonly Drill[]; readonly onPick: (drill: DrillPick) => void}) {
	const choices = [
		{label: 'A clean rollback (no fault)', value: NO_DRILL},
		{label: 'A mystery drill (one you have not passed yet, named only at the end)', value: MYSTERY},
		...drills.map(drill => ({label: drillLabel(drill, {withFlask: false}), value: drill.id})),
	];
	const state = useChoices(choices);
	useKeys(
		(input, key) => {
			const chosen = state.handle(input, key);
			if (typeof chosen === 'string') onPick(chosen === MYSTERY ? 'mystery' : drills.find(drill => drill.id === chosen));
		},
		{bindings: [KEYS.up, KEYS.down, KEYS.readBriefing, KEYS.leave]},
	);
	return <ChoiceList choices={choices} state={state} />;
}

function RehearsalFlow({drills, initialDrill, mysteryBriefing, prepare, onSession}: RehearsalProps & {readonly onSession: (session: Session) => void}) {
	const theme = useTheme();
	const lifecycle = useLifecycle();
	const [phase, setPhase] = useState<Phase>(initialDrill ? {name: 'brief', drill: initialDrill} : {name: 'pick'});

	const start = (drill: DrillPick) => {
		setPhase({name: 'building', status: 'Building the sandbox production…'});
		prepare(drill, status => setPhase(current => (current.name === 'building' ? {name: 'building', status} : current))).then(
			request => {
				const session = sessionFor(request);
				onSession(session);
				setPhase({name: 'run', session, request});
			},
			(error: unknown) => setPhase({name: 'failed', message: errorMessage(error)}),
		);
	};

	if (phase.name === 'run') {
		return <RequestApp session={phase.session} request={phase.request} onSession={onSession} />;
	}
	return (
		<KeyRouter
			global={(input, key) => {
				// Leaving before anything ran is no interruption; Ctrl+C while the sandbox is built is (it is removed on the way out).
				if (KEYS.stop.match(input, key) || (phase.name !== 'building' && KEYS.leave.match(input, key))) {
					lifecycle.complete(phase.name === 'building' ? EXIT.interrupted : EXIT.ok);
					return true;
				}
				if (phase.name === 'brief' && KEYS.startRehearsal.match(input, key)) start(phase.drill);
				else if ((phase.name === 'brief' || phase.name === 'failed') && KEYS.chooseAnother.match(input, key)) setPhase({name: 'pick'});
				else return false;
				return true;
			}}
		>
			<Box flexDirection="column" gap={1}>
				<Text>
					<Text bold color={theme.color('accent')}>
						rewind rehearsal
					</Text>{' '}
					— practise a rollback on a sandbox production on this machine. Nothing outside a temp dir is touched.
				</Text>
				{phase.name === 'pick' && (
					<Box flexDirection="column">
						<Text bold>Choose a drill: each injects failures of the original 42-minute drill.</Text>
						<DrillPicker drills={drills} onPick={drill => setPhase({name: 'brief', drill})} />
						<Text color={theme.color('muted')} wrap="truncate-middle">
							{helpLine(KEYS.up, KEYS.down, KEYS.readBriefing, KEYS.leave)}
						</Text>
					</Box>
				)}
				{phase.name === 'brief' && (
					<Box flexDirection="column" gap={1}>
						<Text bold>{phase.drill === 'mystery' ? 'A mystery drill' : phase.drill ? `Drill: ${phase.drill.title}` : 'A clean rollback'}</Text>
						<Text wrap="wrap">{phase.drill === 'mystery' ? mysteryBriefing : phase.drill ? phase.drill.briefing.trim() : CLEAN_BRIEFING}</Text>
						<Text color={theme.color('muted')} wrap="truncate-middle">
							{helpLine(KEYS.startRehearsal, KEYS.chooseAnother, KEYS.leave)}
						</Text>
					</Box>
				)}
				{phase.name === 'building' && (theme.reducedMotion ? <Text>{phase.status}</Text> : <Spinner label={phase.status} />)}
				{phase.name === 'failed' && (
					<Box flexDirection="column">
						<StatusMessage variant="error">{phase.message}</StatusMessage>
						<Text color={theme.color('muted')} wrap="truncate-middle">
							{helpLine(KEYS.chooseAnother, KEYS.leave)}
						</Text>
					</Box>
				)}
			</Box>
		</KeyRouter>
	);
}

/** Runs the rehearsal's TUI; resolves with the exit code when the trainee leaves. */
export async function renderRehearsal(props: RehearsalProps): Promise<number> {
	let current: Session | undefined;
	return runInk(<RehearsalFlow {...props} onSession={session => (current = session)} />, {current: () => current});
}
