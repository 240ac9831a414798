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
		expect(filesUsing(/\boperatorShell\(/)).toEqual(['core/command.ts', 'core/migrations/commands.ts', 'core/steps/build.ts', 'core/steps/reload.ts']);
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
