/**
 * Picking the commit to roll back to, from the server's own git log (paged, so a repository of
 * 100 000 commits opens as fast as one of 50), with what each choice would undo. The picker's
 * detail pane and the pick share one answer per commit: nothing is asked of the server twice.
 */
import {GIT_LOG, inDir, placeholder, sh, word} from '../command.js';
import {OperatorAborted, UserError} from '../errors.js';
import {framed, readFrames, ServerOutputError} from '../frames.js';
import {FLAG_LABELS, LOG_FORMAT, parseGitLog, parseNumstatZ} from '../git.js';
import {commitMarks} from '../history.js';
import {describePlan} from '../migrations/plan.js';
import {parseListing, readsAlembic, targetListing, type ListedFile} from '../migrations/read.js';
import {migrationPlanFor} from '../migrations/target-plan.js';
import {appDir} from '../paths.js';
import {HISTORY_PAGE_SIZE, type CommitSource} from '../questions.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {readOnlyCommand, type ChangeFlag, type Commit, type PlannedCommand, type RollbackImpact} from '../types.js';

const PAGE_LIMIT = 500;

export function logPageCommand(view: PlanView, offset: number | undefined, count: number): PlannedCommand {
	return readOnlyCommand(
		'log-page',
		'list commits for the picker',
		inDir(appDir(view), sh`${GIT_LOG} -z --format=${LOG_FORMAT} -n ${count} --skip=${offset ?? placeholder('offset')} HEAD --`),
	);
}

/**
 * Commits whose hash, date, author or subject holds `query`: grep reads one line a commit (git
 * folds a subject onto one line), and only a hash at the start of a matching line is kept, then
 * read again as NUL-separated records: a subject or author cannot add a row of its own.
 */
export function searchCommand(view: PlanView, query: string, limit: number): PlannedCommand {
	return readOnlyCommand(
		'search',
		'search the history',
		inDir(
			appDir(view),
			sh`h=$(${GIT_LOG} --format='%H %aI %an %s' HEAD -- | grep -i -F -e ${query} | cut -d ' ' -f 1 | grep -E '^[0-9a-f]{40}([0-9a-f]{24})?$' | head -n ${limit}); [ -z "$h" ] || printf '%s\\n' "$h" | ${GIT_LOG} --no-walk=unsorted --stdin -z --format=${LOG_FORMAT}`,
		),
	);
}

const IMPACT_PARTS = ['target', 'undone', 'added', 'numstat', 'ancestry', 'listing'] as const;

/**
 * The target (`$t`) and what moving to it undoes, adds and changes, whether it is an ancestor, and
 * (when the app has Alembic migrations) the target's version files: one framed answer.
 */
function targetAndImpact(view: PlanView) {
	return framed([
		['target', sh`${GIT_LOG} -1 -z --format=${LOG_FORMAT} "$t" --`],
		['undone', sh`${GIT_LOG} -z --format=${LOG_FORMAT} "$t"..HEAD --`],
		['added', sh`${GIT_LOG} -z --format=${LOG_FORMAT} HEAD.."$t" --`],
		['numstat', sh`git diff --numstat -z "$t" HEAD --`],
		['ancestry', sh`git merge-base --is-ancestor "$t" HEAD && echo ancestor || echo not-ancestor`],
		['listing', readsAlembic(view.config) ? targetListing(view) : sh`:`],
	]);
}

/** Resolves `ref` on the server and reads its impact, in one round trip (exit 5: no such commit). */
export function resolveCommand(view: PlanView, ref: string | undefined): PlannedCommand {
	const spec = ref === undefined ? placeholder('target') : word(ref, '^{commit}');
	return readOnlyCommand(
		'resolve',
		'resolve the target commit and read what the rollback would undo',
		inDir(appDir(view), sh`t=$(git rev-parse --verify --quiet ${spec}) || exit 5; ${targetAndImpact(view)}`),
	);
}

/** The framed answer of `resolveCommand`; a part that failed or does not read as git writes it is refused. */
export function parseImpact(stdout: string): {commit: Commit; impact: RollbackImpact; versionFiles: ListedFile[]} {
	const what = 'resolve the target and read what the rollback would undo';
	const parts = readFrames(stdout, IMPACT_PARTS, what);
	for (const name of IMPACT_PARTS) {
		if (parts[name].status !== 0) throw new ServerOutputError(what, `its part "${name}" failed (exit ${parts[name].status})`);
	}
	const [commit, ...extra] = parseGitLog(parts.target.text, what);
	if (!commit || extra.length > 0) throw new ServerOutputError(what, 'the target is not exactly one commit');
	const ancestry = parts.ancestry.text.trim();
	if (ancestry !== 'ancestor' && ancestry !== 'not-ancestor') throw new ServerOutputError(what, 'its ancestry part is neither "ancestor" nor "not-ancestor"');
	return {
		versionFiles: parseListing(parts.listing.text),
		commit,
		impact: {
			target: commit.hash,
			commitsUndone: parseGitLog(parts.undone.text, what),
			commitsAdded: parseGitLog(parts.added.text, what),
			files: parseNumstatZ(parts.numstat.text),
			targetIsAncestor: ancestry === 'ancestor',
		},
	};
}

export function impactWarnings(impact: RollbackImpact): string[] {
	const flags = new Set<ChangeFlag>(impact.files.flatMap(file => file.flags));
	return [...flags].map(flag => FLAG_LABELS[flag]);
}

