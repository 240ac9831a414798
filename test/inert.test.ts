/** The boundary for text from outside: controls, escape sequences and bidi made visible and inert. */
import {describe, expect, it} from 'vitest';
import {inert, inertDeep, isInert, journalLine, markdownCell, markdownCode, markdownCodeCell, markdownText} from '../source/core/inert.js';

const HOSTILE = 'a\u001b[2Jb\u001b]0;title\u0007c\u001b]52;c;Zm9v\u0007d\u009b31me\u202Ef\r\u0000';

describe('inert', () => {
	it('leaves no control, escape or bidi character, and shows a stand-in for each', () => {
		const shown = inert(HOSTILE);
		expect(shown).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
		expect(shown).toBe('a␛[2Jb␛]0;title␇c␛]52;c;Zm9v␇d\\x9b31me<U+202E>f␍␀');
	});

	it('shows zero-width characters and the line, paragraph and next-line separators as stand-ins, in the journal escaped', () => {
		const invisible = '\u180E\u200B\u200C\u200D\u2060\u2061\u2062\u2063\u2064\uFEFF\u2028\u2029\u0085';
		expect(inert(`a${invisible}b`)).toBe('a<U+180E><U+200B><U+200C><U+200D><U+2060><U+2061><U+2062><U+2063><U+2064><U+FEFF><U+2028><U+2029>\\x85b');
		expect(isInert('a\u200Bb')).toBe(false);
		expect(isInert('a\nb')).toBe(true);
		const line = journalLine({text: invisible});
		expect(line).not.toMatch(/[\u0085\u180E\u200B-\u200D\u2028\u2029\u2060-\u2064\uFEFF]/);
		expect(JSON.parse(line)).toEqual({text: invisible});
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
		expect(markdownCodeCell('a|b')).toBe('`a\\|b`');
		expect(markdownText('[click](javascript:x) <b>node_modules</b> &amp; www.x.com http://y mail@x.org :smile: # 1. app.py')).toBe(
			'[click\\](javascript:x) \\<b\\>node_modules\\</b\\> \\&amp; www\\.x.com http\\://y mail\\@x.org \\:smile: # 1. app.py',
		);
		// Block markers only where they would start a block.
		expect(markdownText('# heading')).toBe('\\# heading');
		expect(markdownText('12. item')).toBe('12\\. item');
	});
});
