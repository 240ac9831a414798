/**
 * A config as the layers it was made from, lowest first: the preset's defaults, the file's base,
 * then the stage's settings. The schema's own defaults are the layer under all
 * of them. Kept beside the validated config so a feature can say where a value came from, or show
 * and write a change to the file the operator keeps (the YAML document, comments and all).
 */
import type {Document} from 'yaml';

type Raw = Record<string, unknown>;

export type ConfigLayerSource = 'preset' | 'file' | 'stage';

export type ConfigLayer = {
	readonly source: ConfigLayerSource;
	/** The preset's name, the file's path (or label), or the stage's name. */
	readonly name: string;
	readonly raw: Readonly<Raw>;
};

/** Where a value of the config came from: the highest layer that sets it, else the schema's default. */
export type ConfigOrigin = {readonly source: ConfigLayerSource; readonly name: string} | {readonly source: 'default'};

export type ConfigLayers = {
	readonly layers: readonly ConfigLayer[];
	/** The stage the config was resolved for (absent for a config without stages). */
	readonly stage?: string;
	/** The file as parsed (comments and layout kept), for writing a change back; absent for a config given as data. */
	readonly document?: Document;
};

function valueAt(raw: unknown, keyPath: readonly (string | number)[]): {found: boolean} {
	let value: unknown = raw;
	for (const key of keyPath) {
		if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return {found: false};
		value = (value as Record<string | number, unknown>)[key];
	}
	return {found: true};
}

/** Whether the config holds a value at the key path (an unset optional setting does not count). */
function definedAt(config: unknown, keyPath: readonly string[]): boolean {
	let value: unknown = config;
	for (const key of keyPath) {
		if (typeof value !== 'object' || value === null) return false;
		value = (value as Record<string, unknown>)[key];
	}
	return value !== undefined;
}

/** The layer a setting (`['database', 'host']`) comes from. */
export function originOf(layers: readonly ConfigLayer[], keyPath: readonly (string | number)[]): ConfigOrigin {
	for (const layer of [...layers].reverse()) if (valueAt(layer.raw, keyPath).found) return {source: layer.source, name: layer.name};
	return {source: 'default'};
}

/** A setting a layer over the file gives (the preset's defaults, the stage's), with the value it has in the run's config. */
export type LayeredSetting = {readonly path: string; readonly value: unknown; readonly source: 'preset' | 'stage'; readonly name: string};

function leaves(raw: unknown, trail: readonly string[]): Array<{keyPath: string[]; value: unknown}> {
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [{keyPath: [...trail], value: raw}];
	return Object.entries(raw).flatMap(([key, child]) => leaves(child, [...trail, key]));
}

/**
 * What the preset and the stage decide that the file's base does not say (or says otherwise): each
 * setting they give that no layer above overrides. A team reads here what a stage changes.
 */
export function settingsFromLayers(layers: readonly ConfigLayer[], config: unknown): LayeredSetting[] {
	const found: LayeredSetting[] = [];
	for (const layer of layers) {
		if (layer.source === 'file') continue;
		for (const {keyPath, value} of leaves(layer.raw, [])) {
			// Only what the run's config holds (a preset's token source a stage replaced is not used).
			if (value === undefined || !definedAt(config, keyPath)) continue;
			const origin = originOf(layers, keyPath);
			if (origin.source === layer.source && 'name' in origin && origin.name === layer.name) {
				found.push({path: keyPath.join('.'), value, source: layer.source, name: layer.name});
			}
		}
	}
	return found;
}
