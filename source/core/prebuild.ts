/**
 * The prebuild (issue 24): the target's front-end assets are built in a git worktree beside the
 * live checkout while the old site keeps serving, and the reset swaps them in within the same server
 * command, so the site never serves the target's code with the old assets (or none) for the length
 * of a build. Everything lives under `.git/rewind/` of the checkout: the same filesystem as the
 * live outputs (a rename, not a copy), invisible to `git status`, removed when the run ends.
 */
import {posix} from 'node:path';
import {inDir, joinCommands, operatorShell, placeholder, remotePath, sh, type RemotePath, type ShellCommand} from './command.js';
import {framed, readFrames} from './frames.js';
import {appDir} from './paths.js';
import type {PlanView} from './step.js';
import type {PrebuiltAssets} from './asset-facts.js';
import {readOnlyCommand, serverCommand, type PlannedCommand} from './types.js';

/** The worktree, relative to app.dir. */
export const PREBUILD_DIR = '.git/rewind/prebuild';
/** The live outputs the swap moved aside (kept until the run ends), relative to app.dir. */
export const PREVIOUS_DIR = '.git/rewind/previous';
/** Exit status of the prepare command when a prebuild is impossible here (the reason on stderr). */
export const PREBUILD_IMPOSSIBLE = 5;
/** Exit status of the reset command when HEAD moved but the swap did not finish. */
export const SWAP_FAILED = 6;
const READ_LIMIT = 65_536;
/**
 * Sets `_rw_py` to the system's python3 when there is one: a version manager's shim (pyenv) costs
 * ~300 ms a start, the system's ~20 ms; else whatever python3 the PATH has, else empty.
 */
const FIND_PYTHON = sh`_rw_py=; for _rw_p in /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3 2>/dev/null)"; do if [ -n "$_rw_p" ] && [ -x "$_rw_p" ]; then _rw_py=$_rw_p; break; fi; done`;
const VITE_CONFIGS = ['vite.config.js', 'vite.config.mjs', 'vite.config.ts', 'vite.config.mts', 'vite.config.cjs'];

/** A command in build.commands that installs the dependencies (a worktree starts without node_modules). */
const INSTALLS = /\b(?:npm (?:ci|install|i)|yarn install|pnpm (?:install|i))\b|^\s*yarn\s*$/;

/** Whether build.commands install the dependencies themselves (npm ci, yarn, pnpm install). */
export const installsDependencies = (commands: readonly string[]): boolean => commands.some(command => INSTALLS.test(command));

/** The prebuilt assets the reset swaps in: built for this very target and not swapped yet. */
export function prebuiltToSwap(facts: PlanView['facts']): PrebuiltAssets | undefined {
	const prebuilt = facts.prebuilt;
	return prebuilt && !prebuilt.swap && prebuilt.target === facts.target?.hash ? prebuilt : undefined;
}

const worktree = (view: Pick<PlanView, 'config'>): RemotePath => appDir(view).join(PREBUILD_DIR);
const worktreeBuildDir = (view: Pick<PlanView, 'config'>): RemotePath => worktree(view).join(view.config.build.dir);
/** An output as a path relative to app.dir (`frontend/dist`). */
export const outputPath = (config: PlanView['config'], output: string): string => posix.normalize(posix.join(config.build.dir, output));

/**
 * Makes the worktree at the target, or says why it cannot (exit 5, the reason on stderr): `.git`
 * not a directory, no worktree support, the outputs on another filesystem than `.git`, too little
 * disk for a second node_modules and build. Removes one left by an earlier run first. Copies the
 * live `.env*` files of build.dir (ignored, read by Vite at build time), and node_modules when the
 * build commands do not install it (a copy, never hard links: a build writes into node_modules/.vite;
 * with build.cleanInstall, `npm ci` there instead).
 */
