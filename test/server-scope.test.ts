/**
 * The server scope with one server (issue 23, part 1): steps say whether they run once for the run
 * or on each server; their events, facts and the fold's step states carry the server; the facts
 * are classified once; the places where a step still crosses scopes are listed (the seams a fleet
 * must cut) so that a new one is a decision, not an accident.
 */
import {describe, expect, it} from 'vitest';
import {sh} from '../source/core/command.js';
import type {RunEvent} from '../source/core/events.js';
import {FACT_SCOPE, splitFacts} from '../source/core/fact-scope.js';
import {initialRunState, reduceRun, type RunState} from '../source/core/run-state.js';
import {runbookFor} from '../source/core/runbook.js';
import {serversOf} from '../source/core/servers.js';
import type {StepDefinition} from '../source/core/step.js';
import {serverCommand, type FactKey} from '../source/core/types.js';
import {connectStep, fakeConfig, fakeEngine} from './helpers/fake-engine.js';

const SERVER = fakeConfig.ssh.host;

/** A step of the run's scope that records the run's target and notes what it did. */
const decideStep: StepDefinition = {
	id: 'decide',
	title: 'Decide',
	purpose: 'Picks the target once for the run (test).',
	scope: 'run',
	interruptible: true,
	reads: [],
	writes: ['target'],
	commands: () => [serverCommand('decide', 'read the target', sh`echo abc1234`)],
	async run(context) {
		await context.run('decide');
		context.setFacts({target: {hash: 'abc1234', shortHash: 'abc1234', parents: [], date: '2026-12-03T00:00:00Z', author: 'a', subject: 's'}});
		return 'decided';
	},
};

/** A step on each server that records a server fact and a run fact together. */
const resetStep: StepDefinition = {
	id: 'reset',
	title: 'Reset',
	purpose: 'Moves the server (test).',
	scope: 'server',
	interruptible: true,
	reads: [],
	writes: ['remoteHeadAfter', 'rollbackStartedAt'],
	commands: () => [serverCommand('reset', 'reset', sh`echo reset`)],
	async run(context) {
		await context.run('reset');
		context.note('info', 'moved');
		context.setFacts({remoteHeadAfter: 'abc1234', rollbackStartedAt: '2026-12-03T00:00:01Z'});
		return 'reset';
	},
};

const stepEventTypes = new Set(['step-started', 'step-succeeded', 'command-started', 'output', 'command-finished', 'note']);
const onStep = (events: readonly RunEvent[], stepId: string) =>
	events.filter(event => stepEventTypes.has(event.type) && 'stepId' in event && event.stepId === stepId);

describe('the server scope, one server', () => {
	it('a config names one server, its ssh host', () => {
		expect(serversOf(fakeConfig).map(server => server.id)).toEqual([SERVER]);
	});

	it("the events of a per-server step carry the server, the run's own steps' do not; run-started names the servers and each step's scope", async () => {
		const {engine, events} = fakeEngine({steps: [connectStep, decideStep, resetStep]});
		expect((await engine.run()).outcome).toBe('succeeded');
		const started = events.find(event => event.type === 'run-started');
		expect(started).toMatchObject({
			servers: [SERVER],
			steps: [
				{id: 'connect', scope: 'server'},
				{id: 'decide', scope: 'run'},
				{id: 'reset', scope: 'server'},
			],
		});
		const decide = onStep(events, 'decide');
		const reset = onStep(events, 'reset');
		// Each kind of event was there to check: start, command, output, end (and the reset's note).
		expect(new Set(decide.map(event => event.type))).toEqual(new Set(['step-started', 'command-started', 'output', 'command-finished', 'step-succeeded']));
		expect(new Set(reset.map(event => event.type))).toEqual(new Set([...stepEventTypes]));
		expect(decide.every(event => !('server' in event) || event.server === undefined)).toBe(true);
		expect(reset.every(event => 'server' in event && event.server === SERVER)).toBe(true);
	});

	it("facts recorded together are split: the server's with its server, the run's without; the fold keeps each server's apart", async () => {
		const {engine, events} = fakeEngine({steps: [connectStep, decideStep, resetStep]});
		await engine.run();
		const facts = events.filter(event => event.type === 'fact');
		const ofReset = facts.filter(event => 'remoteHeadAfter' in event.facts || 'rollbackStartedAt' in event.facts);
		expect(ofReset).toEqual([
			expect.objectContaining({facts: {rollbackStartedAt: '2026-12-03T00:00:01Z'}}),
			expect.objectContaining({facts: {remoteHeadAfter: 'abc1234'}, server: SERVER}),
		]);
		expect(ofReset[0]).not.toHaveProperty('server');
		const {state} = engine;
		expect(state.servers).toEqual([SERVER]);
		expect(state.serverFacts[SERVER]).toMatchObject({remoteHeadAfter: 'abc1234', sshTarget: expect.any(String)});
		expect(state.serverFacts[SERVER]).not.toHaveProperty('target');
		expect(state.serverFacts[SERVER]).not.toHaveProperty('rollbackStartedAt');
		// The merged view every report reads is unchanged.
		expect(state.facts).toMatchObject({remoteHeadAfter: 'abc1234', rollbackStartedAt: '2026-12-03T00:00:01Z', target: {hash: 'abc1234'}});
		// A step's state per server: the per-server steps have one, the run's step none.
		const byId = Object.fromEntries(state.steps.map(step => [step.id, step.servers]));
		expect(byId['reset']).toEqual({[SERVER]: {state: 'succeeded', attempts: 1, summary: 'reset', durationMs: expect.any(Number)}});
		expect(byId['decide']).toEqual({});
	});

	it('splitFacts parts by the classification, and every fact key is classified', () => {
		expect(splitFacts({fromHead: 'a', target: undefined, reason: 'r', lock: {path: '/l'}})).toEqual({
			run: {target: undefined, reason: 'r'},
			server: {fromHead: 'a', lock: {path: '/l'}},
		});
		// The compiler checks the table is complete (satisfies Record<FactKey, …>); here, that it holds both scopes.
		const scopes = Object.values(FACT_SCOPE);
		expect(scopes).toContain('run');
		expect(scopes).toContain('server');
	});
});

