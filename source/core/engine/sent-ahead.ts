/**
 * Read-only server commands sent ahead: written to the one shell right behind the command before
 * them, so that lock, preflight and the first page of history travel in one round trip. Each is
 * kept by its script until the step that declared it runs that very command; any command that may
 * change the server makes them stale (they are dropped, and stopped if still running).
 */
import type {ExecResult, Host} from '../host.js';
import type {PlanView, StepDefinition} from '../step.js';
import type {PlannedCommand} from '../types.js';

/**
 * The read-only commands the steps after `current` declared to be sent ahead, rendered with
 * `view` — up to the first step that may change the server (a server command not read-only): what
 * lies beyond it would be read too early, and dropped unused.
 */
export function lookupsAfter(steps: readonly StepDefinition[], current: StepDefinition | null, view: PlanView): PlannedCommand[] {
	const index = current ? steps.indexOf(current) : -1;
	if (index === -1) return [];
	const lookups: PlannedCommand[] = [];
	for (const step of steps.slice(index + 1)) {
		const commands = step.commands(view);
		const ids = step.sendAhead ?? [];
		lookups.push(...commands.filter(command => ids.includes(command.id)));
		if (commands.some(command => command.where === 'server' && !command.readOnly)) break;
	}
	return lookups;
}

type Entry = {
	readonly planned: PlannedCommand;
	readonly result: Promise<ExecResult | Error>;
	readonly stop: AbortController;
};

export class SentAhead {
	readonly #entries = new Map<string, Entry>();

	/** Sends each command not already on its way; only over a transport that runs requests in order. */
	send(host: Host, commands: readonly PlannedCommand[], stallMs: number): void {
		if (!host.pipelines || host.closed) return;
		for (const planned of commands) {
			if (planned.where !== 'server' || !planned.readOnly) continue;
			const script = scriptOf(planned);
			if (script === undefined || this.#entries.has(script)) continue;
			const stop = new AbortController();
			// Settled as a value: an answer nobody takes must not become an unhandled rejection.
			const result = host
				.run(planned.command, {signal: stop.signal, stallMs})
				.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
			this.#entries.set(script, {planned, result, stop});
		}
	}

	/** The answer sent ahead for exactly this command, once; a stop of `signal` stops it too. */
	take(planned: PlannedCommand, signal: AbortSignal): Promise<ExecResult> | undefined {
		const script = scriptOf(planned);
		const entry = script === undefined ? undefined : this.#entries.get(script);
		if (!entry || script === undefined) return undefined;
		this.#entries.delete(script);
		const onAbort = () => entry.stop.abort();
		if (signal.aborted) onAbort();
		else signal.addEventListener('abort', onAbort, {once: true});
		return entry.result.then(value => {
			signal.removeEventListener('abort', onAbort);
			if (value instanceof Error) throw value;
			return value;
		});
	}

	/** Something may change the server: answers sent ahead are stale (a running one is stopped). */
	drop(): void {
		for (const entry of this.#entries.values()) entry.stop.abort();
		this.#entries.clear();
	}

	get size(): number {
		return this.#entries.size;
	}
}

/** A command with a value not known yet (a placeholder) is only for the plan: it has no key. */
function scriptOf(planned: PlannedCommand): string | undefined {
	return planned.where === 'server' ? planned.command.key : undefined;
}
