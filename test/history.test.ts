import {describe, expect, it} from 'vitest';
import {commitMarks, historyEntry, parseHistory, type HistoryEntry} from '../source/core/history.js';
import {describeMark} from '../source/ui/history-text.js';

const hash = (digit: string) => digit.repeat(40);
const entry = (extra: Partial<HistoryEntry>): HistoryEntry => ({
	runId: 'r',
	kind: 'rollback',
	from: hash('b'),
	to: hash('a'),
	operator: 'ada@laptop',
	at: '2026-11-20T10:00:00.000Z',
	outcome: 'succeeded',
	...extra,
});

describe('the release history', () => {
	it('reads JSON lines from the server and skips what does not fit (a torn line, a bad hash, no date)', () => {
		const text = [
			JSON.stringify(entry({reason: 'banner shown to customers'})),
			'{"from": "not-a-hash"',
			JSON.stringify({...entry({}), to: 'HEAD'}),
			JSON.stringify({...entry({}), at: 'yesterday'}),
			'',
		].join('\n');
		expect(parseHistory(text)).toEqual([entry({reason: 'banner shown to customers'})]);
	});

	it('marks where a rollback went (verified good) and what it moved away from (rolled back from, with the reason); the newest verdict wins', () => {
		const marks = commitMarks([
			entry({reason: 'banner shown to customers'}),
			// A later deploy of c, rolled back to a, whose check failed.
			entry({from: hash('c'), to: hash('a'), at: '2026-11-22T09:00:00.000Z', outcome: 'verification-failed', reason: 'errors in checkout'}),
		]);
		expect(marks[hash('b')]).toEqual({kind: 'rolled-back-from', at: '2026-11-20T10:00:00.000Z', reason: 'banner shown to customers'});
		expect(marks[hash('a')]).toEqual({kind: 'verification-failed', at: '2026-11-22T09:00:00.000Z'});
		expect(describeMark(marks[hash('b')]!, true)).toBe('✗ rolled back from 2026-11-20: banner shown to customers');
		expect(describeMark(marks[hash('b')]!, false)).toBe('✗ rolled back 11-20');
	});

	it('an undo returns to the commit rolled back from on purpose: it is marked good again, not rolled back from', () => {
		const marks = commitMarks([entry({}), entry({kind: 'undo', from: hash('a'), to: hash('b'), at: '2026-11-21T10:00:00.000Z'})]);
		expect(marks[hash('b')]).toEqual({kind: 'verified-good', at: '2026-11-21T10:00:00.000Z'});
		expect(marks[hash('a')]).toEqual({kind: 'verified-good', at: '2026-11-20T10:00:00.000Z'});
	});

	it('a run is recorded only once it has reset the checkout', () => {
		const target = {hash: hash('a'), shortHash: 'aaaaaaa', parents: [], date: '', author: '', subject: 's'};
		expect(historyEntry({fromHead: hash('b'), target}, 'r', 'rollback', 'aborted', 'ada@laptop')).toBeUndefined();
		expect(
			historyEntry(
				{fromHead: hash('b'), target, rollbackStartedAt: 'x', remoteHeadAfter: hash('a'), reason: 'why'},
				'r',
				'rollback',
				'succeeded',
				'ada@laptop',
			),
		).toMatchObject({from: hash('b'), to: hash('a'), outcome: 'succeeded', reason: 'why', operator: 'ada@laptop'});
	});
});
