/**
 * The Markdown report written at the end of every run: summary, success criteria, timeline,
 * commits, backup, saved changes, database comparison, findings and every command. It is rendered
 * from the run's fold (so it shows what happened, not what was meant to), and text from outside is
 * escaped for Markdown (table cells, code spans, free text) on top of being inert.
 */
import type {Config} from '../core/config/schema.js';
import {describeDifference, diffFingerprints} from '../core/fingerprint.js';
import {describePlan, migrationPlanOf} from '../core/migrations/plan.js';
import {formatBytes, formatDuration} from '../core/format.js';
import {markdownCell, markdownCode, markdownCodeCell, markdownText} from '../core/inert.js';
import type {RunState} from '../core/run-state.js';
import type {Commit, Outcome} from '../core/types.js';
import {STATUS_MARK} from './log-text.js';

const OUTCOME_TITLE: Record<Outcome, string> = {
	succeeded: '✅ ROLLED BACK AND VERIFIED',
	'verification-failed': '❌ VERIFICATION FAILED',
	failed: '❌ FAILED',
	aborted: '⏹ ABORTED BY THE OPERATOR',
	interrupted: '⏸ INTERRUPTED',
	refused: '⛔ REFUSED',
	'bad-input': '⛔ STOPPED: BAD INPUT',
};

const utcTime = (iso: string) => iso.slice(11, 19);
const commitLine = (commit: Commit) =>
	`- ${markdownCode(commit.shortHash)} ${commit.date.slice(0, 10)} ${markdownText(commit.author)}: ${markdownText(commit.subject)}`;

function header(state: RunState, config: Config): string[] {
	const finished = state.finished!;
	const {facts} = state;
	const title = state.kind === 'undo' ? 'Roll-forward (undo)' : state.kind === 'rehearsal' ? 'Rollback rehearsal' : 'Rollback';
	const lines = [`# ${title} report: ${markdownText(config.app.name)}`, ''];
	lines.push(
		`**Run:** ${state.runId}  `,
		`**Date:** ${(state.startedAt ?? finished.at).slice(0, 10)} (times are UTC)  `,
		`**Status:** ${OUTCOME_TITLE[finished.outcome]}  `,
	);
	lines.push(
		`**Duration:** ${formatDuration(finished.totalMs)}${finished.rollbackMs === null ? '' : ` (rollback itself: ${formatDuration(finished.rollbackMs)})`}  `,
	);
	if (state.identity.stage) lines.push(`**Stage:** ${markdownText(state.identity.stage)}  `);
	lines.push(`**Server:** ${markdownText(facts.sshTarget ?? config.ssh.host)}, ${markdownCode(facts.appDir ?? config.app.dir)}  `);
	if (facts.reason) lines.push(`**Reason given:** "${markdownText(facts.reason)}" (recorded in the server's release history)  `);
	if (facts.sshConnections !== undefined)
		lines.push(
			`**SSH connections opened:** ${facts.sshConnections}${facts.sshConnections > 1 ? ' (reconnected after a lost link)' : ''}; shell start-ups on the server: ${facts.shellStarts ?? '?'}${facts.transport ? ` (${facts.transport.kind})` : ''}; round trips for commands: ${facts.roundTrips ?? '?'}  `,
		);
	lines.push(`**Journal:** ${markdownCode(finished.journalPath ?? 'none')}`, '', '## Summary', '', markdownText(finished.message), '');
	if (facts.fromHead || facts.target) {
		lines.push(`- From: ${markdownCode(facts.fromHead ?? 'unknown')}${facts.fromBranch ? ` (${markdownText(facts.fromBranch)})` : ''}`);
		lines.push(`- To: ${markdownCode(facts.target?.hash ?? 'not chosen')}${facts.target ? ` ${markdownText(facts.target.subject)}` : ''}`);
		if (facts.remoteHeadAfter) lines.push(`- Server HEAD after: ${markdownCode(facts.remoteHeadAfter)}`);
		lines.push('');
	}
	return lines;
}

function criteriaAndTimeline(state: RunState): string[] {
	const finished = state.finished!;
	const lines = ['## Success criteria', '', '| Criterion | Status | Details |', '|---|---|---|'];
	for (const criterion of finished.criteria)
		lines.push(`| ${markdownCell(criterion.label)} | ${STATUS_MARK[criterion.status]} | ${markdownCell(criterion.detail)} |`);
	lines.push('', '## Timeline', '', '| Time (UTC) | Event | Duration |', '|---|---|---|');
	const titles = new Map(state.steps.map(step => [step.id, step.title]));
	const mark: Record<string, string> = {succeeded: '✓ ', failed: '✗ ', skipped: '– ', back: '↩ ', operator: 'Operator answered ', stop: '⏸ '};
	if (state.startedAt) lines.push(`| ${utcTime(state.startedAt)} | Run started (${state.kind}) | - |`);
	for (const entry of state.timeline) {
		const step =
			entry.stepId && entry.kind !== 'operator' && entry.kind !== 'back'
				? `${titles.get(entry.stepId) ?? entry.stepId}${entry.kind === 'skipped' ? ' skipped' : ''}: `
				: '';
		lines.push(
			`| ${utcTime(entry.at)} | ${markdownCell(`${mark[entry.kind] ?? ''}${step}${entry.text}`)} | ${entry.durationMs === undefined ? '-' : formatDuration(entry.durationMs)} |`,
		);
	}
	lines.push(`| ${utcTime(finished.at)} | **Run finished: ${finished.outcome}** | **${formatDuration(finished.totalMs)}** |`, '');
	return lines;
}

