/** The built CLI's fast path in front of string-width: the same widths as string-width itself. */
import {readdirSync, existsSync} from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {beforeAll, describe, expect, it} from 'vitest';
import {NARROW_TEXT, narrowWidth} from '../source/ui/narrow-width.js';

type StringWidth = (text: string, options?: object) => number;

/** Every string-width installed (Ink's, wrap-ansi's own older one): the build puts the fast path in front of each. */
function installedStringWidths(): string[] {
	const found: string[] = [];
	const look = (modules: string, depth: number) => {
		if (!existsSync(modules) || depth > 3) return;
		for (const name of readdirSync(modules)) {
			if (name === 'string-width') found.push(path.join(modules, name, 'index.js'));
			else if (name.startsWith('@'))
				for (const scoped of readdirSync(path.join(modules, name))) look(path.join(modules, name, scoped, 'node_modules'), depth + 1);
			else look(path.join(modules, name, 'node_modules'), depth + 1);
		}
	};
	look(path.resolve('node_modules'), 0);
	return found;
}

let versions: Array<[string, StringWidth]> = [];
beforeAll(async () => {
	versions = await Promise.all(
		installedStringWidths().map(async file => [file, ((await import(pathToFileURL(file).href)) as {default: StringWidth}).default] as [string, StringWidth]),
	);
});

describe('narrowWidth', () => {
	it('takes only characters every installed string-width gives a width of 1 — every one of them checked', () => {
		expect(versions.length).toBeGreaterThanOrEqual(1);
		for (const [file, stringWidth] of versions) {
			let taken = 0;
			for (let codePoint = 0; codePoint <= 0xffff; codePoint++) {
				const character = String.fromCharCode(codePoint);
				if (!NARROW_TEXT.test(character)) continue;
				taken++;
				expect([file, codePoint.toString(16), stringWidth(character)]).toEqual([file, codePoint.toString(16), 1]);
			}
			expect(taken).toBeGreaterThan(800);
		}
	});

	it('gives rewind’s own lines, colour codes and all, the width every string-width gives them', () => {
		const lines = [
			'✓ Connect: connected to deploy@example.com (one shell for every command)',
			'─── Preflight ───',
			'● ○ → “quoted” — done…',
			'⠋ waiting',
			'rollback of \u001b[1mbankroll\u001b[22m',
			'\u001b[32m✓\u001b[39m \u001b[2m12 ms\u001b[22m',
			'plain ASCII',
			'',
		];
		for (const [, stringWidth] of versions) for (const line of lines) expect(narrowWidth(line)).toBe(stringWidth(line));
	});

	it('leaves to string-width what it does not know: emoji, wide and combining characters, other escapes, options', () => {
		for (const text of [
			'💡 hint',
			'⚠️ warning',
			'日本語',
			'e\u0301',
			'a\u200db',
			'\u001b]8;;https://example.com\u0007link',
			'\u001b[2Jclear',
			'\u00ad',
			'◽',
			'©',
		])
			expect(narrowWidth(text)).toBeUndefined();
		expect(narrowWidth('abc', {ambiguousIsNarrow: false})).toBeUndefined();
	});
});
