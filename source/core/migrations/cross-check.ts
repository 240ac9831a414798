/**
 * The plan's second read: just before the downgrade, the target's version files are counted again
 * by other git queries than the ones the plan was made from, and a plan they disagree with (down to
 * base against version files, more revisions undone than the commit rolled back from adds) refuses.
 */
import {inDir, placeholder, sh} from '../command.js';
import {framed, nulRecords, readFrames} from '../frames.js';
import {appDir} from '../paths.js';
import type {PlanView, StepContext} from '../step.js';
import {readOnlyCommand, type MigrationPlan, type PlannedCommand} from '../types.js';

const revisions = (list: readonly string[]) => list.join(', ') || 'base';

const CROSS_CHECK_PARTS = ['target-files', 'added'] as const;

/**
 * A second read of the target's migrations, by other git queries than the plan's: the version files
 * the target has, and those HEAD adds over it. Run just before the downgrade.
 */
export function crossCheckCommand(view: PlanView): PlannedCommand {
	const versions = `${view.facts.migrationsFound?.dir ?? 'migrations'}/versions/`;
	const target = view.facts.target?.hash ?? placeholder('target');
	// The commit rolled back from (HEAD until the reset; a re-run after it still compares with it).
	const from = view.facts.fromHead ?? 'HEAD';
	return readOnlyCommand(
		'cross-check',
		'count the target’s version files again, by another query, before the downgrade',
		inDir(
			appDir(view),
			framed([
				['target-files', sh`git ls-tree -r -z --name-only ${target} -- ${versions}`],
				['added', sh`git diff -z --no-renames --name-only --diff-filter=A ${target} ${from} -- ${versions}`],
			]),
		),
	);
}

/** What disagrees between the plan and the second read (nothing: undefined). */
export async function crossCheck(context: StepContext, plan: MigrationPlan): Promise<string | undefined> {
	const what = 'count the target’s version files again';
	const parts = readFrames((await context.run('cross-check', {stream: false})).stdout, CROSS_CHECK_PARTS, what);
	for (const name of CROSS_CHECK_PARTS) if (parts[name].status !== 0) return `the second read failed (${name}: exit ${parts[name].status})`;
	const pythonFiles = (text: string) => nulRecords(text, 1, what).filter(([file = '']) => file.endsWith('.py')).length;
	return planDisagreement(plan, pythonFiles(parts['target-files'].text), pythonFiles(parts.added.text));
}

/** Where a plan and the second read's counts (the target's version files, those the commit rolled back from adds) disagree. */
export function planDisagreement(plan: Pick<MigrationPlan, 'target' | 'undo'>, targetFiles: number, added: number): string | undefined {
	if (plan.target.length === 0 && targetFiles > 0)
		return `the plan goes down to base, but the target has ${targetFiles} version file${targetFiles === 1 ? '' : 's'}`;
	if (plan.target.length > 0 && targetFiles === 0) return `the plan goes down to ${revisions(plan.target)}, but the target has no version files`;
	if (plan.undo.length > added)
		return `the plan undoes ${plan.undo.length} revision${plan.undo.length === 1 ? '' : 's'}, but the commit rolled back from adds only ${added} version file${added === 1 ? '' : 's'} over the target`;
	return undefined;
}
