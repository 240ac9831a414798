/**
 * The server-side lock: a directory made with `mkdir` (atomic), holding who took it, when and why.
 * A second operator sees the holder and cannot proceed; a stale lock is taken over only by an
 * explicit, logged choice; the engine releases it on every way out of a run.
 */
import os from 'node:os';
import {OperatorAborted, UserError} from '../errors.js';
import {inDir, remotePath, shq} from '../shell.js';
import {known, type PlanView, type StepContext, type StepDefinition} from '../step.js';
import {EXIT, type LockHolder, type PlannedCommand} from '../types.js';

function lockVariable(view: PlanView): string {
	return view.config.lock.path === undefined ? 'lock="$(git rev-parse --absolute-git-dir)/rewind.lock"' : `lock=${remotePath(view.config.lock.path)}`;
}

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

function lockCommands(view: PlanView): PlannedCommand[] {
	const dir = view.config.app.dir;
	const owner = shq(JSON.stringify(ownerRecord(view)));
	const preamble = `${lockVariable(view)} || exit 4`;
	const notGit = `{ echo "rewind: ${dir} is not a git checkout on the server (app.dir)" >&2; exit 4; }`;
	const cd = (command: string) => `cd ${remotePath(dir)} 2>/dev/null || { echo "rewind: ${dir} does not exist on the server (app.dir)" >&2; exit 4; }; git rev-parse --git-dir >/dev/null 2>&1 || ${notGit}; ${command}`;
	return [
		{
			id: 'acquire',
			where: 'server',
			purpose: 'take the rollback lock',
			display: cd(
				`${preamble}; if mkdir "$lock" 2>/dev/null; then printf '%s\\n' ${owner} > "$lock/owner.json" && echo "acquired $lock"; ` +
					`else echo "held $lock"; echo "mtime $(stat -c %Y "$lock" 2>/dev/null || echo 0)"; cat "$lock/owner.json" 2>/dev/null; fi`,
			),
		},
		{
			id: 'take-over',
			where: 'server',
			purpose: 'take over a stale lock (only after the operator agrees)',
			display: cd(
				`${preamble}; mv "$lock" "$lock.stale-${view.runId}" && mkdir "$lock" && printf '%s\\n' ${owner} > "$lock/owner.json" && ` +
					`rm -rf "$lock.stale-${view.runId}" && echo "acquired $lock"`,
			),
		},
		{
			id: 'release',
			where: 'server',
			purpose: 'release the rollback lock',
			display: inDir(
				dir,
				`${preamble}; if grep -q ${shq(`"runId":"${view.runId}"`)} "$lock/owner.json" 2>/dev/null; then rm -rf "$lock" && echo released; else echo "not held by ${known(view.runId, 'run')}"; fi`,
			),
		},
	];
}

type LockState = {acquired: true; path: string} | {acquired: false; path: string; holder: LockHolder | null; mtime: number};

function parseLockOutput(stdout: string): LockState {
	const lines = stdout.split('\n');
	const first = lines[0] ?? '';
	if (first.startsWith('acquired ')) return {acquired: true, path: first.slice('acquired '.length)};
	const path = first.startsWith('held ') ? first.slice('held '.length) : '(unknown)';
	const mtime = Number(/^mtime (\d+)/.exec(lines[1] ?? '')?.[1] ?? 0);
	let holder: LockHolder | null = null;
	try {
		holder = JSON.parse(lines.slice(2).join('\n')) as LockHolder;
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

export function describeHolder(holder: LockHolder | null, ageMinutes: number): string {
	if (!holder) return `an unknown run (no owner record), ${Math.round(ageMinutes)} min old`;
	return `${holder.operator} (pid ${holder.pid}, run ${holder.runId}) since ${holder.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(ageMinutes)} min ago, for "${holder.reason}"`;
}

export const lockStep: StepDefinition = {
	id: 'lock',
	title: 'Lock',
	interruptible: true,
	commands: lockCommands,
	async run(context: StepContext) {
		const state = parseLockOutput((await context.run('acquire', {stream: false})).stdout);
		const release = lockCommands(context).find(command => command.id === 'release')!;
		if (state.acquired) {
			context.setFacts({lock: {path: state.path}});
			context.deferCleanup('lock', release);
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
				holder: state.holder ?? {runId: 'unknown', operator: 'unknown', localHost: 'unknown', pid: 0, startedAt: new Date(startedMs || 0).toISOString(), reason: 'unknown'},
				ageMinutes,
			});
			if (answer !== 'take-over') throw new OperatorAborted('the stale lock was left in place');
		}
		const result = await context.run('take-over', {allowFailure: true, stream: false});
		const after = parseLockOutput(result.stdout);
		if (result.exitCode !== 0 || !after.acquired) {
			throw new UserError('The lock changed while rewind was taking it over (another operator?). Run again to see who holds it.', EXIT.refused);
		}
		context.setFacts({lock: {path: after.path, ...(state.holder ? {takenOver: state.holder} : {})}});
		context.deferCleanup('lock', release);
		context.note('warning', `Took over the stale lock of ${who}.`);
		return `stale lock taken over: ${after.path}`;
	},
};
