/**
 * The server scope: which servers a run works on and which of its steps run once for the run or
 * once per server. Today a config names one server (its `ssh` section); the scope is threaded
 * through steps, events, facts, the fold, cleanups and connections so that stages and fleets add
 * servers, not a second code path (issue 23, part 1).
 */
import type {Config} from './config/schema.js';

/** A server's name in a run: its ssh host as the config gives it (an alias of `~/.ssh/config`, or a host name). */
export type ServerId = string;

/** A server of the run and what reaching it takes. */
export type ServerRef = {readonly id: ServerId; readonly ssh: Config['ssh']};

/**
 * Whether a step runs once for the run (the target's pick, the database's backup and migration,
 * the confirmation) or once on each server (lock, preflight, reset, build, reload, verify).
 */
export type StepScope = 'run' | 'server';

/** The servers a config names, in order (the first is the one a canary would be). */
export function serversOf(config: Pick<Config, 'ssh'>): readonly [ServerRef, ...ServerRef[]] {
	return [{id: config.ssh.host, ssh: config.ssh}];
}
