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

/** What the history says of a commit: its latest verdict. */
export type CommitMark =
	| {readonly kind: 'verified-good'; readonly at: string}
	| {readonly kind: 'rolled-back-from'; readonly at: string; readonly reason?: string}
	| {readonly kind: 'verification-failed'; readonly at: string};

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
			});
		} catch {
			// Not a line of ours.
		}
	}
	return entries;
}

/** This run's line, once it has reset the checkout; undefined when it never did. */
export function historyEntry(facts: RunFacts, runId: string, kind: RunKind, outcome: Outcome, operator: string, at = new Date()): HistoryEntry | undefined {
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
	};
}

/** Each commit's latest verdict: where a run moved to and verified, or what a rollback moved away from. */
export function commitMarks(entries: readonly HistoryEntry[]): Record<string, CommitMark> {
	const marks: Record<string, CommitMark> = {};
	for (const entry of [...entries].sort((a, b) => a.at.localeCompare(b.at))) {
		if (entry.outcome === 'succeeded') marks[entry.to] = {kind: 'verified-good', at: entry.at};
		else if (entry.outcome === 'verification-failed') marks[entry.to] = {kind: 'verification-failed', at: entry.at};
		// A rollback moves away from a bad deploy; an undo returns to it on purpose.
		if (entry.kind !== 'undo') marks[entry.from] = {kind: 'rolled-back-from', at: entry.at, ...(entry.reason ? {reason: entry.reason} : {})};
	}
	return marks;
}
