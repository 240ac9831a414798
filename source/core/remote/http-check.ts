/**
 * The site check: GET the URL until it answers 200 with the expected text and without the
 * forbidden text, retrying through a reload window (PythonAnywhere answers with a redirect to the
 * same page while its workers start). Every loop is bounded in attempts and time.
 */
import type {SiteConfig} from '../config/schema.js';
import {accept, bodyDigest, type ReloadEvidence, type SiteSample} from '../site-acceptance.js';
import type {HttpObservation, TextCheck} from '../types.js';
import {httpRequest, requestFailure, type HttpResponse} from './http-request.js';

const MAX_REDIRECTS = 5;
const MAX_ATTEMPTS = 1000;
const MAX_BODY_BYTES = 5 * 1024 * 1024;

export type SiteCheckResult = {
	readonly ok: boolean;
	/** The attempt whose answer was the first counted as the new code's (see site-acceptance.ts). */
	readonly acceptedAt?: number;
	/** Good answers in a row at the end (verification needs site.confirmations). */
	readonly goodInRow: number;
	readonly finalStatus: number | null;
	readonly observations: readonly HttpObservation[];
	readonly checks: readonly TextCheck[];
	readonly failures: readonly string[];
};

type Answer = {status: number | null; body: string; note: string; reloading: boolean};

function sameResource(a: URL, b: URL): boolean {
	const normalise = (url: URL) => `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '') || '/'}${url.search}`;
	return normalise(a) === normalise(b);
}

async function getOnce(url: string, timeoutMs: number, signal: AbortSignal): Promise<Answer> {
	let current = new URL(url);
	for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
		const timeout = AbortSignal.timeout(timeoutMs);
		let response: HttpResponse;
		try {
			response = await httpRequest(current, {
				signal: AbortSignal.any([signal, timeout]),
				headers: {'Cache-Control': 'no-cache'},
				maxBodyBytes: MAX_BODY_BYTES,
			});
		} catch (error) {
			if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : error;
			const reason = timeout.aborted ? `no answer within ${timeoutMs / 1000} s` : `no answer (${requestFailure(error)})`;
			return {status: null, body: '', note: reason, reloading: false};
		}
		if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
		const location = response.headers.location;
		if (response.status >= 300 && response.status < 400 && location) {
			const next = new URL(location, current);
			if (sameResource(next, current)) return {status: response.status, body: '', note: 'redirected to itself (the app is reloading)', reloading: true};
			current = next;
			continue;
		}
		if (response.bodyError !== undefined)
			return {
				status: null,
				body: '',
				note: response.tooLarge
					? `answered ${response.status} but ${response.bodyError}`
					: `answered ${response.status} but the page did not arrive within ${timeoutMs / 1000} s (${response.bodyError})`,
				reloading: false,
			};
		return {status: response.status, body: response.body, note: hop > 0 ? `after ${hop} redirect${hop === 1 ? '' : 's'}` : '', reloading: false};
	}
	return {status: null, body: '', note: `more than ${MAX_REDIRECTS} redirects`, reloading: false};
}

export function textChecks(site: Pick<SiteConfig, 'mustContain' | 'mustNotContain'>, body: string): TextCheck[] {
	return [
		...site.mustContain.map(text => ({kind: 'contains' as const, text, ok: body.includes(text)})),
		...site.mustNotContain.map(text => ({kind: 'absent' as const, text, ok: !body.includes(text)})),
	];
}

export function describeFailures(status: number | null, checks: readonly TextCheck[], note: string): string[] {
	if (status !== 200)
		return [status === null ? `the site ${note.startsWith('answered') ? '' : 'gave '}${note}` : `the site answered ${status}${note ? ` (${note})` : ''}`];
	return checks
		.filter(check => !check.ok)
		.map(check =>
			check.kind === 'contains' ? `expected text "${check.text}" missing from the page` : `forbidden text "${check.text}" still present on the page`,
		);
}

/** Waits, or rejects as soon as `signal` aborts; leaves no listener behind either way. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise<void>((resolve, reject) => {
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
		};
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal.addEventListener('abort', onAbort, {once: true});
	});
}

/** How long a sample before the reload may take: it must not hold up the reload for long. */
const SAMPLE_TIMEOUT_MS = 5000;

