#!/usr/bin/env node
// rewind's launcher. --help and --version answer before anything else is loaded; everything else
// is in dist/ (built by `npm install`, or `npm run build`).
import {readFileSync} from 'node:fs';

const args = process.argv.slice(2);
const optionsEnd = args.indexOf('--');
const flags = optionsEnd === -1 ? args : args.slice(0, optionsEnd);

if (flags.includes('--version') || flags.includes('-v')) {
	const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
	process.stdout.write(`rewind ${version}\n`);
	process.exit(0);
}

let dist;
try {
	dist = flags.includes('--help') || flags.includes('-h') ? await import('../dist/help.js') : await import('../dist/cli.js');
} catch (error) {
	if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
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
