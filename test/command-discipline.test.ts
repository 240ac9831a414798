/**
 * Server commands are built by `sh`, never concatenated. The types make it so — Host.run takes a
 * ShellCommand, which only `sh` can make — and this test pins down the few places that may touch
 * raw shell text, so a new one shows up in review.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ROOT} from './helpers/cli.js';

function sourceFiles(dir = path.join(ROOT, 'source')): string[] {
	return readdirSync(dir).flatMap(name => {
		const full = path.join(dir, name);
		return statSync(full).isDirectory() ? sourceFiles(full) : /\.tsx?$/.test(name) ? [full] : [];
	});
}

/** Files (relative to source/) whose code matches `pattern`. */
function filesUsing(pattern: RegExp): string[] {
	return sourceFiles()
		.filter(file => pattern.test(readFileSync(file, 'utf8')))
		.map(file => path.relative(path.join(ROOT, 'source'), file))
		.sort();
}

describe('command discipline', () => {
	it('the operator’s own commands (build, reload, migrations) are the only raw shell, through operatorShell() or operatorTemplate()', () => {
		expect(filesUsing(/\boperatorShell\(/)).toEqual([
			'core/command.ts',
			'core/migrations/commands.ts',
			'core/prebuild.ts',
			'core/reload-methods.ts',
			'core/steps/build.ts',
		]);
		expect(filesUsing(/\boperatorTemplate\(/)).toEqual(['core/command.ts', 'core/migrations/commands.ts']);
	});

	it('only the transports turn a built command into text to run', () => {
		expect(filesUsing(/\.script\(\)/)).toEqual(['core/remote/shell-driver.ts', 'core/remote/ssh-host.ts']);
		expect(filesUsing(/\.exec\(\s*script/)).toEqual(['core/remote/exec-channel.ts']);
	});

	it('quoting by hand happens only in the builder (and for the rehearsal’s local shim files)', () => {
		expect(filesUsing(/\bquoteWord\(/)).toEqual(['core/command.ts', 'rehearsal/sandbox-database.ts', 'rehearsal/sandbox.ts']);
		expect(filesUsing(/replaceAll\("'", `'\\\\''`\)/)).toEqual(['core/command.ts', 'core/redact.ts']);
	});

	it('a ShellCommand is constructed nowhere but in the builder', () => {
		expect(filesUsing(/new ShellCommand\(/)).toEqual(['core/command.ts']);
	});
});

/**
 * Server output is read, never split on a byte the data may hold: every multi-part answer is framed
 * (core/frames.ts), git lists are NUL-separated with `-z`. These pin down the few places that still
 * touch separators, so a new one shows up in review.
 */
describe('server output discipline', () => {
	it('only the transport frames with control bytes (its markers carry a per-connection nonce); no step prints GS/RS/US or splits on them', () => {
		// A separator as a byte of its own (not the end of a character range that refuses controls).
		const separator = /(?<!-)(\\u001[def]|\\x1[def])(?!-)|\\\\03[567]/i;
		expect(filesUsing(separator)).toEqual(['core/remote/deframer.ts', 'core/remote/one-shell.ts', 'core/remote/shell-driver.ts']);
	});

	it('NUL-separated lists are split only by their typed readers', () => {
		expect(filesUsing(/\.split\('\\0'\)/)).toEqual(['core/frames.ts', 'core/git.ts']);
	});

	it('no `key=value` lines are read from a server answer', () => {
		expect(filesUsing(/new RegExp\(`\^\$\{key\}=/)).toEqual([]);
		expect(filesUsing(/\^(dir|head|gitdir|mtime|stash|patch|archive|digest)[=\s]/)).toEqual([]);
	});

	it('every answer with several parts is read through readFrames or readRecords', () => {
		expect(filesUsing(/\bframed\(\[/)).toEqual(filesUsing(/\breadFrames\(/).filter(file => file !== 'core/frames.ts'));
	});
});
