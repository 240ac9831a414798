/**
 * The toolchain check of the confirmation (issue 24): before the reset, the Node and npm the build
 * will get against what the target asks for. A version the target does not accept stops here, where
 * nothing live has changed: the operator types why the build will work anyway (logged), `--yes`
 * runs refuse (exit 3) unless `--accept-toolchain REASON`.
 */
import {OperatorAborted, UserError} from './errors.js';
import type {Config} from './config/schema.js';
import {matchHints, type HintRule} from './hints.js';
import {installsDependencies} from './prebuild.js';
import type {StepContext} from './step.js';
import {judgeToolchain, parseToolchain} from './toolchain.js';
import {EXIT} from './types.js';

/** What the confirmation's toolchain check says, as hints (the learning a rehearsal grades). */
export const TOOLCHAIN_HINTS: readonly HintRule[] = [
	{
		id: 'node-version-mismatch',
		title: 'the target asks for a Node the server does not give the build',
		pattern: /The target asks for (?:Node|npm) /,
		severity: 'error',
		advice: () =>
			'The target’s package.json engines, .nvmrc, .node-version or .tool-versions names a Node the build’s shell does not have: its build may fail after the reset, ' +
			'leaving the target’s code serving the old assets. Install that Node where the build runs (nvm install, and load it in build.commands: ". ~/.nvm/nvm.sh && nvm use && npm ci"), ' +
			'or, when the pin is stale and the build works on this Node, go on with a typed reason (--accept-toolchain REASON when unattended).',
	},
	{
		id: 'node-login-shell-only',
		title: 'a Node that only a login shell gets',
		pattern: /a login shell (?:gets|has) v/,
		severity: 'warning',
		advice: () =>
			'rewind runs the build in a non-interactive shell, which does not read ~/.bash_profile or ~/.profile, where nvm is usually loaded. ' +
			'Load it in build.commands (". ~/.nvm/nvm.sh && npm ci && npm run build"), or put the nvm lines in ~/.bashrc above its "return if not interactive" line.',
	},
	{
		id: 'node-modules-incomplete',
		title: 'node_modules lacks packages the app needs, and the build installs nothing',
		pattern: /npm ls finds node_modules incomplete: /,
		severity: 'error',
		quote: true,
		advice: () =>
			'A package was removed or half-installed since the last npm ci: a build from it fails or builds wrong. Install it afresh first (npm ci: node_modules removed and installed from the lockfile); ' +
			'to do so on every rollback, put npm ci first in build.commands.',
		fix: config =>
			installsDependencies(config.build.commands)
				? undefined
				: {
						id: 'install-first',
						label: 'Install with npm ci first (for this run), then build',
						rerunFrom: 'confirm',
						apply: (current: Config) => ({...current, build: {...current.build, commands: ['npm ci', ...current.build.commands]}}),
					},
	},
	{
		id: 'node-modules-interrupted-install',
		title: 'node_modules was left by an interrupted install',
		pattern: /node_modules holds what an interrupted npm install left/,
		severity: 'warning',
		advice: config =>
			config.build.prebuild
				? 'The build beside the live site installs its own node_modules in a fresh worktree, so this one does not reach the target’s build; it stays broken for anything that builds in place. ' +
					'Remove it when the rollback is done (rm -rf node_modules, then npm ci).'
				: 'The build runs after the reset, in this node_modules: npm ci removes it first, but a failed removal (ENOTEMPTY) stops the build with the code already reset. ' +
					'Set build.cleanInstall: true, or turn build.prebuild back on so the target is built in a fresh worktree beside the live site.',
	},
];

export async function checkToolchain(context: StepContext): Promise<void> {
	if (context.config.build.commands.length === 0) return;
	const toolchain = parseToolchain((await context.run('toolchain', {stream: false})).stdout);
	const verdict = judgeToolchain(toolchain, context.config.build.commands);
	context.note(
		'info',
		`The build's shell has ${toolchain.node ? `Node v${toolchain.node}${toolchain.npm ? `, npm ${toolchain.npm}` : ''}` : 'no node'}` +
			`${toolchain.engines.node || toolchain.pins.length > 0 ? `; the target asks for ${[toolchain.engines.node, ...toolchain.pins.map(pin => pin.version)].filter(Boolean).join(', ')}` : ''}.`,
	);
	for (const warning of verdict.warnings) context.note('warning', warning);
	for (const hint of matchHints([...verdict.stops, ...verdict.warnings].join('\n'), TOOLCHAIN_HINTS, context.config, context.hintContext).hints)
		context.hint(hint);
	// A failure of the step, before anything changed: its hint offers npm ci for this run (--accept-toolchain goes on, said).
	if (verdict.incomplete && context.flags.acceptToolchainReason) context.note('warning', `${verdict.incomplete} Building anyway (--accept-toolchain).`);
	else if (verdict.incomplete) throw new Error(verdict.incomplete);
	if (verdict.stops.length === 0) return;
	const problem = verdict.stops.join(' ');
	const accepted = context.flags.acceptToolchainReason;
	if (accepted) {
		context.note('warning', `${problem} Building anyway (--accept-toolchain: ${accepted}).`);
		return;
	}
	if (context.flags.yes)
		throw new UserError(
			`${problem} The reset did not run. Give the build's shell the Node the target asks for, or pass --accept-toolchain "<why it builds anyway>" (logged).`,
			EXIT.refused,
		);
	const reason = (
		await context.ask({
			kind: 'override-reason',
			warning: `${problem} A build that fails after the reset leaves the target's code serving the old assets.`,
			example: 'e.g. the engines field is stale: this app builds on Node 20 in CI',
		})
	)?.trim();
	if (!reason) throw new OperatorAborted('no reason was given to build with a Node the target does not ask for');
	context.note('warning', `Building anyway with a Node the target does not ask for (reason: ${reason}).`);
}
