/**
 * Prebuild (issue 24): after the confirmation and before anything live changes, the target's
 * assets are built in a worktree beside the live checkout while the old site keeps serving; the
 * reset then swaps them in within its own server command (prebuild.ts). A build that fails here has
 * changed nothing live: fix and retry, build after the reset as before (typed, logged), or abort.
 * Where a prebuild cannot work (no worktree, another filesystem, too little disk, outputs git
 * tracks or that are not found), the run says so and builds after the reset, in place.
 */
import {CommandFailedError, OperatorAborted} from '../errors.js';
import {serverAtTarget} from '../git-commands.js';
import type {HintRule} from '../hints.js';
import {
	installsDependencies,
	keepOldAssetsCommand,
	noPrebuildBecause,
	outputsProbeCommand,
	PREBUILD_IMPOSSIBLE,
	prebuildCleanup,
	prebuildCommands,
	prepareCommand,
	readKeptOldAssets,
	readOutputsProbe,
} from '../prebuild.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import type {PlannedCommand} from '../types.js';
import {BUILD_HINTS} from './build-hints.js';

/**
 * The build's hints, with their fixes re-running the prebuild rather than the build after the reset.
 * A worktree whose build commands install starts with no node_modules: a clean reinstall changes
 * nothing there, so it is offered only where the live node_modules was copied in.
 */
const PREBUILD_HINTS: readonly HintRule[] = BUILD_HINTS.map(rule => {
	const fix = rule.fix;
	if (!fix) return rule;
	return {
		...rule,
		fix: (...args: Parameters<typeof fix>) => {
			const found = fix(...args);
			if (!found || (found.id === 'clean-install' && installsDependencies(args[0].build.commands))) return undefined;
			return {...found, rerunFrom: 'prebuild'};
		},
	};
});

/** The outputs to look for: build.outputs, else vite.config's outDir, else dist. */
const configuredOutputs = (view: Pick<PlanView, 'config'>) => (view.config.build.outputs.length > 0 ? view.config.build.outputs : ['dist']);

/**
 * The prebuild cannot work here, found after the confirmation said it would: its worktree goes, and
 * the build runs after the reset — at a terminal only once the operator typed why (nothing live has
 * changed yet); unattended, said and logged.
 */
async function notHere(context: StepContext, reason: string): Promise<string> {
	await context.runCleanup('prebuild');
	if (!context.flags.yes) {
		const why = (
			await context.ask({
				kind: 'override-reason',
				warning: `The build beside the live site cannot be used: ${reason}. Going on builds after the reset, in place: until that build ends the site serves the target's code with the old assets. Nothing live has changed yet.`,
				example: 'e.g. a short build: the old assets for 20 s are acceptable',
			})
		)?.trim();
		if (!why) throw new OperatorAborted(`the build beside the live site could not be used (${reason}), and no reason was given to build after the reset`);
		context.setFacts({prebuildSkipped: {reason: `${reason}; going on chosen by the operator: ${why}`, chosen: true}});
		return reason;
	}
	return skipBecause(context, reason);
}

function skipBecause(context: StepContext, reason: string): string {
	context.setFacts({prebuildSkipped: {reason, chosen: false}});
	context.note(
		'warning',
		`No build beside the live site: ${reason}. The assets are built after the reset, in place: until that build ends the site serves the target's code with the old assets.`,
	);
	return reason;
}