/**
 * What the site answers just before the reload: two requests in a row (a page that differs
 * between them changes by itself, and a changed page will prove nothing). Never throws but on abort.
 */
export async function sampleSite(site: SiteConfig, signal: AbortSignal): Promise<SiteSample> {
	const timeoutMs = Math.min(site.requestTimeoutSeconds * 1000, SAMPLE_TIMEOUT_MS);
	const first = await getOnce(site.url, timeoutMs, signal);
	const second = first.status === null ? first : await getOnce(site.url, timeoutMs, signal);
	const digest = bodyDigest(first.status, first.body);
	const texts = [...site.mustContain, ...site.mustNotContain].map(text => ({text, present: first.status === 200 && first.body.includes(text)}));
	return {
		at: new Date().toISOString(),
		status: first.status,
		digest,
		changing: second.status !== first.status || bodyDigest(second.status, second.body) !== digest,
		texts,
	};
}

export async function checkSite(
	site: SiteConfig,
	options: {signal: AbortSignal; reload?: ReloadEvidence; onAttempt?: (observation: HttpObservation, remainingMs: number) => void},
): Promise<SiteCheckResult> {
	const started = Date.now();
	const deadline = started + site.timeoutSeconds * 1000;
	const intervalMs = site.intervalSeconds * 1000;
	const observations: HttpObservation[] = [];
	let last: {status: number | null; checks: TextCheck[]; note: string} = {status: null, checks: [], note: 'no request made'};
	let acceptedAt: number | undefined;
	let goodInRow = 0;
	for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
		const answer = await getOnce(site.url, site.requestTimeoutSeconds * 1000, options.signal);
		const checks = answer.status === 200 ? textChecks(site, answer.body) : [];
		const failures = describeFailures(answer.status, checks, answer.note);
		const acceptance =
			acceptedAt === undefined
				? accept(
						options.reload,
						{status: answer.status, digest: bodyDigest(answer.status, answer.body), atMs: Date.now(), reloading: answer.reloading},
						site.settleSeconds * 1000,
					)
				: {accepted: true, why: ''};
		if (acceptance.accepted) acceptedAt ??= attempt;
		if (acceptance.accepted) goodInRow = failures.length === 0 ? goodInRow + 1 : 0;
		const observation: HttpObservation = {
			attempt,
			at: new Date().toISOString(),
			status: answer.status,
			note: failures.length === 0 ? 'ok' : failures.join('; '),
			counted: acceptance.accepted,
			...(acceptance.why ? {why: acceptance.why} : {}),
		};
		observations.push(observation);
		options.onAttempt?.(observation, Math.max(0, deadline - Date.now()));
		last = {status: answer.status, checks, note: answer.note};
		if (goodInRow >= site.confirmations) return {ok: true, acceptedAt, goodInRow, finalStatus: answer.status, observations, checks, failures: []};
		if (Date.now() + intervalMs > deadline) break;
		await sleep(intervalMs, options.signal);
	}
	const failures =
		acceptedAt === undefined
			? [
					`no answer could be shown to come from the new code within ${site.timeoutSeconds} s (${observations.at(-1)?.why ?? 'no request made'}); the last answer: ${describeFailures(last.status, last.checks, last.note).join('; ') || 'ok'}`,
				]
			: last.status === 200 && describeFailures(last.status, last.checks, last.note).length === 0
				? [
						`only ${goodInRow} good answer${goodInRow === 1 ? '' : 's'} in a row from the new code within ${site.timeoutSeconds} s, ${site.confirmations} needed`,
					]
				: describeFailures(last.status, last.checks, last.note);
	const reloadLoops = observations.filter(observation => observation.note.includes('redirected to itself')).length;
	return {
		ok: false,
		...(acceptedAt === undefined ? {} : {acceptedAt}),
		goodInRow,
		finalStatus: last.status,
		observations,
		checks: last.checks.length > 0 ? last.checks : textChecks(site, '').map(check => ({...check, ok: false})),
		failures: reloadLoops > 0 && last.status !== 200 ? [...failures, `redirected to itself ${reloadLoops} times`] : failures,
	};
}
