/** Formatters for sizes, durations and lock holders: one module for the screens, the report and the steps' summaries. */
import type {LockHolder} from './types.js';

export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const units = ['KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
	if (ms < 1000) return `${Math.round(ms)} ms`;
	if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
	// Rounded first, then split: 179.6 s is 3 min 0 s, never 2 min 60 s.
	const totalSeconds = Math.round(ms / 1000);
	if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`;
	const totalMinutes = Math.round(ms / 60_000);
	const hours = Math.floor(totalMinutes / 60);
	if (hours < 48) return `${hours} h ${totalMinutes % 60} min`;
	return `${Math.floor(hours / 24)} days ${hours % 24} h`;
}

/** At most 7 characters, for narrow columns (the step list): `850 ms`, `12.3 s`, `1m05s`, `2h03m`. */
export function formatDurationShort(ms: number): string {
	if (ms < 1000) return `${Math.round(ms)} ms`;
	if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
	const totalSeconds = Math.round(ms / 1000);
	if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
	return `${Math.floor(totalSeconds / 3600)}h${String(Math.floor((totalSeconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** The target for the rollback itself: 5 minutes (the original drill took 42, of which the rollback under 2). */
export const ROLLBACK_TARGET_MS = 5 * 60 * 1000;

/** Who holds the server lock, since when, and why. */
export function describeHolder(holder: LockHolder | null, ageMinutes: number): string {
	if (!holder) return `an unknown run (no owner record), ${Math.round(ageMinutes)} min old`;
	return `${holder.operator} (pid ${holder.pid}, run ${holder.runId}) since ${holder.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(ageMinutes)} min ago, for "${holder.reason}"`;
}
