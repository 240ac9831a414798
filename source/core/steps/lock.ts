/**
 * The server-side lock: a directory made with `mkdir` (atomic), holding who took it, when and why.
 * A second operator sees the holder and cannot proceed; a stale lock is taken over only by an
 * explicit, logged choice; the engine releases it on every way out of a run. Its first command also
 * checks that app.dir is the top of a git work tree (bad input, exit 2, otherwise).
 */
import os from 'node:os';
import {joinCommands, remotePath, sh, type ShellCommand} from '../command.js';
import {OperatorAborted, UserError} from '../errors.js';
import {describeHolder} from '../format.js';
import {framed, readFrames, ServerOutputError} from '../frames.js';
import {holderProvablyGone, localIdentity} from '../local-identity.js';
import {HISTORY_FILE, historyEntry} from '../history.js';
import {appDir} from '../paths.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {EXIT, serverCommand, type LockHolder, type PlannedCommand} from '../types.js';

export function ownerRecord(view: PlanView): LockHolder {
	const user = os.userInfo().username;
	const host = os.hostname();
	const identity = localIdentity();
	return {
		runId: view.runId,
		operator: `${user}@${host}`,
		localHost: host,
		...(identity.machine ? {machine: identity.machine} : {}),
		pid: process.pid,
		...(identity.pidStart ? {pidStart: identity.pidStart} : {}),
		startedAt: new Date().toISOString(),
		reason: `${view.kind} of ${view.config.app.name}${view.facts.target ? ` to ${view.facts.target.shortHash}` : ''}`,
	};
}

/** Exit 4 with `message` on stderr: the app dir is not what the config says. */
const badAppDir = (message: string) => sh`{ printf '%s\\n' ${`rewind: ${message}`} >&2; exit 4; }`;

/** Into app.dir, which must be the top of a git work tree; then `$lock` names the lock directory. */
function inCheckout(view: PlanView, command: ShellCommand): ShellCommand {
	const dir = view.config.app.dir;
	const lock = view.config.lock.path === undefined ? sh`lock="$git_dir/rewind.lock"` : sh`lock=${remotePath(view.config.lock.path)}`;
	return joinCommands(
		[
			sh`cd ${appDir(view)} 2>/dev/null || ${badAppDir(`${dir} does not exist on the server (app.dir)`)}`,
			// One git process for both: the git dir, then the top of the work tree (a line each).
			sh`where=$(git rev-parse --absolute-git-dir --show-toplevel 2>/dev/null) || ${badAppDir(`${dir} is not a git checkout on the server (app.dir)`)}`,
			sh`git_dir=\${where%%\n*}; top=\${where#*\n}`,
			sh`[ "$top" = "$(pwd -P)" ] || { printf '%s %s\\n' ${`rewind: ${dir} is inside the git checkout`} "$top, not the top of one: point app.dir at the checkout itself" >&2; exit 4; }`,
			lock,
			sh`case $lock in */*) parent=\${lock%/*}; parent=\${parent:-/} ;; *) parent=. ;; esac`,
			sh`[ -d "$parent" ] || { printf '%s %s\\n' 'rewind: the folder of the lock does not exist on the server:' "$parent (lock.path)" >&2; exit 4; }`,
			command,
		],
		'\n',
	);
}

const LOCK_PARTS = ['state', 'path', 'gitdir', 'mtime', 'owner'] as const;

/** The lock's state, framed: `acquired` or `held`, its path, the git dir, and (when held) its age and owner. */
const lockAnswer = framed([
	['state', sh`printf '%s' "$state"`],
	['path', sh`printf '%s' "$lock"`],
	['gitdir', sh`printf '%s' "$git_dir"`],
	['mtime', sh`[ "$state" = held ] && stat -c %Y "$lock" 2>/dev/null | tr -d '\\n'; true`],
	['owner', sh`[ "$state" = held ] && cat "$lock/owner.json" 2>/dev/null; true`],
]);

