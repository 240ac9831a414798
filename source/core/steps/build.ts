/**
 * Rebuild the front-end assets after the reset (dist/ is gitignored, so the reset does not bring
 * the old build back), optionally from a clean node_modules. The build commands are the
 * operator's own shell, run as written.
 */
import {inDir, operatorShell, remotePath, sh} from '../command.js';
import {STOPPED_BY_OPERATOR} from '../errors.js';
import {BUILD_HINTS} from './build-hints.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {formatDuration} from '../format.js';
import type {PrebuiltAssets} from '../asset-facts.js';
import {serverCommand, type PlannedCommand, type RunFacts} from '../types.js';

function buildCommands(view: PlanView): PlannedCommand[] {
	const {build, app} = view.config;
	const dir = remotePath(app.dir).join(build.dir);
	return [
		...(build.cleanInstall ? [serverCommand('clean-install', 'clean reinstall: remove node_modules', inDir(dir, sh`rm -rf node_modules`))] : []),
		...build.commands.map((command, index) => serverCommand(`build-${index + 1}`, `build: ${command}`, inDir(dir, operatorShell(command)))),
	];
}

/** When the site first answered from the new code, counted from the reset (the window an operator sees from outside). */
function firstAnswer(facts: RunFacts): string {
	const {http, rollbackStartedAt} = facts;
	const at = http?.observations.find(observation => observation.attempt === http.acceptedAt)?.at;
	if (!at || !rollbackStartedAt) return '';
	return `; the site answered from the new code ${formatDuration(Math.max(0, Date.parse(at) - Date.parse(rollbackStartedAt)))} after the reset`;
}

/** What the prebuild did, for the build's skip reason and criterion. */
function prebuiltDetail(prebuilt: PrebuiltAssets): string {
	const swap = prebuilt.swap?.ok && prebuilt.swap.ms !== undefined ? ` (HEAD and assets apart ${formatDuration(prebuilt.swap.ms)})` : '';
	return `built beside the live site before the reset (${(prebuilt.buildMs / 1000).toFixed(1)} s), ${prebuilt.outputs.join(', ')} swapped in with it${swap}`;
}

export const buildStep: StepDefinition = {
	id: 'build',
	title: 'Rebuild assets',
	purpose: 'Rebuilds the front-end assets for the old code: dist/ is gitignored, so the reset alone does not bring the old build back.',
	scope: 'server',
	interruptible: true,
	reads: ['prebuilt', 'rollbackStartedAt'],
	writes: ['assetsWindow'],
	commands: view => (view.facts.prebuilt?.swap?.ok ? [] : buildCommands(view)),
	hints: BUILD_HINTS,
	skip: context => {
		if (context.config.build.commands.length === 0) return 'no build commands configured (build.commands)';
		const prebuilt = context.facts.prebuilt;
		if (prebuilt?.swap?.ok) return `${prebuiltDetail(prebuilt)}`;
		return undefined;
	},
	async run(context: StepContext) {
		for (const command of context.commands()) await context.run(command.id);
		// The site had the target's code with the old assets from the reset until now.
		const since = context.facts.rollbackStartedAt;
		if (since) context.setFacts({assetsWindow: {ms: Date.now() - Date.parse(since), how: 'built-after-reset'}});
		const count = context.config.build.commands.length;
		return `${count} build command${count === 1 ? '' : 's'} succeeded${context.config.build.cleanInstall ? ' after a clean reinstall' : ''}`;
	},
	criteria({config, facts, stateOf}) {
		const {state, summary} = stateOf('build');
		const label = 'Front-end assets rebuilt';
		if (facts.prebuilt?.swap?.ok && state === 'skipped')
			return [{id: 'assets', label, status: 'pass', detail: prebuiltDetail(facts.prebuilt) + firstAnswer(facts)}];
		if (state === 'succeeded') {
			const window =
				facts.assetsWindow?.how === 'built-after-reset'
					? `; the site had the target's code with the old assets for ${formatDuration(facts.assetsWindow.ms)}`
					: '';
			return [
				{
					id: 'assets',
					label,
					status: 'pass',
					detail: config.build.commands.join(' && ') + (config.build.cleanInstall ? ' (clean install)' : '') + window + firstAnswer(facts),
				},
			];
		}
		if (state === 'failed')
			return [
				{
					id: 'assets',
					label,
					status: 'fail',
					detail: summary === STOPPED_BY_OPERATOR ? 'stopped before it finished: dist/ may hold a partial build' : 'the build failed',
				},
			];
		return [{id: 'assets', label, status: state === 'skipped' && config.build.commands.length === 0 ? 'warn' : 'skip', detail: summary ?? 'not reached'}];
	},
};
