import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {MARKER} from '../source/rehearsal/app-repo.js';
import {canRun} from './helpers/availability.js';
import type {RunEvent} from '../source/core/events.js';
import type {Answer, Operator, Question} from '../source/core/questions.js';
import {flagsFor, runEngine} from './helpers/run.js';
import {useProduction} from './helpers/fixtures.js';

/** The server commands a run started, in order; `mark` is appended to those sent ahead. */
const serverCommands = (events: readonly RunEvent[], mark: string) =>
	events.flatMap(event =>
		event.type === 'command-started' && event.where === 'server' ? [`${event.commandId.replace(/#\d+$/, '')}${event.sentAhead ? mark : ''}`] : [],
	);

describe.runIf(canRun('engine end to end', ['sshd']))('engine end to end over a real sshd', () => {
	const servers = useProduction();

	it('rolls back to the good commit non-interactively and proves it', async () => {
		const before = servers.sshd.acceptedConnections();
		const {result, events} = await runEngine(servers.production.config(), {flags: {target: servers.production.app.good}, runsDir: servers.production.runsDir});
		const failures = events.filter(event => event.type === 'step-failed');
		expect(failures, JSON.stringify(failures)).toEqual([]);
		expect(result.outcome).toBe('succeeded');
		expect(result.exitCode).toBe(0);
		const head = execFileSync('git', ['rev-parse', 'HEAD'], {cwd: servers.production.app.dir, encoding: 'utf8'}).trim();
		expect(head).toBe(servers.production.app.good);
		const page = await (await fetch(servers.production.site.url)).text();
		expect(page).not.toContain(MARKER);
		expect(servers.sshd.acceptedConnections() - before).toBe(1);
		const report = readFileSync(result.reportPath!, 'utf8');
		expect(report).toContain('Success criteria');
	});

	it('from connected to the commit list is one round trip: lock, preflight and the first page travel together', async () => {
		let firstPage = 0;
		const operator: Operator = {
			async ask<Q extends Question>(question: Q): Promise<Answer<Q>> {
				if (question.kind !== 'pick-target') throw new Error(`unexpected question ${question.kind}`);
				firstPage = (await question.source.page(0, 50)).commits.length;
				return null;
			},
		};
		const {result, events, engine} = await runEngine(servers.production.config(), {flags: {yes: false}, operator, runsDir: null});
		expect(result.outcome).toBe('aborted');
		expect(firstPage).toBeGreaterThan(2);
		const ids = serverCommands(events, ' (sent ahead)');
		expect(ids).toEqual(['acquire', 'inspect (sent ahead)', 'log-page (sent ahead)', 'release']);
		// One round trip up to the list, one for the release of the lock: measured by the shell itself.
		expect(engine.facts.roundTrips).toBe(2);
		expect(engine.facts.shellStarts).toBe(1);
	});

	it('preflight reads the working tree without writing the index (no index.lock taken while a deploy may run git)', async () => {
		const dir = servers.production.app.dir;
		const git = (...args: string[]) => execFileSync('git', args, {cwd: dir, encoding: 'utf8'});
		// A tracked file touched since the index was written: a plain git status would refresh the index and write it.
		const tracked = git('ls-files', '-z').split('\0')[0]!;
		const indexBefore = readFileSync(`${dir}/.git/index`);
		execFileSync('touch', ['-d', '1 minute ago', `${dir}/${tracked}`]);
		const operator: Operator = {
			async ask<Q extends Question>(question: Q): Promise<Answer<Q>> {
				if (question.kind !== 'pick-target') throw new Error(`unexpected question ${question.kind}`);
				return null;
			},
		};
		const {result} = await runEngine(servers.production.config(), {flags: {yes: false}, operator, runsDir: null});
		expect(result.outcome).toBe('aborted');
		expect(readFileSync(`${dir}/.git/index`).equals(indexBefore)).toBe(true);
		// The same check with a plain git status does write it: the test can tell.
		git('status', '--porcelain');
		expect(readFileSync(`${dir}/.git/index`).equals(indexBefore)).toBe(false);
	});

	it('a command that may change the server makes answers sent ahead stale: after taking over a stale lock, preflight reads again', async () => {
		const head = () => execFileSync('git', ['rev-parse', 'HEAD'], {cwd: servers.production.app.dir, encoding: 'utf8'}).trim();
		// A lock left by a run that died before writing its owner: stale by age.
		execFileSync('mkdir', ['-p', `${servers.production.app.dir}/.git/rewind.lock`]);
		execFileSync('touch', ['-d', '2 days ago', `${servers.production.app.dir}/.git/rewind.lock`]);
		const {result, events} = await runEngine(servers.production.config(), {flags: flagsFor({target: head(), takeOverStaleLock: true}), runsDir: null});
		const started = serverCommands(events, '*');
		expect(started.slice(0, 4), JSON.stringify(events.filter(event => event.type === 'step-failed' || event.type === 'run-finished'))).toEqual([
			'acquire',
			'take-over',
			'inspect*',
			'resolve*',
		]);
		// The target is HEAD: refused as bad input after the lookups, the lock released.
		expect(result.exitCode, result.message).toBe(2);
		expect(started.at(-1)).toBe('release');
	});
});
