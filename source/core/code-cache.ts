/**
 * Loads a CommonJS bundle through V8's code cache. Node 20 has no compile cache for modules (22
 * has); rewind is ~1.3 MB of JavaScript that every start would compile again. The cache is this
 * user's (~/.cache/rewind), named by the bundle's content, the Node version and a profile (the
 * launcher's guess at the kind of run: a TUI compiles Ink, a plain run does not). V8 refuses a
 * cache that does not fit its own build: then the bundle compiles as usual and the cache is written
 * again. A run writes it when the process exits, so it holds every function that run compiled.
 *
 * A cache is code: V8 checks little more than the source's length, so a planted one runs whatever
 * it was compiled from. It is used only from a folder that is this user's alone (owned by this
 * uid, writable by no group and no one else) and only if the file itself is too, checked on the
 * opened file, which is never a symbolic link. Otherwise the bundle compiles and nothing in that
 * folder is read, written or removed. Writes go to a fresh file of a random name, then are renamed.
 */
import {createHash, randomBytes} from 'node:crypto';
import {
	closeSync,
	constants,
	fstatSync,
	lstatSync,
	mkdirSync,
	openSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync,
	type Stats,
} from 'node:fs';
import {createRequire, Module} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/** ~/.cache/rewind, or $XDG_CACHE_HOME/rewind. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
	const base = env['XDG_CACHE_HOME'] && path.isAbsolute(env['XDG_CACHE_HOME']) ? env['XDG_CACHE_HOME'] : path.join(os.homedir(), '.cache');
	return path.join(base, 'rewind');
}

/**
 * How the last bundle loaded here used the cache: from it; compiled (a cache is then written at
 * exit); or compiled because the folder is not this user's alone (nothing there read or written).
 * For tests.
 */
export const codeCacheStats: {last?: 'used' | 'not-written' | 'untrusted'} = {};

/** Owned by this uid and writable by no group or other user. Without uids (Windows) nothing is. */
function ownAndPrivate(stats: Stats): boolean {
	return process.getuid !== undefined && stats.uid === process.getuid() && (stats.mode & 0o022) === 0;
}

/** Whether the folder (its target, if a link: that decides who may change its entries) is this user's alone; undefined when it does not exist. */
function privateFolder(directory: string): boolean | undefined {
	try {
		const stats = statSync(directory);
		return stats.isDirectory() && ownAndPrivate(stats);
	} catch {
		return undefined;
	}
}

/** The cache file's bytes if it is a regular file of this user's alone, judged on the opened file (never through a link). */
function readPrivateFile(file: string): Buffer | undefined {
	let fd: number;
	try {
		// O_NONBLOCK: a FIFO planted under the name must not hold the start; fstat then refuses it.
		fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
	} catch {
		return undefined; // none yet, or a symbolic link
	}
	try {
		const stats = fstatSync(fd);
		return stats.isFile() && ownAndPrivate(stats) ? readFileSync(fd) : undefined;
	} finally {
		closeSync(fd);
	}
}

/** Whether a name in the folder is this user's to replace or remove: absent, or owned by this uid (a link is judged as itself). */
function ours(file: string): boolean {
	try {
		return lstatSync(file).uid === process.getuid?.();
	} catch {
		return true;
	}
}

export function requireWithCodeCache(file: string, options: {profile?: string; directory?: string} = {}): unknown {
	const directory = options.directory ?? cacheDir();
	const source = readFileSync(file, 'utf8');
	const digest = createHash('sha256').update(source).digest('hex').slice(0, 24);
	const prefix = `${path.basename(file)}-${options.profile ?? 'any'}-`;
	const cacheFile = path.join(directory, `${prefix}${digest}-${process.version}-${process.arch}.v8`);
	const trusted = privateFolder(directory);
	const cachedData = trusted ? readPrivateFile(cacheFile) : undefined;
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
	if (trusted === false) {
		codeCacheStats.last = 'untrusted';
		return module.exports;
	}
	codeCacheStats.last = 'not-written';
	process.once('exit', () => {
		try {
			mkdirSync(directory, {recursive: true, mode: 0o700});
			// Checked again: the folder may have been made by someone else since.
			if (!privateFolder(directory) || !ours(cacheFile)) return;
			const partial = `${cacheFile}.${randomBytes(8).toString('hex')}.tmp`;
			// 'wx': a name that exists (a file or a link planted under it) is never written through.
			writeFileSync(partial, script.createCachedData(), {mode: 0o600, flag: 'wx'});
			renameSync(partial, cacheFile);
			const stale = (name: string) => name.startsWith(prefix) && name.endsWith('.v8') && name !== path.basename(cacheFile);
			for (const name of readdirSync(directory).filter(stale)) if (ours(path.join(directory, name))) rmSync(path.join(directory, name), {force: true});
		} catch {
			// A cache is only a speed-up: a read-only home costs the compile, nothing else.
		}
	});
	return module.exports;
}
