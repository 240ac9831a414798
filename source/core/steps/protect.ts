/**
 * Save local changes: before anything can destroy them, everything the reset would touch is saved
 * on the server. Uncommitted changes (a patch, a stash commit, an archive of untracked files), and
 * untracked or ignored files at paths the target tracks (an archive with their modes) — which git
 * status does not show and `git reset --hard` silently overwrites.
 */
import {atRiskPaths} from '../at-risk.js';
import {inDir, joinCommands, placeholder, remotePath, sh} from '../command.js';
import {OperatorAborted} from '../errors.js';
import {framed, nulRecords, readFrames, ServerOutputError} from '../frames.js';
import {expandedPaths, FILES_DIGEST, STATUS, STATUS_DIGEST} from '../git-commands.js';
import {parseStatusZ} from '../git.js';
import {appDir, backupDir, savePath} from '../paths.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {readOnlyCommand, serverCommand, type Hint, type PlannedCommand} from '../types.js';

const INSPECT_PARTS = ['status', 'ignored', 'tree'] as const;
const DIRTY_PARTS = ['untracked', 'stash', 'patch', 'digest'] as const;
const AT_RISK_PARTS = ['archive', 'digest'] as const;

export const DIRTY_TREE_HINT: Hint = {
	id: 'dirty-tree',
	title: 'the server has uncommitted changes',
	advice:
		'git reset --hard would destroy the changes to tracked files. rewind saves a patch, a stash commit and an archive of the untracked files first; the report lists where.',
	severity: 'warning',
};

function protectCommands(view: PlanView): PlannedCommand[] {
	const dir = appDir(view);
	const target = view.facts.target?.hash ?? placeholder('target');
	const atRisk = view.facts.atRisk?.files ?? [];
	const files = atRisk.length > 0 ? expandedPaths(atRisk) : sh`printf '%s\\0' ${placeholder('files')}`;
	return [
		readOnlyCommand(
			'inspect',
			'list uncommitted changes, and untracked and ignored files against the target’s tree',
			inDir(
				dir,
				framed([
					['status', STATUS],
					['ignored', sh`git ls-files -z --others --ignored --exclude-standard --directory`],
					['tree', sh`git ls-tree -r -z --name-only ${target}`],
				]),
			),
		),
		serverCommand(
			'save-dirty',
			'save uncommitted changes before the reset (patch, untracked files, stash commit)',
			inDir(
				dir,
				joinCommands(
					[
						sh`umask 077 && mkdir -p ${remotePath(backupDir(view))}`,
						sh`git diff HEAD --binary > ${savePath(view, 'uncommitted.patch')}`,
						sh`u=; if [ -n "$(git ls-files --others --exclude-standard)" ]; then git ls-files --others --exclude-standard -z | tar --null -T - -czf ${savePath(view, 'untracked.tar.gz')} && u=${savePath(view, 'untracked.tar.gz').toString()}; fi`,
						sh`stash=$(git stash create ${`rewind ${view.runId}: uncommitted changes before rollback`})`,
						sh`if [ -n "$stash" ]; then git stash store -m ${`rewind ${view.runId}: before rollback`} "$stash"; fi`,
						framed([
							['untracked', sh`printf '%s' "$u"`],
							['stash', sh`printf '%s' "$stash"`],
							['patch', sh`printf '%s' ${savePath(view, 'uncommitted.patch').toString()}`],
							['digest', STATUS_DIGEST],
						]),
					],
					' && ',
				),
			),
		),
		serverCommand(
			'save-at-risk',
			'save the untracked and ignored files the target tracks (archive with modes)',
			inDir(
				dir,
				joinCommands(
					[
						sh`umask 077 && mkdir -p ${remotePath(backupDir(view))}`,
						sh`${files} | tar --null -T - -czf ${savePath(view, 'tracked-at-target.tar.gz')}`,
						framed([
							['archive', sh`printf '%s' ${savePath(view, 'tracked-at-target.tar.gz').toString()}`],
							['digest', sh`${files} | ${FILES_DIGEST}`],
						]),
					],
					' && ',
				),
			),
		),
	];
}

/** A framed answer's parts as one-line values; every part must have succeeded. */
function savedValues<Name extends string>(stdout: string, names: readonly Name[], what: string): Record<Name, string> {
	const parts = readFrames(stdout, names, what);
	return Object.fromEntries(
		names.map(name => {
			if (parts[name].status !== 0) throw new ServerOutputError(what, `its part "${name}" failed (exit ${parts[name].status})`);
			return [name, parts[name].text.trim()];
		}),
	) as Record<Name, string>;
}

