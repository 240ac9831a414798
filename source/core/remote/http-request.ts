/**
 * One HTTP(S) request over node:http, for the site check and the reload API. Not `fetch`: in
 * Node 20 the first `fetch` loads undici and compiles its WebAssembly parser on a background
 * thread that the process then waits for at exit — about 100 ms of a run that is otherwise a few
 * hundred (measured: bench/RESULTS.md). Redirects are not followed (the caller decides); the body
 * is read up to a size; a body that stops arriving before `signal` ends is reported, not thrown.
 */
import http, {type IncomingHttpHeaders} from 'node:http';
import https from 'node:https';
import {formatBytes} from '../format.js';

export type HttpResponse = {
	readonly status: number;
	readonly statusText: string;
	readonly headers: IncomingHttpHeaders;
	readonly body: string;
	/** Why the body is incomplete (it stopped arriving, the request was stopped). */
	readonly bodyError?: string;
	/** The body went past the limit: it was not read, and is never checked cut short. */
	readonly tooLarge?: true;
};

export type HttpRequestOptions = {
	readonly method?: 'GET' | 'POST';
	readonly headers?: Readonly<Record<string, string>>;
	/** Ends the request (a stop, a timeout): before an answer, the promise rejects with the signal's reason. */
	readonly signal: AbortSignal;
	readonly maxBodyBytes?: number;
};

const DEFAULT_MAX_BODY = 5 * 1024 * 1024;

/** Why a request failed, in a few words: the error code (ECONNREFUSED) or its message. */
export function requestFailure(error: unknown): string {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	return code && code !== 'ABORT_ERR' ? code : error instanceof Error ? error.message : String(error);
}

export function httpRequest(url: URL, options: HttpRequestOptions): Promise<HttpResponse> {
	const {signal} = options;
	const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
	const client = url.protocol === 'https:' ? https : http;
	return new Promise((resolve, reject) => {
		if (signal.aborted) {
			reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
			return;
		}
		const request = client.request(url, {method: options.method ?? 'GET', headers: {...options.headers}, agent: false}, response => {
			const chunks: Buffer[] = [];
			let total = 0;
			let settled = false;
			const finish = (bodyError?: string, tooLarge = false) => {
				if (settled) return;
				settled = true;
				signal.removeEventListener('abort', onAbort);
				request.destroy();
				resolve({
					status: response.statusCode ?? 0,
					statusText: response.statusMessage ?? '',
					headers: response.headers,
					body: Buffer.concat(chunks).toString('utf8'),
					...(bodyError === undefined ? {} : {bodyError}),
					...(tooLarge ? {tooLarge} : {}),
				});
			};
			const onAbort = () => finish(`${total} bytes of the body arrived before ${abortReason(signal)}`);
			signal.addEventListener('abort', onAbort, {once: true});
			response.on('data', (chunk: Buffer) => {
				if (total < limit) chunks.push(chunk.subarray(0, limit - total));
				total += chunk.length;
				// A body is checked whole or not at all: past the limit it is "too large to check", never read cut.
				if (total > limit) finish(`the page is larger than ${formatBytes(limit)}, too large to check`, true);
			});
			response.on('end', () => finish());
			response.on('error', error => finish(`${total} bytes of the body arrived before ${requestFailure(error)}`));
			response.on('aborted', () => finish(`${total} bytes of the body arrived before the connection closed`));
		});
		const onAbortBeforeAnswer = () => request.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
		signal.addEventListener('abort', onAbortBeforeAnswer, {once: true});
		request.on('response', () => signal.removeEventListener('abort', onAbortBeforeAnswer));
		request.on('error', error => {
			signal.removeEventListener('abort', onAbortBeforeAnswer);
			reject(error);
		});
		request.end();
	});
}

function abortReason(signal: AbortSignal): string {
	const reason = signal.reason as Error | undefined;
	return reason?.name === 'TimeoutError' ? 'the request timed out' : 'the request was stopped';
}
