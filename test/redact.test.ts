import {randomBytes} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it, onTestFinished} from 'vitest';
import {configSchema} from '../source/core/config/schema.js';
import {Redactor} from '../source/core/redact.js';
import {reloadStep} from '../source/core/steps/reload.js';
import {renderReport} from '../source/ui/report.js';
import {fakeEngine} from './helpers/fake-engine.js';

/** Every piece of 8 characters of `secret` that `text` holds. */
const leaks = (text: string, secret: string) =>
	Array.from({length: secret.length - 7}, (_, index) => secret.slice(index, index + 8)).filter(piece => text.includes(piece));

describe('Redactor', () => {
	it('replaces registered secrets everywhere, longest first', () => {
		const redactor = new Redactor();
		redactor.add('s3cret');
		redactor.add('s3cret-and-more');
		expect(redactor.redact('a s3cret-and-more b s3cret c')).toBe('a *** b *** c');
	});

	it('redacts credentials it was not told about in headers and options', () => {
		const redactor = new Redactor();
		expect(redactor.redact('Authorization: Token abc123def')).toBe('Authorization: Token ***');
		expect(redactor.redact('mysqldump --password=hunter2 db')).toBe('mysqldump --password=*** db');
		expect(redactor.redact('[client]\npassword="x y"')).toBe('[client]\npassword=***');
	});

	it('refuses secrets too short to redact safely', () => {
		const redactor = new Redactor();
		redactor.add('a');
		expect(redactor.size).toBe(0);
	});

	it('redacts inside nested values and drops functions', () => {
		const redactor = new Redactor();
		redactor.add('topsecret');
		expect(redactor.redactValue({a: ['x topsecret'], f: () => 1, n: 3})).toEqual({a: ['x ***'], n: 3});
	});

	it('redacts every line of a multi-line secret and its escaped forms (JSON, shell-quoted, URL-encoded, option file)', () => {
		const redactor = new Redactor();
		const secret = `first-line's "x"\\y\nsecond-line`;
		redactor.add(secret);
		for (const form of [
			secret,
			`first-line's "x"\\y`,
			'second-line',
			JSON.stringify(secret),
			`'${secret.replaceAll("'", `'\\''`)}'`,
			encodeURIComponent(secret),
			secret.replaceAll('\\', '\\\\').replaceAll('"', '\\"'),
		]) {
			expect(redactor.redact(`before ${form} after`), form).not.toMatch(/first-line|second-line/);
		}
	});

	it('redacts the start of a secret (8 characters or more) that ends a text, or comes before a …: what a cut leaves', () => {
		const redactor = new Redactor();
		const token = randomBytes(30).toString('hex');
		redactor.add(token);
		expect(redactor.redact(`answered: ${token.slice(0, 30)}`)).toBe('answered: ***');
		expect(redactor.redact(`answered: ${token.slice(0, 8)}`)).toBe('answered: ***');
		expect(redactor.redact(`${token.slice(0, 20)}…`)).toBe('***…');
		// As a bad value is described: cut, quoted, then more text.
		expect(redactor.redact(`got ${JSON.stringify(`${`x${token}`.slice(0, 40)}…`)} (61 characters)`)).toBe('got "x***…" (61 characters)');
		expect(redactor.redact(`a ${token.slice(0, 10)}… b ${token.slice(0, 12)}…`)).toBe('a ***… b ***…');
		// Shorter starts, and starts that do not end the text, are ordinary text.
		expect(redactor.redact(`answered: ${token.slice(0, 7)}`)).toBe(`answered: ${token.slice(0, 7)}`);
		expect(redactor.redact(`${token.slice(0, 12)} and more`)).toBe(`${token.slice(0, 12)} and more`);
	});
});

describe('an API error body that echoes the token', () => {
	it('leaves no piece of it in the error, the journal or the report, where the message is cut through the token', async () => {
		const token = randomBytes(30).toString('hex');
		const env = 'REWIND_TEST_RELOAD_TOKEN';
		process.env[env] = token;
		onTestFinished(() => {
			delete process.env[env];
		});
		// The message keeps the first 200 characters of the body: this puts the cut in the token's middle.
		const body = `{"detail": "Invalid token ${'.'.repeat(150)} ${token}", "hint": "check Account → API token"}`;
		expect(body.indexOf(token)).toBeLessThan(200);
		expect(body.indexOf(token) + token.length).toBeGreaterThan(200);
		const server = http.createServer((_request, response) => response.writeHead(401, 'Unauthorized').end(body));
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		onTestFinished(() => void server.close());
		const runsDir = mkdtempSync(path.join(os.tmpdir(), 'rewind-redact-cut-'));
		onTestFinished(() => rmSync(runsDir, {recursive: true, force: true}));
		const config = configSchema.parse({
			app: {dir: '/srv/app'},
			ssh: {host: 'example.com'},
			site: {url: 'http://example.com/'},
			reload: {method: 'pythonanywhere-api', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/reload/`, tokenEnv: env},
		});
		const {engine, events} = fakeEngine({config, steps: [reloadStep], runsDir, renderReport: state => renderReport(state, config)});
		const result = await engine.run();
		const failure = events.find(event => event.type === 'step-failed');
		expect(failure).toMatchObject({error: expect.stringMatching(/^the reload API answered 401 Unauthorized: \{"detail": "Invalid token \.+ \*\*\*/)});
		for (const [where, text] of [
			['events', JSON.stringify(events)],
			['journal', readFileSync(result.journalPath!, 'utf8')],
			['report', readFileSync(result.reportPath!, 'utf8')],
		] as const)
			expect(leaks(text, token), where).toEqual([]);
	});
});
