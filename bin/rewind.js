#!/usr/bin/env node
// rewind's launcher. --help and --version answer before anything else is loaded; everything else
// is in dist/ (built by `npm install`, or `npm run build`).
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const args = process.argv.slice(2);
const optionsEnd = args.indexOf('--');
const flags = optionsEnd === -1 ? args : args.slice(0, optionsEnd);

if (flags.includes('--version') || flags.includes('-v')) {
	const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
	process.stdout.write(`rewind ${version}\n`);
	process.exit(0);
}

/**
 * The program: one CommonJS bundle, compiled from V8's code cache after the first run (see
 * scripts/build.js). Runs that compile different parts keep a cache each: at a terminal or not,
 * and the rehearsal (its sandbox and drills).
 */
async function loadProgram() {
	const {requireWithCodeCache} = await import('../dist/code-cache.js');
	const plain = !process.stdout.isTTY || flags.includes('--plain') || flags.includes('--json');
	const profile = `${plain ? 'plain' : 'terminal'}${args[0] === 'rehearse' ? '-rehearse' : ''}`;
	return requireWithCodeCache(fileURLToPath(new URL('../dist/cli.cjs', import.meta.url)), {profile});
}

let dist;
try {
	dist = flags.includes('--help') || flags.includes('-h') ? await import('../dist/help.js') : await loadProgram();
} catch (error) {
	if (error?.code !== 'ERR_MODULE_NOT_FOUND' && error?.code !== 'ENOENT') throw error;
	process.stderr.write('rewind: the program is not built yet. Run `npm install` (or `npm run build`) in the rewind folder first.\n');
	process.exit(2);
}

if (dist.HELP) {
	process.stdout.write(dist.HELP);
	process.exit(0);
}

const code = await dist.main(args);
// Let stdout drain, then leave even if an idle socket (HTTP keep-alive) would hold the loop.
process.stdout.write('', () => process.exit(code));
