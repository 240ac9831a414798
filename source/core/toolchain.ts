/**
 * The Node toolchain the build will get, checked before the reset (issue 24): the node and npm of
 * the build's own non-interactive shell (nvm and similar are often loaded by a login shell only),
 * against what the target asks for (package.json `engines`, `.nvmrc`, `.node-version`,
 * `.tool-versions`), and the state of node_modules (what an interrupted install leaves behind).
 * A version the target does not accept stops the run before the reset; the rest are warnings.
 */
import semver from 'semver';
import {inDir, placeholder, sh} from './command.js';
import {framed, nulRecords, readFrames} from './frames.js';
import {appDir} from './paths.js';
import {installsDependencies} from './prebuild.js';
import type {PlanView} from './step.js';
import {readOnlyCommand, type PlannedCommand} from './types.js';

const PARTS = ['node', 'login-node', 'npm', 'package', 'pins', 'modules', 'npm-ls'] as const;
const WHAT = 'read the Node toolchain the build gets and what the target asks for';
const PACKAGE_LIMIT = 65_536;
/** `npm ls --all --json` of a large tree is a few hundred KiB; past this it is not read (a cut answer is never parsed). */
const NPM_LS_LIMIT = 4 * 1024 * 1024;

export function toolchainCommand(view: PlanView): PlannedCommand {
	const target = view.facts.target?.hash ?? placeholder('target');
	return readOnlyCommand(
		'toolchain',
		WHAT,
		// In build.dir: its package.json, pins and node_modules are the build's (`<rev>:./x` is relative to it).
		inDir(
			appDir(view).join(view.config.build.dir),
			framed([
				['node', sh`node --version 2>/dev/null`],
				// What a login shell finds (its profile may load nvm); bounded, and reading nothing from us.
				['login-node', sh`timeout 5 bash -lc 'node --version' </dev/null 2>/dev/null`],
				['npm', sh`npm --version 2>/dev/null`],
				// One byte past the limit tells a cut file from a whole one: a cut one is never parsed.
				['package', sh`git show ${target}:./package.json 2>/dev/null | head -c ${String(PACKAGE_LIMIT + 1)}`],
				[
					'pins',
					sh`for f in .nvmrc .node-version .tool-versions; do v=$(git show ${target}:./"$f" 2>/dev/null | head -c 200) && printf '%s\\0%s\\0' "$f" "$v"; done; true`,
				],
				// The live install against its package.json and lockfile: what a build that uses it (no npm ci) gets.
				['npm-ls', sh`[ -d node_modules ] && [ -f package.json ] || exit 3; timeout 30 npm ls --all --json 2>/dev/null | head -c ${String(NPM_LS_LIMIT + 1)}`],
				[
					'modules',
					sh`if [ -d node_modules ]; then printf 'present\\0'; [ -f node_modules/.package-lock.json ] && printf 'hidden-lock\\0'; [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ] && printf 'lock-newer\\0'; find node_modules -mindepth 1 -maxdepth 2 -name '.*' -type d -print0 2>/dev/null; fi; true`,
				],
			]),
		),
	);
}

export type Toolchain = {
	/** `node --version` in the build's shell; null when it has no node. */
	readonly node: string | null;
	/** What a login shell's node says, when it has one. */
	readonly loginNode: string | null;
	readonly npm: string | null;
	/** The target's package.json `engines`, when it has any. */
	readonly engines: {readonly node?: string; readonly npm?: string};
	/** Why the target's package.json could not be read (too large, not JSON): its engines are then unchecked. */
	readonly packageProblem?: string;
	readonly pins: ReadonlyArray<{readonly file: string; readonly version: string}>;
	readonly modules: {
		readonly present: boolean;
		readonly hiddenLock: boolean;
		readonly lockNewer: boolean;
		readonly leftovers: readonly string[];
		/** What `npm ls --all` finds missing in node_modules; absent when it could not be read whole. */
		readonly problems?: readonly string[];
	};
};

/** `.vite-Hk3sPq2` (npm 7+ renames a package aside while it reifies) or `.staging` (npm 6): an install that did not finish. */
const LEFTOVER = /^\.(?:staging|[^.][^/]*-(?=[A-Za-z0-9_-]*[A-Z0-9])[A-Za-z0-9_-]{6,10})$/;

/** `v20.20.2` → `20.20.2`: the version alone, never what follows it on the line. */
const version = (text: string) => /^v?(\d+\.\d+\.\d+)(?:[-+][0-9A-Za-z.-]+)?\s*$/.exec(text.trim())?.[0].replace(/^v/, '') ?? null;

/** The missing packages of `npm ls --all --json`; undefined when unreadable. */
function npmProblems(part: {status: number; text: string}): string[] | undefined {
	if (part.status !== 0 || part.text === '' || Buffer.byteLength(part.text) > NPM_LS_LIMIT) return undefined;
	try {
		const problems = (JSON.parse(part.text) as {problems?: unknown}).problems;
		if (!Array.isArray(problems)) return [];
		// `invalid:` is also said of trees npm itself built (peer-dependency overrides): only a missing package is taken as broken.
		return problems.filter((problem): problem is string => typeof problem === 'string' && problem.startsWith('missing:'));
	} catch {
		return undefined;
	}
}

