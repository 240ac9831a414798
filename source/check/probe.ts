/**
 * What `rewind check` asks the server, in one framed round trip: the checkout (top, branch, HEAD,
 * status), the locks, the migrations command's `current`, the build tools and node_modules, the
 * reload target, and whether the database host resolves there. Every part only reads: git takes no
 * optional locks (its index is not refreshed), Python writes no bytecode, npm checks for no update.
 */
import {inDir, joinCommands, remotePath, sh, type ShellCommand} from '../core/command.js';
import type {Config} from '../core/config/schema.js';
import {framed, readFrames, type Part} from '../core/frames.js';
import {STATUS} from '../core/git-commands.js';
import {currentRevisionCommand, frameworkCurrent, migrationLockState} from '../core/migrations/commands.js';
import {findMigrationsDir, MIGRATIONS_FLAVOR} from '../core/migrations/read.js';
import {appDir} from '../core/paths.js';
import type {PlanView} from '../core/step.js';

/** Tools whose `--version` is worth showing (a first word such as `./build.sh` is only looked up). */
const VERSIONED = new Set([
	'node',
	'npm',
	'npx',
	'yarn',
	'pnpm',
	'bun',
	'deno',
	'python',
	'python3',
	'pip',
	'pip3',
	'make',
	'composer',
	'php',
	'ruby',
	'bundle',
]);

