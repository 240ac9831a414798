/**
 * Loads a CommonJS bundle through V8's code cache. Node 20 has no compile cache for modules (22
 * has); rewind is ~1.3 MB of JavaScript that every start would compile again. The cache is this
 * user's (~/.cache/rewind), named by the bundle's content, the Node version and a profile (the
 * launcher's guess at the kind of run: a TUI compiles Ink, a plain run does not). V8 refuses a
 * cache that does not fit its own build: then the bundle compiles as usual and the cache is written
 * again. A run writes it when the process exits, so it holds every function that run compiled.
 */
import {createHash} from 'node:crypto';
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire, Module} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/** ~/.cache/rewind, or $XDG_CACHE_HOME/rewind. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
	const base = env['XDG_CACHE_HOME'] && path.isAbsolute(env['XDG_CACHE_HOME']) ? env['XDG_CACHE_HOME'] : path.join(os.homedir(), '.cache');
	return path.join(base, 'rewind');
}

/** How the last bundle loaded here used the cache: from it, or compiled (a cache is then written at exit). For tests. */
export const codeCacheStats: {last?: 'used' | 'not-written'} = {};

export function requireWithCodeCache(file: string, options: {profile?: string; directory?: string} = {}): unknown {
	const directory = options.directory ?? cacheDir();
	const source = readFileSync(file, 'utf8');
	const digest = createHash('sha256').update(source).digest('hex').slice(0, 24);
	const prefix = `${path.basename(file)}-${options.profile ?? 'any'}-`;
	const cacheFile = path.join(directory, `${prefix}${digest}-${process.version}-${process.arch}.v8`);
	let cachedData: Buffer | undefined;
	try {
		cachedData = readFileSync(cacheFile);
	} catch {
		// No cache yet: compile as usual and write one at exit.
	}
	const script = new vm.Script(Module.wrap(source), {filename: file, ...(cachedData ? {cachedData} : {})});
	const wrapper = script.runInThisContext() as (
		exports: unknown,
		require: NodeJS.Require,
		module: {exports: unknown},
		filename: string,
		dirname: string,
	) => void;
	const module = {exports: {} as unknown};
	wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
	if (cachedData && !script.cachedDataRejected) {
		codeCacheStats.last = 'used';
		return module.exports;
	}
	codeCacheStats.last = 'not-written';
	process.once('exit', () => {
		try {
			mkdirSync(directory, {recursive: true, mode: 0o700});
			const partial = `${cacheFile}.${process.pid}.tmp`;
			writeFileSync(partial, script.createCachedData(), {mode: 0o600});
			renameSync(partial, cacheFile);
			const stale = (name: string) => name.startsWith(prefix) && name.endsWith('.v8') && name !== path.basename(cacheFile);
			for (const name of readdirSync(directory).filter(stale)) rmSync(path.join(directory, name), {force: true});
		} catch {
			// A cache is only a speed-up: a read-only home costs the compile, nothing else.
		}
	});
	return module.exports;
}
