/** How a run ended: its criteria (each step's), its outcome, exit code and one-line message. */
import type {Config} from './config/schema.js';
import {stepStateOf, type RunState} from './run-state.js';
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
		default:
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
		default:
			return 'The rollback failed.';
	}
}
