/**
 * Where every event of a run goes, in order: redacted (secrets never leave), journaled as it was
 * (JSON-escaped), then made inert (inert.ts) for the fold and the listeners. This is the boundary
 * between text from outside and every screen, stdout and report.
 */
import type {EventListener, RunEvent} from '../events.js';
import {inertDeep, journalLine} from '../inert.js';
import {Journal} from '../journal.js';
import {Redactor} from '../redact.js';
import {initialRunState, reduceRun, type RunState} from '../run-state.js';

export class EventBus {
	readonly redactor = new Redactor();
	#journal: Journal | null = null;
	#state: RunState = initialRunState;
	readonly #listeners = new Set<EventListener>();
	readonly #journalListeners = new Set<(line: string) => void>();
	/** Gives each event its scope (the server it happened on) before anything records it. */
	readonly #scope: (event: RunEvent) => RunEvent;

	constructor(scope: (event: RunEvent) => RunEvent = event => event) {
		this.#scope = scope;
	}

	openJournal(runsDir: string, runId: string): void {
		this.#journal = new Journal(runsDir, runId);
	}

	get journal(): Journal | null {
		return this.#journal;
	}

	/** The fold of the (inert) events: what every view reads. */
	get state(): RunState {
		return this.#state;
	}

	subscribe(listener: EventListener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** The journal's lines as they are written (redacted, JSON-escaped): the `--json` stream. */
	subscribeJournal(listener: (line: string) => void): () => void {
		this.#journalListeners.add(listener);
		return () => this.#journalListeners.delete(listener);
	}

	emit(event: RunEvent): void {
		const redacted = this.redactor.redactValue(this.#scope(event));
		const line = this.#journal ? this.#journal.write(redacted) : this.#journalListeners.size > 0 ? journalLine(redacted) : '';
		for (const listener of this.#journalListeners) listener(line);
		const shown = inertDeep(redacted);
		this.#state = reduceRun(this.#state, shown);
		for (const listener of this.#listeners) listener(shown);
	}
}
