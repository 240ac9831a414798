/**
 * Confirm: the operator sees the very command the reset step will run and what it undoes, and types
 * the short hash to go ahead (or goes back to pick another commit).
 */
import {OperatorAborted} from '../errors.js';
import {formatBytes} from '../format.js';
import {resetCommand, serverAtTarget} from '../git-commands.js';
import {guardedDowngrade, revisionArgument} from '../migrations/commands.js';
import {migrationPlanOf} from '../migrations/plan.js';
import {GoBack, type StepContext, type StepDefinition} from '../step.js';

export function backupSummary(context: Pick<StepContext, 'facts' | 'config'>): string {
	if (context.facts.backup?.verified) return `verified backup ${context.facts.backup.path} (${formatBytes(context.facts.backup.bytes)})`;
	if (context.facts.backupOverride) return `NO BACKUP (overridden: ${context.facts.backupOverride.reason})`;
	return context.config.database ? 'no verified backup' : 'no database configured';
}

/** The downgrade the migrate step will run before the reset, when it has one to run. */
function migrationFirst(context: StepContext): {migrateFirst?: string} {
	const plan = migrationPlanOf(context.facts);
	if (!plan || plan.undo.length === 0 || plan.problem || plan.target.length > 1 || plan.undo.some(migration => migration.irreversible)) return {};
	return {migrateFirst: guardedDowngrade(context, plan.kind, revisionArgument(plan.target)).display};
}

export const confirmStep: StepDefinition = {
	id: 'confirm',
	title: 'Confirm',
	purpose: 'Shows the exact reset command and what it undoes; the operator types the target’s short hash to go ahead.',
	interruptible: true,
	reads: ['target', 'fromHead', 'impact', 'backup', 'backupOverride', 'atRisk', 'dirty'],
	writes: ['reason'],
	commands: () => [],
	async skip(context) {
		return (await serverAtTarget(context)) ? 'the server is already at the target' : undefined;
	},
	async run(context: StepContext) {
		const target = context.facts.target;
		if (!target || !context.facts.fromHead) throw new Error('no target was picked');
		if (context.flags.reason) context.setFacts({reason: context.flags.reason});
		if (context.flags.yes) {
			context.note('info', `Confirmed by --yes: reset ${context.facts.fromHead.slice(0, 7)} → ${target.shortHash}.`);
			return 'confirmed by --yes';
		}
		const {atRisk} = context.facts;
		const answer = await context.ask({
			kind: 'confirm-reset',
			command: resetCommand(context),
			appDir: context.config.app.dir,
			from: context.facts.fromHead,
			target,
			...(context.facts.impact ? {impact: context.facts.impact} : {}),
			backupSummary: backupSummary(context),
			...migrationFirst(context),
			...(atRisk?.archive
				? {savedSummary: `${atRisk.files.length} untracked/ignored file${atRisk.files.length === 1 ? '' : 's'} the target tracks saved to ${atRisk.archive}`}
				: {}),
		});
		if (answer.decision === 'back') throw new GoBack('pick-target');
		if (answer.decision !== 'confirm') throw new OperatorAborted('the reset was not confirmed');
		if (answer.reason) context.setFacts({reason: answer.reason});
		return `confirmed: reset to ${target.shortHash}`;
	},
};
