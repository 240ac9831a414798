/**
 * The reset: `git reset --hard <target>`, guarded on the server so it runs only if HEAD, the
 * working tree and the saved files are still what was seen and saved (git-commands.ts). It is never
 * cut in half by a stop.
 */
import {CommandFailedError, UserError} from '../errors.js';
import {RESET_HEAD_LINE, resetCommand, serverAtTarget} from '../git-commands.js';
import {formatDuration} from '../format.js';
import {migrateBackUp} from '../migrations/revisions.js';
import {prebuiltToSwap, SWAP_FAILED, swapMs} from '../prebuild.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {EXIT} from '../types.js';

export const resetStep: StepDefinition = {
	id: 'reset',
	title: 'Reset',
	purpose: 'Runs git reset --hard to the target on the server — only with a verified backup or a logged override, and never cut in half by a stop.',
	scope: 'server',
	interruptible: false,
	reads: [
		'target',
		'fromHead',
		'prebuilt',
		'backup',
		'backupOverride',
		'dirty',
		'atRisk',
		'statusDigestBefore',
		'remoteHeadAfter',
		'migrated',
		'migrationsFound',
	],
	writes: ['remoteHeadAfter', 'rollbackStartedAt', 'migrated', 'prebuilt', 'assetsWindow'],
	commands: (view: PlanView) => [resetCommand(view)],
	async skip(context) {
		if (await serverAtTarget(context)) {
			context.setFacts({remoteHeadAfter: context.facts.target!.hash, rollbackStartedAt: context.facts.rollbackStartedAt ?? new Date().toISOString()});
			return context.kind === 'resume'
				? 'the server is already at the target (checked: HEAD equals it)'
				: 'already reset in this run (checked: HEAD is the target)';
		}
		return undefined;
	},
	async run(context: StepContext) {
		const {facts, config} = context;
		if (!facts.target || !facts.fromHead) throw new Error('no target was picked');
		// The gate, checked again here whatever came before: no reset without a verified backup or a logged override.
		if (config.database && !facts.backup?.verified && !facts.backupOverride) {
			throw new UserError('Refusing to reset: there is no verified backup of the database and no override was given.', EXIT.refused);
		}
		context.setFacts({rollbackStartedAt: new Date().toISOString()});
		let head = '';
		let swappedMs: number | undefined;
		let swapLine = false;
		const result = await context.run('reset', {
			allowFailure: true,
			onStderrLine: line => {
				const reported = RESET_HEAD_LINE.exec(line)?.[1];
				if (reported) head = reported;
				const swap = line.startsWith('rewind: swapped ');
				if (swap) {
					swapLine = true;
					swappedMs = swapMs(line);
				}
				return reported === undefined && !swap;
			},
		});
		const prebuilt = prebuiltToSwap(facts);
		if (prebuilt && head !== '' && (result.exitCode === SWAP_FAILED || (result.exitCode === 0 && !swapLine))) {
			// HEAD moved, the assets did not (all of them): the build runs after the reset, in place, as without a prebuild.
			const why =
				result.stderr
					.split('\n')
					.find(line => line.startsWith('rewind: ') && !RESET_HEAD_LINE.test(line))
					?.replace(/^rewind: /, '') ?? 'the swap did not finish';
			context.setFacts({remoteHeadAfter: head, prebuilt: {...prebuilt, swap: {ok: false, why}}});
			context.note('warning', `The prebuilt assets were not swapped in (${why}): they are built after the reset, in place.`);
		} else if (prebuilt && result.exitCode === 0) {
			context.setFacts({
				prebuilt: {...prebuilt, swap: {ok: true, ...(swappedMs === undefined ? {} : {ms: swappedMs})}},
				...(swappedMs === undefined ? {} : {assetsWindow: {ms: swappedMs, how: 'swapped-with-reset' as const}}),
			});
		}
		if (result.exitCode === 3) {
			// A downgrade that ran for this reset is taken back: schema and code never part.
			const schema = facts.migrated?.how === 'downgrade' ? ` ${await migrateBackUp(context)}` : '';
			throw new UserError(`Refusing to reset: ${result.stderr.replace(/^rewind: /, '').trim()}.${schema} Run rewind again to see the new state.`, EXIT.refused);
		}
		if (result.exitCode !== 0 && !(prebuilt && result.exitCode === SWAP_FAILED && head !== ''))
			throw new CommandFailedError(
				`git reset --hard failed (exit ${result.exitCode ?? result.exitSignal})`,
				result.exitCode,
				`${result.stderr}\n${result.stdout}`,
			);
		context.setFacts({remoteHeadAfter: head});
		if (head !== facts.target.hash) throw new Error(`after the reset HEAD is ${head.slice(0, 12)}, not ${facts.target.shortHash}`);
		const swapped = context.facts.prebuilt?.swap?.ok
			? `; ${prebuilt?.outputs.join(', ')} swapped in with it${swappedMs === undefined ? '' : ` (${formatDuration(swappedMs)})`}`
			: '';
		return `HEAD is now ${facts.target.shortHash} (was ${facts.fromHead.slice(0, 7)})${swapped}`;
	},
	criteria({facts, stateOf}) {
		const label = 'Server HEAD is the target commit';
		const target = facts.target;
		if (target && facts.remoteHeadAfter) {
			const ok = facts.remoteHeadAfter === target.hash;
			return [
				{
					id: 'rolled-back',
					label,
					status: ok ? 'pass' : 'fail',
					detail: ok ? `${target.shortHash} ${target.subject}` : `HEAD is ${facts.remoteHeadAfter.slice(0, 12)}, expected ${target.shortHash}`,
				},
			];
		}
		const reached = stateOf('reset').state !== 'pending';
		return [{id: 'rolled-back', label, status: reached ? 'fail' : 'skip', detail: reached ? 'not confirmed' : 'the reset did not run'}];
	},
};