export const prebuildStep: StepDefinition = {
	id: 'prebuild',
	title: 'Build beside',
	purpose:
		'Builds the target’s assets in a worktree beside the live site, which keeps serving; the reset swaps them in, so the site never serves the new code with the old assets.',
	scope: 'server',
	interruptible: true,
	reads: ['target', 'undoOf'],
	writes: ['prebuilt', 'prebuildSkipped'],
	commands: (view: PlanView): PlannedCommand[] =>
		noPrebuildBecause(view) === undefined
			? [
					prepareCommand(view),
					...prebuildCommands(view),
					outputsProbeCommand(view, configuredOutputs(view)),
					keepOldAssetsCommand(view, configuredOutputs(view)),
				]
			: [],
	hints: PREBUILD_HINTS,
	override: {
		label: 'Roll back without prebuilt assets: build after the reset, in place (the site serves the old assets meanwhile)',
		apply(context, reason) {
			context.setFacts({prebuildSkipped: {reason: `chosen by the operator: ${reason}`, chosen: true}});
		},
	},
	async skip(context) {
		if (context.config.build.commands.length === 0) return 'no build commands configured (build.commands)';
		if (await serverAtTarget(context)) {
			// A resumed run: what an interrupted one left under .git/rewind goes when this one ends.
			context.deferCleanup('prebuild', prebuildCleanup(context));
			return 'the server is already at the target';
		}
		if (context.facts.prebuildSkipped?.chosen) return context.facts.prebuildSkipped.reason;
		const reason = noPrebuildBecause(context);
		return reason === undefined ? undefined : skipBecause(context, reason);
	},
	async run(context: StepContext) {
		// Whatever happens next, the worktree goes when the run ends.
		context.deferCleanup('prebuild', prebuildCleanup(context));
		const started = Date.now();
		const prepared = await context.run('prebuild-worktree', {allowFailure: true});
		if (prepared.exitCode === PREBUILD_IMPOSSIBLE)
			return notHere(context, prepared.stderr.replace(/^rewind: /gm, '').trim() || 'the worktree could not be made');
		if (prepared.exitCode !== 0)
			throw new CommandFailedError(`git worktree add failed (exit ${prepared.exitCode ?? prepared.exitSignal})`, prepared.exitCode, prepared.stderr);

		// Where the build writes, read before it runs: an outDir outside build.dir would write into the live site.
		let outputs = configuredOutputs(context);
		const outDir = readOutputsProbe((await context.runPlanned(outputsProbeCommand(context, []), {stream: false, quiet: true})).stdout, []).viteOutDir;
		if (context.config.build.outputs.length === 0 && outDir !== undefined) {
			if (outDir.startsWith('/') || outDir.startsWith('~') || outDir.split('/').includes('..'))
				return notHere(context, `vite.config's outDir (${outDir}) is outside build.dir: a build there would write into the live site`);
			outputs = [outDir];
		}
		try {
			for (const command of prebuildCommands(context)) await context.run(command.id);
		} catch (error) {
			// Nothing live changed; the worktree goes now, not after the question that follows.
			await context.runCleanup('prebuild').catch(() => false);
			throw error;
		}

		const probe = readOutputsProbe((await context.runPlanned(outputsProbeCommand(context, outputs), {stream: false, quiet: true})).stdout, outputs);
		if (probe.tracked.length > 0) return notHere(context, `git tracks ${probe.tracked.join(', ')} at the target: the reset itself brings those files`);
		if (probe.unswappable.length > 0) return notHere(context, `the live ${probe.unswappable.join(', ')} cannot be replaced by a rename`);
		if (probe.missing.length > 0) {
			if (context.config.build.outputs.length > 0)
				throw new Error(
					`the build did not make ${probe.missing.join(', ')} in build.dir (${context.config.build.dir}): check build.outputs against what build.commands write`,
				);
			return notHere(context, `the build made no ${probe.missing.join(', ')} in build.dir (set build.outputs)`);
		}
		const kept = readKeptOldAssets((await context.runPlanned(keepOldAssetsCommand(context, outputs), {stream: false})).stdout, outputs);
		if (!kept)
			context.note(
				'warning',
				'The server has no python3: the old assets are not kept beside the new ones, so a page served before the reload may miss its assets until then.',
			);
		else if (kept.failed > 0)
			context.note(
				'warning',
				`${kept.failed} old asset file${kept.failed === 1 ? '' : 's'} could not be linked beside the new ones (owned by another user?): a page served before the reload may miss them.`,
			);
		const buildMs = Date.now() - started;
		context.setFacts({prebuilt: {target: context.facts.target!.hash, outputs, buildMs}});
		return `built beside the live site in ${(buildMs / 1000).toFixed(1)} s: ${outputs.join(', ')} ready to swap in with the reset${kept?.linked ? ` (${kept.linked} old asset file${kept.linked === 1 ? '' : 's'} kept beside for pages served before the reload)` : ''}`;
	},
};
