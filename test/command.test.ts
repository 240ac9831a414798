/** The command builder: every interpolated value is quoted; raw shell only through operatorShell. */
import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {inDir, joinCommands, operatorShell, placeholder, PlanOnlyCommand, quoteWord, remotePath, sh, word} from '../source/core/command.js';

/** What a POSIX shell makes of the command: its arguments as printf sees them. */
const argsOf = (command: ReturnType<typeof sh>) => execFileSync('sh', ['-c', command.script()], {encoding: 'utf8'});

const HOSTILE = [
	'$(touch /tmp/rewind-never)',
	'`touch /tmp/rewind-never`',
	'a;b',
	`it's "quoted"`,
	'two words',
	'<todo>',
	'-rf',
	'',
	'back\\slash',
	'*',
	'~/x',
	'line\nbreak',
];

describe('sh`…`', () => {
	it('passes every hostile value to the command as one literal argument', () => {
		for (const value of HOSTILE) {
			expect(argsOf(sh`printf '[%s]' ${value}`), JSON.stringify(value)).toBe(`[${value}]`);
		}
	});

	it('quotes the plan placeholder shape `<word>` like any other value (it used to go out raw)', () => {
		expect(sh`grep -e ${'<todo>'}`.display).toBe(`grep -e '<todo>'`);
	});

	it('leaves plainly safe words unquoted, quotes the rest', () => {
		expect(quoteWord('abc-1.2/x')).toBe('abc-1.2/x');
		expect(quoteWord("it's")).toBe(`'it'\\''s'`);
		expect(quoteWord('alice$bankroll')).toBe("'alice$bankroll'");
	});

	it('expands ~ in a remote path to the remote home, and nothing else', () => {
		expect(sh`ls ${remotePath('~/backups')}`.display).toBe('ls "$HOME"/backups');
		expect(sh`ls ${remotePath('~/my dir')}`.display).toBe(`ls "$HOME"/'my dir'`);
		expect(sh`ls ${remotePath('/srv/a$b')}`.display).toBe("ls '/srv/a$b'");
		expect(sh`mv x ${remotePath('~/backups').join('file.sql.gz')}`.display).toBe('mv x "$HOME"/backups/file.sql.gz');
		expect(argsOf(sh`printf '%s' ${remotePath('~/x y')}`)).toBe(`${process.env['HOME']}/x y`);
	});

	it('shows placeholders in a plan and refuses to run such a command', () => {
		const planned = sh`git reset --hard ${placeholder('target')}`;
		expect(planned.display).toBe('git reset --hard <target>');
		expect(() => planned.script()).toThrow(PlanOnlyCommand);
		expect(sh`mv ${remotePath('~/b').join(word('db-', placeholder('head'), '.sql.gz'))} x`.runnable).toBe(false);
	});

	it('embeds built commands as they are, and the operator’s own commands raw (the one escape)', () => {
		const inner = sh`echo ${'a b'}`;
		expect(sh`${inner} && true`.script()).toBe("echo 'a b' && true");
		expect(inDir(remotePath('/srv/app'), operatorShell('npm ci && npm run build')).script()).toBe('cd /srv/app && npm ci && npm run build');
		expect(joinCommands([sh`a`, sh`b`], '\n').script()).toBe('a\nb');
	});

	it('is the only way to make a command: a ShellCommand cannot be constructed from a string', async () => {
		const {ShellCommand} = await import('../source/core/command.js');
		expect(() => new (ShellCommand as unknown as new (...args: unknown[]) => unknown)(Symbol('x'), 'rm -rf /', 'x', true)).toThrow(/made by sh/);
	});
});
