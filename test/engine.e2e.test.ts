import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {MARKER} from '../source/rehearsal/app-repo.js';
import {canRun} from './helpers/availability.js';
import {runEngine} from './helpers/run.js';
import {startProduction, type Production} from './helpers/production.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

describe.runIf(canRun('engine end to end', ['sshd']))('engine end to end over a real sshd', () => {
	let sshd: Sshd;
	let production: Production;

	beforeAll(async () => {
		sshd = await startSshd();
		production = await startProduction(sshd);
	});
	afterAll(async () => {
		await production?.stop();
		await sshd?.stop();
	});

	it('rolls back to the good commit non-interactively and proves it', async () => {
		const before = sshd.acceptedConnections();
		const {result, events} = await runEngine(production.config(), {flags: {target: production.app.good}, runsDir: production.runsDir});
		const failures = events.filter(event => event.type === 'step-failed');
		expect(failures, JSON.stringify(failures)).toEqual([]);
		expect(result.outcome).toBe('succeeded');
		expect(result.exitCode).toBe(0);
		const head = execFileSync('git', ['rev-parse', 'HEAD'], {cwd: production.app.dir, encoding: 'utf8'}).trim();
		expect(head).toBe(production.app.good);
		const page = await (await fetch(production.site.url)).text();
		expect(page).not.toContain(MARKER);
		expect(sshd.acceptedConnections() - before).toBe(1);
		const report = readFileSync(result.reportPath!, 'utf8');
		expect(report).toContain('Success criteria');
	});
});
