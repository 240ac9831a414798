/**
 * The release history on the server: one JSON line per rollback or undo that reset the checkout
 * (from, to, operator, UTC time, outcome, the reason typed at the confirmation), appended under
 * the git dir while the lock is still held. The picker reads it to mark commits verified good or
 * rolled back from, so "previous" and "last good" are never confused. Lines from the server are
 * parsed, never trusted: a line that does not fit is skipped.
 */
import type {HistoryEntry, Outcome, RunFacts, RunKind} from './types.js';

export type {HistoryEntry} from './types.js';

export const HISTORY_FILE = 'rewind-history.jsonl';
/** How much of the history preflight reads (the newest lines)... */
export const HISTORY_LINES = 500;
/** ...within its newest bytes: a history grown huge (or made so) costs a bounded read, never a refusal. */
export const HISTORY_BYTES = 512 * 1024;

/** One verdict of the history on a commit, with the run that gave it. */
export type CommitMark =
	/** A rollback reached it and proved the new code serving it (see core/site-acceptance.ts). */
	| {readonly kind: 'verified-good'; readonly at: string; readonly runId: string}
	/** A rollback reached it and passed the checks of a rewind that did not yet prove which code answered. */
	| {readonly kind: 'reached-unproven'; readonly at: string; readonly runId: string}
	| {readonly kind: 'rolled-back-from'; readonly at: string; readonly runId: string; readonly reason?: string}
	| {readonly kind: 'verification-failed'; readonly at: string; readonly runId: string}
	/** An undo returned to it on purpose: it is the deploy a rollback left, not a good one. */
	| {readonly kind: 'undo-returned'; readonly at: string; readonly runId: string; readonly undoOf?: string};

/** Every verdict on each commit, newest first. */
export type CommitMarks = Readonly<Record<string, readonly CommitMark[]>>;

const HASH = /^[0-9a-f]{40,64}$/;

export function parseHistory(text: string): HistoryEntry[] {
	const entries: HistoryEntry[] = [];
	for (const line of text.split('\n')) {
		if (line.trim() === '') continue;
		try {
			const value = JSON.parse(line) as Partial<HistoryEntry>;
			if (typeof value.from !== 'string' || typeof value.to !== 'string' || !HASH.test(value.from) || !HASH.test(value.to)) continue;
			if (typeof value.at !== 'string' || Number.isNaN(Date.parse(value.at)) || typeof value.outcome !== 'string') continue;
			entries.push({
				runId: String(value.runId ?? ''),
				kind: value.kind ?? 'rollback',
				from: value.from,
				to: value.to,
				operator: String(value.operator ?? 'unknown'),
				at: value.at,
				outcome: value.outcome,
				...(typeof value.reason === 'string' && value.reason !== '' ? {reason: value.reason} : {}),
				...(value.proof === 'new-code' ? {proof: 'new-code' as const} : {}),
				...(typeof value.undoOf === 'string' && value.undoOf !== '' ? {undoOf: value.undoOf} : {}),
				...(typeof value.stage === 'string' && value.stage !== '' ? {stage: value.stage} : {}),
			});
		} catch {
			// Not a line of ours.
		}
	}
	return entries;
}

/** This run's line, once it has reset the checkout; undefined when it never did. */
export function historyEntry(
	facts: RunFacts,
	runId: string,
	kind: RunKind,
	outcome: Outcome,
	operator: string,
	at = new Date(),
	stage?: string,
): HistoryEntry | undefined {
	if (!facts.rollbackStartedAt || !facts.fromHead || !facts.target || !facts.remoteHeadAfter) return undefined;
	return {
		runId,
		kind,
		from: facts.fromHead,
		to: facts.target.hash,
		operator,
		at: at.toISOString(),
		outcome,
		...(facts.reason ? {reason: facts.reason} : {}),
		...(outcome === 'succeeded' && siteProven(facts) ? {proof: 'new-code' as const} : {}),
		...(facts.undoOf ? {undoOf: facts.undoOf.runId} : {}),
		...(stage ? {stage} : {}),
	};
}

/** The site check counted answers from the new code, enough of them in a row. */
function siteProven(facts: RunFacts): boolean {
	const http = facts.http;
	return http?.acceptedAt !== undefined && http.confirmations !== undefined && (http.goodInRow ?? 0) >= http.confirmations;
}

/**
 * Every verdict on each commit, newest first: where a rollback went (verified good only with the
 * proof that the new code answered), what it moved away from, where an undo returned to. An undo
 * never turns the deploy it returns to good: its "rolled back from" stays in the list.
 */
export function commitMarks(entries: readonly HistoryEntry[]): CommitMarks {
	const marks: Record<string, CommitMark[]> = {};
	const add = (hash: string, mark: CommitMark) => (marks[hash] ??= []).push(mark);
	for (const entry of [...entries].sort((a, b) => b.at.localeCompare(a.at))) {
		const {at, runId} = entry;
		if (entry.kind === 'undo') {
			if (entry.outcome === 'succeeded' || entry.outcome === 'verification-failed')
				add(entry.to, {kind: 'undo-returned', at, runId, ...(entry.undoOf ? {undoOf: entry.undoOf} : {})});
			continue;
		}
		if (entry.outcome === 'succeeded') add(entry.to, entry.proof === 'new-code' ? {kind: 'verified-good', at, runId} : {kind: 'reached-unproven', at, runId});
		else if (entry.outcome === 'verification-failed') add(entry.to, {kind: 'verification-failed', at, runId});
		add(entry.from, {kind: 'rolled-back-from', at, runId, ...(entry.reason ? {reason: entry.reason} : {})});
	}
	return marks;
}
