/**
 * The operator of an interactive run: the engine's questions become the pending question the UI
 * renders; the screen's answer resolves the engine's promise. A stop aborts a pending question.
 */
import {StopRequestedError} from '../core/errors.js';
import type {Answer, Operator, Question} from '../core/questions.js';

export type PendingQuestion = {
	readonly id: number;
	readonly question: Question;
	readonly answer: (value: unknown) => void;
};

export class InteractiveOperator implements Operator {
	#pending: PendingQuestion | null = null;
	#nextId = 1;
	readonly #listeners = new Set<() => void>();

	readonly subscribe = (listener: () => void): (() => void) => {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	};

	readonly pending = (): PendingQuestion | null => this.#pending;

	ask<Q extends Question>(question: Q, signal: AbortSignal): Promise<Answer<Q>> {
		if (signal.aborted) return Promise.reject(new StopRequestedError());
		return new Promise<Answer<Q>>((resolve, reject) => {
			const id = this.#nextId++;
			const settle = () => {
				signal.removeEventListener('abort', onAbort);
				if (this.#pending?.id === id) this.#set(null);
			};
			const onAbort = () => {
				settle();
				reject(new StopRequestedError());
			};
			signal.addEventListener('abort', onAbort, {once: true});
			this.#set({
				id,
				question,
				answer: value => {
					settle();
					resolve(value as Answer<Q>);
				},
			});
		});
	}

	#set(pending: PendingQuestion | null): void {
		this.#pending = pending;
		for (const listener of this.#listeners) listener();
	}
}
