import {existsSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {parseDocument, type Document} from 'yaml';
import type {core as zodCore} from 'zod';
import {UserError} from '../errors.js';
import {configSchema, type Config} from './schema.js';
import {mergeDefaults, presetDefaults} from './presets.js';
import type {ConfigLayer, ConfigLayers} from './layers.js';
import {chooseStage, keepStageSecretSources, secretDestinationProblem, stageNames, stageOver} from './stages.js';

export const CONFIG_FILE_NAMES = ['rewind.config.yaml', 'rewind.config.yml', 'rewind.config.json'] as const;
const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_PROBLEMS_SHOWN = 6;
const SECRET_KEYS = /^(password|passwd|token|api[_-]?token|secret|apikey|api[_-]?key)$/i;

/** `baseDir`: where relative paths of the file start. */
type StageOptions = {readonly baseDir?: string};

/** A validated config, where it was read from, and (when read here) the layers it was made from. */
export type LoadedConfig = {readonly config: Config; readonly path: string | null} & Partial<ConfigLayers>;

/** The config file named on the command line, or the first conventional name in `cwd`. */
export function findConfigFile(explicit: string | undefined, cwd: string): string {
	if (explicit !== undefined) {
		const resolved = path.resolve(cwd, explicit);
		if (!existsSync(resolved)) throw new UserError(`Config file not found: ${resolved}. Check the path given to --config.`);
		return resolved;
	}
	for (const name of CONFIG_FILE_NAMES) {
		const candidate = path.join(cwd, name);
		if (existsSync(candidate)) return candidate;
	}
	throw new UserError(
		`No config file: looked for ${CONFIG_FILE_NAMES.join(', ')} in ${cwd}. ` +
			'Create one (see README, "Configuration"), pass --config PATH, or run `rewind rehearse` to practise without one.',
	);
}

/** Reads and validates a config file, resolved for `stage` when it has stages (see stages.ts). */
export function loadConfigFile(file: string, stage?: string): LoadedConfig {
	// What the file names by a relative path (an Ansible inventory) is beside it.
	return {...parseConfigLayers(readConfigText(file), file, stage, {baseDir: path.dirname(file)}), path: file};
}

/** A config file's text: a regular file of at most 1 MiB (never a FIFO or a device). */
function readConfigText(file: string): string {
	let size: number;
	try {
		const stats = statSync(file);
		if (!stats.isFile()) throw new UserError(`${file} is not a file. Point --config at a YAML or JSON file.`);
		size = stats.size;
	} catch (error) {
		if (error instanceof UserError) throw error;
		throw new UserError(`Cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}.`);
	}
	if (size > MAX_CONFIG_BYTES) {
		throw new UserError(`${file} is ${size} bytes; a rewind config is at most ${MAX_CONFIG_BYTES} bytes. Is this the right file?`);
	}
	return readFileSync(file, 'utf8');
}

/** The file's settings as data, unvalidated (undefined when it cannot be read or is not a mapping: loading it says why). */
function rawOfFile(file: string): Record<string, unknown> | undefined {
	try {
		const raw: unknown = parseDocument(readConfigText(file)).toJS({maxAliasCount: 50});
		return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

/** The stages a config file defines, in its order (none without `stages:`). */
export function stagesOfFile(file: string): string[] {
	const raw = rawOfFile(file);
	try {
		return raw ? stageNames(raw, file) : [];
	} catch {
		return [];
	}
}

/** The base's runsDir (the same for every stage: a stage cannot set it), read without resolving a stage. */
export function runsDirOfFile(file: string): string | undefined {
	const runsDir = rawOfFile(file)?.['runsDir'];
	return typeof runsDir === 'string' && runsDir !== '' ? runsDir : undefined;
}

/** Parses and validates config text; every failure is a UserError with one short paragraph. */
export function parseConfigText(text: string, label: string): Config {
	return parseConfigLayers(text, label).config;
}

/** The same, with the layers the config was made from and the parsed document. */
export function parseConfigLayers(
	text: string,
	label: string,
	stage?: string,
	options: StageOptions = {},
): {config: Config; document: Document} & ConfigLayers {
	const document = parseDocument(text, {prettyErrors: true, uniqueKeys: true});
	if (document.errors.length > 0) {
		const first = document.errors[0]!;
		const where = first.linePos?.[0] ? ` line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '';
		const reason = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
		throw new UserError(`${label}${where}: the file is not valid YAML/JSON (${reason}). Fix the syntax and run again.`);
	}
	let raw: unknown;
	try {
		raw = document.toJS({maxAliasCount: 50});
	} catch (error) {
		throw new UserError(`${label}: the file could not be read as YAML/JSON (${(error as Error).message}). Fix it and run again.`);
	}
	if (raw === null || raw === undefined) throw new UserError(`${label} is empty. Describe the target (see README, "Configuration").`);
	if (typeof raw !== 'object' || Array.isArray(raw)) {
		throw new UserError(`${label}: expected a mapping of settings (app:, ssh:, site:, reload:, ...), got ${describe(raw)}.`);
	}
	return {...validateConfigLayers(raw as Record<string, unknown>, label, stage, options), document};
}

/** Validates a config given as data: secrets refused, the preset applied, every problem named. */
export function validateConfig(raw: Record<string, unknown>, label: string): Config {
	return validateConfigLayers(raw, label).config;
}

function validateConfigLayers(raw: Record<string, unknown>, label: string, stage?: string, {baseDir}: StageOptions = {}): {config: Config} & ConfigLayers {
	const secret = findSecretKey(raw, []);
	if (secret !== undefined) {
		const suggestion = /token/i.test(secret.split('.').at(-1)!) ? 'tokenEnv or tokenFile' : 'passwordEnv or passwordFile';
		throw new UserError(`${label}: ${secret}: secrets are not stored in the config. Remove it and name where to read it from with ${suggestion}.`);
	}
	const {stages: _stages, ...base} = raw;
	const chosen = chooseStage(raw, stage, label, baseDir ? {baseDir} : {});
	const effective = chosen ? stageOver(base, chosen.overlay) : base;
	const preset = presetDefaults(effective);
	if ('problem' in preset) throw new UserError(`${label}: ${preset.problem.path}: ${preset.problem.message}.`);
	const layers: ConfigLayer[] = [
		...(typeof effective['preset'] === 'string' && Object.keys(preset.defaults).length > 0
			? [{source: 'preset' as const, name: effective['preset'], raw: preset.defaults}]
			: []),
		{source: 'file', name: label, raw: base},
		...(chosen ? [{source: 'stage' as const, name: chosen.name, raw: chosen.overlay}] : []),
	];
	// The layers, lowest first: the preset's defaults under the file's base with the stage over it.
	const merged = mergeDefaults(preset.defaults, effective);
	if (chosen) {
		keepStageSecretSources(merged, chosen.overlay);
		const basePreset = presetDefaults(base);
		const unstaged = 'problem' in basePreset ? base : mergeDefaults(basePreset.defaults, base);
		const problem = secretDestinationProblem(unstaged, merged, chosen.overlay, `${label}: stages.${chosen.name}`);
		if (problem) throw new UserError(problem);
	}
	const result = configSchema.safeParse(merged, {reportInput: true});
	if (result.success) return {config: result.data, layers, ...(chosen ? {stage: chosen.name} : {})};
	const problems = result.error.issues.slice(0, MAX_PROBLEMS_SHOWN).map(issue => formatIssue(issue));
	const more = result.error.issues.length > MAX_PROBLEMS_SHOWN ? ` (and ${result.error.issues.length - MAX_PROBLEMS_SHOWN} more)` : '';
	throw new UserError(`${label} has ${plural(result.error.issues.length, 'problem')}: ${problems.join('; ')}${more}. Fix the file and run again.`);
}

function findSecretKey(value: Record<string, unknown>, trail: string[]): string | undefined {
	for (const [key, child] of Object.entries(value)) {
		// The names of stages are names, not settings (a stage may be called "secret").
		const isStageName = trail.length === 1 && trail[0] === 'stages';
		if (!isStageName && SECRET_KEYS.test(key)) return [...trail, key].join('.');
		if (typeof child === 'object' && child !== null && !Array.isArray(child) && trail.length < 8) {
			const found = findSecretKey(child as Record<string, unknown>, [...trail, key]);
			if (found !== undefined) return found;
		}
	}
	return undefined;
}

function formatIssue(issue: zodCore.$ZodIssue): string {
	const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
	const input = 'input' in issue ? issue.input : undefined;
	switch (issue.code) {
		case 'invalid_type': {
			if (input === undefined) return `${where}: missing (expected ${expectedName(issue.expected)})`;
			return `${where}: expected ${expectedName(issue.expected)}, got ${describe(input)}`;
		}
		case 'unrecognized_keys':
			return `${where}: unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(key => `"${key}"`).join(', ')} (check the spelling)`;
		case 'invalid_value':
			return `${where}: expected one of ${issue.values.map(value => JSON.stringify(value)).join(', ')}, got ${describe(input)}`;
		case 'invalid_union':
			if ('discriminator' in issue && Array.isArray((issue as {options?: unknown[]}).options)) {
				const options = (issue as {options: unknown[]}).options.map(value => JSON.stringify(value)).join(', ');
				const given = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)['method'] : input;
				return `${where}: expected one of ${options}, got ${describe(given)}`;
			}
			return `${where}: ${issue.message}`;
		case 'too_small':
			return `${where}: ${issue.origin === 'string' && Number(issue.minimum) === 1 ? 'must not be empty' : `too small (minimum ${String(issue.minimum)})`}, got ${describe(input)}`;
		case 'too_big':
			return `${where}: too large (maximum ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}), got ${describe(input)}`;
		case 'custom':
		case 'invalid_element':
		case 'invalid_format':
		case 'invalid_key':
		case 'not_multiple_of':
			return `${where}: ${issue.message}${input === undefined ? '' : `, got ${describe(input)}`}`;
	}
}

function expectedName(expected: string): string {
	switch (expected) {
		case 'int':
			return 'a whole number';
		case 'number':
			return 'a number';
		case 'string':
			return 'text';
		case 'boolean':
			return 'true or false';
		case 'array':
			return 'a list';
		case 'object':
			return 'a mapping';
		default:
			return expected;
	}
}

/** A short, safe description of a bad value (never the whole of a huge one). */
export function describe(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (value === null) return 'null';
	if (typeof value === 'string') {
		const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
		// Invisible and direction-changing characters are shown escaped, not passed to the terminal.
		const safe = JSON.stringify(shown).replace(
			/[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g,
			char => `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
		);
		return `${safe}${value.length > 40 ? ` (${value.length} characters)` : ''}`;
	}
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (Array.isArray(value)) return `a list of ${plural(value.length, 'item')}`;
	if (typeof value === 'object') return 'a mapping';
	return typeof value;
}

function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
