/** The boundary for text from outside: controls, escape sequences and bidi made visible and inert. */
import {describe, expect, it} from 'vitest';
import {inert, inertDeep, journalLine, markdownCell, markdownCode, markdownText} from '../source/core/inert.js';

const HOSTILE = 'a\u001b[2Jb\u001b]0;title\u0007c\u001b]52;c;Zm9v\u0007d\u009b31me\u202Ef\r\u0000';

describe('inert', () => {
	it('leaves no control, escape or bidi character, and shows a stand-in for each', () => {
		const shown = inert(HOSTILE);
		expect(shown).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
		expect(shown).toBe('a␛[2Jb␛]0;title␇c␛]52;c;Zm9v␇d\\x9b31me<U+202E>f␍␀');
	});

	it('keeps newlines unless the text must be one line, and ordinary text as it is', () => {
		expect(inert('one\ntwo')).toBe('one\ntwo');
		expect(inert('one\ntwo', {singleLine: true})).toBe('one␤two');
		expect(inert('Ünïcødé — ok ✓')).toBe('Ünïcødé — ok ✓');
	});

	it('reaches every string of a value, keeping functions', () => {
		const fn = () => 1;
		const value = inertDeep({a: ['\u001b[1m'], b: {c: '\u202e'}, fn, n: 3});
		expect(value).toEqual({a: ['␛[1m'], b: {c: '<U+202E>'}, fn, n: 3});
	});

	it('keeps the original in the journal, JSON-escaped, C1 and bidi included', () => {
		const line = journalLine({text: HOSTILE});
		expect(line).not.toMatch(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E]/);
		expect(JSON.parse(line)).toEqual({text: HOSTILE});
	});

	it('escapes Markdown: table cells, code spans that a backtick cannot close, free text', () => {
		expect(markdownCell('a|b')).toBe('a\\|b');
		expect(markdownCode('x`y')).toBe('`` x`y ``');
		expect(markdownText('[click](javascript:x) <b>node_modules</b>')).toBe('\\[click\\](javascript:x) \\<b\\>node_modules\\</b\\>');
	});
});