function lockCommands(view: PlanView): PlannedCommand[] {
	const owner = JSON.stringify(ownerRecord(view));
	return [
		serverCommand(
			'acquire',
			'take the rollback lock',
			inCheckout(
				view,
				sh`if mkdir "$lock" 2>/dev/null; then printf '%s\\n' ${owner} > "$lock/owner.json" && state=acquired; else state=held; fi && ${lockAnswer}`,
			),
		),
		serverCommand(
			'take-over',
			'take over a stale lock (only after the operator agrees)',
			inCheckout(
				view,
				sh`stale="$lock".${`stale-${view.runId}`} && mv "$lock" "$stale" && mkdir "$lock" && printf '%s\\n' ${owner} > "$lock/owner.json" && rm -rf "$stale" && state=acquired && ${lockAnswer}`,
			),
		),
		serverCommand(
			'release',
			// At the end of a run that reset nothing, there is no line to record.
			view.facts.runOutcome && !historyLine(view) ? 'release the rollback lock' : 'record the run in the release history and release the rollback lock',
			// Once taken, the lock's path is known: no need to find the checkout again.
			joinCommands(
				[
					view.facts.lock ? sh`lock=${remotePath(view.facts.lock.path)}` : inCheckout(view, sh`true`),
					sh`if grep -q -F ${`"runId":"${view.runId}"`} "$lock/owner.json" 2>/dev/null; then ${historyAppend(view)}rm -rf "$lock" && echo released; else echo ${`not held by ${view.runId}`}; fi`,
				],
				'\n',
			),
		),
	];
}

/** Appends this run to the release history while the lock is still held (once it has reset the checkout). */
function historyAppend(view: PlanView) {
	const entry = historyLine(view);
	// Appended only to a regular file of this user's (never through a symlink); preflight checked the git dir is this user's.
	return entry
		? sh`h=${remotePath(view.facts.lock!.gitDir!).join(HISTORY_FILE)}; if [ ! -L "$h" ] && { [ ! -e "$h" ] || { [ -f "$h" ] && [ -O "$h" ]; }; }; then printf '%s\\n' ${JSON.stringify(entry)} >> "$h"; else echo 'rewind: the release history is not a regular file of this user: not written' >&2; fi; `
		: sh``;
}

function historyLine(view: PlanView) {
	const outcome = view.facts.runOutcome;
	return view.facts.lock?.gitDir && outcome
		? historyEntry(view.facts, view.runId, view.kind, outcome, ownerRecord(view).operator, new Date(), view.stage)
		: undefined;
}

type LockState = {acquired: true; path: string; gitDir?: string} | {acquired: false; path: string; holder: LockHolder | null; mtime: number};

function parseLockOutput(stdout: string): LockState {
	const parts = readFrames(stdout, LOCK_PARTS, 'take the rollback lock');
	const state = parts.state.text;
	const path = parts.path.text;
	if (state === 'acquired') return {acquired: true, path, ...(parts.gitdir.text ? {gitDir: parts.gitdir.text} : {})};
	if (state !== 'held') throw new ServerOutputError('take the rollback lock', 'the lock is neither acquired nor held');
	const mtime = /^\d+$/.test(parts.mtime.text) ? Number(parts.mtime.text) : 0;
	return {acquired: false, path, holder: parseLockHolder(parts.owner.text), mtime};
}

/** The lock's owner.json, as far as it reads (null when it does not parse): who holds the lock. */
export function parseLockHolder(owner: string): LockHolder | null {
	try {
		const parsed = JSON.parse(owner) as Record<string, unknown>;
		const text = (key: string) => (typeof parsed[key] === 'string' ? parsed[key] : undefined);
		return {
			runId: text('runId') ?? 'unknown',
			operator: text('operator') ?? 'unknown',
			localHost: text('localHost') ?? 'unknown',
			...(text('machine') ? {machine: text('machine')!} : {}),
			pid: typeof parsed['pid'] === 'number' ? parsed['pid'] : 0,
			...(text('pidStart') ? {pidStart: text('pidStart')!} : {}),
			startedAt: text('startedAt') ?? '',
			reason: text('reason') ?? '',
		};
	} catch {
		return null;
	}
}

