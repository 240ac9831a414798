/**
 * `rewind plan` / `--dry-run`: one line per step by default, readable at a glance; `--verbose`
 * prints every command in full, exactly as the plan always did. Nothing here connects.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {Writable} from 'node:stream';
import {stringify} from 'yaml';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {parseCli} from '../source/cli-options.js';
import {configSchema, type Config} from '../source/core/config/schema.js';
import type {Engine} from '../source/core/engine.js';
import {createFlagEngine} from '../source/session.js';
import {printPlan, printPlanSummary} from '../source/ui/plan.js';
import {runCli} from './helpers/cli.js';
import {fakeConfig, fakeFlags} from './helpers/fake-engine.js';

const CONFIG_PATH = '/home/alice/rewind.config.yaml';

/** A PythonAnywhere-like app with every step in use: a database, migrations, a build and a reload. */
const fullConfig = configSchema.parse({
	app: {name: 'bankroll', dir: '/home/alice/bankroll'},
	ssh: {host: 'ssh.pythonanywhere.com', user: 'alice'},
	site: {url: 'https://alice.pythonanywhere.com/'},
	reload: {method: 'touch', path: '/var/www/alice_pythonanywhere_com_wsgi.py'},
	build: {commands: ['npm ci', 'npm run build']},
	database: {host: 'alice.mysql.pythonanywhere-services.com', user: 'alice', name: 'alice$bankroll', passwordEnv: 'DB_PASSWORD'},
	migrations: {kind: 'flask-migrate', command: '~/.virtualenvs/bankroll/bin/flask db', env: {FLASK_APP: 'app.py'}},
});

/** The plan printer as it was before the summary (source/ui/plan.ts at the time): `--verbose` must print exactly this. */
function legacyPrintPlan(engine: Engine, configPath: string | null, out: NodeJS.WritableStream = process.stdout): void {
	const {config} = engine;
	out.write(`rewind plan: ${config.app.name} on ${config.ssh.user ? `${config.ssh.user}@` : ''}${config.ssh.host} (${configPath ?? 'no config file'})\n`);
	out.write('Nothing runs: this is every command a rollback would run, in order. <placeholders> are decided during the run.\n');
	engine.plan().forEach(({step, commands}, index) => {
		out.write(`\n${String(index + 1).padStart(2)}. ${step.title}${step.interruptible ? '' : '  (never cut short by a stop)'}\n`);
		out.write(`      ${step.purpose}\n`);
		if (commands.length === 0) out.write('      (no command runs for this step with this config)\n');
		for (const command of commands) {
			const [first, ...more] = command.display.split('\n');
			out.write(`      ${command.where.padEnd(8)} ${first}\n`);
			for (const line of more) out.write(`      ${''.padEnd(8)} ${line}\n`);
			out.write(`      ${''.padEnd(8)} ↳ ${command.purpose}\n`);
		}
	});
}

function engineFor(config: Config): Engine {
	return createFlagEngine({config, configPath: CONFIG_PATH, kind: 'rollback', flags: fakeFlags, runsDir: null});
}

function printed(
	print: (engine: Engine, configPath: string | null, out: NodeJS.WritableStream) => void,
	engine: Engine,
	configPath: string | null = CONFIG_PATH,
): string {
	let text = '';
	const out = new Writable({
		write(chunk: Buffer | string, _encoding, done) {
			text += chunk.toString();
			done();
		},
	});
	print(engine, configPath, out);
	return text;
}

/** What differs between two runs of the same plan: the run id, and the process and time in the lock's owner record. */
function withoutRunSpecifics(text: string): string {
	return text
		.replace(/\d{8}T\d{6}Z-[0-9a-f]{4}/g, '<run id>')
		.replace(/"pid":\d+/g, '"pid":<pid>')
		.replace(/"pidStart":"\d+"/g, '"pidStart":"<start>"')
		.replace(/"startedAt":"[^"]*"/g, '"startedAt":"<at>"');
}

const lines = (text: string) => text.replace(/\n$/, '').split('\n');

