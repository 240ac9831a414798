/**
 * Rebuild the front-end assets after the reset (dist/ is gitignored, so the reset does not bring
 * the old build back), optionally from a clean node_modules. The build commands are the
 * operator's own shell, run as written.
 */
import {inDir, operatorShell, remotePath, sh} from '../command.js';
import type {Config} from '../config/schema.js';
import {STOPPED_BY_OPERATOR} from '../errors.js';
import type {Fix, HintRule} from '../hints.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {serverCommand, type PlannedCommand} from '../types.js';

function buildCommands(view: PlanView): PlannedCommand[] {
	const {build, app} = view.config;
	const dir = remotePath(app.dir).join(build.dir);
	return [
		...(build.cleanInstall ? [serverCommand('clean-install', 'clean reinstall: remove node_modules', inDir(dir, sh`rm -rf node_modules`))] : []),
		...build.commands.map((command, index) => serverCommand(`build-${index + 1}`, `build: ${command}`, inDir(dir, operatorShell(command)))),
	];
}

const cleanInstall: Fix = {
	id: 'clean-install',
	label: 'Remove node_modules (clean reinstall) and retry the build',
	rerunFrom: 'build',
	apply: (config: Config) => ({...config, build: {...config.build, cleanInstall: true}}),
};

const BUILD_HINTS: readonly HintRule[] = [
	{
		id: 'npm-corrupted-install',
		title: 'npm failed: node_modules is probably corrupted',
		pattern: /npm ERR!|npm error|ENOTEMPTY/i,
		severity: 'error',
		advice: () => 'Do a clean reinstall: remove node_modules, then npm ci (config: build.cleanInstall: true).',
		fix: () => cleanInstall,
	},
	{
		id: 'node-modules-broken',
		title: 'a package in node_modules is missing or broken',
		pattern:
			/(?:ENOENT|Cannot find module|Cannot find package|SyntaxError|Unexpected token)[^\n]*node_modules|node_modules[^\n]*(?:SyntaxError|Unexpected token|ENOENT)/i,
		severity: 'error',
		advice: () => 'Do a clean reinstall: remove node_modules, then npm ci (config: build.cleanInstall: true).',
		fix: () => cleanInstall,
	},
	{
		id: 'build-tool-missing',
		title: 'the build tool is not installed',
		pattern: /(?:vite|webpack|tsc|npm|node): (?:command )?not found/i,
		severity: 'error',
		advice: () =>
			'Install dependencies before building (npm ci as the first build command), and check that node/npm are on the PATH of a non-interactive shell.',
	},
];

export const buildStep: StepDefinition = {
	id: 'build',
	title: 'Rebuild assets',
	purpose: 'Rebuilds the front-end assets for the old code: dist/ is gitignored, so the reset alone does not bring the old build back.',
	interruptible: true,
	reads: [],
	writes: [],
	commands: buildCommands,
	hints: BUILD_HINTS,
	skip: context => (context.config.build.commands.length === 0 ? 'no build commands configured (build.commands)' : undefined),
	async run(context: StepContext) {
		for (const command of context.commands()) await context.run(command.id);
		const count = context.config.build.commands.length;
		return `${count} build command${count === 1 ? '' : 's'} succeeded${context.config.build.cleanInstall ? ' after a clean reinstall' : ''}`;
	},
	criteria({config, stateOf}) {
		const {state, summary} = stateOf('build');
		const label = 'Front-end assets rebuilt';
		if (state === 'succeeded')
			return [{id: 'assets', label, status: 'pass', detail: config.build.commands.join(' && ') + (config.build.cleanInstall ? ' (clean install)' : '')}];
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
