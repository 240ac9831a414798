/**
 * What an operator may need to copy once a run ends: the backup and what was saved, the restore
 * command, the report and journal, and the one command that continues or returns. The final panel
 * prints them whole outside its border, and the TUI prints them again on stdout after it exits.
 */
import {sh} from '../core/command.js';
import {inert} from '../core/inert.js';
import type {RunState} from '../core/run-state.js';

export type CopyLine = {readonly label: string; readonly value: string};

/** `rewind resume|undo --config X --journal Y`, built (and quoted) as every command is. */
function nextCommand(command: 'resume' | 'undo', state: RunState, journalPath: string): string {
	return (state.configPath ? sh`rewind ${command} --config ${state.configPath} --journal ${journalPath}` : sh`rewind ${command} --journal ${journalPath}`)
		.display;
}

export function copyLines(state: RunState): CopyLine[] {
	const {facts, finished} = state;
	const lines: CopyLine[] = [];
	if (facts.backup?.verified) {
		lines.push({label: 'Backup', value: facts.backup.path});
		lines.push({label: 'Restore it (replaces the database’s contents)', value: facts.backup.restoreCommand});
	}
	if (facts.backup?.localCopy) lines.push({label: 'Backup copy here', value: facts.backup.localCopy.path});
	if (facts.dirty?.patchPath) lines.push({label: 'Saved changes', value: facts.dirty.patchPath});
	if (facts.dirty?.untrackedArchive) lines.push({label: 'Saved untracked files', value: facts.dirty.untrackedArchive});
	if (facts.dirty?.stashCommit) lines.push({label: 'Stash commit', value: facts.dirty.stashCommit});
	if (facts.atRisk?.archive) lines.push({label: 'Saved files the target tracks', value: facts.atRisk.archive});
	if (!finished) return lines;
	if (finished.reportPath) lines.push({label: 'Report', value: finished.reportPath});
	if (finished.journalPath) {
		lines.push({label: 'Journal', value: finished.journalPath});
		// A rehearsal's sandbox is gone once it ends: nothing to resume or undo there.
		const moved = facts.remoteHeadAfter !== undefined && facts.remoteHeadAfter !== facts.fromHead;
		if (state.kind !== 'rehearsal') {
			if (finished.outcome !== 'succeeded' && (moved || facts.migrated || facts.rollbackStartedAt))
				lines.push({label: 'Continue', value: nextCommand('resume', state, finished.journalPath)});
			if (moved && state.kind !== 'undo') lines.push({label: 'Go back', value: nextCommand('undo', state, finished.journalPath)});
		}
	}
	return lines;
}

/** The lines as plain text: each label on its line, the value whole on the next (terminal wrapping only). */
export function copyText(lines: readonly CopyLine[]): string {
	return lines.map(line => `${line.label}:\n  ${inert(line.value, {singleLine: true})}\n`).join('');
}
