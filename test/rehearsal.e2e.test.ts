/**
 * The rehearsal: `rewind rehearse --yes` on a clean machine, and every drill (one test each, read
 * from drills/) showing its fault, its hint, and a safe ending.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {parseCli} from '../source/cli-options.js';
import type {RunEvent} from '../source/core/events.js';
import {readJournal} from '../source/core/journal.js';
import {createFlagEngine} from '../source/session.js';
import {MARKER} from '../source/rehearsal/app-repo.js';
import {loadDrills} from '../source/rehearsal/drills.js';
import {prepareRehearsal} from '../source/rehearsal/rehearse.js';
import {canRun} from './helpers/availability.js';
import {runCli} from './helpers/cli.js';

const rewindHome = mkdtempSync(path.join(os.tmpdir(), 'rewind-home-'));
afterAll(() => rmSync(rewindHome, {recursive: true, force: true}));

/**
 * Processes whose command line or working directory is inside this test's own sandbox. Other
 * tests run rehearsals of their own in parallel workers: only what this test created is checked.
 */
function processesIn(sandboxDir: string): string[] {
	const found: string[] = [];
	for (const pid of readdirSync('/proc').filter(entry => /^\d+$/.test(entry))) {
		try {
			const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
			const cwd = readlinkSync(`/proc/${pid}/cwd`);
			if (cmdline.includes(sandboxDir) || cwd.startsWith(sandboxDir)) found.push(`${pid} ${cmdline.trim()}`);
		} catch {
			// Gone, or not ours to read.
		}
	}
	return found;
}

describe('rewind rehearse --yes', () => {
	it('rolls the sandbox back, proves the page lost the marker, and tears everything down', async () => {
		const result = await runCli(['rehearse', '--yes'], {env: {REWIND_HOME: rewindHome}, timeoutMs: 120_000});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Result: SUCCEEDED');
		expect(result.stdout).toContain('Scorecard: PASSED');

		// What the server said over SSH and HTTP, as the journal recorded it.
		const journalFile = /Journal: (\S+)/.exec(result.stdout)![1]!;
		const journal = readJournal(journalFile);
		expect(journal.kind).toBe('rehearsal');
		const sandboxLine = /sandbox production at (\S+); the bad deploy is ([0-9a-f]{7}), the last good one ([0-9a-f]{7})/.exec(result.stdout)!;
		expect(journal.facts.fromHead?.slice(0, 7)).toBe(sandboxLine[2]);
		expect(journal.facts.remoteHeadAfter?.slice(0, 7)).toBe(sandboxLine[3]);
		const finished = journal.events.find(event => event.type === 'run-finished') as Extract<RunEvent, {type: 'run-finished'}>;
		expect(finished.criteria.find(criterion => criterion.id === 'site-forbidden')).toMatchObject({status: 'pass', label: `Page no longer shows "${MARKER}"`});
		expect(readFileSync(finished.reportPath!, 'utf8')).toContain('## Rehearsal scorecard');

		// Nothing is left: this run's sandbox folder is gone and no process runs in it.
		expect(existsSync(sandboxLine[1]!)).toBe(false);
		expect(processesIn(sandboxLine[1]!)).toEqual([]);
	});

	it('with --keep, leaves the rolled-back checkout to inspect (servers stopped)', async () => {
		const result = await runCli(['rehearse', '--yes', '--keep'], {env: {REWIND_HOME: rewindHome}, timeoutMs: 120_000});
		expect(result.code).toBe(0);
		const dir = /kept the sandbox at (\S+)/.exec(result.stdout)![1]!;
		try {
			const good = /the last good one ([0-9a-f]{7})/.exec(result.stdout)![1]!;
			const app = path.join(dir, 'home', 'trainee', 'bankroll');
			expect(execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], {cwd: app, encoding: 'utf8'}).trim()).toBe(good);
			expect(readFileSync(path.join(app, 'dist', 'index.html'), 'utf8')).not.toContain(MARKER);
			expect(processesIn(dir)).toEqual([]);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});

const drills = loadDrills();

describe.runIf(canRun('rehearsal drills', ['mariadb', 'flask']))('every drill shows its fault, its hint, and ends safely', () => {
	it('has the drills of the original drill report', () => {
		expect(drills.map(drill => drill.id).sort()).toEqual(
			[
				'corrupted-node-modules',
				'hand-edited-production',
				'forgotten-build',
				'irreversible-migration',
				'documented-mysqldump',
				'original-drill',
				'node-pinned',
				'old-worker',
				'process-privilege',
				'reload-401',
				'reload-409',
				'reload-redirect',
				'schema-moved-on',
				'ssh-drop-during-backup',
			].sort(),
		);
	});

	for (const drill of drills) {
		it(`${drill.id}: ${drill.title}`, async () => {
			const options = parseCli(['rehearse', '--yes', '--drill', drill.id]);
			const {sandbox, request} = await prepareRehearsal(options, drill, () => {});
			try {
				const engine = createFlagEngine({...request, runsDir: path.join(rewindHome, 'runs')});
				const events: RunEvent[] = [];
				engine.subscribe(event => events.push(event));
				const result = await engine.run();

				// The fault appeared and the matching hint was shown.
				const hints = events.filter(event => event.type === 'hint').map(event => event.hint.id);
				expect(hints).toContain(drill.expect.hint);
				expect(result.outcome, result.message).toBe(drill.expect.outcome);

				// A safe state: HEAD where expected, the lock released, no half-made backup counted.
				const head = execFileSync('git', ['rev-parse', 'HEAD'], {cwd: sandbox.app.dir, encoding: 'utf8'}).trim();
				expect(head).toBe(drill.expect.head === 'unchanged' ? sandbox.app.bad : sandbox.app.good);
				expect(existsSync(path.join(sandbox.app.dir, '.git', 'rewind.lock'))).toBe(false);
				// A fault before or during the backup leaves no backup counted; a refusal after it keeps the verified one.
				if (drill.expect.head === 'unchanged' && drill.expect.outcome !== 'refused') expect(result.facts.backup?.verified ?? false).toBe(false);
				if (result.facts.dirty) {
					expect(existsSync(result.facts.dirty.patchPath!)).toBe(true);
					expect(readFileSync(result.facts.dirty.patchPath!, 'utf8')).toContain('HOTFIX 02:13');
				}
				expect(readFileSync(result.reportPath!, 'utf8')).toContain(drill.title);
			} finally {
				await sandbox.teardown();
			}
			expect(existsSync(sandbox.dir)).toBe(false);
		});
	}
});
