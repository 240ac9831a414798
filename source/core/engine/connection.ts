/** The run's connection: opened once by the connecting step, reopened after a loss, counted. */
import type {Host} from '../host.js';
import type {Question} from '../questions.js';

export type ConnectHelpers = {
	readonly ask: (question: Question) => Promise<unknown>;
	readonly note: (text: string) => void;
	readonly addSecret: (secret: string) => void;
	/** Work for this process while the server starts the shell (it waits there): loading a module needed later. */
	readonly whileWaiting?: () => void;
};

/** Opens a connection to the config's server (the SSH host, a fake in tests). */
export type Connector = (helpers: ConnectHelpers) => Promise<Host>;

export class Connection {
	readonly #connect: Connector;
	#host: Host | null = null;
	#opened = 0;
	#shellStartsOfClosed = 0;
	#roundTripsOfClosed = 0;

	constructor(connect: Connector) {
		this.#connect = connect;
	}

	get host(): Host | null {
		return this.#host;
	}

	/** Connections opened so far (one, unless a lost link forced a reconnect). */
	get opened(): number {
		return this.#opened;
	}

	/** Shell start-ups on the server over every connection of the run. */
	get shellStarts(): number {
		return this.#shellStartsOfClosed + (this.#host?.shellStarts ?? 0);
	}

	/** Round trips for commands over every connection of the run. */
	get roundTrips(): number {
		return this.#roundTripsOfClosed + (this.#host?.roundTrips ?? 0);
	}

	async open(helpers: ConnectHelpers): Promise<Host> {
		await this.close();
		this.#opened++;
		this.#host = await this.#connect(helpers);
		return this.#host;
	}

	async close(): Promise<void> {
		const old = this.#host;
		this.#host = null;
		if (!old) return;
		this.#shellStartsOfClosed += old.shellStarts;
		this.#roundTripsOfClosed += old.roundTrips;
		if (!old.closed) await old.close().catch(() => {});
	}
}
