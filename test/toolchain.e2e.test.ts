/**
 * The toolchain check before the reset (issue 24), on a real OpenSSH server: a target whose
 * package.json asks for a Node the server lacks stops before anything live changes (exit 3, both
 * versions named) unless a reason is given; an interrupted install in node_modules and a Node that
 * only a login shell gets (nvm) are said before the reset.
 */
import {execFileSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {RunEvent} from '../source/core/events.js';
import {FlagOperator} from '../source/core/operator.js';
import type {Operator, Question} from '../source/core/questions.js';
import {canRun} from './helpers/availability.js';
import {startProduction, type Production} from './helpers/production.js';
import {flagsFor, runEngine} from './helpers/run.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

const notes = (events: readonly RunEvent[]) => events.flatMap(event => (event.type === 'note' ? [event.text] : []));

describe.runIf(canRun('toolchain check', ['sshd']))('the Node toolchain, checked before the reset', () => {
	let home: string;
	let sshd: Sshd;
	let production: Production;
	beforeAll(async () => {
		home = mkdtempSync(path.join(os.tmpdir(), 'rewind-toolchain-home-'));
		// A login shell's profile puts another node first (as nvm does); the build's non-interactive shell does not read it.
		mkdirSync(path.join(home, 'nvm', 'bin'), {recursive: true});
		writeFileSync(path.join(home, 'nvm', 'bin', 'node'), '#!/bin/sh\necho v22.1.0\n');
		chmodSync(path.join(home, 'nvm', 'bin', 'node'), 0o755);
		writeFileSync(path.join(home, '.bash_profile'), `PATH="${path.join(home, 'nvm', 'bin')}:$PATH"\n`);
		sshd = await startSshd({home});
		production = await startProduction(sshd);
	});
	afterAll(async () => {
		await production?.stop();
		await sshd?.stop();
		rmSync(home, {recursive: true, force: true});
	});

	const git = (...args: string[]) => execFileSync('git', args, {cwd: production.app.dir, encoding: 'utf8'}).trim();
	const node = process.version;

	it('a target asking for Node >=99: refused before the reset (exit 3) naming both versions; with --accept-toolchain the rollback goes on, the reason logged', async () => {
		const packageFile = path.join(production.app.dir, 'package.json');
		const manifest = existsSync(packageFile) ? (JSON.parse(readFileSync(packageFile, 'utf8')) as Record<string, unknown>) : {name: 'bankroll'};
		writeFileSync(packageFile, `${JSON.stringify({...manifest, engines: {node: '>=99'}}, null, 2)}\n`);
		git('add', 'package.json');
		git('-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', 'commit', '-q', '-m', 'Require Node 99');
		const target = git('rev-parse', 'HEAD');
		git('-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', 'commit', '-q', '--allow-empty', '-m', 'A later deploy');
		const head = git('rev-parse', 'HEAD');
		// The page is the bad deploy's in both: only the title is checked.
		const config = production.config({site: {mustNotContain: []}});

		const refused = await runEngine(config, {flags: {target}, runsDir: production.runsDir});
		expect(refused.result.exitCode, refused.result.message).toBe(3);
		expect(refused.result.outcome).toBe('refused');
		expect(refused.result.message).toContain(
			`The target asks for Node >=99 (package.json engines.node); the build's shell has ${node} (a login shell: v22.1.0).`,
		);
		expect(refused.result.message).toContain('--accept-toolchain');
		expect(git('rev-parse', 'HEAD')).toBe(head);
		expect(refused.events.some(event => event.type === 'step-started' && event.stepId === 'reset')).toBe(false);

		const accepted = await runEngine(config, {
			flags: {target, acceptToolchainReason: 'engines is stale: builds on Node 20 in CI'},
			runsDir: production.runsDir,
		});
		expect(accepted.result.outcome, accepted.result.message).toBe('succeeded');
		expect(git('rev-parse', 'HEAD')).toBe(target);
		expect(notes(accepted.events).join('\n')).toContain('Building anyway (--accept-toolchain: engines is stale: builds on Node 20 in CI).');
		expect(readFileSync(accepted.result.journalPath!, 'utf8')).toContain('engines is stale: builds on Node 20 in CI');
	});

	it('an interrupted install left in node_modules and a Node only a login shell gets: said before the reset, the rollback goes on', async () => {
		git('reset', '-q', '--hard', production.app.bad);
		mkdirSync(path.join(production.app.dir, 'node_modules', '.vite-Hk3sPq2'), {recursive: true});
		writeFileSync(path.join(production.app.dir, 'node_modules', '.vite-Hk3sPq2', 'package.json'), '{}\n');
		const run = await runEngine(production.config(), {flags: {target: production.app.good}, runsDir: production.runsDir});
		expect(run.result.outcome, run.result.message).toBe('succeeded');
		const said = notes(run.events);
		const confirmAt = run.events.findIndex(event => event.type === 'step-started' && event.stepId === 'confirm');
		const resetAt = run.events.findIndex(event => event.type === 'step-started' && event.stepId === 'reset');
		const warnedAt = run.events.findIndex(event => event.type === 'note' && event.text.includes('node_modules/.vite-Hk3sPq2'));
		expect(warnedAt).toBeGreaterThan(confirmAt);
		expect(warnedAt).toBeLessThan(resetAt);
		expect(said.join('\n')).toContain(
			'node_modules holds what an interrupted npm install left (node_modules/.vite-Hk3sPq2): node_modules is probably corrupted.',
		);
		expect(said.join('\n')).toContain(
			`The build's shell gets Node ${node}; a login shell gets v22.1.0 (nvm or a shell profile loads it for login shells only)`,
		);
	});

	it('a package missing from node_modules, and a build that installs nothing: stopped before the reset (npm ls quoted), npm ci offered; taken, the rollback goes on', async () => {
		git('reset', '-q', '--hard', production.app.bad);
		rmSync(path.join(production.app.dir, 'node_modules'), {recursive: true, force: true});
		const packageFile = path.join(production.app.dir, 'package.json');
		const manifest = JSON.parse(readFileSync(packageFile, 'utf8')) as Record<string, unknown>;
		writeFileSync(packageFile, `${JSON.stringify({...manifest, dependencies: {tiny: '1.0.0'}}, null, 2)}\n`);
		git('add', 'package.json');
		git('-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', 'commit', '-q', '-m', 'Use tiny');
		const head = git('rev-parse', 'HEAD');
		// Installed once; then the package went missing (a half-finished cleanup, a disk that filled up).
		mkdirSync(path.join(production.app.dir, 'node_modules', '.bin'), {recursive: true});
		const config = production.config({site: {mustNotContain: []}, build: {commands: ['node build.mjs']}});

		const unattended = await runEngine(config, {flags: {target: production.app.bad}, runsDir: production.runsDir});
		expect(unattended.result.exitCode).toBe(1);
		expect(unattended.result.message).toContain('npm ls finds node_modules incomplete: missing: tiny@1.0.0, required by bankroll@1.0.0.');
		expect(unattended.events.some(event => event.type === 'step-started' && event.stepId === 'reset')).toBe(false);
		const hint = unattended.events.find(event => event.type === 'hint' && event.hint.id === 'node-modules-incomplete');
		expect(hint).toMatchObject({hint: {fix: {id: 'install-first'}}});
		expect(git('rev-parse', 'HEAD')).toBe(head);

		// At a terminal the recovery question offers it first: taken, npm ci runs (beside the live site) before the build.
		const offered: string[] = [];
		const operator = {
			ask: async (question: Question) => {
				if (question.kind === 'recover') {
					offered.push(...question.hints.flatMap(found => (found.fix ? [found.fix.id] : [])));
					return {choice: 'fix', fix: 'install-first'};
				}
				return new FlagOperator(flagsFor({target: production.app.bad})).ask(question, new AbortController().signal);
			},
		} as Operator;
		const taken = await runEngine(config, {flags: {target: production.app.bad}, runsDir: production.runsDir, operator});
		expect(offered).toEqual(['install-first']);
		expect(taken.result.outcome, taken.result.message).toBe('succeeded');
		expect(taken.output).toMatch(/prebuild && npm ci/);
		expect(git('rev-parse', 'HEAD')).toBe(production.app.bad);
	});
});
