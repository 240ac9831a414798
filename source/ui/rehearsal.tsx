/**
 * The rehearsal's screens before the run: pick a drill, read its briefing, watch the sandbox being
 * built. Then the same App as a real rollback takes over.
 */
import {Select, Spinner, StatusMessage} from '@inkjs/ui';
import {Box, Text, useApp, useInput} from 'ink';
import {useState} from 'react';
import {undoRequest, type RunRequest} from '../cli.js';
import {errorMessage} from '../core/errors.js';
import type {Drill} from '../rehearsal/drills.js';
import {App, type Session} from './app.js';
import {helpLine, KEYS} from './keys.js';
import {runInk} from './render.js';

const NO_DRILL = '-';
const CLEAN_BRIEFING =
	'The sandbox production runs a bad deploy: its page shows "ROLLBACK TEST". Roll it back to the commit before it, with a verified backup first, and prove the site is clean. The seed team needed 42 minutes; the target is under 5.';

type Phase = {name: 'pick'} | {name: 'brief'; drill: Drill | undefined} | {name: 'building'; status: string} | {name: 'failed'; message: string} | {name: 'run'; session: Session};

export type RehearsalProps = {
	readonly drills: readonly Drill[];
	readonly initialDrill?: Drill;
	readonly prepare: (drill: Drill | undefined, onStatus: (text: string) => void) => Promise<RunRequest>;
	readonly sessionFor: (request: RunRequest) => Session;
};

function RehearsalApp({drills, initialDrill, prepare, sessionFor, onExit}: RehearsalProps & {readonly onExit: (code: number) => void}) {
	const [phase, setPhase] = useState<Phase>(initialDrill ? {name: 'brief', drill: initialDrill} : {name: 'pick'});
	const [request, setRequest] = useState<RunRequest | null>(null);
	const {exit} = useApp();
	const quit = () => {
		onExit(0);
		exit();
	};

	const start = (drill: Drill | undefined) => {
		setPhase({name: 'building', status: 'Building the sandbox production…'});
		prepare(drill, status => setPhase(current => (current.name === 'building' ? {name: 'building', status} : current))).then(
			prepared => {
				setRequest(prepared);
				setPhase({name: 'run', session: sessionFor(prepared)});
			},
			(error: unknown) => setPhase({name: 'failed', message: errorMessage(error)}),
		);
	};

	useInput(
		(input, key) => {
			if (KEYS.stop.match(input, key) || (phase.name !== 'building' && KEYS.leave.match(input, key))) quit();
			else if (phase.name === 'brief' && KEYS.startRehearsal.match(input, key)) start(phase.drill);
			else if ((phase.name === 'brief' || phase.name === 'failed') && KEYS.chooseAnother.match(input, key)) setPhase({name: 'pick'});
		},
		{isActive: phase.name !== 'run'},
	);

	if (phase.name === 'run' && request) {
		return (
			<App
				session={phase.session}
				createUndo={result => {
					const next = undoRequest(request, result.facts);
					return next ? sessionFor(next) : null;
				}}
				onExit={onExit}
			/>
		);
	}
	return (
		<Box flexDirection="column" gap={1}>
			<Text>
				<Text bold color="cyan">
					rewind rehearsal
				</Text>{' '}
				— practise a rollback on a sandbox production on this machine. Nothing outside a temp dir is touched.
			</Text>
			{phase.name === 'pick' && (
				<Box flexDirection="column">
					<Text bold>Choose a drill: each injects one of the real failures of the seed report.</Text>
					<Select
						visibleOptionCount={Math.min(12, drills.length + 1)}
						options={[
							{label: 'A clean rollback (no fault)', value: NO_DRILL},
							...drills.map(drill => ({label: `${drill.title}${drill.needs.includes('database') ? '  (needs MariaDB)' : ''}`, value: drill.id})),
						]}
						onChange={value => setPhase({name: 'brief', drill: drills.find(drill => drill.id === value)})}
					/>
					<Text dimColor>{helpLine(KEYS.up, KEYS.down, KEYS.readBriefing, KEYS.leave)}</Text>
				</Box>
			)}
			{phase.name === 'brief' && (
				<Box flexDirection="column" gap={1}>
					<Text bold>{phase.drill ? `Drill: ${phase.drill.title}` : 'A clean rollback'}</Text>
					<Text wrap="wrap">{phase.drill ? phase.drill.briefing.trim() : CLEAN_BRIEFING}</Text>
					<Text dimColor>{helpLine(KEYS.startRehearsal, KEYS.chooseAnother, KEYS.leave)}</Text>
				</Box>
			)}
			{phase.name === 'building' && <Spinner label={phase.status} />}
			{phase.name === 'failed' && (
				<Box flexDirection="column">
					<StatusMessage variant="error">{phase.message}</StatusMessage>
					<Text dimColor>{helpLine(KEYS.chooseAnother, KEYS.leave)}</Text>
				</Box>
			)}
		</Box>
	);
}

/** Runs the rehearsal's TUI; resolves with the exit code when the trainee leaves. */
export async function renderRehearsal(props: RehearsalProps): Promise<number> {
	let exitCode = 0;
	let current: Session | undefined;
	await runInk(
		<RehearsalApp
			{...props}
			sessionFor={request => {
				current = props.sessionFor(request);
				return current;
			}}
			onExit={code => {
				exitCode = code;
			}}
		/>,
		() => current?.engine.requestStop(),
	);
	return exitCode;
}
