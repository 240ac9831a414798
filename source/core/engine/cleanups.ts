/**
 * Server commands that must run before the run ends, whatever happens: release the lock, stop a
 * dump orphaned by a lost connection. What is still registered at the end runs then, over a new
 * connection if the old one was lost. A cleanup belongs to a server: the same key on two servers
 * is two cleanups (each server's lock is released on that server).
 */
import {errorMessage} from '../errors.js';
import type {ServerId} from '../servers.js';
import type {PlannedCommand, StepId} from '../types.js';
import type {CommandRunner} from './command-runner.js';
import type {Connection, ConnectHelpers} from './connection.js';

export class Cleanups {
	/** A cleanup is a command, or made when it runs (from the facts as they are then). */
	readonly #pending = new Map<string, {stepId: StepId; server: ServerId; planned: PlannedCommand | (() => PlannedCommand)}>();
	readonly #runner: CommandRunner;
	readonly #connection: Connection;
	readonly #note: (level: 'info' | 'error', text: string, stepId?: StepId) => void;

	constructor(runner: CommandRunner, connection: Connection, note: (level: 'info' | 'error', text: string, stepId?: StepId) => void) {
		this.#runner = runner;
		this.#connection = connection;
		this.#note = note;
	}

	defer(server: ServerId, stepId: StepId, key: string, planned: PlannedCommand | (() => PlannedCommand)): void {
		this.#pending.set(cleanupKey(server, key), {stepId, server, planned});
	}

	cancel(server: ServerId, key: string): void {
		this.#pending.delete(cleanupKey(server, key));
	}

	/** Runs one now (if the connection is up) and forgets it; false if it could not run. */
	async runNow(server: ServerId, key: string): Promise<boolean> {
		return this.#runNow(cleanupKey(server, key));
	}

	async #runNow(key: string): Promise<boolean> {
		const cleanup = this.#pending.get(key);
		if (!cleanup) return true;
		const host = this.#connection.host;
		if (!host || host.closed) return false;
		await this.#runner.run(cleanup.stepId, typeof cleanup.planned === 'function' ? cleanup.planned() : cleanup.planned, {stream: false});
		this.#pending.delete(key);
		return true;
	}

	/** Runs every cleanup still registered, reconnecting once if the connection was lost. */
	async runAll(helpers: ConnectHelpers): Promise<void> {
		if (this.#pending.size === 0) return;
		const purpose = (planned: PlannedCommand | (() => PlannedCommand)) => (typeof planned === 'function' ? planned() : planned).purpose;
		const what = () => [...this.#pending.values()].map(cleanup => purpose(cleanup.planned)).join('; ');
		if (!this.#connection.host || this.#connection.host.closed) {
			try {
				this.#note('info', `Reconnecting to clean up on the server (${what()}).`);
				await this.#connection.open(helpers);
			} catch (error) {
				this.#note('error', `Could not reconnect to clean up (${errorMessage(error)}). Left on the server: ${what()}.`);
				return;
			}
		}
		// Last registered, first run (as `defer` does): the lock, taken first, is released last.
		for (const key of [...this.#pending.keys()].reverse()) {
			const cleanup = this.#pending.get(key)!;
			try {
				await this.#runNow(key);
			} catch (error) {
				this.#note('error', `Could not ${purpose(cleanup.planned)} (${errorMessage(error)}).`, cleanup.stepId);
				this.#pending.delete(key);
			}
		}
	}
}

/** A cleanup's key on its server (NUL: no host name or key holds it). */
const cleanupKey = (server: ServerId, key: string) => `${server}\u0000${key}`;
