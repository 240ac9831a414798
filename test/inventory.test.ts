/**
 * A stage's server from the Ansible inventory a team keeps, read through the real
 * `ansible-inventory --list` (INI and YAML inventories, child groups, host variables). Skipped with
 * a loud banner where Ansible is absent; CI installs it (a missing Ansible fails there).
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {loadConfigFile} from '../source/core/config/load.js';
import {originOf} from '../source/core/config/layers.js';
import {canRun} from './helpers/availability.js';
import {refusal as userError} from './helpers/refusal.js';

const BASE = `
app: {name: shop, dir: /srv/shop}
ssh: {host: shop-prod, user: deploy}
site: {url: "https://shop.example.com/"}
reload: {method: none}
`;

const INI = `[web]
web-1 ansible_host=10.0.0.11 ansible_port=2222 ansible_user=www ansible_ssh_private_key_file=~/.ssh/web_ed25519
web-2 ansible_host=10.0.0.12

[canary]
web-1

[staging]
stage-1 ansible_host=10.0.1.5

[production:children]
web

[templated]
odd-1 ansible_host="{{ lookup('env', 'HOST') }}"
`;

const YAML_INVENTORY = `all:
  children:
    staging:
      hosts:
        stage-y:
          ansible_host: 10.0.2.7
          ansible_port: 2200
`;

describe.runIf(canRun('Ansible inventories', ['ansible']))('stages from an Ansible inventory (ansible-inventory --list)', () => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-inventory-'));
	afterAll(() => rmSync(dir, {recursive: true, force: true}));
	writeFileSync(path.join(dir, 'hosts.ini'), INI);
	writeFileSync(path.join(dir, 'hosts.yml'), YAML_INVENTORY);
	/** A config file beside the inventories, whose stages read them by relative path. */
	const config = (stages: string) => {
		const file = path.join(dir, `rewind-${Math.random().toString(36).slice(2)}.yaml`);
		writeFileSync(file, `${BASE}stages:\n${stages}`);
		return file;
	};
	/** The refusal's paragraph. */
	const refusal = (run: () => unknown): string => userError(run).message;

	it("an INI inventory: the group gives the host, port, user and key; a host without variables is reached by its name, not with the base's user", () => {
		const file = config('  canary: {inventory: {ansible: hosts.ini, group: canary}}\n  other: {site: {url: "https://other.example.com/"}}\n');
		const {config: resolved, layers} = loadConfigFile(file, 'canary');
		expect(resolved.ssh).toMatchObject({host: '10.0.0.11', port: 2222, user: 'www', identityFile: '~/.ssh/web_ed25519'});
		expect(originOf(layers ?? [], ['ssh', 'host'])).toEqual({source: 'stage', name: 'canary'});
		// A host without variables is reached by its inventory name; the base's user is not assumed for it.
		const staging = loadConfigFile(config('  staging: {inventory: {ansible: hosts.ini, group: staging}}\n'), 'staging').config;
		expect(staging.ssh).toMatchObject({host: '10.0.1.5'});
		expect(staging.ssh.user).toBeUndefined();
	});

	it('a YAML inventory reads the same', () => {
		const {config: resolved} = loadConfigFile(config('  staging: {inventory: {ansible: hosts.yml, group: staging}}\n'));
		expect(resolved.ssh).toMatchObject({host: '10.0.2.7', port: 2200});
	});

	it("refuses, naming what to do: a group of several hosts (its child group's two: one server per stage in this version), a group it lacks, a template, a missing file, servers and inventory both", () => {
		expect(refusal(() => loadConfigFile(config('  production: {inventory: {ansible: hosts.ini, group: production}}\n'), 'production'))).toContain(
			'inventory names 2 servers (10.0.0.11, 10.0.0.12)',
		);
		const lacking = refusal(() => loadConfigFile(config('  production: {inventory: {ansible: hosts.ini, group: webs}}\n'), 'production'));
		expect(lacking).toContain('has no group "webs"');
		expect(lacking).toMatch(/its groups are .*web/);
		expect(refusal(() => loadConfigFile(config('  odd: {inventory: {ansible: hosts.ini, group: templated}}\n'), 'odd'))).toContain(
			'the host variable ansible_host is a template',
		);
		expect(refusal(() => loadConfigFile(config('  gone: {inventory: {ansible: nowhere.ini, group: web}}\n'), 'gone'))).toContain(
			'ansible-inventory could not read',
		);
		expect(refusal(() => loadConfigFile(config('  both: {servers: [web-9], inventory: {ansible: hosts.ini, group: canary}}\n'), 'both'))).toContain(
			'servers and inventory both name',
		);
	});
});
