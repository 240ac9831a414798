/** Exit codes as the README documents them, one per outcome. */
import {describe, expect, it} from 'vitest';
import {exitCodeFor} from '../source/core/outcome.js';

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
