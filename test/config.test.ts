import {describe, expect, it} from 'vitest';
import {parseConfigLayers, parseConfigText} from '../source/core/config/load.js';
import {PassThrough} from 'node:stream';
import {originOf, settingsFromLayers} from '../source/core/config/layers.js';
import {printLayeredSettings} from '../source/ui/plan.js';
import {UserError} from '../source/core/errors.js';
import {refusal} from './helpers/refusal.js';

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

describe('stages', () => {
	const staged = `
app: {name: shop, dir: /srv/shop}
ssh: {host: shop-prod, user: deploy}
site: {url: "https://shop.example.com/", mustNotContain: [ROLLBACK TEST]}
reload: {method: command, command: "sudo systemctl reload shop"}
database: {host: 127.0.0.1, user: shop, name: shop}
stages:
  staging:
    servers: [{host: shop-staging, port: 2222, app: {dir: /srv/staging}, site: {url: "https://staging.shop.example.com/"}}]
    database: {name: shop_staging}
  production:
    servers: [shop-prod-2]
`;
	it('with several stages and none named: exit 2 naming them, never a default', () => {
		const error = refusal(() => parseConfigLayers(staged, 'rewind.config.yaml'));
		expect(error.exitCode).toBe(2);
		expect(error.message).toContain('2 stages (staging, production): name the one to roll back with --stage NAME');
	});

	it('a stage deep-merges over the base: its server (ssh fields, app.dir, site.url) and its sections; the rest is the base', () => {
		const {config, layers, stage} = parseConfigLayers(staged, 'rewind.config.yaml', 'staging');
		expect(stage).toBe('staging');
		// The server's connection is its own: the base's user is not carried over (an alias takes it from ~/.ssh/config).
		expect(config.ssh).toMatchObject({host: 'shop-staging', port: 2222});
		expect(config.ssh.user).toBeUndefined();
		expect(config.app).toMatchObject({name: 'shop', dir: '/srv/staging'});
		expect(config.site).toMatchObject({url: 'https://staging.shop.example.com/', mustNotContain: ['ROLLBACK TEST']});
		expect(config.database).toMatchObject({host: '127.0.0.1', user: 'shop', name: 'shop_staging'});
		expect(originOf(layers, ['database', 'name'])).toEqual({source: 'stage', name: 'staging'});
		expect(originOf(layers, ['database', 'user'])).toEqual({source: 'file', name: 'rewind.config.yaml'});
		const production = parseConfigLayers(staged, 'x', 'production').config;
		expect(production.ssh.host).toBe('shop-prod-2');
		expect(production.app.dir).toBe('/srv/shop');
		expect(production.database?.name).toBe('shop');
	});

	it('says what the stage (and a preset) set over the base, as rewind plan prints it', () => {
		const stagedConfig = parseConfigLayers(staged, 'x', 'staging');
		const settings = settingsFromLayers(stagedConfig.layers, stagedConfig.config);
		expect(settings).toEqual(
			expect.arrayContaining([
				{path: 'ssh.host', value: 'shop-staging', source: 'stage', name: 'staging'},
				{path: 'ssh.port', value: 2222, source: 'stage', name: 'staging'},
				{path: 'app.dir', value: '/srv/staging', source: 'stage', name: 'staging'},
				{path: 'database.name', value: 'shop_staging', source: 'stage', name: 'staging'},
			]),
		);
		expect(settings.map(setting => setting.path)).not.toContain('app.name');
		// A preset's default that the file overrides is not the preset's any more.
		const pa = `preset: pythonanywhere
pythonanywhere: {username: alice, domain: alice.pythonanywhere.com}
app: {dir: ~/app}
site: {url: "https://www.example.com/"}
`;
		const paConfig = parseConfigLayers(pa, 'pa.yaml');
		const fromPreset = settingsFromLayers(paConfig.layers, paConfig.config);
		expect(fromPreset).toEqual(expect.arrayContaining([{path: 'ssh.host', value: 'ssh.pythonanywhere.com', source: 'preset', name: 'pythonanywhere'}]));
		expect(fromPreset.map(setting => setting.path)).not.toContain('site.url');
		// A preset's token source the stage replaced is not listed: the run does not use it.
		const replaced = `${pa}stages:\n  staging: {reload: {tokenFile: ~/.stg}, site: {url: "https://stg.example.com/"}}\n  production: {}\n`;
		const replacedConfig = parseConfigLayers(replaced, 'pa.yaml', 'staging');
		const listed = settingsFromLayers(replacedConfig.layers, replacedConfig.config).map(setting => setting.path);
		expect(listed).toContain('reload.tokenFile');
		expect(listed).not.toContain('reload.tokenEnv');
		const out = new PassThrough();
		let printed = '';
		out.on('data', (chunk: Buffer) => (printed += chunk.toString()));
		printLayeredSettings(settings, out);
		expect(printed).toContain("Set by the stage staging (over the file's base):\n");
		expect(printed).toContain('\n  ssh.host: shop-staging\n');
	});

	it('one stage is used without naming it; a stage given to a config without stages, or one it lacks, is refused', () => {
		const one = `${valid}stages:\n  production: {servers: [web-1]}\n`;
		expect(parseConfigLayers(one, 'x')).toMatchObject({stage: 'production', config: {ssh: {host: 'web-1'}}});
		expect(refusal(() => parseConfigLayers(valid, 'x', 'staging')).message).toContain('x defines no stages');
		expect(refusal(() => parseConfigLayers(staged, 'x', 'prod')).message).toContain('no such stage; its stages are staging, production');
	});

	it("refuses two stages whose verification would check the same site (the proof of one would be the other's)", () => {
		const same = staged.replace(', site: {url: "https://staging.shop.example.com/"}', '');
		const message = refusal(() => parseConfigLayers(same, 'x', 'production')).message;
		expect(message).toContain('stages staging and production check the same site (https://shop.example.com/)');
		expect(message).toContain('Give each stage its own site');
		// A trailing slash or capitals do not make two sites.
		const upper = staged.replace('https://staging.shop.example.com/', 'HTTPS://SHOP.EXAMPLE.COM');
		expect(refusal(() => parseConfigLayers(upper, 'x', 'staging')).message).toContain('check the same site');
	});

	it("a stage's secret source is all of it: the base's token file or password file is not tried after the stage's variable", () => {
		const base = `
app: {name: shop, dir: /srv/shop}
ssh: {host: shop-prod}
site: {url: "https://shop.example.com/"}
reload: {method: pythonanywhere-api, url: "https://www.pythonanywhere.com/api/v0/user/prod/webapps/x/reload/", tokenFile: ~/.prod-token}
database: {host: 127.0.0.1, user: shop, name: shop, passwordFile: ~/.prod-db}
stages:
  staging:
    servers: [shop-staging]
    site: {url: "https://staging.example.com/"}
    reload: {tokenEnv: STAGING_TOKEN}
    database: {passwordEnv: STAGING_DB}
  production: {}
`;
		const staging = parseConfigLayers(base, 'x', 'staging').config;
		expect(staging.reload).toEqual({method: 'pythonanywhere-api', url: expect.any(String), tokenEnv: 'STAGING_TOKEN'});
		expect(staging.database).toMatchObject({passwordEnv: 'STAGING_DB'});
		expect(staging.database).not.toHaveProperty('passwordFile');
		// Production keeps the base's sources.
		const production = parseConfigLayers(base, 'x', 'production').config;
		expect(production.reload).toMatchObject({tokenFile: '~/.prod-token'});
		expect(production.database).toMatchObject({passwordFile: '~/.prod-db'});
	});

	it("a stage that sends a secret elsewhere than the base must name its source (else production's would go there)", () => {
		const base = `
app: {name: shop, dir: /srv/shop}
ssh: {host: shop-prod}
site: {url: "https://shop.example.com/"}
reload: {method: pythonanywhere-api, url: "https://www.pythonanywhere.com/api/v0/user/prod/webapps/x/reload/", tokenFile: ~/.prod-token}
database: {host: 127.0.0.1, user: shop, name: shop, passwordFrom: server, passwordKey: DATABASE_URL}
stages:
  staging: {STAGE}
  production: {}
`;
		const stage = (text: string) => base.replace('{STAGE}', text);
		const url = 'reload: {url: "https://eu.pythonanywhere.com/api/v0/user/stg/webapps/x/reload/"}, site: {url: "https://stg.example.com/"}';
		expect(refusal(() => parseConfigLayers(stage(`{${url}}`), 'x', 'staging')).message).toContain('does not say where its token comes from');
		const named = parseConfigLayers(stage(`{${url.replace('reload: {', 'reload: {tokenEnv: STG_TOKEN, ')}}`), 'x', 'staging').config;
		expect(named.reload).toMatchObject({tokenEnv: 'STG_TOKEN'});
		expect(named.reload).not.toHaveProperty('tokenFile');
		// Another server with the password read on this machine: the stage names its own; read on the server itself, it may not.
		const local = base.replace('passwordFrom: server, passwordKey: DATABASE_URL', 'passwordFile: ~/.prod-db');
		const server = '{servers: [shop-staging], site: {url: "https://stg.example.com/"}}';
		expect(refusal(() => parseConfigLayers(local.replace('{STAGE}', server), 'x', 'staging')).message).toContain('does not say where its password comes from');
		expect(parseConfigLayers(stage(server), 'x', 'staging').config.database).toMatchObject({passwordFrom: 'server', passwordKey: 'DATABASE_URL'});
		// passwordKeyFile alone refines the source, it does not replace it.
		const keyFile = parseConfigLayers(stage('{site: {url: "https://stg.example.com/"}, database: {passwordKeyFile: .env.staging}}'), 'x', 'staging').config;
		expect(keyFile.database).toMatchObject({passwordFrom: 'server', passwordKey: 'DATABASE_URL', passwordKeyFile: '.env.staging'});
	});

	it("a server's own ssh settings in the stage are kept beside servers:", () => {
		const own = staged.replace('servers: [shop-prod-2]', 'servers: [shop-prod-2]\n    ssh: {user: release}');
		expect(parseConfigLayers(own, 'x', 'production').config.ssh).toMatchObject({host: 'shop-prod-2', user: 'release'});
	});

	it("a stage's reload of another method replaces the base's; a server alias does not keep the base's user, port or key; a stage may be called secret", () => {
		const touch = staged.replace(
			'database: {name: shop_staging}',
			'database: {name: shop_staging}\n    reload: {method: touch, path: /var/www/staging_wsgi.py}',
		);
		expect(parseConfigLayers(touch, 'x', 'staging').config.reload).toEqual({method: 'touch', path: '/var/www/staging_wsgi.py'});
		const keyed = staged.replace('ssh: {host: shop-prod, user: deploy}', 'ssh: {host: shop-prod, user: deploy, port: 2200, identityFile: ~/.ssh/prod}');
		const production = parseConfigLayers(keyed, 'x', 'production').config.ssh;
		expect(production.host).toBe('shop-prod-2');
		expect(production.user).toBeUndefined();
		expect(production.identityFile).toBeUndefined();
		expect(production.port).not.toBe(2200);
		const named = staged.replace('production:', 'secret:');
		expect(parseConfigLayers(named, 'x', 'secret').config.ssh.host).toBe('shop-prod-2');
	});

	it('refuses what a stage cannot hold: two servers (one per stage in this version), unknown server fields, bad names, secrets', () => {
		const two = staged.replace('servers: [shop-prod-2]', 'servers: [web-1, web-2]');
		expect(refusal(() => parseConfigLayers(two, 'x', 'production')).message).toContain('stages.production.servers names 2 servers');
		const odd = staged.replace('port: 2222', 'proxy: jump');
		expect(refusal(() => parseConfigLayers(odd, 'x', 'staging')).message).toContain('unknown setting "proxy"');
		expect(refusal(() => parseConfigLayers(`${valid}stages:\n  "prod env": {}\n`, 'x')).message).toContain('is not a stage name');
		expect(refusal(() => parseConfigLayers(`${valid}stages:\n  "2024": {}\n`, 'x')).message).toContain('is not a stage name');
		const runs = staged.replace('database: {name: shop_staging}', 'database: {name: shop_staging}\n    runsDir: /tmp/elsewhere');
		expect(refusal(() => parseConfigLayers(runs, 'x', 'staging')).message).toContain('stages.staging.runsDir');
		const both = staged.replace('servers: [shop-prod-2]', 'servers: [shop-prod-2]\n    ssh: {host: shop-prod-3}');
		expect(refusal(() => parseConfigLayers(both, 'x', 'production')).message).toContain('ssh.host and servers both name');
		const secret = staged.replace('database: {name: shop_staging}', 'database: {name: shop_staging, password: hunter2}');
		const error = refusal(() => parseConfigLayers(secret, 'x', 'production'));
		expect(error.message).toContain('stages.staging.database.password: secrets are not stored in the config');
		expect(error.message).not.toContain('hunter2');
		// A stage's own settings are validated as the base is.
		const bad = staged.replace('database: {name: shop_staging}', 'database: {port: many}');
		expect(refusal(() => parseConfigLayers(bad, 'x', 'staging')).message).toMatch(/database\.port: expected a number/);
	});
});