function commits(state: RunState): string[] {
	const impact = state.facts.impact;
	if (!impact) return [];
	const lines: string[] = [];
	if (impact.commitsAdded.length > 0)
		lines.push(`## Commits re-applied (${impact.commitsAdded.length})`, '', ...impact.commitsAdded.slice(0, 50).map(commitLine), '');
	if (impact.commitsUndone.length > 0) {
		lines.push(`## Commits undone (${impact.commitsUndone.length})`, '', ...impact.commitsUndone.slice(0, 50).map(commitLine));
		if (impact.commitsUndone.length > 50) lines.push(`- … and ${impact.commitsUndone.length - 50} more`);
		const flagged = impact.files.filter(file => file.flags.length > 0);
		if (flagged.length > 0) lines.push('', 'Files that need attention:', ...flagged.map(file => `- ${markdownCode(file.path)} (${file.flags.join(', ')})`));
		lines.push('');
	}
	return lines;
}

function backupAndSaves(state: RunState, config: Config): string[] {
	const {facts} = state;
	const lines = ['## Backup', ''];
	if (facts.backup) {
		lines.push(
			`- File on the server: ${markdownCode(facts.backup.path)}`,
			`- Size: ${formatBytes(facts.backup.bytes)}; sha256: ${markdownCode(facts.backup.sha256)}`,
		);
		lines.push(`- Verified: ${facts.backup.verified ? 'yes (exit 0, no errors, gzip -t, dump trailer present)' : 'NO'}`);
		if (facts.backup.localCopy) lines.push(`- Copy on this machine: ${markdownCode(facts.backup.localCopy.path)} (sha256 matches)`);
		lines.push('', 'Restore (this replaces the database contents):', '', '```sh', facts.backup.restoreCommand.replaceAll('`', "'"), '```');
	} else if (facts.backupOverride) {
		lines.push(`No backup: overridden by the operator at ${utcTime(facts.backupOverride.at)} UTC. Reason: "${markdownText(facts.backupOverride.reason)}"`);
	} else {
		lines.push(config.database ? 'No verified backup was made.' : 'No database in the config.');
	}
	lines.push('');
	if (facts.dirty || facts.atRisk?.archive) {
		lines.push('## Local changes saved before the reset', '');
		if (facts.dirty) {
			lines.push(`Files: ${facts.dirty.files.slice(0, 20).map(markdownCode).join(', ')}${facts.dirty.files.length > 20 ? ' …' : ''}`);
			if (facts.dirty.patchPath) lines.push(`- Patch: ${markdownCode(facts.dirty.patchPath)} (git apply)`);
			if (facts.dirty.untrackedArchive) lines.push(`- Untracked files: ${markdownCode(facts.dirty.untrackedArchive)} (tar -xzf)`);
			if (facts.dirty.stashCommit) lines.push(`- Stash commit: ${markdownCode(facts.dirty.stashCommit)} (git stash list)`);
		}
		if (facts.atRisk?.archive) {
			lines.push(`- Untracked or ignored files the target tracks (the reset overwrote them): ${markdownCode(facts.atRisk.archive)} (tar -xzf, modes kept)`);
			lines.push(`  ${facts.atRisk.files.slice(0, 20).map(markdownCode).join(', ')}${facts.atRisk.files.length > 20 ? ' …' : ''}`);
		}
		lines.push('');
	}
	if (facts.restored)
		lines.push(
			'## Restored by this undo',
			'',
			`${markdownText(facts.restored.items.join(', '))} saved by run ${markdownCode(facts.restored.from)}: ${facts.restored.verified ? 'checked, the working tree is as that run found it' : 'NOT as that run found it'}.`,
			'',
		);
	return lines;
}

