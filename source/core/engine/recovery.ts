/**
 * What happens when a step fails: its output is matched against the step's hints and the general
 * ones, the operator is offered the recovery choices (retry, reconnect, a fix, the step's own
 * choices such as resetting without a backup, abort), and the answer becomes the run's next move.
 */
import type {Config} from '../config/schema.js';
import {CommandFailedError} from '../errors.js';
import type {RunEvent} from '../events.js';
import {GENERAL_HINTS, matchHints, type Fix, type HintContext} from '../hints.js';
import type {Question, RecoveryChoice} from '../questions.js';
import type {StepDefinition} from '../step.js';
import type {Hint, StepId} from '../types.js';

export type RecoveryDeps = {
	readonly config: () => Config;
	readonly hintContext: HintContext;
	readonly emit: (event: RunEvent) => void;
	readonly ask: <Q extends Question>(stepId: StepId, question: Q) => Promise<unknown>;
	readonly wrongTurn: (text: string) => void;
};

/** The run's next move after a failure. */
export type Decision =
	| {readonly next: 'abort'}
	| {readonly next: 'retry'; readonly reconnect: boolean}
	| {readonly next: 'override'; readonly reason: string}
	| {readonly next: 'fix'; readonly fix: Fix};

const now = () => new Date().toISOString();

export class Recovery {
	readonly #deps: RecoveryDeps;
	/** The hints of the last failure that the operator retried without applying their fix. */
	#retriedWithoutFix: string | undefined;

	constructor(deps: RecoveryDeps) {
		this.#deps = deps;
	}

	/** A new step: forget the previous step's retries. */
	reset(): void {
		this.#retriedWithoutFix = undefined;
	}

	async decide(step: StepDefinition, error: unknown, text: string, connectionLost: boolean): Promise<Decision> {
		const output = error instanceof CommandFailedError ? `${text}\n${error.output}` : text;
		const {hints, fixes} = matchHints(connectionLost ? `SSH connection lost\n${output}` : output, [...(step.hints ?? []), ...GENERAL_HINTS], this.#deps.config(), this.#deps.hintContext);
		const key = hints.map(hint => hint.id).join(',');
		if (this.#retriedWithoutFix !== undefined && this.#retriedWithoutFix === key) this.#deps.wrongTurn(`retried ${step.title} without the suggested fix, and it failed the same way`);
		this.#retriedWithoutFix = undefined;
		for (const hint of hints) this.#deps.emit({type: 'hint', at: now(), stepId: step.id, hint});

		const choices: RecoveryChoice[] = [connectionLost ? 'reconnect' : 'retry'];
		if (fixes.size > 0) choices.push('fix');
		if (step.override) choices.push('override');
		choices.push('abort');
		const question = {kind: 'recover', stepId: step.id, error: text, hints, choices, ...(step.override ? {overrideLabel: step.override.label} : {})} as const;
		const answer = (await this.#deps.ask(step.id, question)) as {choice: RecoveryChoice; fix?: string};
		switch (answer.choice) {
			case 'abort':
				return {next: 'abort'};
			case 'override': {
				const reason = (await this.#deps.ask(step.id, {kind: 'override-reason'})) as string | null;
				if (reason === null || reason.trim() === '') return {next: 'abort'};
				if (fixes.size > 0) this.#deps.wrongTurn('reset without a verified backup although rewind offered a fix');
				return {next: 'override', reason: reason.trim()};
			}
			case 'fix': {
				const fix = (answer.fix ? fixes.get(answer.fix) : undefined) ?? [...fixes.values()][0];
				if (fix) return {next: 'fix', fix};
				return {next: 'retry', reconnect: connectionLost};
			}
			default:
				if (fixes.size > 0) this.#retriedWithoutFix = key;
				return {next: 'retry', reconnect: connectionLost || answer.choice === 'reconnect'};
		}
	}
}

/** The hints a step's warnings match (a step that succeeded with something worth knowing). */
export function hintsOf(step: StepDefinition, text: string, config: Config, context: HintContext): Hint[] {
	return matchHints(text, [...(step.hints ?? []), ...GENERAL_HINTS], config, context).hints;
}