/** The lock command's own refusals (app.dir wrong) are bad input: exit 2 with what was found. */
async function runLockCommand(context: StepContext, id: 'acquire' | 'take-over') {
	const result = await context.run(id, {stream: false, allowFailure: true});
	if (result.exitCode === 4) throw new UserError(`${result.stderr.replace(/^rewind: /, '').trim() || 'app.dir is not usable'}.`, EXIT.usage);
	return result;
}

export const lockStep: StepDefinition = {
	id: 'lock',
	title: 'Lock',
	purpose: 'Takes the server-side lock so that no second operator rolls back at the same time; it is released however the run ends.',
	scope: 'server',
	interruptible: true,
	reads: [],
	writes: ['lock'],
	commands: lockCommands,
	async run(context: StepContext) {
		const result = await runLockCommand(context, 'acquire');
		if (result.exitCode !== 0) throw new Error(`could not take the lock (exit ${result.exitCode}): ${result.stderr.trim()}`);
		const state = parseLockOutput(result.stdout);
		// Made when it runs: it records the run's outcome in the release history.
		const release = () => () => lockCommands(context).find(command => command.id === 'release')!;
		if (state.acquired) {
			context.setFacts({lock: {path: state.path, ...(state.gitDir ? {gitDir: state.gitDir} : {})}});
			context.deferCleanup('lock', release());
			return `lock taken: ${state.path}`;
		}
		const startedMs = state.holder ? Date.parse(state.holder.startedAt) : state.mtime * 1000;
		const ageMinutes = Number.isFinite(startedMs) && startedMs > 0 ? (Date.now() - startedMs) / 60_000 : Number.POSITIVE_INFINITY;
		// Gone only when provably so: recorded on this machine (not merely the same host name) and its process no longer there.
		const holderGone = state.holder !== null && holderProvablyGone(state.holder);
		const ourResumedRun = state.holder !== null && context.flags.resumeOf === state.holder.runId;
		const stale = ourResumedRun || holderGone || ageMinutes >= context.config.lock.staleMinutes;
		const who = describeHolder(state.holder, ageMinutes);
		if (!stale) {
			throw new UserError(
				`Another rollback holds the lock on the server: ${who}. Wait for it to finish or talk to its operator; ` +
					`the lock counts as stale after ${context.config.lock.staleMinutes} min (lock.staleMinutes). Lock: ${state.path}`,
				EXIT.refused,
			);
		}
		if (ourResumedRun) {
			context.note('info', `The lock is held by the interrupted run ${state.holder!.runId} being resumed: taking it over.`);
		} else {
			const why = holderGone ? 'its process is gone' : `it is older than ${context.config.lock.staleMinutes} min`;
			context.note('warning', `A stale lock is on the server (${why}): ${who}.`);
			const answer = await context.ask({
				kind: 'stale-lock',
				holder: state.holder ?? {
					runId: 'unknown',
					operator: 'unknown',
					localHost: 'unknown',
					pid: 0,
					startedAt: new Date(startedMs || 0).toISOString(),
					reason: 'unknown',
				},
				ageMinutes,
			});
			if (answer !== 'take-over') throw new OperatorAborted('the stale lock was left in place');
		}
		const takeOver = await runLockCommand(context, 'take-over');
		const after = parseLockOutput(takeOver.stdout);
		if (takeOver.exitCode !== 0 || !after.acquired) {
			throw new UserError('The lock changed while rewind was taking it over (another operator?). Run again to see who holds it.', EXIT.refused);
		}
		context.setFacts({
			lock: {path: after.path, ...(after.acquired && after.gitDir ? {gitDir: after.gitDir} : {}), ...(state.holder ? {takenOver: state.holder} : {})},
		});
		context.deferCleanup('lock', release());
		context.note('warning', `Took over the stale lock of ${who}.`);
		return `stale lock taken over: ${after.path}`;
	},
};
