import {describe, expect, it} from 'vitest';
import {Redactor} from '../source/core/redact.js';
import {remotePath, shq} from '../source/core/shell.js';

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
});

describe('shell quoting', () => {
	it('leaves safe words alone and quotes the rest', () => {
		expect(shq('abc-1.2/x')).toBe('abc-1.2/x');
		expect(shq("it's")).toBe(`'it'\\''s'`);
		expect(shq('alice$bankroll')).toBe("'alice$bankroll'");
	});
	it('expands ~ to the remote home but nothing else', () => {
		expect(remotePath('~/backups')).toBe('"$HOME"/backups');
		expect(remotePath('~/my dir')).toBe(`"$HOME"/'my dir'`);
		expect(remotePath('/srv/a$b')).toBe("'/srv/a$b'");
	});
});
