/**
 * What happens when a step fails: the failure is recorded; a stop, an operator's abort, a refusal
 * or bad input ends the run; otherwise the step's output is matched against its hints and the
 * general ones, the operator is offered the recovery choices (retry, reconnect, a fix, the step's
 * own override, abort), and the answer becomes the run's next move.
 */
import type {Config} from '../config/schema.js';
import {CommandFailedError, ConnectionLostError, errorMessage, OperatorAborted, StopRequestedError, STOPPED_BY_OPERATOR, UserError} from '../errors.js';
import {GENERAL_HINTS, matchHints} from '../hints.js';
import type {RecoveryChoice} from '../questions.js';
import {VerificationFailed, type StepDefinition} from '../step.js';
import {EXIT, type Outcome, type StepId} from '../types.js';
import {stepContext, type EngineServices} from './context.js';

/** Ends the run with an outcome (an abort at a question, a failure the operator gave up on). */
export class AbortRun extends Error {
	readonly outcome: Outcome;
	constructor(outcome: Outcome, message: string) {
		super(message);
		this.outcome = outcome;
	}
}

/** The outcome of a run that ended with this error. */
export function outcomeOfError(error: unknown): Outcome {
	if (error instanceof AbortRun) return error.outcome;
	if (error instanceof StopRequestedError) return 'interrupted';
	if (error instanceof UserError && error.exitCode === EXIT.refused) return 'refused';
	if (error instanceof UserError && error.exitCode === EXIT.usage) return 'bad-input';
	return 'failed';
}

export type NextMove = {readonly next: 'retry'} | {readonly next: 'continue'} | {readonly next: 'back'; readonly to: StepId; readonly reason: string};

export type RecoveryDeps = {
	readonly services: EngineServices;
	readonly steps: readonly StepDefinition[];
	readonly setConfig: (config: Config) => void;
	readonly wrongTurn: (text: string) => void;
	/** A stop was asked for and the step's signal aborted: the failure is the stop. */
	readonly stopped: () => boolean;
};

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

	/** Records a failed attempt and returns the run's next move (or throws to end the run). */
	async afterFailure(step: StepDefinition, error: unknown, started: number): Promise<NextMove> {
		const deps = this.#deps;
		const {services} = deps;
		const durationMs = Date.now() - started;
		if (error instanceof StopRequestedError || deps.stopped()) {
			services.emit({type: 'step-failed', at: now(), stepId: step.id, durationMs, error: STOPPED_BY_OPERATOR});
			throw new StopRequestedError(`Stopped during ${step.title}.`);
		}
		const connectionLost = error instanceof ConnectionLostError || (!step.opensConnection && services.connection.host?.closed === true);
		const text = errorMessage(error);
		services.emit({type: 'step-failed', at: now(), stepId: step.id, durationMs, error: text, ...(connectionLost ? {connectionLost} : {})});
		if (connectionLost && !step.interruptible) {
			services.note(
				'error',
				`The connection was lost while ${step.title} was running: it may have finished on the server or not. rewind resume checks the server (its HEAD) before doing anything else.`,
				step.id,
			);
		}
		if (error instanceof OperatorAborted) throw new AbortRun('aborted', `${step.title}: ${error.message}`);
		if (error instanceof UserError && (error.exitCode === EXIT.refused || error.exitCode === EXIT.usage)) throw error;
		const decision = await this.#decide(step, error, text, connectionLost);
		switch (decision.choice) {
			case 'abort':
				throw new AbortRun(error instanceof VerificationFailed ? 'verification-failed' : 'failed', `${step.title} failed: ${text.split('\n')[0]}`);
			case 'override':
				step.override!.apply(stepContext(step, services), decision.reason);
				services.emit({type: 'step-skipped', at: now(), stepId: step.id, reason: `overridden by the operator: ${decision.reason}`});
				return {next: 'continue'};
			case 'fix':
				deps.setConfig(decision.fix.apply(services.config()));
				services.note('info', `Applied: ${decision.fix.label}.`, step.id);
				if (decision.fix.rerunFrom !== step.id && deps.steps.some(candidate => candidate.id === decision.fix.rerunFrom))
					return {next: 'back', to: decision.fix.rerunFrom, reason: `fix applied: ${decision.fix.label}`};
				break;
			case 'retry':
				if (decision.reconnect) {
					services.note('info', 'Reconnecting.');
					await services.connection.open(services.connectHelpers());
					services.setFacts({sshConnections: services.connection.opened});
				}
		}
		services.note('info', `Retrying ${step.title}.`, step.id);
		return {next: 'retry'};
	}

	async #decide(step: StepDefinition, error: unknown, text: string, connectionLost: boolean) {
		const deps = {...this.#deps.services, wrongTurn: this.#deps.wrongTurn};
		const output = error instanceof CommandFailedError ? `${text}\n${error.output}` : text;
		const {hints, fixes} = matchHints(
			connectionLost ? `SSH connection lost\n${output}` : output,
			[...(step.hints ?? []), ...GENERAL_HINTS],
			deps.config(),
			deps.hintContext,
		);
		const key = hints.map(hint => hint.id).join(',');
		if (this.#retriedWithoutFix !== undefined && this.#retriedWithoutFix === key)
			deps.wrongTurn(`retried ${step.title} without the suggested fix, and it failed the same way`);
		this.#retriedWithoutFix = undefined;
		for (const hint of hints) deps.emit({type: 'hint', at: now(), stepId: step.id, hint});

		// A hint's fix comes first (Enter under stress applies it; retrying unchanged is graded a wrong
		// turn in rehearsals), except after a lost connection, where reconnecting comes first.
		const choices: RecoveryChoice[] =
			fixes.size > 0 && !connectionLost ? ['fix', 'retry'] : [connectionLost ? 'reconnect' : 'retry', ...(fixes.size > 0 ? (['fix'] as const) : [])];
		if (step.override) choices.push('override');
		choices.push('abort');
		const question = {kind: 'recover', stepId: step.id, error: text, hints, choices, ...(step.override ? {overrideLabel: step.override.label} : {})} as const;
		const answer = await deps.ask(step.id, question);
		if (answer.choice === 'override') {
			const reason = await deps.ask(step.id, {kind: 'override-reason'});
			if (reason === null || reason.trim() === '') return {choice: 'abort'} as const;
			if (fixes.size > 0) deps.wrongTurn('reset without a verified backup although rewind offered a fix');
			return {choice: 'override', reason: reason.trim()} as const;
		}
		if (answer.choice === 'fix') {
			const fix = (answer.fix ? fixes.get(answer.fix) : undefined) ?? [...fixes.values()][0];
			if (fix) return {choice: 'fix', fix} as const;
		}
		if (answer.choice === 'abort') return {choice: 'abort'} as const;
		if (fixes.size > 0) this.#retriedWithoutFix = key;
		return {choice: 'retry', reconnect: connectionLost || answer.choice === 'reconnect'} as const;
	}
}