/** The program a configured command starts with: its first word after `NAME=value` assignments; undefined when it is not a plain word. */
export function programOf(command: string): string | undefined {
	const words = command.trim().split(/\s+/);
	const first = words.find(word => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
	return first !== undefined && /^[\w.~/+-]+$/.test(first) ? first : undefined;
}

/** The programs the build commands run, each once. */
export function buildTools(config: Config): string[] {
	const tools = config.build.commands.map(programOf).filter((tool): tool is string => tool !== undefined);
	// npm, npx, yarn and pnpm run on node: its version matters as much as theirs.
	if (tools.some(tool => ['npm', 'npx', 'yarn', 'pnpm'].includes(tool)) && !tools.includes('node')) tools.unshift('node');
	return [...new Set(tools)];
}

/** The migrations `current` to run: `none` when the config has no migrations to check. */
export function migrationsToCheck(config: Config): 'none' | 'auto' | 'alembic' | 'flask-migrate' | 'command' {
	if (!config.database || config.migrations.kind === 'none') return 'none';
	return config.migrations.kind;
}

/** `command -v` for a program; a `~/…` path is looked up in the remote home. */
function lookUp(program: string): ShellCommand {
	return program.startsWith('~/') ? sh`p=${remotePath(program)}; [ -x "$p" ] && printf '%s' "$p"` : sh`command -v ${program}`;
}

function migrationsPart(view: PlanView): ShellCommand | undefined {
	const kind = migrationsToCheck(view.config);
	if (kind === 'none') return undefined;
	if (kind === 'command') return sh`{ ${currentRevisionCommand(view)}; } 2>&1`;
	if (kind === 'alembic' || kind === 'flask-migrate') return sh`{ ${frameworkCurrent(view, kind)}; } 2>&1`;
	// auto: the flavour of the folder found decides the default command; no folder, nothing to run (exit 97).
	return inDir(
		appDir(view),
		sh`${findMigrationsDir(view.config)}; f=$(${MIGRATIONS_FLAVOR}); if [ -z "$d" ]; then exit 97; elif [ "$f" = flask-migrate ]; then { ${frameworkCurrent(view, 'flask-migrate')}; } 2>&1; else { ${frameworkCurrent(view, 'alembic')}; } 2>&1; fi`,
	);
}

function reloadParts(view: PlanView): Array<[string, ShellCommand]> {
	const reload = view.config.reload;
	if (reload.method === 'touch')
		return [
			[
				'reload-path',
				sh`p=${remotePath(reload.path)}; if [ -f "$p" ]; then if [ -w "$p" ] || [ -O "$p" ]; then printf writable; else printf read-only; fi; elif [ -e "$p" ]; then printf not-a-file; else printf missing; fi`,
			],
			['reload-owner', sh`stat -c %U ${remotePath(reload.path)} 2>/dev/null | tr -d '\\n'`],
		];
	const program = reload.method === 'command' ? programOf(reload.command) : undefined;
	return program ? [['reload-program', inDir(appDir(view), lookUp(program))]] : [];
}

/** The probe: one framed command, and the names of its parts. */
export function probeCommand(view: PlanView): {command: ShellCommand; parts: string[]; tools: string[]} {
	const {config} = view;
	const app = appDir(view);
	const buildDir = remotePath(config.app.dir).join(config.build.dir);
	const lock = config.lock.path === undefined ? sh`l="$(git rev-parse --absolute-git-dir)"/rewind.lock` : sh`l=${remotePath(config.lock.path)}`;
	const tools = buildTools(config);
	const migrations = migrationsPart(view);
	const parts: Array<[string, ShellCommand]> = [
		['user', sh`id -un | tr -d '\\n'`],
		['dir', inDir(app, sh`pwd -P | tr -d '\\n'`)],
		['top', inDir(app, sh`git rev-parse --show-toplevel | tr -d '\\n'`)],
		['branch', inDir(app, sh`git rev-parse --abbrev-ref HEAD | tr -d '\\n'`)],
		['head', inDir(app, sh`git rev-parse HEAD | tr -d '\\n'`)],
		['status', inDir(app, STATUS)],
		['lock', inDir(app, sh`${lock}; printf '%s' "$l"; [ -e "$l" ]`)],
		['lock-owner', inDir(app, sh`${lock}; cat "$l/owner.json" 2>/dev/null; true`)],
		['lock-mtime', inDir(app, sh`${lock}; stat -c %Y "$l" 2>/dev/null | tr -d '\\n'; true`)],
		['migration-lock', inDir(app, migrationLockState())],
		...(migrations ? [['migrations', migrations] as [string, ShellCommand]] : []),
		['build-dir', sh`[ -d ${buildDir} ]`],
		...tools.flatMap((tool, index): Array<[string, ShellCommand]> => [
			[`tool-${index}`, inDir(buildDir, lookUp(tool))],
			...(VERSIONED.has(tool)
				? [[`tool-${index}-version`, inDir(buildDir, sh`${tool} --version 2>&1 | head -n 1 | tr -d '\\n'`)] as [string, ShellCommand]]
				: []),
		]),
		[
			'node-modules',
			inDir(
				buildDir,
				sh`if [ ! -f package.json ]; then printf no-package; elif [ ! -d node_modules ]; then printf absent; elif [ ! -w node_modules ] && [ ! -O node_modules ]; then printf read-only; elif [ -f package-lock.json ] && [ -f node_modules/.package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; then printf stale; else printf present; fi`,
			),
		],
		...reloadParts(view),
		...(config.database
			? [
					[
						'db-resolve',
						sh`command -v getent >/dev/null 2>&1 || { printf unknown; exit 0; }; getent hosts ${config.database.host} >/dev/null 2>&1 && printf yes || printf no`,
					] as [string, ShellCommand],
				]
			: []),
	];
	const command = joinCommands(
		[sh`export GIT_OPTIONAL_LOCKS=0 PYTHONDONTWRITEBYTECODE=1 NPM_CONFIG_UPDATE_NOTIFIER=false NO_UPDATE_NOTIFIER=1`, framed([...parts])],
		'\n',
	);
	return {command, parts: parts.map(([name]) => name), tools};
}

export type ProbeAnswer = {
	/** A part's text (its trailing newline dropped) when it exited 0; undefined otherwise. */
	ok(name: string): string | undefined;
	part(name: string): Part | undefined;
};

export function readProbe(stdout: string, parts: readonly string[]): ProbeAnswer {
	const read = readFrames(stdout, parts, 'check the server');
	const part = (name: string): Part | undefined => (parts.includes(name) ? read[name] : undefined);
	return {
		part,
		ok: name => {
			const found = part(name);
			return found && found.status === 0 ? found.text.replace(/\n$/, '') : undefined;
		},
	};
}
