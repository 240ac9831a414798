/**
 * Preflight: where the server is now (HEAD, branch, working tree, disk, build setup) in one round
 * trip, and, if the working tree has changes, saving them before anything can destroy them.
 */
import {createHash} from 'node:crypto';
import {OperatorAborted, UserError} from '../errors.js';
import {parseStatusZ} from '../git.js';
import {DIRTY_TREE_HINT} from '../hints.js';
import {inDir, joinRemote, remotePath, shq} from '../shell.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {EXIT, type PlannedCommand} from '../types.js';

const STATUS = `git status --porcelain=v1 -z --untracked-files=all`;
/** sha256 of the status output, as the server computes it; the reset refuses if it changed. */
export const STATUS_DIGEST = `${STATUS} | sha256sum | cut -c1-64`;
const LOW_DISK_KB = 200 * 1024;

export function savesDir(view: PlanView): string {
	return view.config.database?.backupDir ?? '~/backups';
}

function saveNames(view: PlanView) {
	const base = joinRemote(savesDir(view), `${view.config.app.name}-${view.stamp}-uncommitted`);
	return {patch: `${base}.patch`, untracked: `${base}-untracked.tar.gz`};
}

function preflightCommands(view: PlanView): PlannedCommand[] {
	const dir = view.config.app.dir;
	const names = saveNames(view);
	return [
		{
			id: 'inspect',
			where: 'server',
			purpose: 'read HEAD, branch, working tree and disk space',
			display: inDir(
				dir,
				[
					`printf 'head=%s\\n' "$(git rev-parse HEAD)"`,
					`printf 'branch=%s\\n' "$(git rev-parse --abbrev-ref HEAD)"`,
					`printf 'disk_kb=%s\\n' "$(df -Pk . | awk 'NR==2 {print $4}')"`,
					`printf 'build_script=%s\\n' "$(grep -qs '"build"[[:space:]]*:' package.json && echo yes || echo no)"`,
					`printf 'dist_ignored=%s\\n' "$(git check-ignore -q dist && echo yes || echo no)"`,
					`printf 'status\\n'`,
					STATUS,
				].join(' && '),
			),
		},
		{
			id: 'save-dirty',
			where: 'server',
			purpose: 'save uncommitted changes before the reset (patch, untracked files, stash commit)',
			display: inDir(
				dir,
				[
					`umask 077 && mkdir -p ${remotePath(savesDir(view))}`,
					`git diff HEAD --binary > ${remotePath(names.patch)}`,
					`if [ -n "$(git ls-files --others --exclude-standard)" ]; then git ls-files --others --exclude-standard -z | tar --null -T - -czf ${remotePath(names.untracked)} && echo untracked=${shq(names.untracked)}; fi`,
					`stash=$(git stash create ${shq(`rewind ${view.runId}: uncommitted changes before rollback`)})`,
					`if [ -n "$stash" ]; then git stash store -m ${shq(`rewind ${view.runId}: before rollback`)} "$stash" && echo stash=$stash; fi`,
					`echo patch=${shq(names.patch)}`,
					`echo digest=$(${STATUS_DIGEST})`,
				].join(' && '),
			),
		},
	];
}

export type ServerState = {
	readonly head: string;
	readonly branch: string;
	readonly diskKb: number | null;
	readonly buildScript: boolean;
	readonly distIgnored: boolean;
	readonly statusRaw: string;
};

export function parseInspect(stdout: string): ServerState {
	const marker = stdout.indexOf('status\n');
	const header = marker === -1 ? stdout : stdout.slice(0, marker);
	const values = new Map<string, string>();
	for (const line of header.split('\n')) {
		const equals = line.indexOf('=');
		if (equals > 0) values.set(line.slice(0, equals), line.slice(equals + 1));
	}
	const disk = Number(values.get('disk_kb'));
	return {
		head: values.get('head') ?? '',
		branch: values.get('branch') ?? '',
		diskKb: Number.isFinite(disk) && values.get('disk_kb') !== '' ? disk : null,
		buildScript: values.get('build_script') === 'yes',
		distIgnored: values.get('dist_ignored') === 'yes',
		statusRaw: marker === -1 ? '' : stdout.slice(marker + 'status\n'.length),
	};
}

