/**
 * Rebuild the front-end assets after the reset (dist/ is gitignored, so the reset does not bring
 * the old build back), optionally from a clean node_modules.
 */
import {inDir, joinRemote} from '../shell.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import type {PlannedCommand} from '../types.js';

function buildCommands(view: PlanView): PlannedCommand[] {
	const {build, app} = view.config;
	const dir = joinRemote(app.dir, build.dir);
	const commands: PlannedCommand[] = [];
	if (build.cleanInstall) {
		commands.push({id: 'clean-install', where: 'server', purpose: 'clean reinstall: remove node_modules', display: inDir(dir, 'rm -rf node_modules')});
	}
	build.commands.forEach((command, index) => {
		commands.push({id: `build-${index + 1}`, where: 'server', purpose: `build: ${command}`, display: inDir(dir, command)});
	});
	return commands;
}

export const buildStep: StepDefinition = {
	id: 'build',
	title: 'Rebuild assets',
	interruptible: true,
	commands: buildCommands,
	skip: context => (context.config.build.commands.length === 0 ? 'no build commands configured (build.commands)' : undefined),
	async run(context: StepContext) {
		const started = Date.now();
		for (const command of context.commands()) await context.run(command.id);
		const seconds = ((Date.now() - started) / 1000).toFixed(1);
		return `${context.config.build.commands.length} build command${context.config.build.commands.length === 1 ? '' : 's'} succeeded${context.config.build.cleanInstall ? ' after a clean reinstall' : ''} (${seconds} s)`;
	},
};
