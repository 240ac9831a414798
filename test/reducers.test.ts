import {describe, expect, it} from 'vitest';
import type {RunEvent} from '../source/core/events.js';
import {initialRunState, reduceRun, type RunState} from '../source/core/run-state.js';
import type {Commit} from '../source/core/types.js';
import {logLine} from '../source/ui/log-text.js';
import {initialPickerState, pickerReducer, visibleCommits, windowStart} from '../source/ui/screens/picker-state.js';

const at = '2026-11-24T10:00:00.000Z';
const run = (events: RunEvent[]): RunState => events.reduce(reduceRun, initialRunState);
const started: RunEvent = {
	type: 'run-started',
	at,
	runId: 'r1',
	kind: 'rollback',
	steps: [
		{id: 'connect', title: 'Connect', purpose: 'connects'},
		{id: 'build', title: 'Rebuild assets', purpose: 'builds'},
	],
	plan: [],
	configPath: null,
	appName: 'shop',
};

describe('run state reducer', () => {
	it('moves a step through running, waiting and succeeded', () => {
		let state = run([started, {type: 'step-started', at, stepId: 'connect'}]);
		expect(state.steps[0]?.state).toBe('running');
		state = reduceRun(state, {type: 'step-waiting', at, stepId: 'connect', question: 'host-key'});
		expect(state.steps[0]?.state).toBe('waiting-for-operator');
		state = reduceRun(state, {type: 'step-resumed', at, stepId: 'connect'});
		state = reduceRun(state, {type: 'step-succeeded', at, stepId: 'connect', durationMs: 1200, summary: 'connected'});
		expect(state.steps[0]).toMatchObject({state: 'succeeded', durationMs: 1200});
		expect(logLine(state.log.at(-1)!).text).toBe('✓ Connect: connected (1.2 s)');
	});

	it('a failed step stays failed while the operator is asked what now, and after an abort; a retry runs it again', () => {
		let state = run([
			started,
			{type: 'step-started', at, stepId: 'build'},
			{type: 'step-failed', at, stepId: 'build', durationMs: 900, error: 'npm run assets: exit 1'},
		]);
		state = reduceRun(state, {type: 'step-waiting', at, stepId: 'build', question: 'recover'});
		expect(state.steps[1]?.state).toBe('failed');
		expect(state.waiting).toBe('recover');
		state = reduceRun(state, {type: 'step-resumed', at, stepId: 'build'});
		expect(state.steps[1]?.state).toBe('failed');
		expect(reduceRun(state, {type: 'step-started', at, stepId: 'build'}).steps[1]?.state).toBe('running');
	});

	it('keeps a short live tail and logs a failed command’s last output', () => {
		let state = run([
			started,
			{type: 'step-started', at, stepId: 'build'},
			{type: 'command-started', at, stepId: 'build', commandId: 'b#1', where: 'server', display: 'npm ci'},
		]);
		const lines = Array.from({length: 300}, (_, index) => `line ${index}`);
		state = reduceRun(state, {type: 'output', at, stepId: 'build', commandId: 'b#1', lines});
		expect(state.tail.length).toBe(200);
		expect(state.tail.at(-1)).toBe('line 299');
		state = reduceRun(state, {type: 'command-finished', at, stepId: 'build', commandId: 'b#1', startedAt: at, exitCode: 1, durationMs: 10});
		const output = state.log.filter(entry => entry.kind === 'output');
		expect(output.length).toBe(15);
		expect(logLine(output.at(-1)!).text).toBe('  │ line 299');
		expect(logLine(state.log.at(-1)!).text).toContain('exit 1');
	});

	it('does not log quiet lookups', () => {
		const state = run([
			started,
			{type: 'command-started', at, stepId: 'connect', commandId: 'q#1', where: 'server', display: 'git log', quiet: true},
			{type: 'command-finished', at, stepId: 'connect', commandId: 'q#1', startedAt: at, exitCode: 0, durationMs: 5},
		]);
		expect(state.log).toEqual([]);
	});

	it('skipped and failed steps are logged with the reason', () => {
		const state = run([
			started,
			{type: 'step-skipped', at, stepId: 'build', reason: 'no build commands'},
			{type: 'step-failed', at, stepId: 'connect', durationMs: 3, error: 'refused'},
		]);
		expect(state.steps.map(step => step.state)).toEqual(['failed', 'skipped']);
		expect(state.log.map(entry => logLine(entry).text)).toEqual(['– Rebuild assets skipped: no build commands', '✗ Connect failed: refused']);
	});

	it('going back is an event: the later steps are pending again, and the log says so', () => {
		const state = run([
			started,
			{type: 'step-started', at, stepId: 'build'},
			{type: 'step-succeeded', at, stepId: 'build', durationMs: 5, summary: 'built'},
			{type: 'steps-reset', at, to: 'connect', steps: ['connect', 'build'], reason: 'back to connect'},
		]);
		expect(state.steps.map(step => step.state)).toEqual(['pending', 'pending']);
		expect(logLine(state.log.at(-1)!).text).toBe('↩ Back to Connect');
	});

	it('a step left open by the end of the run (aborted at a question) stops spinning', () => {
		const state = run([
			started,
			{type: 'step-started', at, stepId: 'connect'},
			{type: 'step-failed', at, stepId: 'connect', durationMs: 3, error: 'refused'},
			{type: 'step-waiting', at, stepId: 'connect', question: 'recover'},
			{type: 'step-resumed', at, stepId: 'connect'},
			{type: 'run-finished', at, outcome: 'failed', exitCode: 1, criteria: [], totalMs: 5, rollbackMs: null, reportPath: null, journalPath: null, message: 'x'},
		]);
		expect(state.steps[0]?.state).toBe('failed');
	});
});

