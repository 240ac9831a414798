import {describe, expect, it} from 'vitest';
import {Redactor} from '../source/core/redact.js';

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
});
