/**
 * No broken window (issue 24), on a real OpenSSH server: the target's assets are built in a worktree
 * beside the live checkout and swapped in by the reset's own command. A site shaped like
 * PythonAnywhere's (the app process renders the page loaded at its last reload, static files come
 * from disk) is sampled every 50 ms through the rollback and its undo: HEAD at the target never
 * goes with the old page for longer than the bound, and no asset a served page references is ever
 * missing. A build that fails beside the site changes nothing live and leaves no worktree. The same
 * run with build.prebuild: false shows the window the prebuild closes.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Config} from '../source/core/config/schema.js';
import type {RunEvent} from '../source/core/events.js';
import {FlagOperator} from '../source/core/operator.js';
import type {Operator, Question} from '../source/core/questions.js';
import {undoOfFacts} from '../source/core/undo.js';
import {missingAssets, sampleSite, startAssetSite, windowMs, writeHashedBuild, type AssetSite} from './helpers/asset-site.js';
import {canRun} from './helpers/availability.js';
import {startProduction, type Production} from './helpers/production.js';
import {flagsFor, runEngine} from './helpers/run.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

const GOOD = '1.1.1';
const BAD = '1.2.0-rc';
/**
 * The bound on HEAD at the target with the old page: the reset, the swap, the reload's two samples
 * and a touch — ~150 ms on an idle machine (the benchmark holds the ≤ 1 s target), with room for
 * a CI machine running other suites beside; half the build's length, which the run without a
 * prebuild shows in full.
 */
const BOUND_MS = 2500;
const BUILD_SECONDS = 5;

const order = (events: readonly RunEvent[]) => events.flatMap(event => (event.type === 'step-started' ? [event.stepId] : []));
const stepState = (events: readonly RunEvent[], stepId: string) =>
	events.filter(event => 'stepId' in event && event.stepId === stepId && event.type.startsWith('step-')).at(-1)?.type;