function enginesOf(text: string): Pick<Toolchain, 'engines' | 'packageProblem'> {
	if (text === '') return {engines: {}};
	if (Buffer.byteLength(text) > PACKAGE_LIMIT) return {engines: {}, packageProblem: `the target's package.json is over ${PACKAGE_LIMIT / 1024} KiB`};
	try {
		const engines = (JSON.parse(text) as {engines?: Record<string, unknown>}).engines ?? {};
		return {
			engines: {
				...(typeof engines['node'] === 'string' ? {node: engines['node']} : {}),
				...(typeof engines['npm'] === 'string' ? {npm: engines['npm']} : {}),
			},
		};
	} catch {
		return {engines: {}, packageProblem: "the target's package.json is not valid JSON"};
	}
}

/** A pin's version: `.tool-versions`' nodejs line, or the file's first line (`v18`, `18.17.0`). */
function pinned(file: string, text: string): string | null {
	const line = file === '.tool-versions' ? (/^(?:nodejs|node)[ \t]+(\S+)/m.exec(text)?.[1] ?? '') : (text.split('\n')[0] ?? '').trim();
	const range = line.replace(/^v/, '');
	return range !== '' && semver.validRange(range) !== null ? range : null;
}

export function parseToolchain(stdout: string): Toolchain {
	const parts = readFrames(stdout, PARTS, WHAT);
	const answer = (name: (typeof PARTS)[number]) => (parts[name].status === 0 ? version(parts[name].text) : null);
	const pins = nulRecords(parts.pins.text, 2, WHAT).flatMap(([file = '', text = '']) => {
		const range = pinned(file, text);
		return range ? [{file, version: range}] : [];
	});
	const modules = nulRecords(parts.modules.text, 1, WHAT).map(([entry = '']) => entry);
	return {
		node: answer('node'),
		loginNode: answer('login-node'),
		npm: answer('npm'),
		...enginesOf(parts.package.text),
		pins,
		modules: {
			present: modules.includes('present'),
			hiddenLock: modules.includes('hidden-lock'),
			lockNewer: modules.includes('lock-newer'),
			leftovers: modules.filter(entry => entry.startsWith('node_modules/') && LEFTOVER.test(entry.split('/').at(-1)!)),
			...(() => {
				const problems = npmProblems(parts['npm-ls']);
				return problems ? {problems} : {};
			})(),
		},
	};
}

export type ToolchainVerdict = {
	/** Versions the target does not accept: the reset waits for a typed reason (--accept-toolchain). */
	readonly stops: readonly string[];
	readonly warnings: readonly string[];
	/** node_modules lacks packages and the build installs nothing: it would build from a broken install (npm ci is offered). */
	readonly incomplete?: string;
};

const LOGIN_ONLY = 'nvm or a shell profile loads it for login shells only';

export function judgeToolchain(toolchain: Toolchain, buildCommands: readonly string[]): ToolchainVerdict {
	const stops: string[] = [];
	const warnings: string[] = [];
	const {node, loginNode, npm} = toolchain;
	if (node === null) {
		stops.push(
			`The build's shell has no node${loginNode ? `; a login shell has v${loginNode} (${LOGIN_ONLY})` : ''}: the build cannot run. ` +
				`Load it in build.commands (e.g. ". ~/.nvm/nvm.sh && npm ci") or install Node for non-interactive shells.`,
		);
	} else {
		if (loginNode && loginNode !== node)
			warnings.push(`The build's shell gets Node v${node}; a login shell gets v${loginNode} (${LOGIN_ONLY}): the build uses v${node}.`);
		const wanted = [
			...(toolchain.engines.node ? [{where: 'package.json engines.node', range: toolchain.engines.node}] : []),
			...toolchain.pins.map(pin => ({where: pin.file, range: pin.version})),
		];
		for (const {where, range} of wanted)
			if (!semver.satisfies(node, range, {includePrerelease: true}))
				stops.push(
					`The target asks for Node ${range} (${where}); the build's shell has v${node}${loginNode && loginNode !== node ? ` (a login shell: v${loginNode})` : ''}.`,
				);
	}
	if (npm && toolchain.engines.npm && !semver.satisfies(npm, toolchain.engines.npm, {includePrerelease: true}))
		stops.push(`The target asks for npm ${toolchain.engines.npm} (package.json engines.npm); the build's shell has ${npm}.`);
	if (toolchain.packageProblem) warnings.push(`${toolchain.packageProblem}: its engines were not checked.`);
	const {modules} = toolchain;
	if (modules.leftovers.length > 0)
		warnings.push(
			`node_modules holds what an interrupted npm install left (${modules.leftovers.slice(0, 3).join(', ')}${modules.leftovers.length > 3 ? ', …' : ''}): ` +
				'node_modules is probably corrupted. npm ci removes it before installing; if the build fails anyway, its clean reinstall is offered.',
		);
	else if (modules.present && !modules.hiddenLock)
		warnings.push('node_modules has no .package-lock.json: it was not installed by npm 7 or later, or its install did not finish.');
	const installs = installsDependencies(buildCommands);
	if (modules.lockNewer && !installs)
		warnings.push('package-lock.json is newer than the last install in node_modules, and build.commands install nothing: add npm ci before the build.');
	const problems = modules.problems ?? [];
	const first = `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`;
	if (problems.length > 0 && installs) warnings.push(`npm ls finds node_modules incomplete (${first}); build.commands install it afresh.`);
	const incomplete =
		problems.length > 0 && !installs
			? `npm ls finds node_modules incomplete: ${first}. build.commands install nothing, so the build would use it as it is.`
			: undefined;
	return {stops, warnings, ...(incomplete ? {incomplete} : {})};
}
