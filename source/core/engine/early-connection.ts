/**
 * A connection started before the engine exists. The server's handshake and its login shell take
 * a few hundred milliseconds of waiting; started as soon as the config is read, that wait covers
 * loading the engine, the steps and the renderer. The engine's connect step then adopts it: its
 * questions (host key, passphrase) wait for that step and go to its operator, its notes and
 * secrets are handed over then. Anything later (a reconnect, an undo's run) connects as usual.
 */
import type {Host} from '../host.js';
import type {ConnectHelpers, Connector} from './connection.js';

export type EarlyConnection = {
	/** The connector to give the engine: its first call adopts the connection already under way. */
	readonly connect: Connector;
	/**
	 * Resolves when the server has started the login shell (a wait of its own: .bashrc), when the
	 * connection needs a person's answer, or when the attempt ended: the moment to load the rest.
	 * Loading earlier would hold up the handshake, whose every round trip needs this thread.
	 */
	readonly serverBusy: Promise<void>;
	/** Closes the connection if no engine adopted it (the run was refused before connecting). */
	readonly abandon: () => Promise<void>;
};

export function startEarlyConnection(connect: Connector): EarlyConnection {
	let helpers: ConnectHelpers | undefined;
	const waiting: Array<(helpers: ConnectHelpers) => void> = [];
	const whenAdopted = (): Promise<ConnectHelpers> => (helpers ? Promise.resolve(helpers) : new Promise(resolve => waiting.push(resolve)));
	let settled = false;
	let wantedWhileWaiting = false;
	let markServerBusy = () => {};
	const serverBusy = new Promise<void>(resolve => (markServerBusy = resolve));

	const early = connect({
		ask: async question => {
			markServerBusy();
			return (await whenAdopted()).ask(question);
		},
		note: text => void whenAdopted().then(adopted => adopted.note(text)),
		addSecret: secret => void whenAdopted().then(adopted => adopted.addSecret(secret)),
		whileWaiting: () => {
			markServerBusy();
			if (helpers) helpers.whileWaiting?.();
			else wantedWhileWaiting = true;
		},
	});
	const result: Promise<Host> = early.finally(() => {
		settled = true;
		markServerBusy();
	});
	result.catch(() => {});

	let adopted = false;
	return {
		serverBusy,
		connect: async real => {
			if (adopted) return connect(real);
			adopted = true;
			helpers = real;
			for (const resolve of waiting.splice(0)) resolve(real);
			// The server is still starting the shell: the step's work for that wait can run now.
			if (wantedWhileWaiting && !settled) real.whileWaiting?.();
			return result;
		},
		abandon: async () => {
			if (adopted) return;
			adopted = true;
			// Nobody will answer: a pending question is refused, so the attempt ends now.
			helpers = {ask: async () => undefined, note: () => {}, addSecret: () => {}};
			for (const resolve of waiting.splice(0)) resolve(helpers);
			const host = await result.catch(() => undefined);
			if (host && !host.closed) await host.close().catch(() => {});
		},
	};
}
