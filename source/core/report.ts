/**
 * The Markdown report written at the end of every run, modelled on the seed's final report:
 * summary, success criteria, timeline, commits, backup, database comparison, findings and every
 * command. It is built from the journal, so it shows what happened, not what was meant to.
 */
import {writeFileSync} from 'node:fs';
import type {Config} from './config/schema.js';
import {formatBytes, formatDuration} from './criteria.js';
import {describeDifference, diffFingerprints} from './fingerprint.js';
import {readJournal} from './journal.js';
import type {Redactor} from './redact.js';
import type {Criterion, Hint, Outcome, RunEvent, RunFacts, RunKind} from './types.js';

export type ReportInput = {
	readonly runId: string;
	readonly kind: RunKind;
	readonly config: Config;
	readonly facts: RunFacts;
	readonly criteria: readonly Criterion[];
	readonly outcome: Outcome;
	readonly message: string;
	readonly totalMs: number;
	readonly rollbackMs: number | null;
	readonly journalFile: string;
	readonly redactor: Redactor;
	readonly extras: string;
};

export const STATUS_MARK: Record<Criterion['status'], string> = {pass: '✓', fail: '✗', warn: '⚠', skip: '–'};

const OUTCOME_TITLE: Record<Outcome, string> = {
	succeeded: '✅ ROLLED BACK AND VERIFIED',
	'verification-failed': '❌ VERIFICATION FAILED',
	failed: '❌ FAILED',
	aborted: '⏹ ABORTED BY THE OPERATOR',
	interrupted: '⏸ INTERRUPTED',
	refused: '⛔ REFUSED',
	'bad-input': '⛔ STOPPED: BAD INPUT',
};

