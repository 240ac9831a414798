/**
 * The sandbox's web server on 127.0.0.1, behaving like a PythonAnywhere web app: it serves the
 * checkout's built dist/ as loaded at the last reload, reloads when the WSGI file is touched or the
 * reload API is called, and can misbehave on purpose for drills and fault tests.
 */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {startFlaskWorker, type FlaskWorker} from './flask-worker.js';

export type SiteMode = {
	/** Answer every page with this status (e.g. 500) instead of the page. */
	failStatus?: number;
	/** After a reload, redirect to the same URL for this long (PythonAnywhere's worker start). */
	reloadRedirectMs?: number;
	/** The reload API answers this status (401, or 409 with cname_error after reloading). */
	apiStatus?: 200 | 401 | 409;
	/** After a touch of the WSGI file, the old worker keeps answering this long while the new one starts (the reload API still answers once reloaded). */
	oldWorkerMs?: number;
	/** The first N page requests after the next reload get their headers, then the body at one byte a second (a stalled upstream). */
	trickleRequests?: number;
};

export type SiteServer = {
	readonly url: string;
	readonly port: number;
	readonly reloadUrl: string;
	readonly reloads: number;
	mode: SiteMode;
	stop(): Promise<void>;
};

export type SiteOptions = {
	readonly appDir: string;
	readonly wsgiPath: string;
	readonly username: string;
	readonly domain: string;
	readonly token: string;
	readonly mode?: SiteMode;
	/** Serve pages from the checkout's Flask app (a worker started at each reload) instead of dist/ alone. */
	readonly app?: {readonly python: string; readonly env: NodeJS.ProcessEnv};
};

/** Passes a request to the app's worker; without one (it failed to start), PythonAnywhere's error page. */
function proxy(request: http.IncomingMessage, response: http.ServerResponse, port: number | undefined, error: string | undefined): void {
	if (port === undefined) {
		response.writeHead(502, {'Content-Type': 'text/plain'}).end(`Something went wrong :-(\n${error ?? ''}\n`);
		return;
	}
	const upstream = http.request({host: '127.0.0.1', port, path: request.url, method: request.method, headers: request.headers}, answer => {
		response.writeHead(answer.statusCode ?? 502, answer.headers);
		answer.pipe(response);
	});
	upstream.on('error', failure => {
		if (!response.headersSent) response.writeHead(502, {'Content-Type': 'text/plain'});
		response.end(`Something went wrong :-(\n${failure.message}\n`);
	});
	request.pipe(upstream);
}

const CONTENT_TYPES: Record<string, string> = {'.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript'};

