/**
 * Confirm: the operator sees the literal reset command and what it undoes, and types the short
 * hash to go ahead (or goes back to pick another commit).
 */
import {OperatorAborted} from '../errors.js';
import {formatBytes} from '../criteria.js';
import {GoBack, type StepContext, type StepDefinition} from '../step.js';
import {resetCommand, resetAlreadyDone} from './reset.js';

export function backupSummary(context: StepContext): string {
	if (context.facts.backup?.verified) return `verified backup ${context.facts.backup.path} (${formatBytes(context.facts.backup.bytes)})`;
	if (context.facts.backupOverride) return `NO BACKUP (overridden: ${context.facts.backupOverride.reason})`;
	return context.config.database ? 'no verified backup' : 'no database configured';
}

export const confirmStep: StepDefinition = {
	id: 'confirm',
	title: 'Confirm',
	interruptible: true,
	commands: () => [],
	async skip(context) {
		return (await resetAlreadyDone(context)) ? 'the server is already at the target' : undefined;
	},
	async run(context: StepContext) {
		const target = context.facts.target;
		if (!target || !context.facts.fromHead) throw new Error('no target was picked');
		if (context.flags.yes) {
			context.note('info', `Confirmed by --yes: reset ${context.facts.fromHead.slice(0, 7)} → ${target.shortHash}.`);
			return 'confirmed by --yes';
		}
		const answer = await context.ask({
			kind: 'confirm-reset',
			command: resetCommand(context).display,
			appDir: context.config.app.dir,
			from: context.facts.fromHead,
			target,
			...(context.facts.impact ? {impact: context.facts.impact} : {}),
			backupSummary: backupSummary(context),
		});
		if (answer === 'back') throw new GoBack('pick-target');
		if (answer !== 'confirm') throw new OperatorAborted('the reset was not confirmed');
		return `confirmed: reset to ${target.shortHash}`;
	},
};
