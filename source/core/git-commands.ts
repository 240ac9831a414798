/**
 * Server commands about the checkout that more than one step runs: where the app is, its status
 * and digest, HEAD, and the guarded reset (the confirm screen shows the very command the reset
 * step runs).
 */
import {createHash} from 'node:crypto';
import {inDir, joinCommands, placeholder, sh, type ShellCommand} from './command.js';
import {appDir} from './paths.js';
import {prebuiltToSwap, swapLines} from './prebuild.js';
import type {PlanView, StepContext} from './step.js';
import {readOnlyCommand, serverCommand, type PlannedCommand} from './types.js';

/** Every path git reports, NUL-separated: tracked changes and untracked files. */
/**
 * Without optional locks: reading the status never writes the index (a refreshed stat cache) nor
 * takes index.lock, so it cannot collide with a deploy's git running at the same moment.
 */
export const STATUS = sh`git --no-optional-locks status --porcelain=v1 -z --untracked-files=all`;

/** sha256 of the status output, as the server computes it; the reset refuses if it changed. */
export const STATUS_DIGEST = sh`${STATUS} | sha256sum | cut -c1-64`;

export function statusDigest(statusRaw: string): string {
	return createHash('sha256').update(statusRaw, 'utf8').digest('hex');
}

export const CLEAN_DIGEST = statusDigest('');

/** The sha256 of each listed file (NUL-separated on stdin), then the sha256 of those lines. */
export const FILES_DIGEST = sh`xargs -0 -r sha256sum -- | sha256sum | cut -c1-64`;

/** The paths NUL-separated, each as `./path` (never an option), a directory as the files in it. */
export function expandedPaths(paths: readonly string[]): ShellCommand {
	return sh`for p in ${paths}; do if [ -d "./$p" ]; then find "./$p" -type f -print0; else printf '%s\\0' "./$p"; fi; done`;
}

export function headCommand(view: PlanView): PlannedCommand {
	return readOnlyCommand('head', 'read the server HEAD', inDir(appDir(view), sh`git rev-parse HEAD`));
}

/** Fails the command with exit 3 and `message` unless `test` holds. */
function guard(test: ShellCommand, message: string, nothing = 'nothing was reset'): ShellCommand {
	return sh`${test} || { printf '%s\\n' ${`rewind: ${message}; ${nothing}`} >&2; exit 3; }`;
}

/**
 * The reset's guards, for a command that must run only while the server is as the run saw it: HEAD
 * (and, before the reset, the working tree and the saved files) unchanged. In the app dir; exit 3
 * with `rewind: <what moved>; <nothing>` on stderr otherwise. Migrate down runs them too, in the
 * same server command as the downgrade, so schema and code never part over a deploy that landed.
 */
export function serverUnchangedGuards(view: PlanView, nothing: string): ShellCommand[] {
	const {facts} = view;
	const afterReset = facts.target !== undefined && facts.remoteHeadAfter === facts.target.hash;
	if (afterReset) return [guard(sh`[ "$(git rev-parse HEAD)" = ${facts.target!.hash} ]`, 'HEAD moved since the reset', nothing)];
	const from = facts.fromHead ?? placeholder('current HEAD');
	const digest = facts.dirty?.statusDigest ?? facts.statusDigestBefore ?? CLEAN_DIGEST;
	const lines = [
		guard(sh`[ "$(git rev-parse HEAD)" = ${from} ]`, 'HEAD moved since preflight', nothing),
		guard(sh`[ "$(${STATUS_DIGEST})" = ${digest} ]`, 'the working tree changed since preflight', nothing),
	];
	if (facts.atRisk && facts.atRisk.files.length > 0) {
		const saved = sh`${expandedPaths(facts.atRisk.files)} | ${FILES_DIGEST}`;
		lines.push(guard(sh`[ "$(${saved})" = ${facts.atRisk.digest} ]`, 'files saved before the reset changed since', nothing));
	}
	return lines;
}

/** The HEAD the reset command reports after resetting (`rewind: head=<hash>` on stderr). */
export const RESET_HEAD_LINE = /^rewind: head=([0-9a-f]{40,64})$/;

/**
 * `git reset --hard <target>`, guarded: it runs only if HEAD, the working tree and the saved
 * untracked/ignored files are still what preflight saw (and saved). Exit 3 when they are not.
 */
export function resetCommand(view: PlanView): PlannedCommand {
	const {facts} = view;
	const target = facts.target?.hash ?? placeholder('target');
	const lines = [sh`cd ${appDir(view)} || exit 4`, ...serverUnchangedGuards({...view, facts: {...facts, remoteHeadAfter: undefined}}, 'nothing was reset')];
	// HEAD as the reset left it, in the same round trip (on stderr, for the step, not the log).
	lines.push(sh`git reset --hard ${target} && printf 'rewind: head=%s\\n' "$(git rev-parse HEAD)" >&2`);
	// The prebuilt assets go in within the same command: HEAD and the assets are apart for two renames.
	const swapping = prebuiltToSwap(facts);
	if (swapping) lines.splice(-1, 1, sh`${lines.at(-1)!} || exit $?`, ...swapLines(view, swapping));
	const headline =
		`cd ${appDir(view).toString()} && git reset --hard ${typeof target === 'string' ? target : '<target>'} (guarded: HEAD, working tree${facts.atRisk?.files.length ? ', saved files' : ''} unchanged)` +
		(swapping ? `, then ${swapping.outputs.join(', ')} swapped in from the prebuild` : '');
	return serverCommand('reset', 'reset the checkout to the target commit', joinCommands(lines, '\n'), headline);
}

/**
 * True when the server is already at the target: a resumed run whose interrupted reset had
 * finished, or a step run again (after a fix) in a run whose reset is done. Checked on the server.
 */
export async function serverAtTarget(context: StepContext): Promise<boolean> {
	const target = context.facts.target?.hash;
	if (!target || (context.kind !== 'resume' && context.facts.remoteHeadAfter !== target)) return false;
	const head = (await context.runPlanned(headCommand(context), {stream: false})).stdout.trim();
	return head === target;
}
