/**
 * The V8 code cache the built CLI is loaded through: written by the first process, used by the
 * next, refused (and rewritten) when the bundle or the cache changes — the module works each time.
 * A cache is code, so one that is not this user's alone is never used, written or removed.
 */
import {execFileSync} from 'node:child_process';
import {chmodSync, chownSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {createRequire, Module} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import {afterAll, describe, expect, it} from 'vitest';

const root = mkdtempSync(path.join(os.tmpdir(), 'rewind-code-cache-'));
afterAll(() => rmSync(root, {recursive: true, force: true}));
const bundle = path.join(root, 'bundle.cjs');
const cache = path.join(root, 'cache');
const loader = new URL('../source/core/code-cache.ts', import.meta.url).href;

/** Loads the bundle in a new process; returns what it exported and how the cache was used. */
function load(profile = 'plain', directory = cache, file = bundle): {answer: number; use: string} {
	const script = `
		const {requireWithCodeCache, codeCacheStats} = await import(${JSON.stringify(loader)});
		const exported = requireWithCodeCache(${JSON.stringify(file)}, {profile: ${JSON.stringify(profile)}, directory: ${JSON.stringify(directory)}});
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

describe("a code cache that is not this user's alone", () => {
	const trustBundle = path.join(root, 'trust.cjs');
	writeFileSync(trustBundle, `module.exports = {answer: () => 42};\n// ${'padding so the planted source fits in the same length '.repeat(4)}\n`);
	const marker = path.join(root, 'planted-code-ran');
	const loadTrust = (directory: string) => load('plain', directory, trustBundle);

	/**
	 * What someone else could plant: a cache V8 takes for the bundle's (its source has the same
	 * length) but compiled from code that leaves a marker and answers 666.
	 */
	function plantedCache(): Buffer {
		const length = readFileSync(trustBundle, 'utf8').length;
		const planted = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); module.exports = {answer: () => 666};`.padEnd(length);
		expect(planted).toHaveLength(length);
		const script = new vm.Script(Module.wrap(planted), {filename: trustBundle});
		const module = {exports: {} as {answer: () => number}};
		(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(trustBundle), module, trustBundle, root);
		module.exports.answer(); // compiled, so the cache holds it
		rmSync(marker);
		return script.createCachedData();
	}

	/** A folder of this user's with the bundle's cache written by a first load; returns the cache file. */
	function ownFolder(name: string): string {
		const directory = path.join(root, name);
		expect(loadTrust(directory).use).toBe('not-written');
		expect(statSync(directory).mode & 0o777).toBe(0o700);
		const [file] = readdirSync(directory);
		return path.join(directory, file!);
	}

	/** Every name in the folder with its owner, mode and bytes (a link as itself). */
	function contents(directory: string) {
		return readdirSync(directory).map(name => {
			const stats = lstatSync(path.join(directory, name));
			return {name, uid: stats.uid, mode: stats.mode, bytes: stats.isFile() ? readFileSync(path.join(directory, name)).toString('hex') : undefined};
		});
	}

	it('runs when it is (the control: the plant below would run if it were read)', () => {
		const file = ownFolder('own-planted');
		writeFileSync(file, plantedCache());
		expect(loadTrust(path.dirname(file))).toEqual({answer: 666, use: 'used'});
		expect(existsSync(marker)).toBe(true);
		rmSync(marker);
	});

	it('in a folder another uid owns is not read, and nothing there is written or removed', ({skip}) => {
		skip(process.getuid?.() !== 0, 'needs root: the folder is handed to uid 65534 with chown');
		const file = ownFolder('foreign');
		const directory = path.dirname(file);
		writeFileSync(file, plantedCache());
		// A stale cache of another bundle version, which the folder's owner would have removed.
		writeFileSync(path.join(directory, path.basename(file).replace(/-[0-9a-f]{24}-/, '-000000000000000000000000-')), 'stale');
		for (const name of readdirSync(directory)) chownSync(path.join(directory, name), 65534, 65534);
		chownSync(directory, 65534, 65534);
		const before = contents(directory);
		expect(loadTrust(directory)).toEqual({answer: 42, use: 'untrusted'});
		expect(existsSync(marker)).toBe(false);
		expect(contents(directory)).toEqual(before);
	});

	it("owned by another uid in this user's folder is not read, replaced or removed", ({skip}) => {
		skip(process.getuid?.() !== 0, 'needs root: the file is handed to uid 65534 with chown');
		const file = ownFolder('foreign-file');
		const directory = path.dirname(file);
		writeFileSync(file, plantedCache());
		const stale = path.join(directory, path.basename(file).replace(/-[0-9a-f]{24}-/, '-000000000000000000000000-'));
		writeFileSync(stale, 'stale', {mode: 0o600});
		chownSync(file, 65534, 65534);
		chownSync(stale, 65534, 65534);
		const before = contents(directory);
		expect(loadTrust(directory)).toEqual({answer: 42, use: 'not-written'});
		expect(existsSync(marker)).toBe(false);
		expect(contents(directory)).toEqual(before);
	});

	it('in a folder others may write to is not read, and nothing there is written', () => {
		const file = ownFolder('shared');
		const directory = path.dirname(file);
		writeFileSync(file, plantedCache());
		for (const mode of [0o770, 0o707]) {
			chmodSync(directory, mode);
			const before = contents(directory);
			expect(loadTrust(directory)).toEqual({answer: 42, use: 'untrusted'});
			expect(existsSync(marker)).toBe(false);
			expect(contents(directory)).toEqual(before);
		}
	});

	it('that others may write to is not read, and is replaced by a private one', () => {
		const file = ownFolder('writable');
		for (const mode of [0o620, 0o602]) {
			writeFileSync(file, plantedCache());
			chmodSync(file, mode);
			expect(loadTrust(path.dirname(file))).toEqual({answer: 42, use: 'not-written'});
			expect(existsSync(marker)).toBe(false);
			expect(statSync(file).mode & 0o777).toBe(0o600);
			expect(loadTrust(path.dirname(file))).toEqual({answer: 42, use: 'used'});
		}
	});

	it('that is a symbolic link is not followed, and the link is replaced (not written through)', () => {
		const file = ownFolder('link');
		// The link's target would pass every check if it were followed.
		const target = path.join(root, 'planted-target.v8');
		writeFileSync(target, plantedCache(), {mode: 0o600});
		const planted = readFileSync(target);
		rmSync(file);
		symlinkSync(target, file);
		expect(loadTrust(path.dirname(file))).toEqual({answer: 42, use: 'not-written'});
		expect(existsSync(marker)).toBe(false);
		expect(readFileSync(target)).toEqual(planted);
		expect(lstatSync(file).isFile()).toBe(true);
		expect(loadTrust(path.dirname(file))).toEqual({answer: 42, use: 'used'});
	});
});