describe('the fold with two servers (the shape a fleet will use)', () => {
	const at = (second: number) => `2026-12-03T00:00:${String(second).padStart(2, '0')}Z`;
	const fold = (events: readonly RunEvent[]): RunState => events.reduce(reduceRun, initialRunState);
	const start: RunEvent = {
		type: 'run-started',
		at: at(0),
		runId: 'r',
		kind: 'rollback',
		steps: [
			{id: 'backup', title: 'Backup', purpose: 'p', scope: 'run'},
			{id: 'reset', title: 'Reset', purpose: 'p', scope: 'server'},
		],
		plan: [],
		configPath: null,
		appName: 'app',
		servers: ['web-1', 'web-2'],
	};

	it('keeps a state per server per step; the end of the run fails the step where it was still running, not where it had finished', () => {
		const state = fold([
			start,
			{type: 'step-started', at: at(1), stepId: 'backup'},
			{type: 'step-succeeded', at: at(2), stepId: 'backup', durationMs: 1000, summary: 'kept'},
			{type: 'step-started', at: at(3), stepId: 'reset', server: 'web-1'},
			{type: 'step-succeeded', at: at(4), stepId: 'reset', server: 'web-1', durationMs: 1000, summary: 'at abc'},
			{type: 'step-started', at: at(5), stepId: 'reset', server: 'web-2'},
			{type: 'fact', at: at(5), facts: {remoteHeadAfter: 'abc'}, server: 'web-1'},
			{type: 'fact', at: at(5), facts: {fromHead: 'def'}, server: 'web-2'},
			{
				type: 'run-finished',
				at: at(6),
				outcome: 'interrupted',
				exitCode: 130,
				criteria: [],
				totalMs: 6000,
				rollbackMs: null,
				reportPath: null,
				journalPath: null,
				message: 'stopped',
			},
		]);
		expect(state.servers).toEqual(['web-1', 'web-2']);
		const [backup, reset] = state.steps;
		expect(backup!.servers).toEqual({});
		expect(reset!.servers['web-1']).toMatchObject({state: 'succeeded', summary: 'at abc'});
		expect(reset!.servers['web-2']).toMatchObject({state: 'failed', attempts: 1});
		expect(state.serverFacts).toEqual({'web-1': {remoteHeadAfter: 'abc'}, 'web-2': {fromHead: 'def'}});
	});

	it('a server keeps its own state while another runs; going back makes the step pending on every server', () => {
		const running = fold([
			start,
			{type: 'step-started', at: at(1), stepId: 'reset', server: 'web-1'},
			{type: 'step-succeeded', at: at(2), stepId: 'reset', server: 'web-1', durationMs: 1000, summary: 'at abc'},
			{type: 'step-started', at: at(3), stepId: 'reset', server: 'web-2'},
		]);
		expect(running.steps[1]!.servers).toEqual({
			'web-1': {state: 'succeeded', attempts: 1, summary: 'at abc', durationMs: 1000},
			'web-2': {state: 'running', attempts: 0},
		});
		const back = reduceRun(running, {type: 'steps-reset', at: at(4), to: 'reset', steps: ['reset'], reason: 'another commit'});
		expect(Object.values(back.steps[1]!.servers).map(view => view.state)).toEqual(['pending', 'pending']);
	});
});

/**
 * Where a step still reads or records facts of the other scope. Each is a seam a fleet (part 2)
 * must cut: named here, so a new crossing fails this test and is decided on purpose.
 */
const SEAMS: Readonly<Record<string, readonly FactKey[]>> = {
	// Preflight also reads the database (backup space, migrations found): a run-scoped part of it, on one server today.
	'preflight writes': ['backupSpace', 'migrationsFound'],
	// The reset stamps the run's start of rollback and, on a failed reset, the schema migrated back up.
	'reset writes': ['rollbackStartedAt', 'migrated'],
	// Verify also fingerprints the database after, and ends the rollback's clock.
	'verify writes': ['fingerprintAfter', 'rollbackFinishedAt', 'ownBackupRestored'],
	// The run's decisions read the one server's HEAD (a fleet: the HEAD every server agrees on, checked in preflight).
	'pick-target reads': ['fromHead', 'history'],
	'backup reads': ['fromHead'],
	'confirm reads': ['fromHead', 'atRisk', 'dirty'],
	'migrate reads': ['fromHead', 'remoteHeadAfter'],
};

describe('the seams between the scopes', () => {
	it('each step of every runbook records facts of its own scope and a run step reads no server fact, but for the listed seams', () => {
		const found: Record<string, FactKey[]> = {};
		for (const kind of ['rollback', 'undo', 'resume'] as const) {
			for (const step of runbookFor(kind)) {
				const writes = step.writes.filter(key => FACT_SCOPE[key] !== step.scope);
				const reads = step.scope === 'run' ? step.reads.filter(key => FACT_SCOPE[key] === 'server') : [];
				if (writes.length > 0) found[`${step.id} writes`] = writes;
				if (reads.length > 0) found[`${step.id} reads`] = reads;
			}
		}
		expect(found).toEqual(SEAMS);
	});
});
