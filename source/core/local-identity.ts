/**
 * Who holds a lock, in terms that survive containers and PID namespaces: a host name is shared by
 * every container started from one image, and a pid means nothing outside its namespace. A holder
 * is this machine's identity (the machine id, the boot id and the PID namespace, hashed) plus the
 * pid and that process's start time (so a reused pid is not taken for the holder). A holder counts
 * as gone only when that is provable: same identity, and its pid absent or started at another time.
 */
import {createHash} from 'node:crypto';
import {readFileSync, readlinkSync} from 'node:fs';

function read(file: string, reader: (file: string) => string = name => readFileSync(name, 'utf8')): string | undefined {
	try {
		return reader(file).trim();
	} catch {
		return undefined;
	}
}

/** The start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), if /proc has it. */
export function processStartTicks(pid: number | 'self'): string | undefined {
	const stat = read(`/proc/${pid}/stat`);
	if (stat === undefined) return undefined;
	// The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return fields[19];
}

export type LocalIdentity = {
	/** Hashed machine id, boot id and PID namespace; undefined where they cannot be read (no /proc). */
	readonly machine: string | undefined;
	readonly pid: number;
	readonly pidStart: string | undefined;
};

export function localIdentity(): LocalIdentity {
	const namespace = read('/proc/self/ns/pid', readlinkSync);
	const boot = read('/proc/sys/kernel/random/boot_id');
	const machineId = read('/etc/machine-id') ?? read('/var/lib/dbus/machine-id') ?? '';
	const machine = namespace && boot ? createHash('sha256').update(`${machineId}\n${boot}\n${namespace}`).digest('hex').slice(0, 32) : undefined;
	return {machine, pid: process.pid, pidStart: processStartTicks('self')};
}

/** True only when the holder provably no longer runs: recorded on this machine, and its pid gone or reused. */
export function holderProvablyGone(
	holder: {readonly machine?: string | undefined; readonly pid: number; readonly pidStart?: string | undefined},
	here = localIdentity(),
): boolean {
	if (!here.machine || holder.machine !== here.machine || !holder.pidStart || !Number.isInteger(holder.pid) || holder.pid <= 0) return false;
	const start = processStartTicks(holder.pid);
	return start === undefined || start !== holder.pidStart;
}
