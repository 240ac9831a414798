/**
 * The success criteria of a rollback, modelled on the seed report's table: each check, its
 * status and the detail that proves it. Computed from the run's facts and step results only.
 */
import type {Config} from './config/schema.js';
import {describeDifference, diffFingerprints, isDataLoss} from './fingerprint.js';
import type {Criterion, Outcome, RunFacts, StepId} from './types.js';

type StepRecordView = {readonly state: 'pending' | 'succeeded' | 'failed' | 'skipped'; readonly skipReason?: string};

/** The seed's target for the rollback itself. */
export const ROLLBACK_TARGET_MS = 5 * 60 * 1000;

export function computeCriteria(config: Config, facts: RunFacts, records: ReadonlyMap<StepId, StepRecordView>): Criterion[] {
	const state = (id: StepId) => records.get(id)?.state ?? 'pending';
	const criteria: Criterion[] = [];
	const resetReached = state('reset') !== 'pending';

	if (!config.database) {
		criteria.push({id: 'backup', label: 'Database backed up and verified', status: 'skip', detail: 'no database in the config'});
	} else if (facts.backup?.verified) {
		const backup = facts.backup;
		criteria.push({
			id: 'backup',
			label: 'Database backed up and verified',
			status: 'pass',
			detail: `${backup.path} (${formatBytes(backup.bytes)}, sha256 ${backup.sha256.slice(0, 12)}…)`,
		});
	} else if (facts.backupOverride) {
		criteria.push({id: 'backup', label: 'Database backed up and verified', status: 'warn', detail: `overridden by the operator: ${facts.backupOverride.reason}`});
	} else {
		criteria.push({
			id: 'backup',
			label: 'Database backed up and verified',
			status: state('backup') === 'pending' ? 'skip' : 'fail',
			detail: state('backup') === 'pending' ? 'not reached' : 'no verified backup',
		});
	}

	if (state('preflight') === 'succeeded') {
		criteria.push(
			facts.dirty
				? {
						id: 'uncommitted',
						label: 'Uncommitted server changes saved',
						status: 'pass',
						detail: [facts.dirty.patchPath, facts.dirty.untrackedArchive, facts.dirty.stashCommit ? `stash ${facts.dirty.stashCommit.slice(0, 12)}` : undefined]
							.filter(Boolean)
							.join(', '),
					}
				: {id: 'uncommitted', label: 'Uncommitted server changes saved', status: 'pass', detail: 'the working tree was clean'},
		);
	}

	const target = facts.target;
	if (target && facts.remoteHeadAfter) {
		const ok = facts.remoteHeadAfter === target.hash;
		criteria.push({
			id: 'rolled-back',
			label: 'Server HEAD is the target commit',
			status: ok ? 'pass' : 'fail',
			detail: ok ? `${target.shortHash} ${target.subject}` : `HEAD is ${facts.remoteHeadAfter.slice(0, 12)}, expected ${target.shortHash}`,
		});
	} else {
		criteria.push({
			id: 'rolled-back',
			label: 'Server HEAD is the target commit',
			status: resetReached ? 'fail' : 'skip',
			detail: resetReached ? 'not confirmed' : 'the reset did not run',
		});
	}

	const build = state('build');
	criteria.push({
		id: 'assets',
		label: 'Front-end assets rebuilt',
		status: build === 'succeeded' ? 'pass' : build === 'failed' ? 'fail' : build === 'skipped' && config.build.commands.length === 0 ? 'warn' : 'skip',
		detail:
			build === 'succeeded'
				? config.build.commands.join(' && ') + (config.build.cleanInstall ? ' (clean install)' : '')
				: build === 'failed'
					? 'the build failed'
					: (records.get('build')?.skipReason ?? 'not reached'),
	});

	const reload = state('reload');
	criteria.push({
		id: 'reloaded',
		label: 'Web app reloaded',
		status: reload === 'succeeded' ? (facts.reloadWarning ? 'warn' : 'pass') : reload === 'failed' ? 'fail' : 'skip',
		detail: reload === 'succeeded' ? (facts.reloadWarning ?? `by ${config.reload.method}`) : reload === 'failed' ? 'the reload failed' : (records.get('reload')?.skipReason ?? 'not reached'),
	});

	const http = facts.http;
	if (http) {
		criteria.push({
			id: 'site-status',
			label: 'Site answers 200',
			status: http.finalStatus === 200 ? 'pass' : 'fail',
			detail: `${http.url} → ${http.finalStatus ?? 'no answer'} after ${http.observations.length} request${http.observations.length === 1 ? '' : 's'}`,
		});
		for (const check of http.checks) {
			criteria.push({
				id: check.kind === 'contains' ? 'site-expected' : 'site-forbidden',
				label: check.kind === 'contains' ? `Page shows "${check.text}"` : `Page no longer shows "${check.text}"`,
				status: check.ok ? 'pass' : 'fail',
				detail: check.ok ? (check.kind === 'contains' ? 'present' : 'absent') : check.kind === 'contains' ? 'missing' : 'still present',
			});
		}
	} else {
		criteria.push({id: 'site-status', label: 'Site answers 200', status: 'skip', detail: 'not checked'});
	}

	if (facts.fingerprintBefore && facts.fingerprintAfter) {
		const differences = diffFingerprints(facts.fingerprintBefore, facts.fingerprintAfter);
		const loss = differences.some(isDataLoss);
		criteria.push({
			id: 'database',
			label: 'Database intact',
			status: differences.length === 0 ? 'pass' : loss ? 'fail' : 'warn',
			detail:
				differences.length === 0
					? `database unchanged (${facts.fingerprintAfter.tables.length} tables, row counts and checksums equal)`
					: differences.map(describeDifference).join('; '),
		});
	} else if (config.database?.fingerprint) {
		criteria.push({id: 'database', label: 'Database intact', status: 'skip', detail: facts.fingerprintBefore ? 'not compared: verification did not run' : 'no fingerprint taken'});
	}

	if (facts.rollbackStartedAt && facts.rollbackFinishedAt) {
		const ms = Date.parse(facts.rollbackFinishedAt) - Date.parse(facts.rollbackStartedAt);
		criteria.push({
			id: 'rollback-time',
			label: 'Rollback time under 5 min',
			status: ms <= ROLLBACK_TARGET_MS ? 'pass' : 'warn',
			detail: `${formatDuration(ms)} from reset to verified`,
		});
	}
	return criteria;
}

/** A run whose steps all succeeded but with a failed check did not succeed. */
export function outcomeOf(outcome: Outcome, criteria: readonly Criterion[]): Outcome {
	if (outcome === 'succeeded' && criteria.some(criterion => criterion.status === 'fail')) return 'verification-failed';
	return outcome;
}

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
	if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
	const minutes = Math.floor(ms / 60_000);
	const seconds = Math.round((ms % 60_000) / 1000);
	return `${minutes} min ${seconds} s`;
}
