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
import {HISTORY_FILE, historyEntry} from '../history.js';
import {appDir} from '../paths.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {EXIT, serverCommand, type LockHolder, type PlannedCommand} from '../types.js';

export function ownerRecord(view: PlanView): LockHolder {
	const user = os.userInfo().username;
	const host = os.hostname();
	return {
		runId: view.runId,
		operator: `${user}@${host}`,
		localHost: host,
		pid: process.pid,
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

function lockCommands(view: PlanView): PlannedCommand[] {
	const owner = JSON.stringify(ownerRecord(view));
	return [
		serverCommand(
			'acquire',
			'take the rollback lock',
			inCheckout(
				view,
				sh`if mkdir "$lock" 2>/dev/null; then printf '%s\\n' ${owner} > "$lock/owner.json" && echo "acquired $lock" && echo "gitdir $git_dir"; else echo "held $lock"; echo "mtime $(stat -c %Y "$lock" 2>/dev/null || echo 0)"; cat "$lock/owner.json" 2>/dev/null || true; fi`,
			),
		),
		serverCommand(
			'take-over',
			'take over a stale lock (only after the operator agrees)',
			inCheckout(
				view,
				sh`stale="$lock".${`stale-${view.runId}`} && mv "$lock" "$stale" && mkdir "$lock" && printf '%s\\n' ${owner} > "$lock/owner.json" && rm -rf "$stale" && echo "acquired $lock" && echo "gitdir $git_dir"`,
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
	return entry ? sh`printf '%s\\n' ${JSON.stringify(entry)} >> ${remotePath(view.facts.lock!.gitDir!).join(HISTORY_FILE)}; ` : sh``;
}

function historyLine(view: PlanView) {
	const outcome = view.facts.runOutcome;
	return view.facts.lock?.gitDir && outcome ? historyEntry(view.facts, view.runId, view.kind, outcome, ownerRecord(view).operator) : undefined;
}

type LockState = {acquired: true; path: string; gitDir?: string} | {acquired: false; path: string; holder: LockHolder | null; mtime: number};

function parseLockOutput(stdout: string): LockState {
	const lines = stdout.split('\n');
	const first = lines[0] ?? '';
	if (first.startsWith('acquired ')) {
		const gitDir = /^gitdir (.+)$/m.exec(stdout)?.[1];
		return {acquired: true, path: first.slice('acquired '.length), ...(gitDir ? {gitDir} : {})};
	}
	const path = first.startsWith('held ') ? first.slice('held '.length) : '(unknown)';
	const mtime = Number(/^mtime (\d+)/.exec(lines[1] ?? '')?.[1] ?? 0);
	let holder: LockHolder | null;
	try {
		const parsed = JSON.parse(lines.slice(2).join('\n')) as Record<string, unknown>;
		holder = {
			runId: String(parsed['runId'] ?? 'unknown'),
			operator: String(parsed['operator'] ?? 'unknown'),
			localHost: String(parsed['localHost'] ?? 'unknown'),
			pid: Number(parsed['pid'] ?? 0),
			startedAt: String(parsed['startedAt'] ?? ''),
			reason: String(parsed['reason'] ?? ''),
		};
	} catch {
		holder = null;
	}
	return {acquired: false, path, holder, mtime};
}

function isProcessAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
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
		const holderGone = state.holder !== null && state.holder.localHost === os.hostname() && !isProcessAlive(state.holder.pid);
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