export function prepareCommand(view: PlanView): PlannedCommand {
	const {config} = view;
	const target = view.facts.target?.hash ?? placeholder('target');
	const buildDir = remotePath(config.build.dir);
	const copyModules = !installsDependencies(config.build.commands);
	const impossible = (why: string) => sh`{ printf 'rewind: %s\\n' ${why} >&2; exit ${PREBUILD_IMPOSSIBLE}; }`;
	const lines: ShellCommand[] = [
		sh`cd ${appDir(view)} || exit 4`,
		sh`[ -d .git ] || ${impossible('.git here is not a directory (a submodule or a linked worktree): no worktree beside it')}`,
		sh`git worktree list >/dev/null 2>&1 || ${impossible('this git has no worktrees (git 2.5 or later is needed)')}`,
		sh`if [ -e ${PREBUILD_DIR} ]; then git worktree remove --force ${PREBUILD_DIR} >/dev/null 2>&1; rm -rf ${PREBUILD_DIR}; fi; git worktree prune`,
		sh`mkdir -p .git/rewind || exit 1`,
		sh`[ "$(stat -c %d .git/rewind)" = "$(stat -c %d ${buildDir} 2>/dev/null || stat -c %d .)" ] || ${impossible('build.dir is on another filesystem than .git: the swap would be a copy, not a rename')}`,
		// Room for a second node_modules and build: what the live ones take, from du (bounded).
		sh`_rw_du=$( { timeout 20 du -skc ${buildDir}/node_modules ${buildDir}/dist 2>/dev/null; echo "rc=$?"; } )`,
		sh`case "$_rw_du" in *rc=124) ${impossible('node_modules could not be measured in 20 s: the free disk for a second one is unknown')};; esac`,
		sh`_rw_need=$(printf '%s\n' "$_rw_du" | grep -v '^rc=' | tail -n 1 | cut -f 1); _rw_free=$(df -Pk .git/rewind | awk 'NR==2 {print $4}')`,
		sh`case "$_rw_need$_rw_free" in *[!0-9]*|'') ;; *) [ "$_rw_free" -gt $((_rw_need + _rw_need / 5 + 10240)) ] || ${impossible('too little free disk beside the checkout for a second node_modules and build')};; esac`,
		// The repository's own hooks (a post-checkout that deploys) do not run for the worktree.
		sh`git -c core.hooksPath=/dev/null worktree add --detach ${PREBUILD_DIR} ${target} || exit 1`,
		sh`[ -d ${PREBUILD_DIR}/${buildDir} ] || ${impossible("build.dir is not in the target's tree (git does not track it there)")}`,
		sh`for _rw_f in ${buildDir}/.env*; do [ -f "$_rw_f" ] && [ ! -e ${PREBUILD_DIR}/"$_rw_f" ] && cp -p "$_rw_f" ${PREBUILD_DIR}/"$_rw_f"; done; true`,
		// build.cleanInstall (the fix for a broken node_modules) installs afresh instead of copying it.
		...(copyModules && config.build.cleanInstall ? [sh`(cd ${PREBUILD_DIR}/${buildDir} && npm ci) || exit 1`] : []),
		...(copyModules && !config.build.cleanInstall
			? [sh`if [ -d ${buildDir}/node_modules ]; then cp -a ${buildDir}/node_modules ${PREBUILD_DIR}/${buildDir}/node_modules || exit 1; fi`]
			: []),
	];
	return serverCommand(
		'prebuild-worktree',
		'check out the target in a worktree beside the live checkout',
		joinCommands(lines, '\n'),
		`cd ${appDir(view).toString()} && git worktree add --detach ${PREBUILD_DIR} ${typeof target === 'string' ? target : '<target>'}`,
	);
}

/** The build commands, as written, in the worktree's build.dir. */
export function prebuildCommands(view: PlanView): PlannedCommand[] {
	const dir = worktreeBuildDir(view);
	return view.config.build.commands.map((command, index) =>
		serverCommand(`prebuild-${index + 1}`, `build beside the live site: ${command}`, inDir(dir, operatorShell(command))),
	);
}

/** Reads the worktree's vite config (for its outDir) and, for each output, whether the build made it and whether git tracks it. */
export function outputsProbeCommand(view: PlanView, outputs: readonly string[]): PlannedCommand {
	return readOnlyCommand(
		'prebuild-outputs',
		'check what the build made',
		inDir(
			worktree(view),
			framed([
				[
					'vite',
					sh`cd ${remotePath(view.config.build.dir)} && for f in ${VITE_CONFIGS}; do if [ -f "$f" ]; then head -c ${String(READ_LIMIT + 1)} "$f"; break; fi; done; true`,
				],
				...outputs.flatMap((output, index): Array<[string, ShellCommand]> => {
					const live = appDir(view).join(outputPath(view.config, output));
					return [
						[`built-${index}`, sh`[ -d ${outputPath(view.config, output)} ]`],
						[`tracked-${index}`, sh`git ls-files -z -- ${outputPath(view.config, output)} | head -c 1`],
						// The live output must be a plain directory (or absent) on the worktree's filesystem: a rename, never a copy or a replaced symlink.
						[
							`live-${index}`,
							sh`if [ -L ${live} ]; then printf symlink; elif [ -e ${live} ] && [ ! -d ${live} ]; then printf not-a-directory; elif [ -d ${live} ] && [ "$(stat -c %d ${live})" != "$(stat -c %d .)" ]; then printf other-filesystem; fi`,
						],
					];
				}),
			]),
		),
	);
}