const commit = (index: number): Commit => ({
	hash: `${index}`.padStart(40, '0'),
	shortHash: `${index}`.padStart(7, '0'),
	parents: [],
	date: at,
	author: 'a',
	subject: `c${index}`,
});

describe('commit picker reducer', () => {
	it('places pages by offset and moves the cursor within bounds', () => {
		let state = pickerReducer(initialPickerState, {type: 'page-loaded', offset: 0, commits: [commit(1), commit(2)], hasMore: true});
		state = pickerReducer(state, {type: 'page-loaded', offset: 2, commits: [commit(3)], hasMore: false});
		state = pickerReducer(state, {type: 'page-loaded', offset: 2, commits: [commit(3)], hasMore: false});
		expect(state.commits.map(item => item.subject)).toEqual(['c1', 'c2', 'c3']);
		state = pickerReducer(state, {type: 'move', delta: 10});
		expect(state.cursor).toBe(2);
		state = pickerReducer(state, {type: 'move', delta: -10});
		expect(state.cursor).toBe(0);
	});

	it('shows filter results only for the current query', () => {
		let state = pickerReducer(initialPickerState, {type: 'page-loaded', offset: 0, commits: [commit(1), commit(2)], hasMore: false});
		state = pickerReducer(state, {type: 'filter-open'});
		state = pickerReducer(state, {type: 'filter-query', query: 'c2'});
		state = pickerReducer(state, {type: 'filter-results', query: 'c', results: [commit(1)]});
		expect(visibleCommits(state)).toHaveLength(2);
		state = pickerReducer(state, {type: 'filter-results', query: 'c2', results: [commit(2)]});
		expect(visibleCommits(state).map(item => item.subject)).toEqual(['c2']);
		state = pickerReducer(state, {type: 'filter-clear'});
		expect(visibleCommits(state)).toHaveLength(2);
	});

	it('keeps the cursor in the visible window', () => {
		expect(windowStart(0, 100, 10)).toBe(0);
		expect(windowStart(50, 100, 10)).toBe(45);
		expect(windowStart(99, 100, 10)).toBe(90);
		expect(windowStart(3, 5, 10)).toBe(0);
	});
});
