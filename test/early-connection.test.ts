/**
 * The connection started before the engine exists (plain and JSON runs): what it asks, notes and
 * keeps secret reaches the engine's connect step once that step adopts it; a run refused before
 * connecting closes it. Over a real sshd, every CLI suite runs through it.
 */
import {describe, expect, it} from 'vitest';
import type {ConnectHelpers, Connector} from '../source/core/engine/connection.js';
import {startEarlyConnection} from '../source/core/engine/early-connection.js';
import type {Question} from '../source/core/questions.js';
import {FakeHost} from './helpers/fake-host.js';

const hostKeyQuestion: Question = {kind: 'host-key', host: 'example.com', keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc'};

function recordingHelpers(answer: unknown) {
	const log: string[] = [];
	const helpers: ConnectHelpers = {
		ask: async question => (log.push(`ask ${question.kind}`), answer),
		note: text => log.push(`note ${text}`),
		addSecret: secret => log.push(`secret ${secret}`),
		whileWaiting: () => log.push('while waiting'),
	};
	return {helpers, log};
}

describe('early connection', () => {
	it('holds its question until the connect step adopts it, then asks that step’s operator and hands over its notes and secrets', async () => {
		const host = new FakeHost();
		let answered: unknown = 'not asked';
		const connector: Connector = async helpers => {
			helpers.addSecret('passphrase-1');
			helpers.note('Added example.com to known_hosts.');
			answered = await helpers.ask(hostKeyQuestion);
			helpers.whileWaiting?.();
			return host;
		};
		const early = startEarlyConnection(connector);
		await early.serverBusy; // resolved by the pending question: nothing else can happen without a person
		expect(answered).toBe('not asked');

		const {helpers, log} = recordingHelpers(true);
		expect(await early.connect(helpers)).toBe(host);
		expect(answered).toBe(true);
		expect(log).toEqual(['secret passphrase-1', 'note Added example.com to known_hosts.', 'ask host-key', 'while waiting']);
	});

	it('runs the connect step’s work-while-waiting when the server started its shell before the step adopted the connection', async () => {
		let finish: (host: FakeHost) => void = () => {};
		const connector: Connector = helpers =>
			new Promise(resolve => {
				helpers.whileWaiting?.();
				finish = resolve;
			});
		const early = startEarlyConnection(connector);
		await early.serverBusy;
		const {helpers, log} = recordingHelpers(true);
		const adopted = early.connect(helpers);
		expect(log).toEqual(['while waiting']);
		const host = new FakeHost();
		finish(host);
		expect(await adopted).toBe(host);
	});

	it('reports the early attempt’s failure to the step that adopts it', async () => {
		const early = startEarlyConnection(async () => {
			throw new Error('connection refused');
		});
		await early.serverBusy;
		await expect(early.connect(recordingHelpers(true).helpers)).rejects.toThrow('connection refused');
	});

	it('connects afresh for any later call (a reconnect after a lost link)', async () => {
		const hosts = [new FakeHost(), new FakeHost()];
		let calls = 0;
		const early = startEarlyConnection(async () => hosts[calls++]!);
		const {helpers} = recordingHelpers(true);
		expect(await early.connect(helpers)).toBe(hosts[0]);
		expect(await early.connect(helpers)).toBe(hosts[1]);
		expect(calls).toBe(2);
	});

	it('closes the connection when no step adopted it, and refuses a question nobody will answer', async () => {
		const host = new FakeHost();
		const opened = startEarlyConnection(async () => host);
		await opened.serverBusy;
		await opened.abandon();
		expect(host.closed).toBe(true);

		let answer: unknown = 'not asked';
		const asking = startEarlyConnection(async helpers => {
			answer = await helpers.ask(hostKeyQuestion);
			throw new Error('host key not accepted');
		});
		await asking.serverBusy;
		await asking.abandon();
		expect(answer).toBeUndefined();
	});

	it('leaves an adopted connection to the engine', async () => {
		const host = new FakeHost();
		const early = startEarlyConnection(async () => host);
		await early.connect(recordingHelpers(true).helpers);
		await early.abandon();
		expect(host.closed).toBe(false);
	});
});
