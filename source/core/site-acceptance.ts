/**
 * Which site answers count as the new code's, after a reload. The old process keeps serving for a
 * moment after a touch or a reload command (PythonAnywhere's workers, gunicorn's graceful reload),
 * so an answer right after the reload proves nothing by itself. An answer counts ("is accepted")
 * when something shows the new code is serving:
 *
 * - the reload said so itself (PythonAnywhere's API answers once the app is reloaded), or no reload
 *   was made (nothing old to wait out);
 * - it differs from the answer sampled just before the reload (status, or a page that was the
 *   same twice in a row before and is not now) and comes from the app: a gateway's 502/503/504, a
 *   redirect to itself while reloading, or no answer at all is what a worker being swapped gives,
 *   old or new, so it proves nothing;
 * - or the settle time has passed since the reload (the old process is gone by then).
 *
 * Once one answer is accepted, every later one is too; verification then needs `confirmations`
 * good answers in a row. Pure: the caller does the requests.
 */
import {createHash} from 'node:crypto';

export type TextCheck = {readonly kind: 'contains' | 'absent'; readonly text: string; readonly ok: boolean};

export type HttpObservation = {
	readonly attempt: number;
	readonly at: string;
	readonly status: number | null;
	readonly note: string;
	/** Whether the answer counted as the new code's (see core/site-acceptance.ts); why, for the first counted and every one before. */
	readonly counted?: boolean;
	readonly why?: string;
};

/** The site check as the run records it: every attempt, the last answer's checks, and the proof. */
export type SiteCheckFact = {
	readonly url: string;
	readonly observations: readonly HttpObservation[];
	readonly finalStatus: number | null;
	readonly checks: readonly TextCheck[];
	/** The first attempt counted as the new code's, and the good answers in a row the check ended with. */
	readonly acceptedAt?: number;
	readonly goodInRow?: number;
	readonly confirmations?: number;
};

/** What the site answered just before the reload: one or two samples. */
export type SiteSample = {
	readonly at: string;
	readonly status: number | null;
	/** sha256 of the body; '' when there was no page. */
	readonly digest: string;
	/** Two samples in a row differed: the page changes by itself, so a changed page is no evidence. */
	readonly changing: boolean;
	/** Which of the configured texts the page showed (the undo checks that the original page is back). */
	readonly texts: ReadonlyArray<{readonly text: string; readonly present: boolean}>;
};

/** What the reload step leaves for the check: when it reloaded, how, and what the site said before. */
export type ReloadEvidence = {
	readonly at: string;
	readonly method: string;
	/** The reload itself reported the new code serving (e.g. the API returned after reloading). */
	readonly confirmed?: string;
	readonly before?: SiteSample;
};

export type Acceptance = {readonly accepted: boolean; readonly why: string};

export function bodyDigest(status: number | null, body: string): string {
	return status === null ? '' : createHash('sha256').update(body).digest('hex');
}

/** Answers a front server gives when no worker answered: seen while the old worker is stopped too. */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** Whether this answer may be the new code's, and why (for the journal and the panel). */
export function accept(
	reload: ReloadEvidence | undefined,
	/** `reloading`: the site redirected to itself (PythonAnywhere while its workers restart). */
	answer: {readonly status: number | null; readonly digest: string; readonly atMs: number; readonly reloading?: boolean},
	settleMs: number,
): Acceptance {
	if (!reload) return {accepted: true, why: 'no reload in this run: nothing old to wait out'};
	if (reload.confirmed) return {accepted: true, why: reload.confirmed};
	const sinceMs = answer.atMs - Date.parse(reload.at);
	const before = reload.before;
	if (!before) {
		return sinceMs >= settleMs
			? {accepted: true, why: `${seconds(sinceMs)} after the reload (no sample from before it; settle time ${seconds(settleMs)})`}
			: {accepted: false, why: `only ${seconds(sinceMs)} after the reload, and no sample from before it: the old code may still be serving`};
	}
	const fromTheApp = answer.status !== null && !GATEWAY_STATUSES.has(answer.status) && !answer.reloading;
	if (answer.status !== before.status && fromTheApp)
		return {accepted: true, why: `status ${answer.status}, before the reload ${before.status ?? 'no answer'}: the old answer is gone`};
	if (!before.changing && answer.digest !== before.digest && fromTheApp)
		return {accepted: true, why: 'a page different from the one before the reload: the old answer is gone'};
	if (sinceMs >= settleMs)
		return {
			accepted: true,
			why: `${before.changing ? 'the page changes by itself; ' : 'the same page as before the reload, but '}${seconds(sinceMs)} after it (settle time ${seconds(settleMs)})`,
		};
	return {
		accepted: false,
		why: !fromTheApp
			? `${answer.status === null ? 'no answer' : answer.reloading ? 'a redirect to itself (reloading)' : `status ${answer.status} (a gateway's, no worker answered)`} ${seconds(sinceMs)} after the reload: the old code may still be serving`
			: before.changing
				? `${seconds(sinceMs)} after the reload, within the settle time ${seconds(settleMs)}: the old code may still be serving (the page changes by itself, so its difference proves nothing)`
				: `the same answer as before the reload, ${seconds(sinceMs)} after it: the old code may still be serving`,
	};
}
