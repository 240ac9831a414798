import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {describe, expect, it} from 'vitest';
import {holderProvablyGone, localIdentity, processStartTicks} from '../source/core/local-identity.js';

const onLinux = process.platform === 'linux';

describe.runIf(onLinux)('a lock holder is gone only when provably so', () => {
	it('reads this machine (machine id, boot id, PID namespace) and this process’s start time', () => {
		const here = localIdentity();
		expect(here.machine).toMatch(/^[0-9a-f]{32}$/);
		expect(here.pid).toBe(process.pid);
		expect(here.pidStart).toMatch(/^\d+$/);
		expect(processStartTicks(process.pid)).toBe(here.pidStart);
	});

	it('a holder on this machine whose process ended: gone', async () => {
		const child = spawn('sleep', ['30']);
		await once(child, 'spawn');
		const holder = {machine: localIdentity().machine, pid: child.pid!, pidStart: processStartTicks(child.pid!)};
		expect(holderProvablyGone(holder)).toBe(false);
		child.kill('SIGKILL');
		await once(child, 'exit');
		expect(holderProvablyGone(holder)).toBe(true);
	});

	it('a pid that runs again for another process (another start time): gone', () => {
		const here = localIdentity();
		expect(holderProvablyGone({machine: here.machine, pid: process.pid, pidStart: `${Number(here.pidStart) + 1}`})).toBe(true);
		expect(holderProvablyGone({machine: here.machine, pid: process.pid, pidStart: here.pidStart})).toBe(false);
	});

	it('a holder recorded on another machine with the same host name (a container), or without a machine (an older rewind): never gone', () => {
		const here = localIdentity();
		expect(holderProvablyGone({machine: 'f'.repeat(32), pid: 999_999_999, pidStart: '1'})).toBe(false);
		expect(holderProvablyGone({pid: 999_999_999, pidStart: '1'})).toBe(false);
		expect(holderProvablyGone({machine: here.machine, pid: 999_999_999})).toBe(false);
		// This machine seen from another PID namespace is another machine.
		expect(holderProvablyGone({machine: here.machine, pid: 999_999_999, pidStart: '1'}, {...here, machine: 'e'.repeat(32)})).toBe(false);
	});
});
