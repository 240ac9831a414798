/**
 * Restore saved changes (undo only): after the undo's reset, what the rollback saved before its own
 * reset comes back — the uncommitted changes (its stash, or its patch), its untracked files, and the
 * untracked or ignored files the rollback's target tracked — then the result is checked against
 * what the rollback's preflight saw. A change that no longer applies stops here, naming where the
 * saved copies are; nothing is half-applied.
 */
import {inDir, joinCommands, placeholder, remotePath, sh, type ShellCommand} from '../command.js';
import {framed, readFrames} from '../frames.js';
import {expandedPaths, FILES_DIGEST, STATUS_DIGEST} from '../git-commands.js';
import {appDir} from '../paths.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {serverCommand, type PlannedCommand} from '../types.js';

function restoreCommands(view: PlanView): PlannedCommand[] {
	const saved = view.facts.undoOf;
	const parts: ShellCommand[] = [];
	const patch = saved?.dirty?.patchPath;
	const stash = saved?.dirty?.stashCommit;
	if (patch)
		parts.push(
			sh`git apply --check --index ${remotePath(patch)} 2>&1 || { echo ${`rewind: the saved changes no longer apply cleanly (${patch})`} >&2; exit 6; }`,
		);
	if (stash)
		parts.push(
			sh`if git cat-file -e ${`${stash}^{commit}`} 2>/dev/null; then git stash apply --index ${stash} >/dev/null; else git apply --index ${remotePath(patch ?? '')}; fi || exit 6`,
		);
	else if (patch) parts.push(sh`git apply --index ${remotePath(patch)} || exit 6`);
	if (saved?.dirty?.untrackedArchive) parts.push(sh`tar -xzf ${remotePath(saved.dirty.untrackedArchive)} --skip-old-files`);
	if (saved?.atRisk?.archive) parts.push(sh`tar -xzf ${remotePath(saved.atRisk.archive)}`);
	// What git and tar print goes to stderr: stdout carries only the framed digests.
	const digests = framed([
		['status-digest', STATUS_DIGEST],
		['files-digest', saved?.atRisk?.files.length ? sh`${expandedPaths(saved.atRisk.files)} | ${FILES_DIGEST}` : sh`:`],
	]);
	const body = parts.length > 0 ? sh`{ ${joinCommands(parts, ' && ')}; } >&2 && ${digests}` : sh`echo ${placeholder('nothing saved')}`;
	return [serverCommand('restore', 'put back what the rollback saved before its reset, and check it', inDir(appDir(view), body))];
}

export const restoreStep: StepDefinition = {
	id: 'restore',
	title: 'Restore changes',
	purpose: 'Puts back what the rollback saved before its reset (uncommitted changes, untracked and ignored files), checked against what the rollback saw.',
	scope: 'server',
	interruptible: false,
	reads: ['undoOf'],
	writes: ['restored'],
	commands: restoreCommands,
	skip(context) {
		const saved = context.facts.undoOf;
		return saved?.dirty || saved?.atRisk?.archive ? undefined : 'the rollback saved no local changes';
	},
	async run(context: StepContext) {
		const saved = context.facts.undoOf!;
		const copies = [
			saved.dirty?.patchPath,
			saved.dirty?.stashCommit && `stash ${saved.dirty.stashCommit.slice(0, 12)}`,
			saved.dirty?.untrackedArchive,
			saved.atRisk?.archive,
		]
			.filter(Boolean)
			.join(', ');
		const result = await context.run('restore', {allowFailure: true});
		if (result.exitCode !== 0) {
			throw new Error(
				`the changes the rollback saved could not be put back (exit ${result.exitCode ?? result.exitSignal}): ${result.stderr.trim().split('\n').slice(-2).join(' ')}. Nothing was half-applied; the saved copies are ${copies}.`,
			);
		}
		const digests = readFrames(result.stdout, ['status-digest', 'files-digest'], 'put back what the rollback saved');
		const value = (part: 'status-digest' | 'files-digest') => (digests[part].status === 0 ? digests[part].text.trim() : undefined);
		const statusOk = saved.statusDigestBefore === undefined || value('status-digest') === saved.statusDigestBefore;
		const filesOk = !saved.atRisk?.files.length || value('files-digest') === saved.atRisk.digest;
		const items = [
			saved.dirty ? `${saved.dirty.files.length} uncommitted change${saved.dirty.files.length === 1 ? '' : 's'}` : '',
			saved.atRisk?.files.length ? `${saved.atRisk.files.length} file${saved.atRisk.files.length === 1 ? '' : 's'} the target tracked` : '',
		].filter(Boolean);
		context.setFacts({restored: {from: saved.runId, items, verified: statusOk && filesOk}});
		if (!statusOk || !filesOk) {
			throw new Error(
				`the working tree after restoring differs from what the rollback saw (${statusOk ? '' : 'git status differs'}${!statusOk && !filesOk ? '; ' : ''}${filesOk ? '' : 'saved files differ'}). Compare with the saved copies: ${copies}.`,
			);
		}
		return `restored ${items.join(' and ')}; the working tree is as the rollback found it`;
	},
	criteria({facts, stateOf}) {
		const {state} = stateOf('restore');
		if (state === 'pending' || state === 'skipped') return [];
		const label = 'Saved changes restored';
		return [
			{
				id: 'restored',
				label,
				status: state === 'succeeded' && facts.restored?.verified ? 'pass' : 'fail',
				detail: facts.restored ? `${facts.restored.items.join(', ')} from run ${facts.restored.from}` : 'not restored',
			},
		];
	},
};
