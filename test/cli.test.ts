import {existsSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {stringify} from 'yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {MARKER} from '../source/rehearsal/app-repo.js';
import {COMMANDS, OPTIONS} from '../source/cli-options.js';
import {canRun} from './helpers/availability.js';
import {runCli} from './helpers/cli.js';
import {startProduction, type Production} from './helpers/production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

describe('the command line without a server', () => {
	it('prints help and exits 0', async () => {
		const result = await runCli(['--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('rewind rehearse');
		expect(result.stdout).toContain('--dry-run');
		// Every option and command the parser accepts is in the help.
		for (const option of Object.keys(OPTIONS)) expect(result.stdout, option).toContain(`--${option}`);
		for (const command of COMMANDS) expect(result.stdout, command).toMatch(new RegExp(`rewind (\\[)?${command}`));
	});

	it('prints its version', async () => {
		const result = await runCli(['--version']);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^rewind \d+\.\d+\.\d+\n$/);
	});

	it('rejects an unknown option with a one-line message and exit 2', async () => {
		const result = await runCli(['--frobnicate']);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/^rewind: Unknown option '--frobnicate'\. See rewind --help\.\n$/);
	});

	it('explains a missing config instead of crashing', async () => {
		const result = await runCli(['--config', '/nonexistent/rewind.yaml']);
		expect(result.code).toBe(2);
		expect(result.stderr).toBe('rewind: Config file not found: /nonexistent/rewind.yaml. Check the path given to --config.\n');
	});
});

describe.runIf(canRun('CLI against a real server', ['sshd']))('the command line against a real server', () => {
	let sshd: Sshd;
	let production: Production;
	let configFile: string;

	beforeAll(async () => {
		sshd = await startSshd();
		production = await startProduction(sshd);
		const config = production.config();
		configFile = path.join(production.root, 'rewind.config.yaml');
		writeFileSync(
			configFile,
			stringify({
				app: config.app,
				ssh: {
					host: config.ssh.host,
					port: config.ssh.port,
					user: config.ssh.user,
					identityFile: config.ssh.identityFile,
					knownHostsFile: config.ssh.knownHostsFile,
					useAgent: false,
				},
				site: {url: config.site.url, mustContain: config.site.mustContain, mustNotContain: config.site.mustNotContain, timeoutSeconds: 5, intervalSeconds: 0.2},
				reload: config.reload,
				build: {commands: config.build.commands},
				runsDir: production.runsDir,
			}),
		);
	});
	afterAll(async () => {
		await production?.stop();
		await sshd?.stop();
	});

	it('--dry-run prints every step in order, one line each (every command with --verbose), without connecting', async () => {
		const before = sshd.acceptedConnections();
		const result = await runCli(['--config', configFile, '--dry-run']);
		expect(result.code).toBe(0);
		const lines = result.stdout.trimEnd().split('\n');
		expect(lines.length).toBeLessThanOrEqual(40);
		for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(120);
		const order = [
			'Connect',
			'Lock',
			'Preflight',
			'Pick target',
			'Save changes',
			'Back up database',
			'Confirm',
			'Reset',
			'Rebuild assets',
			'Reload app',
			'Verify',
		];
		let position = -1;
		for (const title of order) {
			const at = result.stdout.indexOf(`. ${title}`);
			expect(at, title).toBeGreaterThan(position);
			position = at;
		}
		expect(result.stdout).toContain('git reset --hard <target>');
		expect(result.stdout).toContain(`touch ${production.wsgiPath}`);
		const verbose = await runCli(['--config', configFile, '--dry-run', '--verbose']);
		expect(verbose.code).toBe(0);
		expect(verbose.stdout).toContain('[ "$(git rev-parse HEAD)" = <current HEAD> ] ||');
		expect(verbose.stdout).toContain(`touch ${production.wsgiPath}`);
		expect(verbose.stdout.split('\n').length).toBeGreaterThan(lines.length);
		expect(sshd.acceptedConnections()).toBe(before);
	});

	it('without a terminal, prints plain progress lines and rolls back with --target --yes', async () => {
		const result = await runCli(['--config', configFile, '--target', 'HEAD~1', '--yes']);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] rewind rollback of bankroll/);
		expect(result.stdout).toMatch(/✓ Reset: HEAD is now [0-9a-f]{7}/);
		expect(result.stdout).toContain('Result: SUCCEEDED');
		expect(result.stdout).not.toMatch(/Raw mode|setRawMode|at .*\.js:\d+/);
		const page = await (await fetch(production.site.url)).text();
		expect(page).not.toContain(MARKER);
	});

	it('without a terminal, every missing flag is refused before connecting: no lock, no backup, nothing on the server', async () => {
		const before = sshd.acceptedConnections();
		const noTarget = await runCli(['--config', configFile, '--yes']);
		expect(noTarget.code).toBe(2);
		expect(noTarget.stderr).toContain('pass --target <commit>');
		const noYes = await runCli(['--config', configFile, '--target', 'HEAD~1']);
		expect(noYes.code).toBe(2);
		expect(noYes.stderr).toContain('pass --yes');
		const json = await runCli(['--config', configFile, '--json', '--target', 'HEAD~1']);
		expect(json.code).toBe(2);
		expect(json.stderr).toContain('with --json pass --yes');
		const wrongCommand = await runCli(['--config', configFile, '--drill', 'x']);
		expect(wrongCommand.code).toBe(2);
		expect(wrongCommand.stderr).toContain('--drill is for rewind rehearse');
		for (const result of [noTarget, noYes, wrongCommand]) expect(result.stdout).toBe('');
		expect(JSON.parse(json.stdout)).toMatchObject({schema: 1, type: 'run-refused', exitCode: 2});
		expect(sshd.acceptedConnections()).toBe(before);
		expect(existsSync(production.backupDir)).toBe(false);
	});
});
