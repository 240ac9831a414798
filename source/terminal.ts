/**
 * Called before the Ink chunk is loaded, once rewind has decided a person is at a real terminal.
 *
 * Ink (through is-in-ci) paints only the last frame when CI or CONTINUOUS_INTEGRATION is set, which
 * at a real terminal means a blank screen until the end: whoever is at this terminal is a person,
 * so those variables are dropped for this process. With NO_COLOR (or --no-color), chalk is told
 * to print no escape codes at all (FORCE_COLOR=0), Ink's and @inkjs/ui's included.
 */
export function prepareTerminalUi(options: {noColor?: boolean; reducedMotion?: boolean} = {}): void {
	delete process.env['CI'];
	delete process.env['CONTINUOUS_INTEGRATION'];
	if (options.noColor || (process.env['NO_COLOR'] ?? '') !== '') {
		process.env['NO_COLOR'] = process.env['NO_COLOR'] || '1';
		process.env['FORCE_COLOR'] = '0';
	}
	if (options.reducedMotion) process.env['REWIND_REDUCED_MOTION'] = '1';
}

/**
 * Loads the Ink chunk. yoga-layout's WASM loader (an emscripten web build) fetches its embedded
 * binary with `fetch` whenever one exists: in Node that loads undici (~25 ms on the first frame)
 * to read a data: URL. With `fetch` hidden while the chunk loads, it decodes the same bytes itself.
 */
export async function loadInkChunk<T>(load: () => Promise<T>): Promise<T> {
	const fetchFunction = globalThis.fetch;
	(globalThis as {fetch?: typeof fetch | undefined}).fetch = undefined;
	try {
		const loaded = await load();
		// The CommonJS build's yoga (scripts/yoga-shim.js) fills itself in once its WASM is compiled.
		await ((await import('yoga-layout')) as {ready?: Promise<void>}).ready;
		return loaded;
	} finally {
		globalThis.fetch = fetchFunction;
	}
}