export function statusDigest(statusRaw: string): string {
	return createHash('sha256').update(statusRaw, 'utf8').digest('hex');
}

export const preflightStep: StepDefinition = {
	id: 'preflight',
	title: 'Preflight',
	interruptible: true,
	commands: preflightCommands,
	async run(context: StepContext) {
		const state = parseInspect((await context.run('inspect', {stream: false})).stdout);
		if (!/^[0-9a-f]{40,64}$/.test(state.head)) throw new Error(`could not read HEAD in ${context.config.app.dir} (got "${state.head}"): is it a git checkout with at least one commit?`);
		if (context.kind === 'resume' && context.facts.fromHead && context.facts.target) {
			// A resumed run trusts the server, not the journal: HEAD must be where the run started or where it was going.
			if (state.head === context.facts.target.hash) {
				context.note('info', `The server is already at the target ${context.facts.target.shortHash}: the reset of the interrupted run finished.`);
			} else if (state.head !== context.facts.fromHead) {
				throw new UserError(
					`The server's HEAD is ${state.head.slice(0, 12)}, neither where the interrupted run started (${context.facts.fromHead.slice(0, 12)}) ` +
						`nor its target (${context.facts.target.shortHash}). Someone changed the server since: start a new rollback instead of resuming.`,
					EXIT.refused,
				);
			}
		} else {
			context.setFacts({fromHead: state.head, fromBranch: state.branch});
		}
		context.setFacts({appDir: context.config.app.dir});
		const atTarget = context.kind === 'resume' && state.head === context.facts.target?.hash;
		if (state.branch === 'HEAD') context.note('warning', 'The server checkout is on a detached HEAD: the reset will move it, but no branch follows.');
		else if (context.config.app.branch && context.config.app.branch !== state.branch) {
			context.note('warning', `The server is on branch ${state.branch}, the config says ${context.config.app.branch}.`);
		}
		if (state.diskKb !== null && state.diskKb < LOW_DISK_KB) context.note('warning', `Only ${Math.round(state.diskKb / 1024)} MiB free on the server: the backup may not fit.`);
		if (state.buildScript && state.distIgnored && context.config.build.commands.length === 0) {
			context.note(
				'warning',
				'package.json has a build script and dist/ is gitignored, but no build commands are configured: the reset will not update the built assets.',
			);
		}
		const entries = parseStatusZ(state.statusRaw);
		let dirtyNote = 'working tree clean';
		if (entries.length > 0 && !atTarget) {
			const files = entries.map(entry => `${entry.code.trim() || '??'} ${entry.path}`);
			context.hint(DIRTY_TREE_HINT);
			context.note('warning', `The server has ${entries.length} uncommitted change${entries.length === 1 ? '' : 's'}: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}. git reset --hard would destroy them.`);
			const answer = await context.ask({kind: 'dirty-tree', files});
			if (answer !== 'save') throw new OperatorAborted('the uncommitted changes were left untouched');
			const saved = (await context.run('save-dirty', {stream: false})).stdout;
			const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(saved)?.[1];
			const digest = value('digest') ?? statusDigest(state.statusRaw);
			const stash = value('stash');
			const untracked = value('untracked');
			context.setFacts({
				dirty: {
					files,
					patchPath: value('patch') ?? saveNames(context).patch,
					...(untracked ? {untrackedArchive: untracked} : {}),
					...(stash ? {stashCommit: stash} : {}),
					statusDigest: digest,
				},
			});
			dirtyNote = `${entries.length} uncommitted change${entries.length === 1 ? '' : 's'} saved`;
		}
		const disk = state.diskKb === null ? '' : `, ${(state.diskKb / 1024 / 1024).toFixed(1)} GiB free`;
		return `HEAD ${state.head.slice(0, 7)} on ${state.branch}, ${dirtyNote}${disk}`;
	},
};
