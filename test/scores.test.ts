/** `rewind scores` and the rehearsal history: figures per trainee, team drills, unreadable lines, inert text. */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {appendRehearsal, readRehearsals, type RehearsalRecord} from '../source/rehearsal/record.js';
import {previousBest, scoresText, traineeProgress} from '../source/rehearsal/scores.js';
import {parseCli} from '../source/cli-options.js';
import {traineeNameFrom} from '../source/core/identity.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-scores-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const record = (trainee: string, drill: string, totalMs: number, passed: boolean, at: string, team = false): RehearsalRecord => ({
	schema: 1,
	at,
	runId: `${drill}-${at}`,
	trainee,
	drill: {id: drill, title: `Title of ${drill}`, mystery: false, team},
	totalMs,
	steps: [{title: 'Verify', ms: totalMs, attempts: 1}],
	wrongTurns: passed ? [] : ['tried to reset before the backup was verified'],
	hints: [{id: 'h', title: 'a hint'}],
	criteria: [],
	outcome: passed ? 'succeeded' : 'failed',
	passed,
});

describe('the rehearsal history', () => {
	it('per trainee: drills passed, best passed time and latest per drill, and what is left (team drills too)', () => {
		const records = [
			record('t1', 'forgotten-build', 200_000, false, '2026-12-01T09:00:00Z'),
			record('t1', 'forgotten-build', 120_000, true, '2026-12-01T10:00:00Z'),
			record('t1', 'forgotten-build', 150_000, true, '2026-12-02T10:00:00Z'),
			record('t1', 'team-cache', 90_000, true, '2026-12-02T11:00:00Z', true),
			record('t2', 'old-worker', 60_000, true, '2026-12-02T12:00:00Z'),
		];
		const progress = traineeProgress([...records, record('T1', 'old-worker', 70_000, false, '2026-12-03T09:00:00Z')], 't1', [
			'forgotten-build',
			'old-worker',
			'team-cache',
		]);
		// T1 is t1: the name as a person types it.
		expect(progress).toMatchObject({trainee: 't1', rehearsals: 5, passed: ['forgotten-build', 'team-cache'], left: ['old-worker']});
		expect(progress.drills.find(drill => drill.id === 'forgotten-build')).toMatchObject({
			attempts: 3,
			bestMs: 120_000,
			latest: {ms: 150_000, passed: true},
		});
		expect(previousBest({records, skipped: 0}, 't1', 'forgotten-build')).toEqual({bestMs: 120_000, attempts: 3});
		expect(previousBest({records, skipped: 0}, 't2', 'forgotten-build')).toEqual({bestMs: null, attempts: 0});
		const text = scoresText(records, [progress], '/x/rehearsals.jsonl', 0);
		expect(text).toContain('t1: 2 drills passed, 5 rehearsals');
		expect(text).toMatch(/forgotten-build\s+3\s+2m00s\s+2m30s PASSED \(2026-12-02 10:00\)/);
		expect(text).toContain('left: old-worker');
	});

	it('skips (and counts) lines it cannot read; text from the file reaches the terminal inert', () => {
		const file = path.join(dir, 'rehearsals.jsonl');
		appendRehearsal(file, record('t1', 'old-worker', 60_000, true, '2026-12-02T12:00:00Z'));
		writeFileSync(file, `${'{not json\n'}${JSON.stringify({schema: 2, other: true})}\n`, {flag: 'a'});
		appendRehearsal(file, record('evil\u001B]52;c;aGk=\u0007', 'old-worker\u001B[2J', 60_000, true, '2026-12-02T13:00:00Z'));
		// A time that is no ISO time (here: with an escape sequence) is a line it cannot read.
		appendRehearsal(file, record('t1', 'old-worker', 60_000, true, '2026-12-02T13:00:00Z\u001B[2J'));
		const history = readRehearsals(file);
		expect(history.skipped).toBe(3);
		expect(history.records).toHaveLength(2);
		const progress = [...new Set(history.records.map(entry => entry.trainee))].map(trainee => traineeProgress(history.records, trainee, ['old-worker']));
		const text = scoresText(history.records, progress, file, history.skipped);
		expect(text).toContain('evil');
		expect(text).not.toContain('\u001B');
		expect(text).not.toContain('\u0007');
		expect(text).toContain('(3 lines of');
		expect(scoresText([], [], file, 0, 'nobody')).toMatch(/^No rehearsals of nobody in .*rewind scores without --trainee lists everyone's/);
	});

	it('the OS user as a trainee: made a name the rules accept', () => {
		expect(traineeNameFrom('a.b@corp')).toBe('a.b-corp');
		expect(traineeNameFrom('.hidden')).toBe('trainee');
		expect(traineeNameFrom('x'.repeat(60))).toHaveLength(40);
	});

	it('--trainee takes a name, never control characters or a path; --mystery and --drill do not go together', () => {
		expect(parseCli(['rehearse', '--trainee', 'Ana María']).trainee).toBe('Ana María');
		expect(() => parseCli(['rehearse', '--trainee', 'x\u001B[2J'])).toThrow(/is not a name rewind keeps/);
		expect(() => parseCli(['rehearse', '--trainee', '../etc'])).toThrow(/is not a name rewind keeps/);
		expect(() => parseCli(['rehearse', '--mystery', '--drill', 'old-worker'])).toThrow(/--mystery or --drill, not both/);
		expect(() => parseCli(['rehearse', '--any'])).toThrow(/--any is for --mystery/);
		expect(() => parseCli(['rollback', '--trainee', 't1'])).toThrow(/--trainee is for rewind rehearse or rewind scores/);
	});
});