describe.runIf(canRun('prebuild', ['sshd']))('the target built beside the live site, swapped in with the reset', () => {
	let sshd: Sshd;
	let production: Production;
	let site: AssetSite;
	let build: string;
	let failingBuild: string;
	beforeAll(async () => {
		sshd = await startSshd();
		production = await startProduction(sshd);
		build = writeHashedBuild(path.join(production.root, 'hashed-build.mjs'), BUILD_SECONDS);
		failingBuild = `${writeHashedBuild(path.join(production.root, 'hashed-build-quick.mjs'), 0)} && echo 'vite: error during build' >&2 && false`;
		execFileSync('sh', ['-c', writeHashedBuild(path.join(production.root, 'hashed-build-now.mjs'), 0)], {cwd: production.app.dir});
		site = await startAssetSite(production.app.dir, production.wsgiPath);
	});
	afterAll(async () => {
		await site?.stop();
		await production?.stop();
		await sshd?.stop();
	});

	const git = (...args: string[]) => execFileSync('git', args, {cwd: production.app.dir, encoding: 'utf8'}).trim();
	const config = (overrides: Record<string, unknown> = {}): Config =>
		production.config({
			site: {url: site.url, mustContain: ['Bankroll'], mustNotContain: [], timeoutSeconds: 10, intervalSeconds: 0.2, settleSeconds: 1},
			build: {commands: [build]},
			...overrides,
		});
	const liveVersion = () => /version ([^<\s]+)/.exec(readFileSync(path.join(production.app.dir, 'dist', 'index.html'), 'utf8'))?.[1];
	const leftovers = () => (existsSync(path.join(production.app.dir, '.git', 'rewind')) ? readdirSync(path.join(production.app.dir, '.git', 'rewind')) : []);
	const touchReload = () => utimesSync(production.wsgiPath, new Date(), new Date(Date.now() + 1000));

	it('rollback and undo: the page follows HEAD within the bound, no referenced asset is ever missing, the old assets kept beside the new', async () => {
		const sampler = sampleSite(production.app.dir, site.url);
		let assetsAfterReset: string[] = [];
		const rollback = await runEngine(config(), {
			flags: {target: production.app.good},
			runsDir: production.runsDir,
			hook: event => {
				if (event.type === 'step-succeeded' && event.stepId === 'reset') assetsAfterReset = readdirSync(path.join(production.app.dir, 'dist', 'assets')).sort();
			},
		});
		const samples = await sampler.stop();
		expect(rollback.result.outcome, rollback.result.message).toBe('succeeded');
		const steps = order(rollback.events);
		expect(steps.indexOf('prebuild')).toBeGreaterThan(steps.indexOf('confirm'));
		expect(steps.indexOf('prebuild')).toBeLessThan(steps.indexOf('reset'));
		expect(stepState(rollback.events, 'prebuild')).toBe('step-succeeded');
		expect(stepState(rollback.events, 'build')).toBe('step-skipped');
		const window = windowMs(samples, production.app.good, GOOD);
		expect(window, JSON.stringify(samples.slice(-5))).not.toBeNull();
		expect(window!).toBeLessThanOrEqual(BOUND_MS);
		expect(missingAssets(samples)).toEqual([]);
		// The old site served all through the build (a sample every 50 ms when idle; fewer on a loaded machine).
		expect(samples.filter(sample => sample.version === BAD).length).toBeGreaterThan(BUILD_SECONDS * 5);
		expect(rollback.result.facts.assetsWindow).toMatchObject({how: 'swapped-with-reset'});
		expect(rollback.result.facts.assetsWindow!.ms).toBeLessThan(BOUND_MS);
		expect(liveVersion()).toBe(GOOD);
		// Between the reset and the reload the old process's page still names the old asset: linked beside the new ones before the reset, and kept.
		expect(assetsAfterReset).toEqual(expect.arrayContaining([`app-${GOOD}.css`, `app-${BAD}.css`]));
		expect(readdirSync(path.join(production.app.dir, 'dist', 'assets'))).toEqual(expect.arrayContaining([`app-${GOOD}.css`, `app-${BAD}.css`]));
		expect(leftovers()).toEqual([]);
		expect(git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
		expect(git('status', '--porcelain', '--untracked-files=all')).toBe('');
		const finished = rollback.events.find(event => event.type === 'run-finished') as Extract<RunEvent, {type: 'run-finished'}>;
		expect(finished.criteria.find(criterion => criterion.id === 'assets')).toMatchObject({
			status: 'pass',
			detail: expect.stringContaining('swapped in with it'),
		});

		const undoSampler = sampleSite(production.app.dir, site.url);
		const undo = await runEngine(config(), {
			kind: 'undo',
			flags: {target: rollback.result.facts.fromHead!},
			runsDir: production.runsDir,
			initialFacts: {undoOf: undoOfFacts(rollback.result.runId, rollback.result.facts)},
		});
		const undoSamples = await undoSampler.stop();
		expect(undo.result.outcome, undo.result.message).toBe('succeeded');
		expect(stepState(undo.events, 'build')).toBe('step-skipped');
		const undoWindow = windowMs(undoSamples, production.app.bad, BAD);
		expect(undoWindow).not.toBeNull();
		expect(undoWindow!).toBeLessThanOrEqual(BOUND_MS);
		expect(missingAssets(undoSamples)).toEqual([]);
		expect(liveVersion()).toBe(BAD);
		expect(git('rev-parse', 'HEAD')).toBe(production.app.bad);
		expect(leftovers()).toEqual([]);
	}, 120_000);

	it('a build that fails beside the site: HEAD, the page and dist/ unchanged, the worktree removed, exit 1', async () => {
		git('reset', '-q', '--hard', production.app.bad);
		execFileSync('sh', ['-c', `node ${path.join(production.root, 'hashed-build-now.mjs')}`], {cwd: production.app.dir});
		touchReload();
		const before = readFileSync(path.join(production.app.dir, 'dist', 'index.html'), 'utf8');
		const run = await runEngine(config({build: {commands: [failingBuild]}}), {flags: {target: production.app.good}, runsDir: production.runsDir});
		expect(run.result.outcome).toBe('failed');
		expect(run.result.exitCode).toBe(1);
		expect(order(run.events)).not.toContain('reset');
		expect(git('rev-parse', 'HEAD')).toBe(production.app.bad);
		expect(readFileSync(path.join(production.app.dir, 'dist', 'index.html'), 'utf8')).toBe(before);
		expect(await (await fetch(site.url)).text()).toContain(`version ${BAD}`);
		expect(leftovers()).toEqual([]);
		expect(git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
		expect(run.result.message).toContain('vite: error during build');
		expect(run.result.message).toContain(`This run changed nothing on the server (it found HEAD at ${production.app.bad.slice(0, 7)})`);
	}, 120_000);

	it('build.prebuild: false: the old order, and the window it leaves (the build’s length)', async () => {
		git('reset', '-q', '--hard', production.app.bad);
		execFileSync('sh', ['-c', `node ${path.join(production.root, 'hashed-build-now.mjs')}`], {cwd: production.app.dir});
		touchReload();
		const sampler = sampleSite(production.app.dir, site.url);
		const run = await runEngine(config({build: {commands: [build], prebuild: false}}), {flags: {target: production.app.good}, runsDir: production.runsDir});
		const samples = await sampler.stop();
		expect(run.result.outcome, run.result.message).toBe('succeeded');
		expect(order(run.events)).not.toContain('prebuild');
		expect(windowMs(samples, production.app.good, GOOD)!).toBeGreaterThanOrEqual(BUILD_SECONDS * 1000);
		expect(run.result.facts.assetsWindow).toMatchObject({how: 'built-after-reset'});
		expect(run.result.facts.assetsWindow!.ms).toBeGreaterThanOrEqual(BUILD_SECONDS * 1000);
	}, 120_000);

	it('found only after the confirmation (a live dist that is a symlink): at a terminal the operator types why to go on; the build then runs after the reset, through the symlink', async () => {
		git('reset', '-q', '--hard', production.app.bad);
		const elsewhere = path.join(production.root, 'static-dist');
		rmSync(elsewhere, {recursive: true, force: true});
		renameSync(path.join(production.app.dir, 'dist'), elsewhere);
		symlinkSync(elsewhere, path.join(production.app.dir, 'dist'));
		const asked: string[] = [];
		const flags = flagsFor({target: production.app.good, yes: false});
		const operator = {
			ask: async (question: Question) => {
				if (question.kind === 'confirm-reset') return {decision: 'confirm'};
				if (question.kind === 'override-reason') {
					asked.push(question.warning ?? '');
					return 'the static mapping follows the symlink: a short window is fine';
				}
				return new FlagOperator({...flags, yes: true}).ask(question, new AbortController().signal);
			},
		} as Operator;
		const run = await runEngine(config({build: {commands: [failingBuild.replace(/ && echo .*$/, '')]}}), {flags, runsDir: production.runsDir, operator});
		expect(run.result.outcome, run.result.message).toBe('succeeded');
		expect(asked).toHaveLength(1);
		expect(asked[0]).toContain('The build beside the live site cannot be used: the live dist (symlink) cannot be replaced by a rename');
		expect(run.result.facts.prebuildSkipped).toMatchObject({chosen: true, reason: expect.stringContaining('the static mapping follows the symlink')});
		expect(stepState(run.events, 'build')).toBe('step-succeeded');
		expect(lstatSync(path.join(production.app.dir, 'dist')).isSymbolicLink()).toBe(true);
		expect(liveVersion()).toBe(GOOD);
		expect(leftovers()).toEqual([]);
	}, 120_000);
});