/** The schema migrations: the plan, what was done (or why not), and the schema's difference. */
function migrations(state: RunState): string[] {
	const {facts} = state;
	const plan = migrationPlanOf(facts);
	if (!plan && !facts.migrationsFound) return [];
	const lines = ['## Schema migrations', ''];
	if (facts.migrationsFound)
		lines.push(`- Framework: ${facts.migrationsFound.kind}${facts.migrationsFound.dir ? ` (${markdownCode(facts.migrationsFound.dir)})` : ''}`);
	if (plan) {
		lines.push(`- Plan: ${markdownText(describePlan(plan))}`);
		for (const migration of plan.undo)
			lines.push(
				`  - undone: ${markdownCode(migration.revision)} ${markdownText(migration.message)}${migration.irreversible ? ` — **irreversible**: ${markdownText(migration.irreversible)}` : ''}${migration.touches.length > 0 ? ` (tables: ${migration.touches.map(markdownCode).join(', ')})` : ''}`,
			);
	}
	if (facts.migrated)
		lines.push(
			`- Done by ${facts.migrated.how} at ${utcTime(facts.migrated.at)} UTC: revision ${markdownCode(facts.migrated.from.join(', ') || 'base')} → ${markdownCode(facts.migrated.to.join(', ') || 'base')}`,
		);
	if (facts.migrationOverride)
		lines.push(
			`- **Schema left ahead of the code** by the operator at ${utcTime(facts.migrationOverride.at)} UTC. Reason: "${markdownText(facts.migrationOverride.reason)}"`,
		);
	if (facts.migrationRestore)
		lines.push(
			`- Restored ${markdownCode(facts.migrationRestore.path)} (taken ${utcTime(facts.migrationRestore.takenAt)} UTC): data written since then is gone from the database; this run's backup keeps it.`,
		);
	const schema =
		facts.fingerprintBefore && facts.fingerprintAfter
			? diffFingerprints(facts.fingerprintBefore, facts.fingerprintAfter).filter(difference => difference.kind !== 'checksum' && difference.kind !== 'rows')
			: [];
	if (schema.length > 0)
		lines.push('', 'Schema difference (before → after):', '', ...schema.map(difference => `- ${markdownText(describeDifference(difference))}`));
	lines.push('');
	return lines;
}

function databaseAndSite(state: RunState): string[] {
	const {facts} = state;
	const lines: string[] = [...migrations(state)];
	if (facts.fingerprintBefore) {
		const after = facts.fingerprintAfter;
		lines.push('## Database fingerprint', '', '| Table | Rows before | Rows after | Checksum before | Checksum after |', '|---|---|---|---|---|');
		const afterByName = new Map(after?.tables.map(table => [table.name, table]) ?? []);
		for (const table of facts.fingerprintBefore.tables) {
			const now = afterByName.get(table.name);
			lines.push(
				`| ${markdownCell(table.name)} | ${table.rows} | ${now?.rows ?? '-'} | ${markdownCell(table.checksum ?? '-')} | ${markdownCell(now?.checksum ?? '-')} |`,
			);
		}
		if (after) {
			const differences = diffFingerprints(facts.fingerprintBefore, after);
			lines.push(
				'',
				differences.length === 0
					? 'Database unchanged (schema, rows and checksums).'
					: `Differences: ${markdownText(differences.map(describeDifference).join('; '))}`,
			);
		}
		lines.push('');
	}
	if (facts.http) {
		lines.push('## Site checks', '', `URL: ${markdownCode(facts.http.url)}`, '');
		for (const observation of facts.http.observations.slice(-10))
			lines.push(`- ${utcTime(observation.at)} attempt ${observation.attempt}: ${observation.status ?? 'no answer'} ${markdownText(observation.note)}`);
		lines.push('');
	}
	return lines;
}

function findingsAndCommands(state: RunState): string[] {
	const lines = ['## Findings', ''];
	const warnings = state.log.filter(entry => entry.kind === 'note' && (entry.level === 'warning' || entry.level === 'error'));
	const wrongTurns = state.log.filter(entry => entry.kind === 'wrong-turn');
	if (state.hints.length === 0 && warnings.length === 0 && wrongTurns.length === 0)
		lines.push('Nothing to report: no warning was raised and no known problem was recognised.');
	for (const hint of state.hints) lines.push(`- ${hint.severity === 'warning' ? '🟡' : '🔴'} **${markdownText(hint.title)}.** ${markdownText(hint.advice)}`);
	for (const entry of warnings) if (entry.kind === 'note') lines.push(`- ${entry.level === 'error' ? '🔴' : '🟡'} ${markdownText(entry.text)}`);
	for (const entry of wrongTurns) if (entry.kind === 'wrong-turn') lines.push(`- ↩ Wrong turn: ${markdownText(entry.text)}`);
	lines.push('', '## Commands', '', '| Time (UTC) | Where | Command | Exit | Duration |', '|---|---|---|---|---|');
	for (const command of state.commands) {
		if (command.durationMs === undefined) continue;
		const display = command.display.split('\n').join(' ⏎ ');
		const shown = display.length > 300 ? `${display.slice(0, 300)}…` : display;
		lines.push(
			`| ${utcTime(command.startedAt)} | ${command.where} | ${markdownCodeCell(shown)} | ${command.exitCode ?? (command.error ? 'lost' : '-')} | ${formatDuration(command.durationMs)} |`,
		);
	}
	lines.push('');
	return lines;
}

/** The report of a finished run (`extra`: sections a session adds, such as the rehearsal's scorecard). */
export function renderReport(state: RunState, config: Config, extra = ''): string {
	if (!state.finished) throw new Error('the run has not finished');
	return [
		...header(state, config),
		...criteriaAndTimeline(state),
		...commits(state),
		...backupAndSaves(state, config),
		...databaseAndSite(state),
		...findingsAndCommands(state),
		...(extra ? [extra, ''] : []),
	].join('\n');
}
