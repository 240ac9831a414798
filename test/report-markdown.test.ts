/**
 * Server text in report.md renders as itself and as nothing else: no link, image, raw HTML,
 * entity, autolink or invisible character, whatever a commit, a path or an HTTP body holds. The
 * report comes from a real run (fake server, real engine, bus and renderer) and is rendered with
 * markdown-it as permissive as a viewer gets: raw HTML allowed, bare links found.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import {describe, expect, it, onTestFinished} from 'vitest';
import {sh} from '../source/core/command.js';
import {inert, markdownCell, markdownCode, markdownCodeCell, markdownText} from '../source/core/inert.js';
import type {StepDefinition} from '../source/core/step.js';
import {serverCommand, type Commit} from '../source/core/types.js';
import {renderReport} from '../source/ui/report.js';
import {FakeHost} from './helpers/fake-host.js';
import {connectStep, fakeConfig, fakeEngine} from './helpers/fake-engine.js';

// As GitHub renders (GFM): raw HTML on, and links found in text — those GFM finds: `www.`, `http://`, e-mail (a bare `host.tld` is no link in GFM).
const markdown = new MarkdownIt({html: true, linkify: true});
markdown.linkify.set({fuzzyLink: false});

/** What a reader sees of rendered HTML: the text, tags taken out, the four escapes markdown-it makes undone. */
const visible = (html: string) =>
	html
		.replace(/<[^>]*>/g, '')
		.replaceAll('&lt;', '<')
		.replaceAll('&gt;', '>')
		.replaceAll('&quot;', '"')
		.replaceAll('&amp;', '&');

/** Every form a server's text could take to become something in Markdown. */
const PIECES = [
	'[x](http://evil.example/)',
	'![i](http://evil.example/i.png)',
	'<img src=x onerror=alert(1)>',
	'<b>bold</b>',
	'&#x202E;',
	'&amp;',
	'http://evil.example/auto',
	'www.evil.example',
	'www.evil.com',
	'mallory@evil.com',
	'<http://evil.example/angle>',
	'`tick` ``two``',
	'**strong** _em_ ~~gone~~',
	'[ref]: http://evil.example/ref',
];
const HOSTILE = `${PIECES.join(' ')} zero\u200Bwidth line\u2028sep bidi\u202Eflip clear\u001b[2J`;

/** A step that reads a commit from the server (whose subject and author are hostile) and records it everywhere the report shows server text. */
const readHistory: StepDefinition = {
	id: 'read-history',
	title: 'Read history',
	purpose: 'Reads a commit from the fake server for the test.',
	scope: 'server',
	interruptible: true,
	reads: [],
	writes: ['target', 'impact', 'fromHead', 'fromBranch', 'fingerprintBefore', 'reason'],
	commands: () => [serverCommand('log', 'read the last commit', sh`git log -1 --grep ${HOSTILE}`)],
	async run(context) {
		const {stdout} = await context.run('log');
		const text = stdout.trimEnd();
		const commit: Commit = {hash: 'a'.repeat(40), shortHash: 'aaaaaaa', parents: [], date: '2026-11-24T10:00:00Z', author: text, subject: text};
		context.setFacts({
			target: commit,
			fromHead: 'b'.repeat(40),
			fromBranch: text,
			reason: text,
			impact: {
				target: commit.hash,
				commitsUndone: [commit],
				commitsAdded: [],
				files: [{path: text, added: 1, removed: 0, flags: ['migration']}],
				targetIsAncestor: true,
			},
			fingerprintBefore: {database: 'shop', takenAt: '2026-11-24T10:00:00Z', tables: [{name: text, rows: 1, checksum: text}]},
		});
		context.note('warning', `the site answered: ${text}`);
		return `read ${text}`;
	},
	criteria: () => [{id: 'hostile', label: 'Hostile text', status: 'pass', detail: HOSTILE}],
};

async function hostileReport(): Promise<string> {
	const runsDir = mkdtempSync(path.join(os.tmpdir(), 'rewind-report-markdown-'));
	onTestFinished(() => rmSync(runsDir, {recursive: true, force: true}));
	const host = new FakeHost([[/^git log/, {stdout: `${HOSTILE}\n`}]]);
	const {engine} = fakeEngine({steps: [connectStep, readHistory], runsDir, connect: async () => host, renderReport: state => renderReport(state, fakeConfig)});
	const result = await engine.run();
	expect(result.reportPath).toBeTruthy();
	return readFileSync(result.reportPath!, 'utf8');
}

