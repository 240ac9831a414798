/** How the release history's verdicts read on screen and in plain lines. */
import type {CommitMark} from '../core/history.js';

/**
 * The release history's verdict on a commit: in full (the detail pane, plain lines, with the reason)
 * or short for a list row (`✓ good 11-24`), where it must not push the HEAD marker off the line.
 */
export function describeMark(mark: CommitMark, full: boolean): string {
	const date = full ? mark.at.slice(0, 10) : mark.at.slice(5, 10);
	switch (mark.kind) {
		case 'verified-good':
			return full ? `✓ verified good ${date}` : `✓ good ${date}`;
		case 'verification-failed':
			return full ? `⚠ rolled back to ${date}, verification failed` : `⚠ failed ${date}`;
		case 'rolled-back-from':
			return full ? `✗ rolled back from ${date}${mark.reason ? `: ${mark.reason}` : ''}` : `✗ rolled back ${date}`;
	}
}
