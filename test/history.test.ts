import {describe, expect, it} from 'vitest';
import {commitMarks, historyEntry, parseHistory, type HistoryEntry} from '../source/core/history.js';
import {describeMark, describeMarksFull, describeMarksShort} from '../source/ui/history-text.js';

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

	it('marks every verdict with its run, newest first: where a rollback went (verified good only with proof), what it moved away from (with the reason)', () => {
		const marks = commitMarks([
			entry({reason: 'banner shown to customers', runId: 'r1', proof: 'new-code'}),
			// A later deploy of c, rolled back to a, whose check failed.
			entry({runId: 'r2', from: hash('c'), to: hash('a'), at: '2026-11-22T09:00:00.000Z', outcome: 'verification-failed', reason: 'errors in checkout'}),
		]);
		expect(marks[hash('b')]).toEqual([{kind: 'rolled-back-from', at: '2026-11-20T10:00:00.000Z', runId: 'r1', reason: 'banner shown to customers'}]);
		expect(marks[hash('a')]).toEqual([
			{kind: 'verification-failed', at: '2026-11-22T09:00:00.000Z', runId: 'r2'},
			{kind: 'verified-good', at: '2026-11-20T10:00:00.000Z', runId: 'r1'},
		]);
		expect(describeMark(marks[hash('b')]![0]!, true)).toBe('✗ rolled back from 2026-11-20: banner shown to customers (run r1)');
		expect(describeMark(marks[hash('b')]![0]!, false)).toBe('✗ rolled back 11-20');
		expect(describeMarksShort(marks[hash('a')]!)).toBe('⚠ failed 11-22 +1');
	});

	it('a success without the proof that the new code answered (a line from before rewind proved it) is never "verified good"', () => {
		const marks = commitMarks([entry({runId: 'old'})]);
		expect(marks[hash('a')]).toEqual([{kind: 'reached-unproven', at: '2026-11-20T10:00:00.000Z', runId: 'old'}]);
		expect(describeMark(marks[hash('a')]![0]!, true)).toMatch(/checked before rewind proved which code answered/);
	});

	it('an undo returns to the commit rolled back from on purpose: marked "returned to by an undo of run X", its "rolled back from" kept, never good', () => {
		const marks = commitMarks([
			entry({runId: 'r1', proof: 'new-code'}),
			entry({runId: 'u1', kind: 'undo', from: hash('a'), to: hash('b'), at: '2026-11-21T10:00:00.000Z', proof: 'new-code', undoOf: 'r1'}),
		]);
		expect(marks[hash('b')]).toEqual([
			{kind: 'undo-returned', at: '2026-11-21T10:00:00.000Z', runId: 'u1', undoOf: 'r1'},
			{kind: 'rolled-back-from', at: '2026-11-20T10:00:00.000Z', runId: 'r1'},
		]);
		expect(marks[hash('a')]).toEqual([{kind: 'verified-good', at: '2026-11-20T10:00:00.000Z', runId: 'r1'}]);
		expect(describeMarksFull(marks[hash('b')]!)).toBe('↺ returned to by an undo 2026-11-21 of run r1 (run u1); ✗ rolled back from 2026-11-20 (run r1)');
	});

	it('parses the proof and the undo’s run back from the server’s line', () => {
		const line = JSON.stringify(entry({proof: 'new-code', undoOf: 'r1', kind: 'undo'}));
		expect(parseHistory(line)).toEqual([entry({proof: 'new-code', undoOf: 'r1', kind: 'undo'})]);
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
		// "verified good" needs the site check's proof: counted answers from the new code, enough in a row.
		const base = {fromHead: hash('b'), target, rollbackStartedAt: 'x', remoteHeadAfter: hash('a')};
		const http = {url: 'http://x/', observations: [], finalStatus: 200, checks: []};
		expect(historyEntry({...base, http: {...http, acceptedAt: 2, goodInRow: 3, confirmations: 3}}, 'r', 'rollback', 'succeeded', 'a')?.proof).toBe('new-code');
		expect(historyEntry({...base, http: {...http, acceptedAt: 2, goodInRow: 2, confirmations: 3}}, 'r', 'rollback', 'succeeded', 'a')?.proof).toBeUndefined();
		expect(historyEntry({...base, http: {...http, goodInRow: 3, confirmations: 3}}, 'r', 'rollback', 'succeeded', 'a')?.proof).toBeUndefined();
	});
});
