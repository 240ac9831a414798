/**
 * The first screen of a rollback whose config has several stages and no --stage: the operator
 * chooses the environment, explicitly (rewind never picks one). Then the run's App takes over,
 * under the same lifecycle root, with the stage on its header line.
 */
import {StatusMessage} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useState} from 'react';
import {errorMessage} from '../core/errors.js';
import {inert} from '../core/inert.js';
import {EXIT} from '../core/types.js';
import {sessionFor, type RunRequest} from '../session.js';
import {ChoiceList, useChoices} from './components/choice-list.js';
import {KeyRouter, useKeys} from './key-router.js';
import {helpLine, KEYS} from './keys.js';
import {useLifecycle} from './lifecycle-root.js';
import {runInk} from './render.js';
import {RequestApp} from './request-app.js';
import type {Session} from './session-run.js';
import {useTheme} from './theme.js';

export type StagePickProps = {
	readonly file: string;
	readonly stages: readonly string[];
	/** The run for a stage (its config resolved); a UserError is shown, and another stage may be chosen. */
	readonly prepare: (stage: string) => RunRequest;
};

type Phase = {name: 'pick'; problem?: string} | {name: 'run'; session: Session; request: RunRequest};

function StageChoices({stages, onPick}: {readonly stages: readonly string[]; readonly onPick: (stage: string) => void}) {
	const choices = stages.map(stage => ({label: stage, value: stage}));
	const state = useChoices(choices);
	useKeys(
		(input, key) => {
			const chosen = state.handle(input, key);
			if (typeof chosen === 'string') onPick(chosen);
		},
		{bindings: [KEYS.up, KEYS.down, KEYS.choose, KEYS.leave]},
	);
	return <ChoiceList choices={choices} state={state} />;
}

function StageFlow({file, stages, prepare, onSession}: StagePickProps & {readonly onSession: (session: Session) => void}) {
	const theme = useTheme();
	const lifecycle = useLifecycle();
	const [phase, setPhase] = useState<Phase>({name: 'pick'});

	if (phase.name === 'run') {
		return <RequestApp session={phase.session} request={phase.request} onSession={onSession} />;
	}
	const pick = (stage: string) => {
		try {
			const request = prepare(stage);
			const session = sessionFor(request);
			onSession(session);
			setPhase({name: 'run', session, request});
		} catch (error) {
			setPhase({name: 'pick', problem: inert(errorMessage(error))});
		}
	};
	return (
		<KeyRouter
			global={(input, key) => {
				// Leaving here changes nothing: no connection was opened.
				if (!KEYS.stop.match(input, key) && !KEYS.leave.match(input, key)) return false;
				lifecycle.complete(EXIT.interrupted);
				return true;
			}}
		>
			<Box flexDirection="column" gap={1}>
				<Text wrap="wrap">
					<Text bold color={theme.color('accent')}>
						rewind
					</Text>{' '}
					— {file} defines {stages.length} stages. <Text bold>Which environment do you roll back?</Text>
				</Text>
				<StageChoices stages={stages} onPick={pick} />
				{phase.problem && <StatusMessage variant="error">{phase.problem}</StatusMessage>}
				<Text color={theme.color('muted')} wrap="truncate-middle">
					{helpLine(KEYS.up, KEYS.down, KEYS.choose, KEYS.leave)}
				</Text>
			</Box>
		</KeyRouter>
	);
}

/** Asks for the stage, then runs the rollback's TUI on it; resolves with the exit code. */
export async function renderStagePick(props: StagePickProps): Promise<number> {
	let current: Session | undefined;
	return runInk(<StageFlow {...props} onSession={session => (current = session)} />, {current: () => current});
}