function cell(text: string): string {
	return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function utcTime(iso: string): string {
	return iso.slice(11, 19);
}

export function renderReport(input: ReportInput, events: readonly RunEvent[]): string {
	const {facts, config} = input;
	const started = events.find(event => event.type === 'run-started');
	const startedAt = started?.at ?? new Date().toISOString();
	const lines: string[] = [];
	const title = input.kind === 'undo' ? 'Roll-forward (undo)' : input.kind === 'rehearsal' ? 'Rollback rehearsal' : 'Rollback';
	lines.push(`# ${title} report: ${config.app.name}`, '');
	lines.push(`**Run:** ${input.runId}  `);
	lines.push(`**Date:** ${startedAt.slice(0, 10)} (times are UTC)  `);
	lines.push(`**Status:** ${OUTCOME_TITLE[input.outcome]}  `);
	lines.push(
		`**Duration:** ${formatDuration(input.totalMs)}${input.rollbackMs === null ? '' : ` (rollback itself: ${formatDuration(input.rollbackMs)})`}  `,
	);
	lines.push(`**Server:** ${facts.sshTarget ?? config.ssh.host}, ${facts.appDir ?? config.app.dir}  `);
	if (facts.sshConnections !== undefined) lines.push(`**SSH connections opened:** ${facts.sshConnections}${facts.sshConnections > 1 ? ' (reconnected after a lost link)' : ''}  `);
	lines.push(`**Journal:** ${input.journalFile}`, '');

	lines.push('## Summary', '', input.message, '');
	if (facts.fromHead || facts.target) {
		lines.push(`- From: \`${facts.fromHead ?? 'unknown'}\`${facts.fromBranch ? ` (${facts.fromBranch})` : ''}`);
		lines.push(`- To: \`${facts.target?.hash ?? 'not chosen'}\`${facts.target ? ` ${facts.target.subject}` : ''}`);
		if (facts.remoteHeadAfter) lines.push(`- Server HEAD after: \`${facts.remoteHeadAfter}\``);
		lines.push('');
	}

	lines.push('## Success criteria', '', '| Criterion | Status | Details |', '|---|---|---|');
	for (const criterion of input.criteria) lines.push(`| ${cell(criterion.label)} | ${STATUS_MARK[criterion.status]} | ${cell(criterion.detail)} |`);
	lines.push('');

	lines.push('## Timeline', '', '| Time (UTC) | Event | Duration |', '|---|---|---|');
	lines.push(`| ${utcTime(startedAt)} | Run started (${input.kind}) | - |`);
	const titles = new Map(started?.type === 'run-started' ? started.steps.map(step => [step.id, step.title]) : []);
	for (const event of events) {
		const name = 'stepId' in event && event.stepId ? (titles.get(event.stepId) ?? event.stepId) : '';
		if (event.type === 'step-succeeded') lines.push(`| ${utcTime(event.at)} | ✓ ${cell(name)}: ${cell(event.summary)} | ${formatDuration(event.durationMs)} |`);
		else if (event.type === 'step-failed') lines.push(`| ${utcTime(event.at)} | ✗ ${cell(name)}: ${cell(event.error.split('\n')[0] ?? '')} | ${formatDuration(event.durationMs)} |`);
		else if (event.type === 'step-skipped') lines.push(`| ${utcTime(event.at)} | – ${cell(name)} skipped: ${cell(event.reason)} | - |`);
		else if (event.type === 'operator') lines.push(`| ${utcTime(event.at)} | Operator answered ${event.question}: ${cell(event.answer)} | - |`);
		else if (event.type === 'stop-requested') lines.push(`| ${utcTime(event.at)} | Stop requested | - |`);
	}
	lines.push(`| ${utcTime(new Date(Date.parse(startedAt) + input.totalMs).toISOString())} | **Run finished: ${input.outcome}** | **${formatDuration(input.totalMs)}** |`, '');

	if (facts.impact && facts.impact.commitsAdded.length > 0) {
		lines.push(`## Commits re-applied (${facts.impact.commitsAdded.length})`, '');
		for (const commit of facts.impact.commitsAdded.slice(0, 50)) lines.push(`- \`${commit.shortHash}\` ${commit.date.slice(0, 10)} ${commit.author}: ${commit.subject}`);
		lines.push('');
	}
	if (facts.impact && facts.impact.commitsUndone.length > 0) {
		lines.push(`## Commits undone (${facts.impact.commitsUndone.length})`, '');
		for (const commit of facts.impact.commitsUndone.slice(0, 50)) lines.push(`- \`${commit.shortHash}\` ${commit.date.slice(0, 10)} ${commit.author}: ${commit.subject}`);
		if (facts.impact.commitsUndone.length > 50) lines.push(`- … and ${facts.impact.commitsUndone.length - 50} more`);
		const flagged = facts.impact.files.filter(file => file.flags.length > 0);
		if (flagged.length > 0) {
			lines.push('', 'Files that need attention:');
			for (const file of flagged) lines.push(`- ${file.path} (${file.flags.join(', ')})`);
		}
		lines.push('');
	}

	lines.push('## Backup', '');
	if (facts.backup) {
		lines.push(`- File on the server: \`${facts.backup.path}\``);
		lines.push(`- Size: ${formatBytes(facts.backup.bytes)}; sha256: \`${facts.backup.sha256}\``);
		lines.push(`- Verified: ${facts.backup.verified ? 'yes (exit 0, no errors, gzip -t, dump trailer present)' : 'NO'}`);
		if (facts.backup.localCopy) lines.push(`- Copy on this machine: \`${facts.backup.localCopy.path}\` (sha256 matches)`);
		lines.push('', 'Restore (this replaces the database contents):', '', '```sh', facts.backup.restoreCommand, '```');
	} else if (facts.backupOverride) {
		lines.push(`No backup: overridden by the operator at ${utcTime(facts.backupOverride.at)} UTC. Reason: "${facts.backupOverride.reason}"`);
	} else {
		lines.push(config.database ? 'No verified backup was made.' : 'No database in the config.');
	}
	lines.push('');

	if (facts.dirty) {
		lines.push('## Uncommitted changes saved before the reset', '');
		lines.push(`Files: ${facts.dirty.files.slice(0, 20).join(', ')}${facts.dirty.files.length > 20 ? ' …' : ''}`);
		if (facts.dirty.patchPath) lines.push(`- Patch: \`${facts.dirty.patchPath}\` (git apply)`);
		if (facts.dirty.untrackedArchive) lines.push(`- Untracked files: \`${facts.dirty.untrackedArchive}\` (tar -xzf)`);
		if (facts.dirty.stashCommit) lines.push(`- Stash commit: \`${facts.dirty.stashCommit}\` (git stash list)`);
		lines.push('');
	}

	if (facts.fingerprintBefore) {
		lines.push('## Database fingerprint', '');
		const after = facts.fingerprintAfter;
		lines.push('| Table | Rows before | Rows after | Checksum before | Checksum after |', '|---|---|---|---|---|');
		const afterByName = new Map(after?.tables.map(table => [table.name, table]) ?? []);
		for (const table of facts.fingerprintBefore.tables) {
			const now = afterByName.get(table.name);
			lines.push(`| ${cell(table.name)} | ${table.rows} | ${now?.rows ?? '-'} | ${table.checksum ?? '-'} | ${now?.checksum ?? '-'} |`);
		}
		if (after) {
			const differences = diffFingerprints(facts.fingerprintBefore, after);
			lines.push('', differences.length === 0 ? 'Database unchanged.' : `Differences: ${differences.map(describeDifference).join('; ')}`);
		}
		lines.push('');
	}

	if (facts.http) {
		lines.push('## Site checks', '', `URL: ${facts.http.url}`, '');
		for (const observation of facts.http.observations.slice(-10)) {
			lines.push(`- ${utcTime(observation.at)} attempt ${observation.attempt}: ${observation.status ?? 'no answer'} ${observation.note}`);
		}
		lines.push('');
	}

	const hints = events.filter((event): event is Extract<RunEvent, {type: 'hint'}> => event.type === 'hint').map(event => event.hint);
	const uniqueHints = [...new Map(hints.map(hint => [hint.id, hint] as [string, Hint])).values()];
	lines.push('## Findings', '');
	const warnings = events.filter((event): event is Extract<RunEvent, {type: 'note'}> => event.type === 'note' && (event.level === 'warning' || event.level === 'error'));
	if (uniqueHints.length === 0 && warnings.length === 0 && !events.some(event => event.type === 'wrong-turn')) lines.push('Nothing to report: no warning was raised and no known problem was recognised.');
	for (const hint of uniqueHints) lines.push(`- ${hint.severity === 'warning' ? '🟡' : '🔴'} **${hint.title}.** ${hint.advice}`);
	for (const warning of warnings) lines.push(`- ${warning.level === 'error' ? '🔴' : '🟡'} ${warning.text}`);
	for (const event of events) if (event.type === 'wrong-turn') lines.push(`- ↩ Wrong turn: ${event.text}`);
	lines.push('');

	lines.push('## Commands', '', '| Time (UTC) | Where | Command | Exit | Duration |', '|---|---|---|---|---|');
	const starts = new Map<string, Extract<RunEvent, {type: 'command-started'}>>();
	for (const event of events) {
		if (event.type === 'command-started') starts.set(event.commandId, event);
		if (event.type === 'command-finished') {
			const start = starts.get(event.commandId);
			const display = start ? start.display.split('\n').join(' ⏎ ') : event.commandId;
			const shown = display.length > 300 ? `${display.slice(0, 300)}…` : display;
			lines.push(`| ${utcTime(event.startedAt)} | ${start?.where ?? '?'} | \`${cell(shown)}\` | ${event.exitCode ?? (event.error ? 'lost' : '-')} | ${formatDuration(event.durationMs)} |`);
		}
	}
	lines.push('');
	if (input.extras) lines.push(input.extras, '');
	return input.redactor.redact(lines.join('\n'));
}

export function writeReport(file: string, input: ReportInput): void {
	const {events} = readJournal(input.journalFile);
	writeFileSync(file, renderReport(input, events), {mode: 0o600});
}
