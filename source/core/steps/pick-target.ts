/**
 * Picking the commit to roll back to, from the server's own git log (paged, so a repository of
 * 100 000 commits opens as fast as one of 50), with what each choice would undo.
 */
import {OperatorAborted, UserError} from '../errors.js';
import {LOG_FORMAT, parseGitLog, parseNumstatZ, FLAG_LABELS} from '../git.js';
import {GIT_LOG, inDir, shq} from '../shell.js';
import {known, type PlanView, type StepContext, type StepDefinition} from '../step.js';
import type {ChangeFlag, Commit, CommitSource, PlannedCommand, RollbackImpact} from '../types.js';

const SECTION = '\u001D\u001D';

export function logPageCommand(view: PlanView, offset: number | string, count: number | string): PlannedCommand {
	return {
		id: 'log-page',
		where: 'server',
		purpose: 'list commits for the picker',
		display: inDir(view.config.app.dir, `${GIT_LOG} --format=${shq(LOG_FORMAT)} -n ${count} --skip=${offset} HEAD --`),
	};
}

export function searchCommand(view: PlanView, query: string, limit: number | string): PlannedCommand {
	return {
		id: 'search',
		where: 'server',
		purpose: 'search the history',
		display: inDir(view.config.app.dir, `${GIT_LOG} --format=${shq(LOG_FORMAT)} HEAD -- | grep -i -F -e ${shq(query)} | head -n ${limit}`),
	};
}

export function impactCommand(view: PlanView, target: string): PlannedCommand {
	const t = shq(target);
	return {
		id: 'impact',
		where: 'server',
		purpose: 'what the rollback would undo',
		display: inDir(
			view.config.app.dir,
			`${GIT_LOG} --format=${shq(LOG_FORMAT)} ${t}..HEAD -- ; printf '${'\\035\\035'}'; ${GIT_LOG} --format=${shq(LOG_FORMAT)} HEAD..${t} -- ; printf '${'\\035\\035'}'; ` +
				`git diff --numstat -z ${t} HEAD -- ; printf '${'\\035\\035'}'; git merge-base --is-ancestor ${t} HEAD && echo ancestor || echo not-ancestor`,
		),
	};
}

export function resolveCommand(view: PlanView, ref: string): PlannedCommand {
	return {
		id: 'resolve',
		where: 'server',
		purpose: 'resolve the target commit',
		display: inDir(view.config.app.dir, `${GIT_LOG} -1 --format=${shq(LOG_FORMAT)} ${shq(`${ref}^{commit}`)} --`),
	};
}

export function parseImpact(target: string, stdout: string): RollbackImpact {
	const [undone = '', added = '', numstat = '', ancestry = ''] = stdout.split(SECTION);
	return {
		target,
		commitsUndone: parseGitLog(undone),
		commitsAdded: parseGitLog(added),
		files: parseNumstatZ(numstat),
		targetIsAncestor: ancestry.trim() === 'ancestor',
	};
}

export function impactWarnings(impact: RollbackImpact): string[] {
	const flags = new Set<ChangeFlag>(impact.files.flatMap(file => file.flags));
	return [...flags].map(flag => FLAG_LABELS[flag]);
}

const PAGE_LIMIT = 500;

/** The picker's view of the server's history; every call runs a declared command over the one connection. */
function commitSource(context: StepContext, head: string): CommitSource {
	const run = (planned: PlannedCommand) => context.runPlanned(planned, {stream: false, quiet: true});
	return {
		head,
		async page(offset, count) {
			const safeCount = Math.min(Math.max(1, Math.floor(count)), PAGE_LIMIT);
			const commits = parseGitLog((await run(logPageCommand(context, Math.max(0, Math.floor(offset)), safeCount + 1))).stdout);
			return {commits: commits.slice(0, safeCount), hasMore: commits.length > safeCount};
		},
		async search(query, limit) {
			if (query.trim() === '') return [];
			return parseGitLog((await run(searchCommand(context, query, Math.min(Math.max(1, limit), PAGE_LIMIT)))).stdout);
		},
		async impact(target) {
			return parseImpact(target, (await run(impactCommand(context, target))).stdout);
		},
	};
}

async function resolveTarget(context: StepContext, ref: string): Promise<Commit> {
	const result = await context.runPlanned(resolveCommand(context, ref), {stream: false, allowFailure: true});
	const [commit] = parseGitLog(result.stdout);
	if (result.exitCode !== 0 || !commit) {
		throw new UserError(`The server's repository has no commit "${ref}". Check --target (a hash, tag or branch the server knows; run git fetch there if it is new).`);
	}
	return commit;
}

export const pickTargetStep: StepDefinition = {
	id: 'pick-target',
	title: 'Pick target',
	interruptible: true,
	commands: view => {
		const target = view.facts.target?.hash ?? view.flags.target;
		return [
			...(target === undefined ? [logPageCommand(view, '<offset>', 50)] : [resolveCommand(view, target)]),
			impactCommand(view, known(view.facts.target?.hash, 'target')),
		];
	},
	skip(context) {
		const target = context.facts.target;
		return context.kind === 'resume' && target ? `target ${target.shortHash} "${target.subject}" from the interrupted run` : undefined;
	},
	async run(context: StepContext) {
		const head = context.facts.fromHead;
		if (!head) throw new Error('preflight did not record HEAD');
		const ref = context.facts.target?.hash ?? context.flags.target;
		let target: Commit;
		if (ref !== undefined) {
			target = await resolveTarget(context, ref);
		} else {
			const picked = await context.ask({kind: 'pick-target', source: commitSource(context, head)});
			if (picked === null) throw new OperatorAborted('no commit was picked');
			target = picked;
		}
		if (target.hash === head) {
			throw new UserError(`${target.shortHash} is already the server's HEAD: there is nothing to roll back. Pick an older commit.`);
		}
		const impact = parseImpact(target.hash, (await context.runPlanned(impactCommand(context, target.hash), {stream: false})).stdout);
		context.setFacts({target, impact});
		for (const warning of impactWarnings(impact)) context.note('warning', warning);
		if (!impact.targetIsAncestor) context.note('warning', `${target.shortHash} is not an ancestor of the current HEAD: the reset moves sideways or forward.`);
		const move =
			impact.commitsUndone.length === 0 && impact.commitsAdded.length > 0
				? `re-applies ${impact.commitsAdded.length} commit${impact.commitsAdded.length === 1 ? '' : 's'}`
				: `undoes ${impact.commitsUndone.length} commit${impact.commitsUndone.length === 1 ? '' : 's'}`;
		return `target ${target.shortHash} "${target.subject}": ${move}, ${impact.files.length} file${impact.files.length === 1 ? '' : 's'} change`;
	},
};
