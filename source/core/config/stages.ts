/**
 * Stages: one config file for staging and production. `stages.<name>` holds what differs from the
 * base (any section: ssh, app, site, reload, database, build…) and deep-merges over it; `servers`
 * names the stage's server as an ssh alias or as an object (`host` and other ssh fields, `app.dir`,
 * `site.url`), or `inventory: {ansible: PATH, group: NAME}` takes it from an Ansible inventory.
 * With more than one stage the operator names one (`--stage`): rewind never picks the environment
 * to roll back.
 */
import {inert} from '../inert.js';
import {UserError} from '../errors.js';
import {inventoryHosts} from './inventory.js';
import {mergeDefaults} from './presets.js';

type Raw = Record<string, unknown>;

export const STAGE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;

/** Fields of a server object that are ssh settings (the rest: `app`, `site`). */
const SSH_FIELDS = ['host', 'user', 'port', 'identityFile', 'knownHostsFile', 'configFile'] as const;

const isRecord = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);
const shown = (text: string) => inert(text, {singleLine: true});

export type ChosenStage = {readonly name: string; readonly overlay: Raw};

/** The config's stage names, in the file's order (none when it has no `stages:`). */
export function stageNames(raw: Raw, label: string): string[] {
	const stages = raw['stages'];
	if (stages === undefined) return [];
	if (!isRecord(stages) || Object.keys(stages).length === 0) {
		throw new UserError(`${label}: stages: expected a mapping of stage names to what differs in each (staging:, production:). Fix the file and run again.`);
	}
	for (const [name, overlay] of Object.entries(stages)) {
		if (!STAGE_NAME.test(name))
			throw new UserError(
				`${label}: stages: "${shown(name)}" is not a stage name (a letter, then letters, digits, dots, dashes, underscores; at most 40). Rename it.`,
			);
		if (overlay !== null && !isRecord(overlay)) {
			throw new UserError(
				`${label}: stages.${name}: expected the settings that differ in this stage (a mapping, or nothing), got ${typeof overlay}. Fix the file and run again.`,
			);
		}
	}
	return Object.keys(stages);
}

/**
 * The stage a run uses: the one named with `--stage`, or the only one. Refuses (exit 2) when the
 * config has several and none is named, names one it does not have, or has none and one is named.
 */
export function chooseStage(
	raw: Raw,
	requested: string | undefined,
	label: string,
	{baseDir = process.cwd()}: {baseDir?: string} = {},
): ChosenStage | undefined {
	const names = stageNames(raw, label);
	if (names.length === 0) {
		if (requested === undefined) return undefined;
		throw new UserError(
			`--stage ${shown(requested)}: ${label} defines no stages. Run without --stage, or add a stages: section to the file (see README, "Stages").`,
		);
	}
	if (requested === undefined && names.length > 1) {
		throw new UserError(
			`${label} defines ${names.length} stages (${names.join(', ')}): name the one to roll back with --stage NAME. ` +
				'rewind does not choose the environment for you: rolling back the wrong one is the mistake stages are there to prevent.',
		);
	}
	const name = requested ?? names[0]!;
	if (!names.includes(name)) throw new UserError(`--stage ${shown(name)}: ${label} has no such stage; its stages are ${names.join(', ')}.`);
	const shared = sharedSite(raw, names);
	if (shared) {
		throw new UserError(
			`${label}: stages ${shared.stages.join(' and ')} check the same site (${shown(shared.url)}): a rollback of one would be verified on the other's pages. ` +
				'Give each stage its own site: {url: …} (or the url of its server).',
		);
	}
	const overlay = (raw['stages'] as Raw)[name];
	return {name, overlay: withServer(isRecord(overlay) ? overlay : {}, `${label}: stages.${name}`, baseDir)};
}

