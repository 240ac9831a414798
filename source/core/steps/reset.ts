/**
 * The reset: `git reset --hard <target>`, guarded on the server so it runs only if HEAD and the
 * working tree are still what preflight saw (and saved). It is never cut in half by a stop.
 */
import {CommandFailedError, UserError} from '../errors.js';
import {inDir, shq} from '../shell.js';
import {known, type PlanView, type StepContext, type StepDefinition} from '../step.js';
import {EXIT, type PlannedCommand} from '../types.js';
import {STATUS_DIGEST, statusDigest} from './preflight.js';

const CLEAN_DIGEST = statusDigest('');

export function resetCommand(view: PlanView): PlannedCommand {
	const target = known(view.facts.target?.hash, 'target');
	const from = known(view.facts.fromHead, 'current HEAD');
	const digest = view.facts.dirty?.statusDigest ?? CLEAN_DIGEST;
	return {
		id: 'reset',
		where: 'server',
		purpose: 'reset the checkout to the target commit',
		display: inDir(
			view.config.app.dir,
			[
				`[ "$(git rev-parse HEAD)" = ${shq(from)} ] || { echo "rewind: HEAD moved since preflight (now $(git rev-parse --short HEAD)); nothing was reset" >&2; exit 3; }`,
				`[ "$(${STATUS_DIGEST})" = ${digest} ] || { echo "rewind: the working tree changed since preflight; nothing was reset" >&2; exit 3; }`,
				`git reset --hard ${shq(target)}`,
			].join(' && '),
		),
	};
}

function headCommand(view: PlanView): PlannedCommand {
	return {id: 'head', where: 'server', purpose: 'read the server HEAD', display: inDir(view.config.app.dir, `git rev-parse HEAD`)};
}

/** True when the server's HEAD already is the target (a resumed run whose reset had finished). */
export async function resetAlreadyDone(context: StepContext): Promise<boolean> {
	const target = context.facts.target?.hash;
	if (!target || context.kind !== 'resume') return false;
	const head = (await context.runPlanned(headCommand(context), {stream: false})).stdout.trim();
	return head === target;
}

export const resetStep: StepDefinition = {
	id: 'reset',
	title: 'Reset',
	interruptible: false,
	commands: view => [resetCommand(view), headCommand(view)],
	async skip(context) {
		if (await resetAlreadyDone(context)) {
			context.setFacts({remoteHeadAfter: context.facts.target!.hash, rollbackStartedAt: context.facts.rollbackStartedAt ?? new Date().toISOString()});
			return 'the server is already at the target (checked: HEAD equals it)';
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
		const result = await context.run('reset', {allowFailure: true});
		if (result.exitCode === 3) throw new UserError(`Refusing to reset: ${result.stderr.replace(/^rewind: /, '').trim()}. Run rewind again to see the new state.`, EXIT.refused);
		if (result.exitCode !== 0) throw new CommandFailedError(`git reset --hard failed (exit ${result.exitCode})`, result.exitCode, `${result.stderr}\n${result.stdout}`);
		const head = (await context.run('head', {stream: false})).stdout.trim();
		context.setFacts({remoteHeadAfter: head});
		if (head !== facts.target.hash) throw new Error(`after the reset HEAD is ${head.slice(0, 12)}, not ${facts.target.shortHash}`);
		return `HEAD is now ${facts.target.shortHash} (was ${facts.fromHead.slice(0, 7)})`;
	},
};
