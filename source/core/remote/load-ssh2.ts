/**
 * ssh2, loaded when the first connection is opened. The built CLI carries it as one bundle beside
 * it (dist/ssh2.cjs, see scripts/build.js) loaded through V8's code cache; from source (tests),
 * it comes from node_modules.
 */
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {requireWithCodeCache} from '../code-cache.js';

let ssh2Module: Promise<typeof import('ssh2')> | undefined;
export function loadSsh2(): Promise<typeof import('ssh2')> {
	ssh2Module ??= bundledSsh2() ?? import('ssh2').then(module => (module as {default?: typeof import('ssh2')}).default ?? module);
	return ssh2Module;
}

function bundledSsh2(): Promise<typeof import('ssh2')> | undefined {
	const bundle = fileURLToPath(new URL('./ssh2.cjs', import.meta.url));
	if (!existsSync(bundle)) return undefined;
	return Promise.resolve().then(() => requireWithCodeCache(bundle) as typeof import('ssh2'));
}
