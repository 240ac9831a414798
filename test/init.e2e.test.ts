/**
 * `rewind init` against the private sshd, as a user would run it: it connects, finds the checkout,
 * reads the page's title and the build, writes a commented config that passes validation — and a
 * rollback with that config succeeds.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {loadConfigFile} from '../source/core/config/load.js';
import {MARKER} from '../source/rehearsal/app-repo.js';
import {canRun} from './helpers/availability.js';
import {runCli} from './helpers/cli.js';
import {useProduction} from './helpers/fixtures.js';

describe.runIf(canRun('rewind init', ['sshd']))('rewind init against a real sshd', () => {
	const servers = useProduction();

	it('writes a commented, valid config from what it finds on the server, prints the plan, and that config rolls back', async () => {
		const output = path.join(servers.production.root, 'written.yaml');
		const connection = [
			'--host',
			'127.0.0.1',
			'--port',
			String(servers.sshd.port),
			'--user',
			servers.sshd.user,
			'--identity',
			servers.sshd.identityFile,
			'--known-hosts',
			servers.sshd.knownHostsFile,
			'--ssh-config',
			path.join(servers.production.root, 'no-ssh-config'),
		];
		const init = await runCli([
			'init',
			...connection,
			'--app-dir',
			servers.production.app.dir,
			'--site-url',
			servers.production.site.url,
			'--reload',
			servers.production.wsgiPath,
			// This production's app has migrations but no way to its database that init could read: said so.
			'--database',
			'none',
			'--output',
			output,
			'--yes',
		]);
		expect(init.code, init.stderr).toBe(0);
		expect(init.stdout).toContain(`Wrote ${output} (checked: it is a valid config)`);
		expect(init.stdout).toContain('rewind plan: bankroll on');
		const text = readFileSync(output, 'utf8');
		expect(text).toContain('# Detected: the page\'s title is "Bankroll"');
		expect(text).toContain('# Detected: package.json has a build script and a lockfile (npm).');
		expect(text).toMatch(
			/# Detected: migrations\/versions \(Flask-Migrate\); (no Python with Flask-Migrate found on the server: set command|the server’s python3 has Flask-Migrate)/,
		);
		expect(text).not.toMatch(/password:|token:/i);
		expect(text).toContain('database: none');
		const {config} = loadConfigFile(output);
		expect(config).toMatchObject({
			app: {dir: servers.production.app.dir, branch: 'main'},
			site: {mustContain: ['Bankroll']},
			reload: {method: 'touch', path: servers.production.wsgiPath},
		});

		// A second init refuses to overwrite it.
		const again = await runCli(['init', ...connection, '--app-dir', servers.production.app.dir, '--output', output, '--yes']);
		expect(again.code).toBe(2);
		expect(again.stderr).toContain('exists already');

		// The config as written rolls back (the build command the test app needs is the one init found: npm ci && npm run build).
		const rollback = await runCli(['--config', output, '--target', servers.production.app.good, '--yes'], {timeoutMs: 120_000});
		expect(rollback.code, rollback.stdout.slice(-2000)).toBe(0);
		expect(execFileSync('git', ['rev-parse', 'HEAD'], {cwd: servers.production.app.dir, encoding: 'utf8'}).trim()).toBe(servers.production.app.good);
		expect(await (await fetch(servers.production.site.url)).text()).not.toContain(MARKER);
		expect(existsSync(path.join(servers.production.app.dir, '.git', 'rewind-history.jsonl'))).toBe(true);
	});

	it('without a terminal and without --host, says which flag is missing (exit 2), writing nothing', async () => {
		const output = path.join(servers.production.root, 'never.yaml');
		const result = await runCli(['init', '--output', output]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(
			'rewind init needs --host when it cannot ask (no terminal, or --yes): the server (an address, or an alias from ~/.ssh/config).',
		);
		expect(existsSync(output)).toBe(false);
	});

	it('refuses a bad --site-url or a --database URL holding a password before connecting (exit 2), never repeating the password', async () => {
		const output = path.join(servers.production.root, 'never.yaml');
		// An address nothing listens on: a refusal that came after connecting would say so.
		const common = ['init', '--host', '127.0.0.1', '--port', '9', '--output', output, '--yes'];
		const url = await runCli([...common, '--site-url', '127.0.0.1:8000']);
		expect(url.code).toBe(2);
		expect(url.stderr).toContain('--site-url: The site’s address is a whole URL');
		const withPassword = await runCli([...common, '--site-url', 'https://example.com/', '--database', 'mysql://alice:s3cr3t-pw@db/alice$shop']);
		expect(withPassword.code).toBe(2);
		expect(withPassword.stderr).toContain('The database URL holds a password');
		expect(`${withPassword.stdout}${withPassword.stderr}`).not.toContain('s3cr3t-pw');
		expect(`${url.stdout}${withPassword.stdout}`).not.toContain('Connecting');
		expect(existsSync(output)).toBe(false);
	});
});
