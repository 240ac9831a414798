/**
 * The operator of a run without a person at the keyboard: answers come from the command line's
 * flags, and anything that needs a decision the flags do not give is refused with a message that
 * names the flag.
 */
import {StopRequestedError, UserError} from './errors.js';
import type {Answer, Operator, Question} from './questions.js';
import type {RunFlags} from './step.js';
import {EXIT} from './types.js';

export class FlagOperator implements Operator {
	readonly #flags: RunFlags;

	constructor(flags: RunFlags) {
		this.#flags = flags;
	}

	async ask<Q extends Question>(question: Q, signal: AbortSignal): Promise<Answer<Q>> {
		if (signal.aborted) throw new StopRequestedError();
		return this.#answer(question) as Answer<Q>;
	}

	#answer(question: Question): unknown {
		switch (question.kind) {
			case 'host-key':
				return this.#flags.acceptNewHostKey;
			case 'passphrase':
				return null;
			case 'pick-target':
				throw new UserError('No commit to roll back to: without a terminal to pick one in, pass --target <commit>.', EXIT.usage);
			case 'confirm-reset':
				if (this.#flags.yes) return {decision: 'confirm', ...(this.#flags.reason ? {reason: this.#flags.reason} : {})};
				throw new UserError('The reset needs confirmation: without a terminal, pass --yes to confirm it.', EXIT.usage);
			case 'dirty-tree':
				// Saving never loses anything; with --yes it is the answer.
				if (this.#flags.yes) return 'save';
				throw new UserError(
					`The server has uncommitted changes (${question.files.slice(0, 3).join(', ')}). Pass --yes to save them (patch, stash and an archive of untracked files) and continue.`,
					EXIT.refused,
				);
			case 'stale-lock':
				if (this.#flags.takeOverStaleLock) return 'take-over';
				throw new UserError(
					'A stale lock is on the server. Check nobody is rolling back, then pass --take-over-stale-lock (the takeover is logged).',
					EXIT.refused,
				);
			case 'recover':
				return {choice: 'abort'};
			case 'override-reason':
				return null;
			case 'manual-reload':
				throw new UserError('The reload is manual (reload.method: manual) and needs an operator: run rewind in a terminal.', EXIT.usage);
			case 'migration-way-out':
				throw new UserError(question.refusal, EXIT.refused);
		}
	}
}
