// Writes docs/fault-matrix.md from the names of the fault-matrix tests (collected, not run).
import {execFileSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {faultMatrixMarkdown} from '../test/helpers/fault-matrix-table.js';

const listed = JSON.parse(
	execFileSync('npx', ['vitest', 'list', 'test/fault-matrix.e2e.test.ts', '--json'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}),
) as Array<{name: string}>;
writeFileSync('docs/fault-matrix.md', faultMatrixMarkdown(listed.map(test => test.name)));
process.stdout.write(`docs/fault-matrix.md: ${listed.length} tests listed\n`);