export async function startSiteServer(options: SiteOptions): Promise<SiteServer> {
	const dist = path.join(options.appDir, 'dist');
	let loaded = new Map<string, Buffer>();
	let reloads = 0;
	let wsgiMtime = existsSync(options.wsgiPath) ? statSync(options.wsgiPath).mtimeMs : 0;
	let redirectUntil = 0;
	const state = {mode: {...options.mode}};
	/** Trickling starts at the reload after the mode was set (the checks before it, at preflight and the reload, answer normally). */
	let trickleArmed = false;

	let worker: FlaskWorker | undefined;
	let workerError: string | undefined;
	type Prepared = {readonly files: Map<string, Buffer>; readonly worker?: FlaskWorker; readonly error?: string};
	/** A new worker with the code as it is now, and dist/ as loaded at start: later changes are not seen until the next reload. */
	const prepare = async (): Promise<Prepared> => {
		const files = new Map<string, Buffer>();
		const walk = (dir: string, prefix: string) => {
			if (!existsSync(dir)) return;
			for (const entry of readdirSync(dir, {withFileTypes: true})) {
				const full = path.join(dir, entry.name);
				if (entry.isDirectory()) walk(full, `${prefix}${entry.name}/`);
				else files.set(`/${prefix}${entry.name}`, readFileSync(full));
			}
		};
		walk(dist, '');
		if (!options.app) return {files};
		try {
			return {files, worker: await startFlaskWorker(options.app.python, options.appDir, options.app.env)};
		} catch (error) {
			return {files, error: (error as Error).message};
		}
	};
	/** The new worker replaces the old one. */
	const switchTo = (prepared: Prepared) => {
		worker?.stop();
		worker = prepared.worker;
		workerError = prepared.error;
		loaded = prepared.files;
		reloads++;
		trickleArmed = true;
		if (state.mode.reloadRedirectMs) redirectUntil = Date.now() + state.mode.reloadRedirectMs;
	};
	const reload = async () => switchTo(await prepare());
	/** A reload that leaves the old worker answering for `oldWorkerMs` while the new one starts beside it. */
	let switching = false;
	const reloadBeside = (oldWorkerMs: number) => {
		if (switching) return;
		switching = true;
		const until = Date.now() + oldWorkerMs;
		void prepare().then(async prepared => {
			await new Promise(resolve => setTimeout(resolve, Math.max(0, until - Date.now())));
			if (closed) prepared.worker?.stop();
			else switchTo(prepared);
			switching = false;
		});
	};
	let closed = false;
	await reload();
	reloads = 0;

	const webappPath = `/api/v0/user/${options.username}/webapps/${options.domain}/`;
	const apiPath = `${webappPath}reload/`;
	const server = http.createServer(async (request, response) => {
		const url = new URL(request.url ?? '/', 'http://localhost');
		// The web app's details, as PythonAnywhere answers them: how a token is checked without reloading.
		if (url.pathname === webappPath && request.method === 'GET') {
			const authorized = request.headers.authorization === `Token ${options.token}`;
			response
				.writeHead(authorized ? 200 : 401, {'Content-Type': 'application/json'})
				.end(authorized ? JSON.stringify({domain_name: options.domain, user: options.username}) : '{"detail":"Invalid token."}');
			return;
		}
		if (url.pathname === apiPath) {
			if (request.method !== 'POST') {
				response.writeHead(405, {'Content-Type': 'application/json'}).end('{"detail":"Method not allowed."}');
				return;
			}
			const authorized = request.headers.authorization === `Token ${options.token}`;
			if (!authorized || state.mode.apiStatus === 401) {
				response.writeHead(401, {'Content-Type': 'application/json'}).end('{"detail":"Invalid token."}');
				return;
			}
			await reload();
			if (state.mode.apiStatus === 409) {
				response.writeHead(409, {'Content-Type': 'application/json'}).end('{"status":"ERROR","error":"cname_error"}');
				return;
			}
			response.writeHead(200, {'Content-Type': 'application/json'}).end('{"status":"OK"}');
			return;
		}
		// Touching the WSGI file reloads the app, as on PythonAnywhere.
		const mtime = existsSync(options.wsgiPath) ? statSync(options.wsgiPath).mtimeMs : 0;
		if (mtime !== wsgiMtime) {
			wsgiMtime = mtime;
			if (state.mode.oldWorkerMs) reloadBeside(state.mode.oldWorkerMs);
			else await reload();
		}
		if (Date.now() < redirectUntil) {
			response.writeHead(302, {Location: url.pathname}).end();
			return;
		}
		if (state.mode.failStatus) {
			response.writeHead(state.mode.failStatus, {'Content-Type': 'text/plain'}).end('Something went wrong :-(\n');
			return;
		}
		if (options.app) {
			proxy(request, response, worker?.port, workerError);
			return;
		}
		const file = loaded.get(url.pathname === '/' ? '/index.html' : url.pathname);
		if (!file) {
			response.writeHead(404, {'Content-Type': 'text/plain'}).end('Not found\n');
			return;
		}
		if (trickleArmed && (state.mode.trickleRequests ?? 0) > 0) {
			state.mode = {...state.mode, trickleRequests: state.mode.trickleRequests! - 1};
			response.writeHead(200, {'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(file.length)});
			response.flushHeaders();
			let sent = 0;
			const timer = setInterval(() => {
				if (sent >= file.length || response.destroyed) {
					clearInterval(timer);
					response.end();
					return;
				}
				response.write(file.subarray(sent, sent + 1));
				sent++;
			}, 1000);
			response.on('close', () => clearInterval(timer));
			return;
		}
		response.writeHead(200, {'Content-Type': CONTENT_TYPES[path.extname(url.pathname || '.html')] ?? CONTENT_TYPES['.html']!}).end(file);
	});
	server.keepAliveTimeout = 1000;
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}/`,
		port,
		reloadUrl: `http://127.0.0.1:${port}${apiPath}`,
		get reloads() {
			return reloads;
		},
		get mode() {
			return state.mode;
		},
		set mode(mode: SiteMode) {
			state.mode = mode;
			trickleArmed = false;
		},
		async stop() {
			closed = true;
			worker?.stop();
			server.closeAllConnections();
			await new Promise<void>(resolve => server.close(() => resolve()));
		},
	};
}