describe('rewind plan: the summary', () => {
	// The lock's owner record carries the time: a frozen clock makes two prints of one plan the same.
	beforeAll(() => void vi.useFakeTimers({toFake: ['Date'], now: new Date('2026-05-04T09:30:00Z')}));
	afterAll(() => void vi.useRealTimers());

	for (const [name, config] of [
		['the test config', fakeConfig],
		['a config with every step in use', fullConfig],
	] as const) {
		it(`${name}: at most 40 lines of at most 120 characters, one line per step under its own title`, () => {
			const engine = engineFor(config);
			const text = printed(printPlanSummary, engine);
			const shown = lines(text);
			expect(shown.length).toBeLessThanOrEqual(40);
			for (const line of shown) expect([...line].length, line).toBeLessThanOrEqual(120);
			expect(shown[0]).toBe(`rewind plan: ${config.app.name} on ${config.ssh.user ? `${config.ssh.user}@` : ''}${config.ssh.host}, in ${config.app.dir}`);
			expect(text).toContain(CONFIG_PATH);
			expect(text).toContain('Nothing runs');
			expect(text).toContain('--verbose shows every command in full');
			const plan = engine.plan();
			const stepLines = shown.filter(line => /^[ \d]\d\. /.test(line));
			expect(stepLines).toHaveLength(plan.length);
			plan.forEach(({step, commands}, index) => {
				const line = stepLines[index]!;
				expect(line.startsWith(`${String(index + 1).padStart(2)}. ${step.title} `), line).toBe(true);
				if (commands.length === 0) expect(line).toContain('(no command with this config)');
				// Guards and the `cd <app dir> ||` that start a script are not what a step does.
				expect(line).not.toMatch(/\$\(git rev-parse HEAD\)" = |cd \S+ \|\|/);
			});
			expect(stepLines.find(line => line.includes('. Reset '))).toContain('git reset --hard <target>');
		});
	}

	it('shows the downgrade, the build commands and the reload of a config that has them', () => {
		const text = printed(printPlanSummary, engineFor(fullConfig));
		const line = (title: string) => lines(text).find(shown => shown.includes(`. ${title} `)) ?? '';
		expect(line('Migrate down')).toContain('flask db downgrade <target revision>');
		expect(line('Rebuild assets')).toContain('npm ci · npm run build');
		expect(line('Reload app')).toContain('touch /var/www/alice_pythonanywhere_com_wsgi.py');
		expect(line('Back up database')).toContain('mysqldump alice$bankroll | gzip');
		expect(line('Reset')).not.toContain('cd /home/alice/bankroll');
	});

	it('cuts a long command with …, never a step title', () => {
		const long = configSchema.parse({...fakeConfig, build: {commands: [`npm run build -- ${'--flag '.repeat(40)}`.trim()]}});
		const line = lines(printed(printPlanSummary, engineFor(long))).find(shown => shown.includes('. Rebuild assets ')) ?? '';
		expect([...line].length).toBe(120);
		expect(line).toMatch(/^11\. Rebuild assets +npm run build -- --flag .*…$/);
	});

	it('makes text from the config inert, as the rest of the UI does', () => {
		const hostile = configSchema.parse({...fullConfig, app: {...fullConfig.app, name: 'bank\u009b2Jroll'}, build: {commands: ['npm ci\u2028rm -rf /']}});
		const text = printed(printPlanSummary, engineFor(hostile));
		expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
		expect(text).toContain('bank\\x9b2Jroll');
		expect(text).toContain('npm ci<U+2028>rm -rf /');
	});
});

describe('rewind plan --verbose', () => {
	beforeAll(() => void vi.useFakeTimers({toFake: ['Date'], now: new Date('2026-05-04T09:30:00Z')}));
	afterAll(() => void vi.useRealTimers());

	it('prints exactly what the plan printed before the summary: every command, in full', () => {
		for (const config of [fakeConfig, fullConfig]) {
			const engine = engineFor(config);
			const verbose = printed(printPlan, engine);
			expect(verbose).toBe(printed(legacyPrintPlan, engine));
			expect(printed(printPlan, engine, null)).toBe(printed(legacyPrintPlan, engine, null));
			expect(lines(verbose).length).toBeGreaterThan(lines(printed(printPlanSummary, engine)).length);
		}
	});

	it('is an option of rewind plan and of --dry-run, and of nothing else', () => {
		expect(parseCli(['plan', '--verbose'])).toMatchObject({command: 'plan', verbose: true});
		expect(parseCli(['--dry-run', '--verbose'])).toMatchObject({command: 'plan', verbose: true});
		expect(parseCli(['plan'])).toMatchObject({command: 'plan', verbose: false});
		expect(() => parseCli(['--verbose'])).toThrow('--verbose is for rewind plan, not rewind rollback');
		expect(() => parseCli(['undo', '--verbose'])).toThrow('--verbose is for rewind plan, not rewind undo');
	});
});

describe('the rewind command line prints the plan', () => {
	let dir: string;
	let file: string;
	beforeAll(() => {
		dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-plan-'));
		file = path.join(dir, 'rewind.config.yaml');
		// Nothing listens there: the plan never connects.
		writeFileSync(file, stringify({...fullConfig, ssh: {host: '127.0.0.1', port: 9, user: 'alice'}}));
	});
	afterAll(() => rmSync(dir, {recursive: true, force: true}));

	it('as the summary by default, and in full with --verbose (rewind plan and --dry-run alike)', async () => {
		const summary = await runCli(['plan', '--config', file]);
		expect(summary.stderr).toBe('');
		expect(summary.code).toBe(0);
		expect(lines(summary.stdout).length).toBeLessThanOrEqual(40);
		expect(summary.stdout).toContain('git reset --hard <target>');
		const verbose = await runCli(['--config', file, '--dry-run', '--verbose']);
		expect(verbose.code).toBe(0);
		const config = configSchema.parse({...fullConfig, ssh: {host: '127.0.0.1', port: 9, user: 'alice'}});
		expect(withoutRunSpecifics(verbose.stdout)).toBe(withoutRunSpecifics(printed(legacyPrintPlan, engineFor(config), file)));
	});
});
