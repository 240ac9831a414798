/** The file `rewind init` writes, from hostile text a server could show it (a page title, a path). */
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {configText} from '../source/init/config-text.js';
import {proposedMustNotContain} from '../source/init/page.js';

const HOSTILE = 'Shop\nlock:\n  path: /tmp/evil $(touch /tmp/pwned) \'"\u001B]0;owned\u0007';

describe('rewind init’s config text', () => {
	it('keeps a note from the server on one comment line, inert, and values quoted: nothing reaches the YAML or the terminal raw', () => {
		const text = configText({
			ssh: {host: 'web.example.com'},
			app: {name: 'shop', dir: `/srv/shop $(touch /tmp/pwned)\n'"`, branch: 'main'},
			site: {url: 'https://shop.example.com/', mustContain: ['Shop'], mustNotContain: []},
			build: [],
			reload: {method: 'manual'},
			database: 'none',
			notes: {site: `Detected: the page's title is "${HOSTILE}"`, ssh: HOSTILE},
		});
		expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F]/);
		const parsed = parse(text) as Record<string, unknown>;
		expect(Object.keys(parsed)).not.toContain('lock');
		expect((parsed['app'] as {dir: string}).dir).toBe(`/srv/shop $(touch /tmp/pwned)\n'"`);
		expect(text).toContain('␛]0;owned␇');
	});

	it('proposes for mustNotContain only text HEAD added to a template that the page shows now: tags, template code and control characters dropped', () => {
		const added = ['<div class="banner">ROLLBACK TEST</div>', '<p>{{ user.name }}</p>', '<b>Evil\u001B]0;x\u0007</b>', '<p>Not on the page</p>', '<i>ok</i>'];
		const body = '<html><div class="banner">ROLLBACK TEST</div><b>Evil\u001B]0;x\u0007</b><p>Not</p></html>';
		expect(proposedMustNotContain(added, body)).toEqual(['ROLLBACK TEST']);
	});
});
