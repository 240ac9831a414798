/**
 * Hosts from the Ansible inventory a team already keeps: `ansible-inventory --list` (INI, YAML,
 * a directory, a plugin: whatever Ansible reads) gives JSON, read here by a typed reader. A group's
 * hosts include its child groups', in the inventory's order. The connection settings rewind takes
 * from a host's variables: ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file.
 */
import {execFileSync} from 'node:child_process';
import path from 'node:path';
import {z} from 'zod';
import {UserError} from '../errors.js';
import {inert} from '../inert.js';
import {expandTilde} from '../remote/ssh-config.js';

const INVENTORY_TIMEOUT_MS = 30_000;
const MAX_INVENTORY_BYTES = 16 * 1024 * 1024;

const scalar = z.union([z.string(), z.number()]);
const listSchema = z.looseObject({
	_meta: z.looseObject({hostvars: z.record(z.string(), z.record(z.string(), z.unknown())).default({})}).optional(),
});
const groupSchema = z.looseObject({hosts: z.array(z.string()).optional(), children: z.array(z.string()).optional()});

/** One host as rewind connects to it. */
export type InventoryHost = {
	readonly name: string;
	readonly host: string;
	readonly port?: number;
	readonly user?: string;
	readonly identityFile?: string;
};

const shown = (text: string) => inert(text, {singleLine: true});

function hostsOf(groups: Record<string, z.output<typeof groupSchema>>, group: string, seen = new Set<string>()): string[] {
	if (seen.has(group)) return [];
	seen.add(group);
	const entry = groups[group];
	if (!entry) return [];
	const hosts = [...(entry.hosts ?? []), ...(entry.children ?? []).flatMap(child => hostsOf(groups, child, seen))];
	return [...new Set(hosts)];
}

/** A host variable rewind can use: text or a number, not a Jinja template Ansible would render later. */
function variable(vars: Record<string, unknown>, names: readonly string[], where: string): string | undefined {
	for (const name of names) {
		const value = vars[name];
		if (value === undefined || value === null) continue;
		const parsed = scalar.safeParse(value);
		if (!parsed.success || String(parsed.data).includes('{{')) {
			throw new UserError(
				`${where}: the host variable ${name} is ${parsed.success ? 'a template' : 'not text'} (${shown(JSON.stringify(value).slice(0, 80))}); rewind reads plain values only. Set it plainly, or name the server with servers:.`,
			);
		}
		return String(parsed.data);
	}
	return undefined;
}

/** The hosts of `group` in the inventory at `inventory` (relative to `baseDir`), through ansible-inventory. */
export function inventoryHosts(inventory: string, group: string, baseDir: string, where: string): InventoryHost[] {
	const file = path.resolve(baseDir, expandTilde(inventory));
	let stdout: string;
	try {
		// Run beside the config: the team's ansible.cfg there applies, as when they run Ansible themselves.
		stdout = execFileSync('ansible-inventory', ['-i', file, '--list'], {
			cwd: baseDir,
			encoding: 'utf8',
			timeout: INVENTORY_TIMEOUT_MS,
			maxBuffer: MAX_INVENTORY_BYTES,
			stdio: ['ignore', 'pipe', 'pipe'],
			env: {...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true'},
		});
	} catch (error) {
		const failure = error as NodeJS.ErrnoException & {stderr?: string; signal?: string | null};
		if (failure.code === 'ENOENT') {
			throw new UserError(
				`${where}: reading the Ansible inventory needs ansible-inventory, which is not installed here (apt install ansible-core, or pip install ansible-core). Or name the server with servers:.`,
			);
		}
		const reason =
			failure.code === 'ENOBUFS'
				? `its answer is larger than ${MAX_INVENTORY_BYTES / 1024 / 1024} MiB`
				: failure.code === 'ETIMEDOUT'
					? `no answer in ${INVENTORY_TIMEOUT_MS / 1000} s`
					: failure.signal
						? `it was stopped by ${failure.signal}`
						: shown((failure.stderr ?? failure.message).trim().split('\n').at(-1) ?? '');
		throw new UserError(`${where}: ansible-inventory could not read ${file} (${reason}). Check the path and the file.`);
	}
	let json: unknown;
	try {
		json = JSON.parse(stdout);
	} catch {
		throw new UserError(`${where}: ansible-inventory answered something that is not JSON for ${file}.`);
	}
	const list = listSchema.safeParse(json);
	if (!list.success) throw new UserError(`${where}: ansible-inventory's answer for ${file} is not an inventory list.`);
	const groups: Record<string, z.output<typeof groupSchema>> = {};
	for (const [name, value] of Object.entries(list.data)) {
		if (name === '_meta') continue;
		const parsed = groupSchema.safeParse(value);
		if (parsed.success) groups[name] = parsed.data;
	}
	// Ansible leaves a group without hosts out of the list; it is still named among its parent's children.
	const named = new Set(Object.values(groups).flatMap(entry => entry.children ?? []));
	if (!groups[group] && named.has(group)) throw new UserError(`${where}: the group "${shown(group)}" of ${file} has no hosts.`);
	if (!groups[group]) {
		const known = Object.keys(groups).filter(name => name !== 'all' && name !== 'ungrouped');
		throw new UserError(`${where}: the inventory ${file} has no group "${shown(group)}"; its groups are ${known.map(shown).join(', ') || 'none'}.`);
	}
	const names = hostsOf(groups, group);
	if (names.length === 0) throw new UserError(`${where}: the group "${shown(group)}" of ${file} has no hosts.`);
	const hostvars = list.data._meta?.hostvars ?? {};
	return names.map(name => {
		const vars = hostvars[name] ?? {};
		const at = `${where}: host ${shown(name)}`;
		const port = variable(vars, ['ansible_port', 'ansible_ssh_port'], at);
		if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UserError(`${at}: ansible_port "${shown(port)}" is not a port number.`);
		const user = variable(vars, ['ansible_user', 'ansible_ssh_user'], at);
		const identityFile = variable(vars, ['ansible_ssh_private_key_file', 'ansible_private_key_file'], at);
		return {
			name,
			host: variable(vars, ['ansible_host', 'ansible_ssh_host'], at) ?? name,
			...(port === undefined ? {} : {port: Number(port)}),
			...(user === undefined ? {} : {user}),
			...(identityFile === undefined ? {} : {identityFile}),
		};
	});
}