/** A stage's overlay with its `servers` entry turned into the ssh, app and site settings it stands for. */
function withServer(overlay: Raw, where: string, baseDir: string): Raw {
	const {servers: named, inventory, ...rest} = overlay;
	if (named !== undefined && inventory !== undefined) throw new UserError(`${where}: servers and inventory both name the stage's servers; keep one.`);
	if (rest['runsDir'] !== undefined)
		throw new UserError(`${where}.runsDir: where runs are kept is this machine's, the same for every stage: set runsDir in the base.`);
	if ((named !== undefined || inventory !== undefined) && isRecord(rest['ssh']) && rest['ssh']['host'] !== undefined) {
		throw new UserError(`${where}: ssh.host and ${named === undefined ? 'inventory' : 'servers'} both name the stage's server; keep one.`);
	}
	const servers = inventory === undefined ? named : fromInventory(inventory, `${where}.inventory`, baseDir);
	if (servers === undefined) return rest;
	if (!Array.isArray(servers) || servers.length === 0)
		throw new UserError(`${where}.servers: expected a list naming the stage's server (an ssh alias, or {host: …}).`);
	if (servers.length > 1) {
		const names = servers.map(server => (typeof server === 'string' ? server : isRecord(server) ? String(server['host']) : '?')).map(shown);
		throw new UserError(
			`${where}.${inventory === undefined ? 'servers' : 'inventory'} names ${servers.length} servers (${names.join(', ')}); this version of rewind rolls back one server per stage. ` +
				'Name one server, or make a stage for each.',
		);
	}
	const server: unknown = servers[0];
	// The server's own connection settings replace the base's: an alias takes its user, port and key from ~/.ssh/config.
	const own = isRecord(rest['ssh']) ? rest['ssh'] : {};
	const cleared = Object.fromEntries(['user', 'port', 'identityFile'].filter(key => !Object.hasOwn(own, key)).map(key => [key, undefined]));
	if (typeof server === 'string') return mergeDefaults(rest, {ssh: {...cleared, host: server}});
	if (!isRecord(server) || typeof server['host'] !== 'string') {
		throw new UserError(
			`${where}.servers[0]: expected an ssh alias or host name, or a mapping with host: (and user, port, identityFile, app: {dir}, site: {url}).`,
		);
	}
	const ssh: Raw = {};
	const other: Raw = {};
	for (const [key, value] of Object.entries(server)) {
		if ((SSH_FIELDS as readonly string[]).includes(key)) ssh[key] = value;
		else if (key === 'app' || key === 'site') other[key] = value;
		else throw new UserError(`${where}.servers[0]: unknown setting "${shown(key)}" (a server takes ${SSH_FIELDS.join(', ')}, app and site).`);
	}
	return mergeDefaults(rest, {...other, ssh: {...cleared, ...ssh}});
}

/** The stage's servers from `inventory: {ansible: PATH, group: NAME}`, as server objects. */
function fromInventory(inventory: unknown, where: string, baseDir: string): Raw[] {
	if (!isRecord(inventory) || typeof inventory['ansible'] !== 'string' || typeof inventory['group'] !== 'string') {
		throw new UserError(`${where}: expected {ansible: PATH of the inventory, group: NAME of the group}.`);
	}
	return inventoryHosts(inventory['ansible'], inventory['group'], baseDir, where).map(({name: _name, ...server}) => server);
}

/** The site address a stage's verification would check, as far as the file says (its own, its server's, its domain's, the base's). */
function siteOf(raw: Raw, overlay: Raw): string | undefined {
	const urlIn = (value: unknown) => (isRecord(value) && isRecord(value['site']) && typeof value['site']['url'] === 'string' ? value['site']['url'] : undefined);
	const server = Array.isArray(overlay['servers']) ? overlay['servers'][0] : undefined;
	const domainOf = (value: unknown) =>
		isRecord(value) && isRecord(value['pythonanywhere']) && typeof value['pythonanywhere']['domain'] === 'string'
			? `https://${value['pythonanywhere']['domain']}/`
			: undefined;
	return urlIn(overlay) ?? urlIn(server) ?? domainOf(overlay) ?? urlIn(raw) ?? domainOf(raw);
}

