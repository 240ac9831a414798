/** Exit codes as the README documents them, one per outcome. */
import {describe, expect, it} from 'vitest';
import {formatDuration} from '../source/core/format.js';
import {exitCodeFor, serverStateFor} from '../source/core/outcome.js';
import type {StepState} from '../source/core/types.js';

describe('exit codes', () => {
	it('maps every outcome to its documented code', () => {
		expect(exitCodeFor('succeeded')).toBe(0);
		expect(exitCodeFor('failed')).toBe(1);
		expect(exitCodeFor('verification-failed')).toBe(1);
		expect(exitCodeFor('bad-input')).toBe(2);
		expect(exitCodeFor('refused')).toBe(3);
		// Stopped (Ctrl+C, SIGHUP, SIGTERM) or aborted at a question (q at the picker): the operator's own ending.
		expect(exitCodeFor('interrupted')).toBe(130);
		expect(exitCodeFor('aborted')).toBe(130);
	});
});

describe('where a stopped run left the server', () => {
	const target = {hash: 'a'.repeat(40), shortHash: 'aaaaaaa', parents: [], date: '', author: '', subject: 's'};
	const facts = {fromHead: 'b'.repeat(40), target};
	const states =
		(done: Record<string, StepState>) =>
		(stepId: string): {state: StepState} => ({state: done[stepId] ?? 'pending'});

	it('before anything changed: unchanged, with HEAD', () => {
		expect(serverStateFor(facts, 'rollback', states({}))).toBe('This run changed nothing on the server (it found HEAD at bbbbbbb).');
	});

	it('after the downgrade, before the reset: the schema moved under the live code, and resume finishes', () => {
		const migrated = {from: ['r2'], to: ['r1'], how: 'downgrade' as const, at: ''};
		expect(serverStateFor({...facts, migrated}, 'rollback', states({migrate: 'succeeded'}))).toBe(
			'The code is unchanged (HEAD bbbbbbb), but the schema was migrated down to r1: the live code may fail on it. rewind resume finishes the rollback.',
		);
	});

	it('stopped during the build: HEAD is the target, the assets and the reload not done, resume or undo named', () => {
		const said = serverStateFor({...facts, rollbackStartedAt: 'x'}, 'rollback', states({reset: 'succeeded', build: 'failed'}));
		expect(said).toBe(
			"The server's HEAD is aaaaaaa; the assets were not rebuilt (dist/ holds the old build, or part of one); the app was not reloaded (the old code is still serving). Next: rewind resume finishes the rollback; rewind undo goes back to bbbbbbb.",
		);
	});

	it('a rehearsal stopped during the build: the sandbox goes when the trainee leaves, so no resume or undo is named', () => {
		const said = serverStateFor({...facts, rollbackStartedAt: 'x'}, 'rehearsal', states({reset: 'succeeded', build: 'failed'}));
		expect(said).toMatch(
			/^The server's HEAD is aaaaaaa; the assets were not rebuilt .*\. In a rehearsal the sandbox is removed when you leave: rehearse the drill again\.$/,
		);
		expect(said).not.toContain('rewind resume');
	});

	it('verification failed after a full rollback: undo is the way back', () => {
		const said = serverStateFor(
			{...facts, rollbackStartedAt: 'x'},
			'rollback',
			states({reset: 'succeeded', build: 'succeeded', reload: 'succeeded', verify: 'failed'}),
		);
		expect(said).toBe("The server's HEAD is aaaaaaa. Next: rewind undo goes back to bbbbbbb.");
	});
});

describe('durations', () => {
	it('round before splitting: never "2 min 60 s"', () => {
		expect(formatDuration(179_600)).toBe('3 min 0 s');
		expect(formatDuration(59_960)).toBe('1 min 0 s');
		expect(formatDuration(59_940)).toBe('59.9 s');
		expect(formatDuration(3_599_700)).toBe('1 h 0 min');
	});
});
