import {describe, expect, it} from 'vitest';
import {parseConfigLayers, parseConfigText} from '../source/core/config/load.js';
import {originOf} from '../source/core/config/layers.js';
import {UserError} from '../source/core/errors.js';

const valid = `
app: {name: shop, dir: ~/shop}
ssh: {host: example.com, user: deploy}
site: {url: "https://example.com/", mustNotContain: [ROLLBACK TEST]}
reload: {method: command, command: "touch tmp/restart.txt"}
`;

function problem(text: string): string {
	try {
		parseConfigText(text, 'rewind.config.yaml');
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		expect((error as UserError).exitCode).toBe(2);
		return (error as Error).message;
	}
	throw new Error('expected the config to be rejected');
}

describe('config validation', () => {
	it('accepts a minimal generic config and fills defaults', () => {
		const config = parseConfigText(valid, 'x');
		expect(config.ssh.keepaliveSeconds).toBe(10);
		expect(config.site.timeoutSeconds).toBe(60);
		expect(config.build.commands).toEqual([]);
		expect(config.lock.staleMinutes).toBe(30);
	});

	it('names the path of a wrong type and what was expected', () => {
		expect(problem(valid.replace('user: deploy', 'user: deploy, port: "twenty-two"'))).toContain('ssh.port: expected a number, got "twenty-two"');
		expect(problem(valid.replace('mustNotContain: [ROLLBACK TEST]', 'mustNotContain: ROLLBACK TEST'))).toContain(
			'site.mustNotContain: expected a list, got "ROLLBACK TEST"',
		);
	});

	it('says when the host is missing', () => {
		expect(problem(valid.replace('host: example.com, ', ''))).toContain('ssh.host: missing (expected text)');
	});

	it('rejects an unknown preset, listing the known ones', () => {
		expect(problem(`preset: heroku\n${valid}`)).toContain('preset: expected one of "pythonanywhere", "generic", got "heroku"');
	});

	it('rejects an unknown reload method and misspelt keys', () => {
		expect(problem(valid.replace('method: command', 'method: restart'))).toMatch(
			/reload\.method: expected one of "pythonanywhere-api", "touch", "command", "manual", "none", got "restart"/,
		);
		expect(problem(valid.replace('user: deploy', 'usr: deploy'))).toContain('ssh: unknown setting "usr" (check the spelling)');
	});

	it('refuses secrets written into the config', () => {
		expect(problem(`${valid}database: {host: db, user: u, name: n, password: hunter2}\n`)).toContain('database.password: secrets are not stored in the config');
	});

	it('reports YAML syntax errors with line and column', () => {
		expect(problem('app: {name: x\nssh: [')).toMatch(/line \d+, column \d+: the file is not valid YAML/);
	});

	it('fills PythonAnywhere facts from the preset', () => {
		const config = parseConfigText(
			`preset: pythonanywhere
pythonanywhere: {username: pythonpydev, domain: stakeeasy.net, database: bankroll}
app: {dir: ~/total_bankroll}
database: {}
`,
			'pa.yaml',
		);
		expect(config.ssh.host).toBe('ssh.pythonanywhere.com');
		expect(config.ssh.user).toBe('pythonpydev');
		expect(config.database?.host).toBe('pythonpydev.mysql.pythonanywhere-services.com');
		expect(config.database?.name).toBe('pythonpydev$bankroll');
		expect(config.database?.noTablespaces).toBe(true);
		expect(config.reload).toEqual({
			method: 'pythonanywhere-api',
			url: 'https://www.pythonanywhere.com/api/v0/user/pythonpydev/webapps/stakeeasy.net/reload/',
			tokenEnv: 'PA_API_TOKEN',
		});
		expect(config.site.url).toBe('https://stakeeasy.net/');
	});

	it('keeps the layers the config was made from: each value says whether the file, the preset or the default set it; the document keeps comments', () => {
		const text = `# production, PythonAnywhere
preset: pythonanywhere
pythonanywhere: {username: pythonpydev, domain: stakeeasy.net, database: bankroll}
app: {dir: ~/total_bankroll}  # the checkout
database: {user: someone-else}
`;
		const {config, layers, document} = parseConfigLayers(text, 'pa.yaml');
		expect(layers.map(layer => `${layer.source}:${layer.name}`)).toEqual(['preset:pythonanywhere', 'file:pa.yaml']);
		expect(originOf(layers, ['database', 'host'])).toEqual({source: 'preset', name: 'pythonanywhere'});
		// The file wins over the preset, and the merged config says the same.
		expect(originOf(layers, ['database', 'user'])).toEqual({source: 'file', name: 'pa.yaml'});
		expect(config.database?.user).toBe('someone-else');
		expect(originOf(layers, ['app', 'dir'])).toEqual({source: 'file', name: 'pa.yaml'});
		expect(originOf(layers, ['lock', 'staleMinutes'])).toEqual({source: 'default'});
		expect(config.lock.staleMinutes).toBe(30);
		expect(document.toString()).toContain('# the checkout');
		// A generic config has the file's layer only.
		expect(parseConfigLayers(valid, 'x').layers.map(layer => layer.source)).toEqual(['file']);
	});

	it('knows the EU region and the WSGI file for a touch reload', () => {
		const config = parseConfigText(
			`preset: pythonanywhere
pythonanywhere: {username: alice, domain: www.Example.org, region: eu}
app: {dir: ~/site}
reload: {method: touch}
`,
			'pa.yaml',
		);
		expect(config.ssh.host).toBe('ssh.eu.pythonanywhere.com');
		expect(config.reload).toEqual({method: 'touch', path: '/var/www/www_example_org_wsgi.py'});
	});

	it('asks the preset for its section', () => {
		expect(problem('preset: pythonanywhere\napp: {dir: x}\n')).toContain('pythonanywhere: the pythonanywhere preset needs a `pythonanywhere:` section');
	});
});