/** Two stages whose verification would check the same site: the proof of one would be the other's. */
function sharedSite(raw: Raw, names: readonly string[]): {stages: [string, string]; url: string} | undefined {
	const stages = raw['stages'] as Raw;
	const seen = new Map<string, string>();
	for (const name of names) {
		const url = siteOf(raw, isRecord(stages[name]) ? stages[name] : {});
		if (url === undefined) continue;
		const key = url.replace(/\/+$/, '').toLowerCase();
		const other = seen.get(key);
		if (other !== undefined) return {stages: [other, name], url};
		seen.set(key, name);
	}
	return undefined;
}

/**
 * Settings that together say where a secret is read from: a stage that names a source (the first
 * list) names them all (the second: the source and what refines it, such as passwordKeyFile).
 */
const SECRET_SOURCES: ReadonlyArray<readonly [string, readonly string[], readonly string[]]> = [
	['database', ['passwordEnv', 'passwordFile', 'passwordFrom'], ['passwordEnv', 'passwordFile', 'passwordFrom', 'passwordKey', 'passwordKeyFile']],
	['reload', ['tokenEnv', 'tokenFile'], ['tokenEnv', 'tokenFile']],
];

/**
 * The base with a stage over it. Deep-merged, but a stage's reload of another method replaces the
 * base's whole (its settings differ per method).
 */
export function stageOver(base: Raw, overlay: Raw): Raw {
	const merged = mergeDefaults(base, overlay);
	const reload = overlay['reload'];
	if (isRecord(reload) && reload['method'] !== undefined && isRecord(base['reload']) && base['reload']['method'] !== reload['method'])
		merged['reload'] = reload;
	return merged;
}

/**
 * Where a stage says its secret comes from is all of it: a source the base or the preset names
 * beside it is dropped (else an unset staging variable would fall back to production's token file,
 * and send that token to staging's address).
 */
export function keepStageSecretSources(merged: Raw, overlay: Raw): void {
	for (const [section, sources, keys] of SECRET_SOURCES) {
		const own = overlay[section];
		const result = merged[section];
		if (!isRecord(own) || !isRecord(result) || !sources.some(key => Object.hasOwn(own, key))) continue;
		for (const key of keys) if (!Object.hasOwn(own, key)) delete result[key];
	}
}

/**
 * A stage that sends a secret somewhere else than the base does (another reload address, another
 * database host, user or server) must say where that secret comes from: else the base's (production's)
 * would be sent there. `base` and `staged` are the merged configs without and with the stage.
 */
export function secretDestinationProblem(base: Raw, staged: Raw, overlay: Raw, where: string): string | undefined {
	const at = (raw: Raw, section: string, key: string): unknown => (isRecord(raw[section]) ? raw[section][key] : undefined);
	const names = (section: string, sources: readonly string[]) => isRecord(overlay[section]) && sources.some(key => Object.hasOwn(overlay[section] as Raw, key));
	const reloadTo = at(staged, 'reload', 'url');
	if (reloadTo !== undefined && reloadTo !== at(base, 'reload', 'url') && !names('reload', SECRET_SOURCES[1]![1])) {
		return `${where} sends the reload to ${shown(String(reloadTo))}, not the base's address, but does not say where its token comes from: name reload.tokenEnv or reload.tokenFile in the stage (the base's token would be sent there).`;
	}
	const database = staged['database'];
	const readHere =
		isRecord(database) && database['passwordFrom'] !== 'server' && (database['passwordEnv'] !== undefined || database['passwordFile'] !== undefined);
	const moved =
		['host', 'port', 'user'].some(key => at(staged, 'database', key) !== at(base, 'database', key)) || at(staged, 'ssh', 'host') !== at(base, 'ssh', 'host');
	if (readHere && moved && !names('database', SECRET_SOURCES[0]![1])) {
		return `${where} reaches another database (or the same through another server) than the base, but does not say where its password comes from: name database.passwordEnv, passwordFile or passwordFrom in the stage (the base's password would be sent there).`;
	}
	return undefined;
}
