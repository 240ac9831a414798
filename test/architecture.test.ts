/** The shape docs/architecture.md promises, kept true: small files, a small engine, the layers. */
import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ROLLBACK_STEPS, UNDO_STEPS} from '../source/core/runbook.js';
import {ROOT} from './helpers/cli.js';

const SOURCE = path.join(ROOT, 'source');

function files(dir = SOURCE): string[] {
	return readdirSync(dir).flatMap(name => {
		const full = path.join(dir, name);
		return statSync(full).isDirectory() ? files(full) : /\.tsx?$/.test(name) ? [full] : [];
	});
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').length - 1;

describe('architecture', () => {
	it('no file in source/ is over 300 lines, and the engine is at most 250', () => {
		const long = files()
			.filter(file => lines(file) > 300)
			.map(file => `${path.relative(SOURCE, file)}: ${lines(file)}`);
		expect(long).toEqual([]);
		expect(lines(path.join(SOURCE, 'core', 'engine.ts'))).toBeLessThanOrEqual(250);
	});

	it('the engine names no step, and no step imports another step', () => {
		const engine = [path.join(SOURCE, 'core', 'engine.ts'), ...files(path.join(SOURCE, 'core', 'engine'))].map(file => readFileSync(file, 'utf8')).join('\n');
		for (const step of ROLLBACK_STEPS) expect(engine, step.id).not.toMatch(new RegExp(`['"\`]${step.id}['"\`]`));
		for (const file of files(path.join(SOURCE, 'core', 'steps'))) {
			const imports = [...readFileSync(file, 'utf8').matchAll(/from '\.\/([^']+)'/g)].map(match => match[1]);
			expect(
				imports.filter(name => !name?.endsWith('-hints.js')),
				path.basename(file),
			).toEqual([]);
		}
	});

	it('every step declares what it is for and the facts it writes; a fact is written by a step before one that reads it', () => {
		for (const runbook of [ROLLBACK_STEPS, UNDO_STEPS]) {
			const written = new Set<string>([
				'fromHead',
				'target',
				'backup',
				'undoOf',
				'dirty',
				'atRisk',
				'impact',
				'statusDigestBefore',
				'rollbackStartedAt',
				'fingerprintBefore',
				'backupOverride',
				// Written later in the runbook, read when a fix sends the run back to an earlier step.
				'remoteHeadAfter',
				// Read by the reset only as a rollback's Migrate down wrote it (an undo migrates up after its reset).
				...(runbook === UNDO_STEPS ? ['migrated'] : []),
			]);
			for (const step of runbook) {
				expect(step.purpose.length, step.id).toBeGreaterThan(20);
				// A fact read must be written before the step, or by no step of this runbook (optional in it:
				// a rollback's migration facts read by the verify an undo shares).
				for (const fact of step.reads) {
					const writers = runbook.filter(other => other.writes.includes(fact));
					expect(
						written.has(fact) || writers.length === 0 || writers.some(writer => runbook.indexOf(writer) < runbook.indexOf(step)),
						`${step.id} reads ${fact}`,
					).toBe(true);
				}
				for (const fact of step.writes) written.add(fact);
			}
		}
	});

	it('one keyboard input for the whole app, and colours only from the theme', () => {
		const ui = files(path.join(SOURCE, 'ui'));
		const using = (pattern: RegExp) => ui.filter(file => pattern.test(readFileSync(file, 'utf8'))).map(file => path.relative(SOURCE, file));
		expect(using(/\buseInput\b/)).toEqual(['ui/key-router.tsx']);
		expect(using(/\b(TextInput|ConfirmInput|PasswordInput|Select|MultiSelect|EmailInput)\b/)).toEqual([]);
		expect(using(/(color|borderColor)=["']|["'](green|red|yellow|cyan|gray|magenta|blue)["']/)).toEqual(['ui/theme.ts']);
	});
});