/** The impact with the migration plan of its target, when the app has migrations. */
async function withMigrations(context: StepContext, impact: RollbackImpact, versionFiles: readonly ListedFile[]): Promise<RollbackImpact> {
	const migrations = await migrationPlanFor(context, impact.target, versionFiles);
	return migrations ? {...impact, migrations} : impact;
}

/** The picker's view of the server's history; every call runs a command over the one connection. */
function commitSource(context: StepContext, head: string, known: Map<string, {commit: Commit; impact?: RollbackImpact}>): CommitSource {
	const run = async (planned: PlannedCommand) => (await context.runPlanned(planned, {stream: false, quiet: true})).stdout;
	const remember = (commits: readonly Commit[]) => {
		for (const commit of commits) if (!known.has(commit.hash)) known.set(commit.hash, {commit});
		return commits;
	};
	const preselect = context.facts.target?.hash;
	const marks = commitMarks(context.facts.history ?? []);
	return {
		head,
		...(preselect ? {preselect} : {}),
		...(Object.keys(marks).length > 0 ? {marks} : {}),
		async page(offset, count) {
			const safeCount = Math.min(Math.max(1, Math.floor(count)), PAGE_LIMIT);
			const commits = remember(parseGitLog(await run(logPageCommand(context, Math.max(0, Math.floor(offset)), safeCount + 1)), 'list commits for the picker'));
			return {commits: commits.slice(0, safeCount), hasMore: commits.length > safeCount};
		},
		async search(query, limit) {
			if (query.trim() === '') return [];
			return remember(parseGitLog(await run(searchCommand(context, query, Math.min(Math.max(1, limit), PAGE_LIMIT))), 'search the history'));
		},
		async impact(hash) {
			const cached = known.get(hash);
			if (cached?.impact) return cached.impact;
			const {commit, impact, versionFiles} = parseImpact(await run(resolveCommand(context, hash)));
			const withPlan = await withMigrations(context, impact, versionFiles);
			known.set(commit.hash, {commit, impact: withPlan});
			return withPlan;
		},
	};
}

export const pickTargetStep: StepDefinition = {
	id: 'pick-target',
	title: 'Pick target',
	purpose:
		'Chooses the commit to roll back to from the server’s own history, showing what rolling back to it would undo and what the release history says of it (✓ verified good, ✗ rolled back from).',
	scope: 'run',
	interruptible: true,
	reads: ['fromHead', 'target', 'migrationsFound', 'history'],
	writes: ['target', 'impact'],
	commands: view => {
		const ref = view.flags.target ?? view.facts.target?.hash;
		// The picker's first page (one more than shown: is there another?) starts at 0.
		return [...(ref === undefined ? [logPageCommand(view, 0, HISTORY_PAGE_SIZE + 1)] : []), resolveCommand(view, ref)];
	},
	sendAhead: ['log-page', 'resolve'],
	skip(context) {
		const target = context.facts.target;
		return context.kind === 'resume' && target ? `target ${target.shortHash} "${target.subject}" from the interrupted run` : undefined;
	},
	async run(context: StepContext) {
		const head = context.facts.fromHead;
		if (!head) throw new Error('preflight did not record HEAD');
		const known = new Map<string, {commit: Commit; impact?: RollbackImpact}>();
		let hash = context.flags.target;
		if (hash === undefined) {
			const picked = await context.ask({kind: 'pick-target', source: commitSource(context, head, known)});
			if (picked === null) throw new OperatorAborted('no commit was picked');
			hash = picked.hash;
		}
		let entry = known.get(hash);
		if (!entry?.impact) {
			const result = await context.runPlanned(resolveCommand(context, hash), {stream: false, allowFailure: true});
			if (result.exitCode === 5) {
				throw new UserError(
					`The server's repository has no commit "${hash}". Check --target (a hash, tag or branch the server knows; run git fetch there if it is new).`,
				);
			}
			if (result.exitCode !== 0) throw new ServerOutputError('resolve the target commit', `the command exited ${result.exitCode ?? 'without a status'}`);
			const parsed = parseImpact(result.stdout);
			entry = {commit: parsed.commit, impact: await withMigrations(context, parsed.impact, parsed.versionFiles)};
		}
		const {commit: target, impact} = entry as {commit: Commit; impact: RollbackImpact};
		if (target.hash === head) throw new UserError(`${target.shortHash} is already the server's HEAD: there is nothing to roll back. Pick an older commit.`);
		context.setFacts({target, impact});
		for (const warning of impactWarnings(impact)) context.note('warning', warning);
		if (!impact.targetIsAncestor) context.note('warning', `${target.shortHash} is not an ancestor of the current HEAD: the reset moves sideways or forward.`);
		const plan = impact.migrations;
		for (const migration of plan?.undo.filter(step => step.irreversible) ?? [])
			context.note('warning', `Migration ${migration.revision} (${migration.message}) is irreversible: ${migration.irreversible}.`);
		const move =
			impact.commitsUndone.length === 0 && impact.commitsAdded.length > 0
				? `re-applies ${impact.commitsAdded.length} commit${impact.commitsAdded.length === 1 ? '' : 's'}`
				: `undoes ${impact.commitsUndone.length} commit${impact.commitsUndone.length === 1 ? '' : 's'}`;
		return `target ${target.shortHash} "${target.subject}": ${move}, ${impact.files.length} file${impact.files.length === 1 ? '' : 's'} change${plan ? `; ${describePlan(plan)}` : ''}`;
	},
};
