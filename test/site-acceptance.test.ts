/** Which answers after a reload count as the new code's (core/site-acceptance.ts): pure rules, no server needed. */
import {describe, expect, it} from 'vitest';
import {accept, bodyDigest, type ReloadEvidence} from '../source/core/site-acceptance.js';

const reloadAt = Date.parse('2026-12-03T10:00:00Z');
const oldPage = bodyDigest(200, '<title>Bad deploy</title>');
const reload = (before: {status: number | null; digest: string; changing?: boolean}): ReloadEvidence => ({
	at: new Date(reloadAt).toISOString(),
	method: 'touch',
	before: {at: new Date(reloadAt - 500).toISOString(), status: before.status, digest: before.digest, changing: before.changing ?? false, texts: []},
});
const answer = (status: number | null, body: string, afterMs: number) => ({status, digest: bodyDigest(status, body), atMs: reloadAt + afterMs});
const settleMs = 10_000;

describe('an answer after the reload counts as the new code’s', () => {
	it('when the app answers a status other than before (the old answer is gone)', () => {
		expect(accept(reload({status: 200, digest: oldPage}), answer(500, 'Internal Server Error', 300), settleMs)).toMatchObject({accepted: true});
		expect(accept(reload({status: 502, digest: bodyDigest(502, 'x')}), answer(200, '<title>Good</title>', 300), settleMs)).toMatchObject({
			accepted: true,
			why: expect.stringMatching(/status 200, before the reload 502/) as unknown,
		});
	});

	it('when the app answers another page than the one sampled twice before', () => {
		expect(accept(reload({status: 200, digest: oldPage}), answer(200, '<title>Good</title>', 300), settleMs)).toMatchObject({accepted: true});
	});

	for (const status of [502, 503, 504, null])
		it(`never from a gateway's ${status ?? 'missing answer'} within the settle time: a worker being swapped gives it, old or new`, () => {
			const verdict = accept(reload({status: 200, digest: oldPage}), answer(status, status === null ? '' : 'Something went wrong :-(', 300), settleMs);
			expect(verdict.accepted).toBe(false);
			expect(verdict.why).toMatch(/the old code may still be serving/);
		});

	it('never from a redirect to itself while reloading (PythonAnywhere restarting its workers), nor from another gateway page than before', () => {
		const redirect = {...answer(302, '', 300), reloading: true};
		expect(accept(reload({status: 200, digest: oldPage}), redirect, settleMs)).toMatchObject({
			accepted: false,
			why: expect.stringMatching(/a redirect to itself \(reloading\).*the old code may still be serving/) as unknown,
		});
		// A 503 before and a 503 with another page after: the gateway's pages, neither from the app.
		expect(accept(reload({status: 503, digest: bodyDigest(503, 'Service Unavailable A')}), answer(503, 'Service Unavailable B', 300), settleMs).accepted).toBe(
			false,
		);
	});

	it('the same page as before counts only once the settle time has passed', () => {
		const same = (afterMs: number) => accept(reload({status: 200, digest: oldPage}), answer(200, '<title>Bad deploy</title>', afterMs), settleMs);
		expect(same(9_000).accepted).toBe(false);
		expect(same(10_000).accepted).toBe(true);
		expect(accept(reload({status: 200, digest: oldPage}), answer(502, 'x', 10_500), settleMs).accepted).toBe(true);
	});
});
