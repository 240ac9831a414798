/**
 * For the prebuild tests and benchmark (issue 24): a web server shaped like PythonAnywhere's — the
 * app process renders the page it loaded at its last reload (the WSGI file's mtime), while the
 * static files (`/assets/…`) are served from disk as they are now — a build whose asset names carry
 * the version (as Vite's hashes do), and a sampler that reads HEAD, the page and every asset the page
 * references every 50 ms, from which the window (HEAD at the target, page not yet the target's
 * build) and any 404 are read.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';

/** The build: dist/index.html naming `assets/app-<version>.css`, which it also writes (after `seconds` of "work"). */
export function writeHashedBuild(file: string, seconds: number): string {
	writeFileSync(
		file,
		`import {mkdirSync, readFileSync, writeFileSync, existsSync} from 'node:fs';
const version = existsSync('VERSION') ? readFileSync('VERSION', 'utf8').trim() : 'dev';
await new Promise(resolve => setTimeout(resolve, ${seconds * 1000}));
mkdirSync('dist/assets', {recursive: true});
writeFileSync('dist/assets/app-' + version + '.css', 'body { color: black; }\\n');
writeFileSync('dist/index.html', '<!doctype html><html><head><title>Bankroll</title><link rel="stylesheet" href="/assets/app-' + version + '.css"></head><body><h1>Bankroll</h1><footer>version ' + version + '</footer></body></html>\\n');
console.log('built ' + version);
`,
	);
	return `node ${file}`;
}

export type AssetSite = {readonly url: string; stop(): Promise<void>};

export async function startAssetSite(appDir: string, wsgiPath: string): Promise<AssetSite> {
	const mtime = () => (existsSync(wsgiPath) ? statSync(wsgiPath).mtimeMs : 0);
	const load = () => {
		try {
			return readFileSync(path.join(appDir, 'dist', 'index.html'), 'utf8');
		} catch {
			return null;
		}
	};
	let loadedAt = mtime();
	let page = load();
	const server = http.createServer((request, response) => {
		const url = new URL(request.url ?? '/', 'http://localhost');
		if (mtime() !== loadedAt) {
			loadedAt = mtime();
			page = load();
		}
		if (url.pathname.startsWith('/assets/')) {
			const file = path.join(appDir, 'dist', path.normalize(url.pathname).replace(/^\/+/, ''));
			let body: Buffer | undefined;
			try {
				body = readFileSync(file);
			} catch {
				body = undefined;
			}
			if (body) response.writeHead(200, {'Content-Type': 'text/css'}).end(body);
			else response.writeHead(404).end('not found');
			return;
		}
		if (page === null) response.writeHead(500).end('no dist/index.html');
		else response.writeHead(200, {'Content-Type': 'text/html'}).end(page);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {url: `http://127.0.0.1:${port}/`, stop: async () => new Promise<void>(resolve => server.close(() => resolve()))};
}

export type Sample = {
	readonly at: number;
	readonly head: string;
	readonly version: string | null;
	readonly assets: ReadonlyArray<{readonly path: string; readonly status: number}>;
};

const versionOf = (page: string) => /version ([^<\s]+)/.exec(page)?.[1] ?? null;

/** Samples HEAD, then the page and its assets, every `everyMs`, until stopped. */
export function sampleSite(appDir: string, url: string, everyMs = 50): {stop(): Promise<Sample[]>} {
	const samples: Sample[] = [];
	let running = true;
	const loop = (async () => {
		while (running) {
			const at = Date.now();
			const head = execFileSync('git', ['-c', 'safe.directory=*', 'rev-parse', 'HEAD'], {cwd: appDir, encoding: 'utf8'}).trim();
			try {
				const page = await (await fetch(url, {signal: AbortSignal.timeout(2000)})).text();
				const assets = [];
				for (const [, asset] of page.matchAll(/href="(\/assets\/[^"]+)"/g))
					assets.push({path: asset!, status: (await fetch(new URL(asset!, url), {signal: AbortSignal.timeout(2000)})).status});
				samples.push({at, head, version: versionOf(page), assets});
			} catch {
				samples.push({at, head, version: null, assets: []});
			}
			await new Promise(resolve => setTimeout(resolve, Math.max(0, everyMs - (Date.now() - at))));
		}
	})();
	return {
		stop: async () => {
			running = false;
			await loop;
			return samples;
		},
	};
}

/** From the first sample with HEAD at `target` to the first (from then on) whose page is the target's build; null if none was. */
export function windowMs(samples: readonly Sample[], target: string, targetVersion: string): number | null {
	const first = samples.findIndex(sample => sample.head === target);
	if (first < 0) return null;
	const served = samples.slice(first).find(sample => sample.version === targetVersion);
	return served ? served.at - samples[first]!.at : null;
}

/** Every asset request that did not answer 200, with the page version that referenced it. */
export function missingAssets(samples: readonly Sample[]): string[] {
	return samples.flatMap(sample => sample.assets.filter(asset => asset.status !== 200).map(asset => `${asset.path} ${asset.status} (page ${sample.version})`));
}
