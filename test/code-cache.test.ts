/**
 * The V8 code cache the built CLI is loaded through: written by the first process, used by the
 * next, refused (and rewritten) when the bundle or the cache changes — the module works each time.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';

const root = mkdtempSync(path.join(os.tmpdir(), 'rewind-code-cache-'));
afterAll(() => rmSync(root, {recursive: true, force: true}));
const bundle = path.join(root, 'bundle.cjs');
const cache = path.join(root, 'cache');
const loader = new URL('../source/core/code-cache.ts', import.meta.url).href;

/** Loads the bundle in a new process; returns what it exported and how the cache was used. */
function load(profile = 'plain'): {answer: number; use: string} {
	const script = `
		const {requireWithCodeCache, codeCacheStats} = await import(${JSON.stringify(loader)});
		const exported = requireWithCodeCache(${JSON.stringify(bundle)}, {profile: ${JSON.stringify(profile)}, directory: ${JSON.stringify(cache)}});
		process.stdout.write(JSON.stringify({answer: exported.answer(), use: codeCacheStats.last}));`;
	return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8'})) as {
		answer: number;
		use: string;
	};
}

const cacheFiles = () => (existsSync(cache) ? readdirSync(cache) : []);

describe('code cache', () => {
	it('is written by the first load, used by the next, and replaced when the bundle changes or the cache is damaged', () => {
		writeFileSync(bundle, `const path = require('node:path');\nmodule.exports = {answer: () => 41 + path.sep.length};\n`);
		expect(load()).toEqual({answer: 42, use: 'not-written'});
		expect(cacheFiles()).toHaveLength(1);
		const first = cacheFiles()[0]!;
		expect(first).toMatch(new RegExp(`^bundle\\.cjs-plain-[0-9a-f]{24}-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8$`));

		expect(load()).toEqual({answer: 42, use: 'used'});

		writeFileSync(bundle, `module.exports = {answer: () => 43};\n`);
		expect(load()).toEqual({answer: 43, use: 'not-written'});
		expect(cacheFiles()).toEqual([expect.not.stringMatching(first)]);
		expect(load().use).toBe('used');

		// Another kind of run keeps a cache of its own beside it.
		expect(load('terminal').use).toBe('not-written');
		expect(
			cacheFiles()
				.map(name => name.split('-')[1])
				.sort(),
		).toEqual(['plain', 'terminal']);
		expect(load().use).toBe('used');

		writeFileSync(
			path.join(
				cache,
				cacheFiles().find(name => name.includes('-plain-'))!,
			),
			'not a code cache',
		);
		expect(load()).toEqual({answer: 43, use: 'not-written'});
		expect(load()).toEqual({answer: 43, use: 'used'});
	});
});
