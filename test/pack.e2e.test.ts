/**
 * The install story, as a new user meets it: the package `npm pack` makes (named rewind-rollback,
 * never the registry's unrelated `rewind`) installs globally into a fresh prefix and its `rewind`
 * command answers --version, lists the drills and runs a whole rehearsal from the installed copy.
 * Packed with --ignore-scripts: the dist/ that `npm ci` built (a prepare here would rebuild dist/
 * under the other suites' feet). Installed with --prefer-offline: `npm ci` left every dependency in
 * npm's cache.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, realpathSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {canRun} from './helpers/availability.js';
import {ROOT} from './helpers/cli.js';

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {name: string; version: string; bin: Record<string, string>};

describe('the package', () => {
	it('has a name of its own and keeps `rewind` as its command', () => {
		expect(manifest.name).toBe('rewind-rollback');
		expect(Object.keys(manifest.bin)).toEqual(['rewind']);
		// The README never sends anyone to `npx rewind` (the registry's `rewind` is another project).
		const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
		const npxLines = readme.split('\n').filter(line => /npx rewind(?!-rollback)/.test(line));
		expect(npxLines).toEqual([expect.stringContaining('Never type `npx rewind`')]);
		expect(readme).toContain(`npm install -g ./${manifest.name}-${manifest.version}.tgz`);
	});
});

describe.runIf(canRun('the packed tarball', ['sshd', 'mariadb', 'flask']))('the packed tarball, installed globally into a fresh prefix', () => {
	let dir: string;
	let rewind: string;
	const run = (args: string[], timeoutMs = 60_000) =>
		spawnSync(rewind, args, {
			cwd: dir,
			encoding: 'utf8',
			timeout: timeoutMs,
			// Its own runs dir; PATH without this clone's node_modules/.bin.
			env: {
				...process.env,
				REWIND_HOME: path.join(dir, 'home'),
				PATH: `${path.dirname(rewind)}:${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
			},
		});

	beforeAll(() => {
		dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-pack-'));
		const npm = (args: string[]) =>
			execFileSync('npm', args, {cwd: ROOT, encoding: 'utf8', timeout: 240_000, env: {...process.env, npm_config_update_notifier: 'false'}});
		const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir])) as Array<{filename: string}>;
		const tarball = path.join(dir, packed[0]!.filename);
		npm(['install', '--global', '--prefix', path.join(dir, 'prefix'), '--prefer-offline', '--no-audit', '--no-fund', tarball]);
		rewind = path.join(dir, 'prefix', 'bin', 'rewind');
		// The command is the installed copy's, not this clone's.
		expect(realpathSync(rewind)).toBe(path.join(realpathSync(dir), 'prefix', 'lib', 'node_modules', manifest.name, 'bin', 'rewind.js'));
	}, 300_000);
	afterAll(() => rmSync(dir, {recursive: true, force: true}));

	it('answers --version and lists the drills', () => {
		const version = run(['--version']);
		expect(version.status).toBe(0);
		expect(version.stdout).toBe(`rewind ${manifest.version}\n`);
		const drills = run(['drills']);
		expect(drills.status, drills.stderr).toBe(0);
		expect(drills.stdout).toContain('forgotten-build');
	});

	it('runs a whole rehearsal from the installed copy (rewind rehearse --yes)', () => {
		const rehearsal = run(['rehearse', '--yes'], 180_000);
		expect(rehearsal.stderr).toBe('');
		expect(rehearsal.status).toBe(0);
		expect(rehearsal.stdout).toContain('Result: SUCCEEDED');
		expect(rehearsal.stdout).toContain('Scorecard: PASSED');
	}, 200_000);
});
