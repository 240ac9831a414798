/** How the release history's verdicts read on screen and in plain lines. */
import type {CommitMark} from '../core/history.js';

/**
 * One verdict of the release history on a commit: in full (the detail pane, plain lines, with the
 * reason and the run) or short for a list row (`✓ good 11-24`), where it must not push the HEAD
 * marker off the line.
 */
export function describeMark(mark: CommitMark, full: boolean): string {
	const date = full ? mark.at.slice(0, 10) : mark.at.slice(5, 10);
	const run = full ? ` (run ${mark.runId})` : '';
	switch (mark.kind) {
		case 'verified-good':
			return full ? `✓ verified good ${date}${run}` : `✓ good ${date}`;
		case 'reached-unproven':
			return full ? `✓ rolled back to ${date}, checked before rewind proved which code answered${run}` : `✓ reached ${date}`;
		case 'verification-failed':
			return full ? `⚠ rolled back to ${date}, verification failed${run}` : `⚠ failed ${date}`;
		case 'rolled-back-from':
			return full ? `✗ rolled back from ${date}${mark.reason ? `: ${mark.reason}` : ''}${run}` : `✗ rolled back ${date}`;
		case 'undo-returned':
			return full ? `↺ returned to by an undo ${date}${mark.undoOf ? ` of run ${mark.undoOf}` : ''}${run}` : `↺ undo ${date}`;
	}
}

/** A commit's verdicts for a list row: the newest, and how many more. */
export function describeMarksShort(marks: readonly CommitMark[]): string {
	const [newest] = marks;
	if (!newest) return '';
	return `${describeMark(newest, false)}${marks.length > 1 ? ` +${marks.length - 1}` : ''}`;
}

/** Every verdict in full, newest first. */
export function describeMarksFull(marks: readonly CommitMark[]): string {
	return marks.map(mark => describeMark(mark, true)).join('; ');
}
