/**
 * The malformed-config corpus: every file is refused by the real CLI with one paragraph naming what
 * is wrong, exit code 2, and no stack trace.
 */
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {ROOT, runCli} from './helpers/cli.js';

const CORPUS = path.join(ROOT, 'test', 'fixtures', 'bad-configs');
const files = readdirSync(CORPUS).sort();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'rewind-bad-config-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

function expectOneParagraph(stderr: string, file: string) {
	expect(stderr.startsWith('rewind: '), stderr).toBe(true);
	expect(stderr.endsWith('\n')).toBe(true);
	expect(stderr.trimEnd().includes('\n'), `more than one line:\n${stderr}`).toBe(false);
	expect(stderr).not.toMatch(/\n\s+at |Error:|ZodError|node:internal/);
	expect(stderr.length).toBeLessThan(1500);
	expect(stderr).toContain(path.basename(file));
}

describe('the malformed-config corpus', () => {
	it('has at least 50 files', () => {
		expect(files.length).toBeGreaterThanOrEqual(50);
	});

	it.each(files)('%s: one paragraph, exit 2, no stack trace', async name => {
		const file = path.join(CORPUS, name);
		const result = await runCli(['plan', '--config', file]);
		expect(result.code, result.stderr).toBe(2);
		expect(result.stdout).toBe('');
		expectOneParagraph(result.stderr, file);
	});

	it('refuses a config file over 1 MiB without reading it', async () => {
		const file = path.join(scratch, 'too-big.yaml');
		writeFileSync(file, `# ${'x'.repeat(1024 * 1024 + 10)}\n`);
		const result = await runCli(['plan', '--config', file]);
		expect(result.code).toBe(2);
		expectOneParagraph(result.stderr, file);
		expect(result.stderr).toContain('a rewind config is at most 1048576 bytes');
	});

	it('refuses a folder given as the config', async () => {
		const result = await runCli(['plan', '--config', scratch]);
		expect(result.code).toBe(2);
		expectOneParagraph(result.stderr, scratch);
	});
});