/** `build.outDir` of a vite config, as written, when it is a plain string literal (`./dist/` → `dist`). */
export function viteOutDir(text: string): string | undefined {
	if (text.length > READ_LIMIT) return undefined;
	const value = /\boutDir\s*:\s*(['"`])([^'"`\n\\$]{1,200})\1/.exec(text)?.[2];
	return value?.replace(/^\.\//, '').replace(/\/+$/, '');
}

export type OutputsProbe = {
	readonly viteOutDir?: string;
	readonly missing: readonly string[];
	readonly tracked: readonly string[];
	/** Live outputs a rename cannot replace: `dist (symlink)`. */
	readonly unswappable: readonly string[];
};

export function readOutputsProbe(stdout: string, outputs: readonly string[]): OutputsProbe {
	const names = ['vite', ...outputs.flatMap((_, index) => [`built-${index}`, `tracked-${index}`, `live-${index}`])];
	const parts = readFrames(stdout, names, 'check what the build made');
	const outDir = viteOutDir(parts['vite']!.text);
	const live = (index: number) => parts[`live-${index}`]!.text;
	return {
		...(outDir ? {viteOutDir: outDir} : {}),
		missing: outputs.filter((_, index) => parts[`built-${index}`]!.status !== 0),
		tracked: outputs.filter((_, index) => parts[`tracked-${index}`]!.bytes.length > 0),
		unswappable: outputs.flatMap((output, index) =>
			/^(?:symlink|not-a-directory|other-filesystem)$/.test(live(index)) ? [`${output} (${live(index).replaceAll('-', ' ')})`] : [],
		),
	};
}

/**
 * Keeps the old pages whole: every file of the live output that the new build lacks is hard-linked
 * into the new output in the worktree (one python3 process; nothing in the live output is touched),
 * so a page the old process still serves, or a browser loaded before the reload, finds its hashed
 * assets after the swap. Those files stay, as they would after an in-place build that does not empty
 * its output. Answers `<linked> <failed>`, or `no-python3`.
 */
export function keepOldAssetsCommand(view: PlanView, outputs: readonly string[]): PlannedCommand {
	const script =
		'import os, sys\nlive, new = sys.argv[1], sys.argv[2]\nlinked = failed = 0\nfor root, dirs, files in os.walk(live):\n' +
		'    for name in files:\n        target = os.path.join(new, os.path.relpath(os.path.join(root, name), live))\n' +
		'        if os.path.lexists(target):\n            continue\n        try:\n            os.makedirs(os.path.dirname(target), exist_ok=True)\n' +
		'            os.link(os.path.join(root, name), target)\n            linked += 1\n        except OSError:\n            failed += 1\nprint(linked, failed)\n';
	return serverCommand(
		'prebuild-keep-old',
		'link the live assets the new build lacks into it, for pages served before the reload',
		inDir(
			appDir(view),
			framed(
				outputs.map((output, index) => {
					const live = outputPath(view.config, output);
					return [
						`kept-${index}`,
						sh`${FIND_PYTHON}; if [ ! -d ${live} ]; then echo 0 0; elif [ -n "$_rw_py" ]; then "$_rw_py" -c ${script} ${live} ${`${PREBUILD_DIR}/${live}`}; else echo no-python3; fi`,
					];
				}),
			),
		),
	);
}

/** Files linked and failed, summed over the outputs; undefined when the server has no python3. */
export function readKeptOldAssets(stdout: string, outputs: readonly string[]): {linked: number; failed: number} | undefined {
	const parts = readFrames(
		stdout,
		outputs.map((_, index) => `kept-${index}`),
		'link the live assets into the new build',
	);
	let linked = 0;
	let failed = 0;
	for (const part of Object.values(parts)) {
		if (part.text === 'no-python3\n') return undefined;
		const counts = /^(\d+) (\d+)\n$/.exec(part.text);
		if (part.status !== 0 || !counts) {
			failed++;
			continue;
		}
		linked += Number(counts[1]);
		failed += Number(counts[2]);
	}
	return {linked, failed};
}

/**
 * The swap, run by the reset command right after `git reset --hard` (cwd app.dir): for each output,
 * the new output and the live one trade places in one renameat2(RENAME_EXCHANGE) — the live path
 * never stops existing — then the old one is moved aside, kept until the run ends. Where the
 * exchange is missing (no python3, a filesystem without it), two renames, the first undone if the
 * second fails. Prints the server's clock before and after (ns) for the measured window; exit 6 if
 * it did not finish.
 */
export function swapLines(view: PlanView, prebuilt: PrebuiltAssets): ShellCommand[] {
	const lines: ShellCommand[] = [
		sh`_rw_a=$(date +%s%N); mkdir -p ${PREVIOUS_DIR} || exit ${SWAP_FAILED}`,
		FIND_PYTHON,
		sh`_rw_exchange() { [ -n "$_rw_py" ] && "$_rw_py" -c 'import ctypes, os, sys; f = ctypes.CDLL(None, use_errno=True).renameat2; sys.exit(0 if f(-100, os.fsencode(sys.argv[1]), -100, os.fsencode(sys.argv[2]), 2) == 0 else 1)' "$1" "$2" 2>/dev/null; }`,
	];
	prebuilt.outputs.forEach((output, index) => {
		const live = outputPath(view.config, output);
		const next = `${PREBUILD_DIR}/${live}`;
		const aside = `${PREVIOUS_DIR}/${index}`;
		lines.push(
			sh`[ -d ${next} ] || { printf 'rewind: the prebuilt %s is gone\\n' ${live} >&2; exit ${SWAP_FAILED}; }`,
			sh`rm -rf ${aside}`,
			sh`if [ -d ${live} ]; then if _rw_exchange ${next} ${live}; then mv -T ${next} ${aside}; else mv -T ${live} ${aside} && { mv -T ${next} ${live} || { mv -T ${aside} ${live}; false; }; }; fi; else mkdir -p "$(dirname ${live})" && mv -T ${next} ${live}; fi || exit ${SWAP_FAILED}`,
		);
	});
	lines.push(sh`printf 'rewind: swapped %s %s\\n' "$_rw_a" "$(date +%s%N)" >&2`);
	return lines;
}

/** `rewind: swapped <ns> <ns>` → the swap's duration in ms, when the server's date gave nanoseconds. */
export function swapMs(line: string): number | undefined {
	const match = /^rewind: swapped (\d{19}) (\d{19})$/.exec(line);
	if (!match) return undefined;
	return Number((BigInt(match[2]!) - BigInt(match[1]!)) / 1000n) / 1000;
}

/** Removes the worktree and the moved-aside outputs (nothing in the live outputs). */
export function prebuildCleanup(view: PlanView): PlannedCommand {
	return serverCommand(
		'prebuild-cleanup',
		'remove the prebuild worktree and the old assets moved aside',
		joinCommands(
			[
				sh`cd ${appDir(view)} || exit 1`,
				sh`git worktree remove --force ${PREBUILD_DIR} >/dev/null 2>&1; rm -rf ${PREBUILD_DIR} ${PREVIOUS_DIR}; git worktree prune`,
			],
			'\n',
		),
	);
}

/** Why an undo builds after its reset: the changes it puts back (after the reset) are inside build.dir, so a build beside would lack them. */
function undoRestoresIntoBuild(view: Pick<PlanView, 'config' | 'facts' | 'kind'>): string | undefined {
	if (view.kind !== 'undo') return undefined;
	const dir = posix.normalize(view.config.build.dir);
	const inside = (file: string) => dir === '.' || file === dir || file.startsWith(`${dir}/`);
	const files = [...(view.facts.undoOf?.dirty?.files ?? []), ...(view.facts.undoOf?.atRisk?.files ?? [])].filter(inside);
	if (files.length === 0) return undefined;
	return `the undo puts back ${files.length} saved file${files.length === 1 ? '' : 's'} inside build.dir (${files.slice(0, 2).join(', ')}${files.length > 2 ? ', …' : ''}) after its reset, so the assets are built after them`;
}

/** Why no prebuild will run, known before it starts (the confirmation states the window from it); undefined when one will. */
export function noPrebuildBecause(view: Pick<PlanView, 'config' | 'facts' | 'kind'>): string | undefined {
	if (view.config.build.commands.length === 0) return 'no build commands configured (build.commands)';
	if (!view.config.build.prebuild) return 'build.prebuild is false';
	if (view.facts.prebuildSkipped) return view.facts.prebuildSkipped.reason;
	return undoRestoresIntoBuild(view);
}

/** What the confirmation says about the assets: when they are built, and how long the site serves the target's code with the old ones. */
export function assetsPlan(view: Pick<PlanView, 'config' | 'facts' | 'kind'>): string | undefined {
	if (view.config.build.commands.length === 0) return undefined;
	const reason = noPrebuildBecause(view);
	if (reason === undefined) return 'prebuilt beside the live site, swapped in with the reset (window ≈ 0 s)';
	return `built after the reset (${reason}): the target's code serves the old assets until that build ends`;
}
