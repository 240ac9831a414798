/**
 * Confirm: the operator sees the very command the reset step will run and what it undoes, and types
 * the short hash to go ahead (or goes back to pick another commit). First, the Node toolchain the
 * build will get is checked against the target's (toolchain-check.ts).
 */
import {OperatorAborted} from '../errors.js';
import {formatBytes} from '../format.js';
import {resetCommand, serverAtTarget} from '../git-commands.js';
import {guardedDowngrade, revisionArgument} from '../migrations/commands.js';
import {migrationPlanOf} from '../migrations/plan.js';
import {assetsPlan} from '../prebuild.js';
import {GoBack, type StepContext, type StepDefinition} from '../step.js';
import {toolchainCommand} from '../toolchain.js';
import {checkToolchain, TOOLCHAIN_HINTS} from '../toolchain-check.js';

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

/** What the downgrade drops, with the rows the fingerprint counted before it: data that then lives only in the backup. */
export function droppedData(context: Pick<StepContext, 'facts'>): {items: string[]; keptIn: string} | undefined {
	const plan = migrationPlanOf(context.facts);
	if (!plan || plan.problem) return undefined;
	const rows = new Map((context.facts.fingerprintBefore?.tables ?? []).map(table => [table.name, table.rows]));
	const counted = (table: string, how: (rows: string) => string) => {
		const count = rows.get(table);
		return count === undefined ? '' : ` (${how(`${count} row${count === 1 ? '' : 's'}`)})`;
	};
	const items = plan.undo.flatMap(migration => [
		...(migration.drops?.tables ?? []).map(table => `table ${table}${counted(table, text => text)}`),
		...(migration.drops?.columns ?? []).map(column => `column ${column}${counted(column.split('.')[0]!, text => `in ${text}`)}`),
	]);
	if (items.length === 0) return undefined;
	return {items, keptIn: context.facts.backup?.verified ? 'kept in the verified backup' : 'NOT in any verified backup'};
}

export const confirmStep: StepDefinition = {
	id: 'confirm',
	title: 'Confirm',
	purpose: 'Shows the exact reset command and what it undoes; the operator types the target’s short hash to go ahead.',
	scope: 'run',
	interruptible: true,
	reads: ['target', 'fromHead', 'impact', 'backup', 'backupOverride', 'atRisk', 'dirty', 'fingerprintBefore', 'undoOf'],
	writes: ['reason'],
	commands: view => (view.config.build.commands.length > 0 ? [toolchainCommand(view)] : []),
	hints: TOOLCHAIN_HINTS,
	async skip(context) {
		return (await serverAtTarget(context)) ? 'the server is already at the target' : undefined;
	},
	async run(context: StepContext) {
		const target = context.facts.target;
		if (!target || !context.facts.fromHead) throw new Error('no target was picked');
		if (context.flags.reason) context.setFacts({reason: context.flags.reason});
		await checkToolchain(context);
		const drops = droppedData(context);
		const assets = assetsPlan(context);
		if (context.flags.yes) {
			if (assets) context.note(assets.startsWith('prebuilt') ? 'info' : 'warning', `Assets: ${assets}.`);
			if (drops) context.note('warning', `The schema's downgrade drops data (${drops.keptIn}): ${drops.items.join(', ')}.`);
			context.note('info', `Confirmed by --yes: reset ${context.facts.fromHead.slice(0, 7)} → ${target.shortHash}.`);
			return 'confirmed by --yes';
		}
		const {atRisk} = context.facts;
		const answer = await context.ask({
			kind: 'confirm-reset',
			command: resetCommand(context),
			appDir: context.config.app.dir,
			...(context.stage ? {stage: context.stage} : {}),
			from: context.facts.fromHead,
			target,
			...(context.facts.impact ? {impact: context.facts.impact} : {}),
			backupSummary: backupSummary(context),
			...migrationFirst(context),
			...(drops ? {dropsData: drops} : {}),
			...(assets ? {assets} : {}),
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