describe('report.md', () => {
	it('shows server text as text: no link, image, HTML, entity, autolink or invisible character', async () => {
		const report = await hostileReport();
		const html = markdown.render(report);
		const tags = new Set([...html.matchAll(/<\/?([a-z0-9]+)/g)].map(match => match[1]));
		expect([...tags].sort()).toEqual(['br', 'code', 'h1', 'h2', 'li', 'p', 'strong', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul']);
		expect(html).not.toMatch(/<a[\s>]|<img[\s>]/);
		expect(html).not.toMatch(/[\u200B\u2028\u202E]/);
		const text = visible(html);
		// The server's text is all there, character for character, the invisible ones as stand-ins; the entity as typed.
		const shown = `${PIECES.join(' ')} zero<U+200B>width line<U+2028>sep bidi<U+202E>flip clear␛[2J`;
		expect(text).toContain(`Reason given: "${shown}"`);
		expect(text).toContain(`aaaaaaa 2026-11-24 ${shown}: ${shown}`);
		expect(text).toContain(`the site answered: ${shown}`);
		expect(text.match(/&#x202E;/g)?.length).toBeGreaterThan(5);
		// The stand-ins read the same in the file itself.
		expect(report).toContain('zero<U+200B>width line<U+2028>sep bidi<U+202E>flip clear␛[2J');
	});
});

const PUNCTUATION = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
const SAMPLES = [
	...PUNCTUATION.flatMap(c => [c, `${c}${c}${c}`, `a${c}b`, `${c}a${c}`, `${c} x`, `1${c} x`, `${c}a${c} b`]),
	...PUNCTUATION.flatMap(c => PUNCTUATION.flatMap(d => [`${c}${d}`, `a${c}${d}b${d}${c}`])),
	PUNCTUATION.join(''),
	...PIECES,
	// Text that looks like a stand-in is shown as it is, as a stand-in is.
	'<U+202E>',
	'\\x9b',
	'\\\\x9b',
	'\\<U+0041>',
	'x<U+0041>*',
];

/** The rendered text of one paragraph, list item or table cell. */
const paragraph = (source: string) => visible(markdown.render(source)).trim();
const cell = (source: string) => /<td>(.*)<\/td>/s.exec(markdown.render(`| h |\n|---|\n| ${source} |\n`))?.[1];

describe('Markdown escaping', () => {
	it('renders every ASCII punctuation character, alone and in pairs, as itself: free text, list items, table cells', () => {
		for (const sample of SAMPLES) {
			expect(paragraph(markdownText(sample)), sample).toBe(sample);
			expect(paragraph(`- ${markdownText(sample)}`), sample).toBe(sample);
			expect(paragraph(`**Reason:** ${markdownText(sample)}`), sample).toBe(`Reason: ${sample}`);
			expect(visible(cell(markdownCell(sample)) ?? ''), sample).toBe(sample);
		}
	});

	it('renders the same as code spans, in text and in table cells', () => {
		for (const sample of [...SAMPLES, ' a ', '` x `', 'a ', ' ', '``']) {
			const code = (html: string) => visible(/<code>(.*)<\/code>/s.exec(html)?.[1] ?? 'no code span');
			expect(code(markdown.render(`x ${markdownCode(sample)} y`)), sample).toBe(sample);
			expect(code(cell(markdownCodeCell(sample)) ?? ''), sample).toBe(sample);
		}
	});

	it('leaves the stand-ins of invisible characters readable, made here or already by the event bus', () => {
		const raw = 'a\u200Bb\u2028c\u202Ed\u001b[2Je\u0085*';
		expect(markdownText(raw)).toBe('a<U+200B>b<U+2028>c<U+202E>d␛[2Je\\x85\\*');
		expect(markdownText(inert(raw))).toBe(markdownText(raw));
		expect(paragraph(markdownText(raw))).toBe('a<U+200B>b<U+2028>c<U+202E>d␛[2Je\\x85*');
	});
});