async function saveDirty(context: StepContext, files: string[]): Promise<string> {
	const tracked = files.filter(file => !file.startsWith('?? ')).length;
	context.hint(DIRTY_TREE_HINT);
	const what =
		tracked > 0
			? `${tracked} uncommitted change${tracked === 1 ? '' : 's'} that git reset --hard would destroy`
			: 'untracked files (the reset keeps them; they are archived anyway)';
	context.note('warning', `The server has ${what}: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}.`);
	const answer = await context.ask({kind: 'dirty-tree', files});
	if (answer !== 'save') throw new OperatorAborted('the uncommitted changes were left untouched');
	const saved = savedValues((await context.run('save-dirty', {stream: false})).stdout, DIRTY_PARTS, 'save uncommitted changes');
	if (saved.stash !== '' && !/^[0-9a-f]{40,64}$/.test(saved.stash)) throw new ServerOutputError('save uncommitted changes', 'the stash is not a commit id');
	context.setFacts({
		dirty: {
			files,
			patchPath: saved.patch,
			...(saved.untracked ? {untrackedArchive: saved.untracked} : {}),
			...(saved.stash ? {stashCommit: saved.stash} : {}),
			statusDigest: saved.digest,
		},
	});
	return `${files.length} change${files.length === 1 ? '' : 's'} saved`;
}

export const protectStep: StepDefinition = {
	id: 'protect',
	title: 'Save changes',
	purpose: 'Saves everything the reset would destroy or overwrite: uncommitted changes, and untracked or ignored files that the target commit tracks.',
	scope: 'server',
	interruptible: true,
	reads: ['target', 'fromHead'],
	writes: ['dirty', 'atRisk'],
	commands: protectCommands,
	skip(context) {
		return context.kind === 'resume' && context.facts.remoteHeadAfter === context.facts.target?.hash && context.facts.target !== undefined
			? 'the reset of the interrupted run already ran'
			: undefined;
	},
	async run(context: StepContext) {
		const what = 'list uncommitted changes, and untracked and ignored files against the target’s tree';
		const parts = readFrames((await context.run('inspect', {stream: false})).stdout, INSPECT_PARTS, what);
		for (const name of INSPECT_PARTS) if (parts[name].status !== 0) throw new ServerOutputError(what, `its part "${name}" failed (exit ${parts[name].status})`);
		const entries = parseStatusZ(parts.status.text);
		const paths = (text: string) => nulRecords(text, 1, what).map(([path = '']) => path);
		const atRisk = atRiskPaths(
			entries.filter(entry => entry.untracked).map(entry => entry.path),
			paths(parts.ignored.text),
			paths(parts.tree.text),
		);
		const results: string[] = [];
		if (entries.length > 0)
			results.push(
				await saveDirty(
					context,
					entries.map(entry => `${entry.code.trim() || '??'} ${entry.path}`),
				),
			);
		if (atRisk.length > 0) {
			context.setFacts({atRisk: {files: atRisk, archive: '', digest: ''}});
			const saved = savedValues((await context.run('save-at-risk', {stream: false})).stdout, AT_RISK_PARTS, 'save the files the target tracks');
			context.setFacts({atRisk: {files: atRisk, archive: saved.archive, digest: saved.digest}});
			context.note(
				'warning',
				`${atRisk.length} untracked or ignored file${atRisk.length === 1 ? '' : 's'} that the target tracks (the reset would overwrite ${atRisk.length === 1 ? 'it' : 'them'}): ${atRisk.slice(0, 5).join(', ')}${atRisk.length > 5 ? ', …' : ''}. Saved to ${saved.archive}.`,
			);
			results.push(`${atRisk.length} file${atRisk.length === 1 ? '' : 's'} the target tracks archived`);
		}
		return results.length === 0 ? 'nothing to save: the working tree is clean and the target overwrites no untracked or ignored file' : results.join('; ');
	},
	criteria({facts, stateOf}) {
		const state = stateOf('protect').state;
		if (state === 'pending' && stateOf('preflight').state !== 'succeeded') return [];
		const saved = [
			facts.dirty?.patchPath,
			facts.dirty?.untrackedArchive,
			facts.dirty?.stashCommit ? `stash ${facts.dirty.stashCommit.slice(0, 12)}` : undefined,
			facts.atRisk?.archive
				? `${facts.atRisk.archive} (${facts.atRisk.files.length} untracked/ignored file${facts.atRisk.files.length === 1 ? '' : 's'} the target tracks)`
				: undefined,
		].filter(Boolean);
		const label = 'Uncommitted server changes saved';
		if (state === 'succeeded' || state === 'skipped')
			return [{id: 'uncommitted', label, status: 'pass', detail: saved.length > 0 ? saved.join(', ') : 'nothing to save: the working tree was clean'}];
		return [
			{id: 'uncommitted', label, status: state === 'failed' ? 'fail' : 'skip', detail: state === 'failed' ? 'the changes could not be saved' : 'not reached'},
		];
	},
};
