/** How a run ended: its criteria (each step's), its outcome, exit code and one-line message. */
import type {Config} from './config/schema.js';
import {stepStateOf, type RunState} from './run-state.js';
import type {StepState} from './types.js';
import type {CriteriaView, StepDefinition} from './step.js';
import {EXIT, type Criterion, type Outcome, type RunFacts, type RunKind} from './types.js';

/** Every step's success criteria, in runbook order, read from the fold. */
export function collectCriteria(steps: readonly StepDefinition[], config: Config, state: RunState): Criterion[] {
	const view: CriteriaView = {config, facts: state.facts, kind: state.kind, stateOf: stepId => stepStateOf(state, stepId)};
	return steps.flatMap(step => step.criteria?.(view) ?? []);
}

/** A run whose steps all succeeded but with a failed check did not succeed. */
export function outcomeOf(outcome: Outcome, criteria: readonly Criterion[]): Outcome {
	if (outcome === 'succeeded' && criteria.some(criterion => criterion.status === 'fail')) return 'verification-failed';
	return outcome;
}

export function exitCodeFor(outcome: Outcome): number {
	switch (outcome) {
		case 'succeeded':
			return EXIT.ok;
		// The operator ended the run: stopped it, or aborted at a question before anything failed.
		case 'interrupted':
		case 'aborted':
			return EXIT.interrupted;
		case 'refused':
			return EXIT.refused;
		case 'bad-input':
			return EXIT.usage;
		case 'failed':
		case 'verification-failed':
			return EXIT.failed;
	}
}

export function summaryFor(outcome: Outcome, facts: RunFacts, kind: RunKind): string {
	const target = facts.target?.shortHash ?? 'the target';
	const moved = kind === 'undo' ? 'Rolled forward' : 'Rolled back';
	switch (outcome) {
		case 'succeeded':
			return `${moved} to ${target} and verified.`;
		case 'verification-failed':
			return `${moved} to ${target}, but verification failed.`;
		case 'interrupted':
			return 'Stopped at the operator’s request.';
		case 'aborted':
			return 'Aborted by the operator.';
		case 'refused':
			return 'Refused.';
		case 'bad-input':
			return 'Stopped: the input needs fixing.';
		case 'failed':
			return 'The rollback failed.';
	}
}

/**
 * Where a run that stopped short of success left the server, and the one command that continues
 * (`rewind resume`) or returns (`rewind undo`). Read from the facts and the step states.
 */
export function serverStateFor(facts: RunFacts, kind: RunKind, stateOf: (stepId: string) => {readonly state: StepState}, outcome: Outcome = 'failed'): string {
	const from = facts.fromHead?.slice(0, 7);
	// A rollback's migration up is the reset taking its downgrade back: code and schema match again.
	const schema =
		facts.migrated && (kind === 'undo' || facts.migrated.how !== 'upgrade')
			? `the schema was migrated ${facts.migrated.how === 'upgrade' ? 'up' : facts.migrated.how === 'restore' ? 'back by a restore' : 'down'} to ${facts.migrated.to.join(', ') || 'base'}`
			: undefined;
	const resetDone = stateOf('reset').state === 'succeeded';
	// A rehearsal's sandbox is removed when the trainee leaves: there is nothing to resume or undo afterwards.
	const next = (command: string) => (kind === 'rehearsal' ? 'In a rehearsal the sandbox is removed when you leave: rehearse the drill again.' : command);
	// A refusal is made before anything it guards changes: the reset did not run.
	const resetStarted = facts.rollbackStartedAt !== undefined && outcome !== 'refused';
	if (!resetDone) {
		if (!resetStarted && !schema) return `This run changed nothing on the server${from ? ` (it found HEAD at ${from})` : ''}.`;
		if (!resetStarted)
			return `The code is unchanged${from ? ` (HEAD ${from})` : ''}, but ${schema}: the live code may fail on it. ${next('rewind resume finishes the rollback.')}`;
		return `The reset may or may not have happened${schema ? `, and ${schema}` : ''}. ${next("rewind resume reads the server's HEAD first and finishes the rollback.")}`;
	}
	const target = facts.target?.shortHash ?? 'the target';
	const parts = [`The server's HEAD is ${target}${schema ? ` and ${schema}` : ''}`];
	const build = stateOf('build').state;
	if (build !== 'succeeded' && build !== 'skipped') parts.push('the assets were not rebuilt (dist/ holds the old build, or part of one)');
	const reload = stateOf('reload').state;
	if (reload !== 'succeeded' && reload !== 'skipped') parts.push('the app was not reloaded (the old code is still serving)');
	const verify = stateOf('verify').state;
	const then =
		build === 'succeeded' && reload !== 'pending' && reload !== 'failed' && verify === 'failed'
			? `rewind undo goes back to ${from ?? 'where the run started'}`
			: `rewind resume finishes the rollback; rewind undo goes back to ${from ?? 'where the run started'}`;
	return `${parts.join('; ')}. ${next(`Next: ${kind === 'undo' ? 'rewind resume finishes the undo' : then}.`)}`;
}
