/**
 * The engine's own behaviour, fast: a fake Host and small step definitions. The real rollback
 * runbook against real servers is tested in the *.e2e suites.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it, onTestFinished} from 'vitest';
import {sh} from '../source/core/command.js';
import {Engine} from '../source/core/engine.js';
import type {RunEvent} from '../source/core/events.js';
import {FlagOperator} from '../source/core/operator.js';
import type {Answer, Operator, Question} from '../source/core/questions.js';
import {GoBack, type StepDefinition} from '../source/core/step.js';
import {serverCommand} from '../source/core/types.js';
import {FakeHost} from './helpers/fake-host.js';
import {connectStep, fakeConfig, fakeEngine, fakeFlags} from './helpers/fake-engine.js';

const flags = fakeFlags;
const connect = connectStep;

/** A step that runs one server command and records what it printed as `fromHead`. */
function readStep(id: string, extra: Partial<StepDefinition> = {}): StepDefinition {
	return {
		id,
		title: `Read ${id}`,
		purpose: `Reads ${id} from the server for the test.`,
		scope: 'server',
		interruptible: true,
		reads: [],
		writes: ['fromHead'],
		commands: () => [serverCommand('read', `read ${id}`, sh`echo ${id}`)],
		async run(context) {
			const {stdout} = await context.run('read');
			context.setFacts({fromHead: stdout.trim()});
			return `read ${stdout.trim()}`;
		},
		...extra,
	};
}

type Setup = {steps: StepDefinition[]; host?: FakeHost; operator?: Operator; runsDir?: string | null};

async function run({steps, host = new FakeHost(), operator = new FlagOperator(flags), runsDir = null}: Setup) {
	let connections = 0;
	const {engine, events} = fakeEngine({steps, operator, runsDir, connect: async () => (++connections === 1 ? host : host.reopen())});
	const result = await engine.run();
	return {engine, result, events, host, connections: () => connections};
}

/** An operator that answers each recovery question with the next of `answers`. */
function answering(...answers: Array<{choice: string; fix?: string}>): Operator {
	return {
		async ask<Q extends Question>(question: Q): Promise<Answer<Q>> {
			if (question.kind === 'recover') return answers.shift() as Answer<Q>;
			return new FlagOperator(flags).ask(question, new AbortController().signal);
		},
	};
}

describe('the engine', () => {
	it('runs the steps in order over one connection, records their facts, and reads the criteria they declare', async () => {
		const last = readStep('b', {
			criteria: ({facts}) => [{id: 'b', label: 'B read', status: facts.fromHead === 'b' ? 'pass' : 'fail', detail: facts.fromHead ?? ''}],
		});
		const {result, events, engine, connections} = await run({steps: [connect, readStep('a'), last]});
		expect(result.outcome).toBe('succeeded');
		expect(connections()).toBe(1);
		expect(events.filter(event => event.type === 'step-succeeded').map(event => event.stepId)).toEqual(['connect', 'a', 'b']);
		expect(engine.state.finished?.criteria).toEqual([{id: 'b', label: 'B read', status: 'pass', detail: 'b'}]);
		expect(engine.state.steps.map(step => step.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
	});

	it('refuses a fact a step records without declaring it (a bug in the step)', async () => {
		const sneaky: StepDefinition = {...readStep('a'), writes: []};
		const {result} = await run({steps: [connect, sneaky]});
		expect(result.outcome).toBe('failed');
		expect(result.message).toContain('step a records fromHead without declaring it in writes');
	});

	it('offers recovery for a failed command: retried, it succeeds; the step’s hint is shown', async () => {
		let calls = 0;
		const host = new FakeHost([[/echo a/, () => (++calls === 1 ? {exitCode: 1, stderr: 'flaky: try again'} : {stdout: 'a\n'})]]);
		const step = readStep('a', {hints: [{id: 'flaky', title: 'it is flaky', pattern: /flaky/, severity: 'error', advice: () => 'retry it'}]});
		const {result, events} = await run({steps: [connect, step], host, operator: answering({choice: 'retry'})});
		expect(result.outcome).toBe('succeeded');
		expect(events.filter(event => event.type === 'hint').map(event => event.hint.id)).toEqual(['flaky']);
		expect(events.filter(event => event.type === 'step-failed')).toHaveLength(1);
		expect(calls).toBe(2);
	});

	it('applies a fix to this run’s config and goes back to the step the fix names, with an event', async () => {
		const fix = {
			id: 'add-branch',
			label: 'Set the branch',
			rerunFrom: 'a',
			apply: (current: typeof fakeConfig) => ({...current, app: {...current.app, branch: 'fixed'}}),
		};
		let seen: string | undefined;
		const failing = readStep('b', {
			hints: [{id: 'needs-branch', title: 'no branch', pattern: /no branch/, severity: 'error', advice: () => 'set it', fix: () => fix}],
			async run(context) {
				seen = context.config.app.branch;
				if (!context.config.app.branch) throw new Error('no branch');
				return 'ok';
			},
		});
		const {result, events} = await run({steps: [connect, readStep('a'), failing], operator: answering({choice: 'fix', fix: 'add-branch'})});
		expect(result.outcome).toBe('succeeded');
		expect(seen).toBe('fixed');
		expect(events.find(event => event.type === 'steps-reset')).toMatchObject({to: 'a', steps: ['a', 'b']});
	});

	it('going back is an event, and the later steps run again', async () => {
		let asked = 0;
		const confirm: StepDefinition = {
			...readStep('confirm'),
			writes: [],
			async run() {
				if (++asked === 1) throw new GoBack('a');
				return 'confirmed';
			},
		};
		const {result, events} = await run({steps: [connect, readStep('a'), confirm]});
		expect(result.outcome).toBe('succeeded');
		expect(events.filter(event => event.type === 'step-succeeded' && event.stepId === 'a')).toHaveLength(2);
		expect(events.find(event => event.type === 'steps-reset')).toMatchObject({to: 'a', steps: ['a', 'confirm']});
	});

	it('a stop aborts an interruptible step at once, but lets a step that must not be cut in half finish', async () => {
		const waiting = (interruptible: boolean, id: string): StepDefinition => ({
			...readStep(id),
			interruptible,
			writes: [],
			async run(context) {
				context.note('info', 'waiting');
				await new Promise<void>((resolve, reject) => {
					const timer = setTimeout(resolve, 300);
					if (interruptible) context.signal.addEventListener('abort', () => (clearTimeout(timer), reject(context.signal.reason)));
				});
				return 'done';
			},
		});
		const stopper = (engine: Engine, events: RunEvent[]) =>
			engine.subscribe(event => event.type === 'note' && event.text === 'waiting' && setTimeout(() => engine.requestStop('test'), 10) && events.push(event));
		for (const [interruptible, finished] of [
			[true, false],
			[false, true],
		] as const) {
			const {engine, events} = fakeEngine({steps: [connect, waiting(interruptible, 'slow'), readStep('after')]});
			stopper(engine, events);
			const result = await engine.run();
			expect(result.outcome).toBe('interrupted');
			expect(engine.state.steps.find(step => step.id === 'slow')?.state).toBe(finished ? 'succeeded' : 'failed');
			expect(engine.state.steps.find(step => step.id === 'after')?.state).toBe('pending');
		}
	});

	it('runs a registered cleanup however the run ends, reconnecting when the link was lost', async () => {
		const host = new FakeHost();
		const lock: StepDefinition = {
			...readStep('lock'),
			writes: [],
			async run(context) {
				context.deferCleanup('lock', serverCommand('release', 'release the lock', sh`rm -rf lock`));
				return 'locked';
			},
		};
		const breaks: StepDefinition = {
			...readStep('breaks'),
			async run() {
				host.drop();
				throw new Error('the SSH connection was lost');
			},
		};
		const {result, connections, events} = await run({steps: [connect, lock, breaks], host});
		expect(result.outcome).toBe('failed');
		expect(events.find(event => event.type === 'step-failed')).toMatchObject({stepId: 'breaks', connectionLost: true});
		expect(connections()).toBe(2);
		expect(host.scripts.at(-1)).toBe('rm -rf lock');
	});

	it('is the boundary: listeners and the fold get inert text; the journal keeps the original, escaped and redacted', async () => {
		const runsDir = mkdtempSync(path.join(os.tmpdir(), 'rewind-engine-'));
		onTestFinished(() => rmSync(runsDir, {recursive: true, force: true}));
		const noisy: StepDefinition = {
			...readStep('noisy'),
			writes: [],
			async run(context) {
				context.secret('hunter2-secret');
				context.note('warning', 'server says \u001b]0;owned\u0007 and hunter2-secret');
				return 'done';
			},
		};
		const {events, result, engine} = await run({steps: [connect, noisy], runsDir});
		const note = events.find(event => event.type === 'note' && event.text.startsWith('server says'));
		expect(note).toMatchObject({text: 'server says ␛]0;owned␇ and ***'});
		expect(engine.state.log.some(entry => entry.kind === 'note' && entry.text === 'server says ␛]0;owned␇ and ***')).toBe(true);
		const journal = readFileSync(result.journalPath!, 'utf8');
		expect(journal).toContain('server says \\u001b]0;owned\\u0007 and ***');
		expect(journal).not.toContain('hunter2-secret');
	});

	it('offers a step’s own override with a typed reason, and records it', async () => {
		const failing: StepDefinition = {
			...readStep('backup'),
			writes: ['backupOverride'],
			override: {label: 'Go on without it', apply: (context, reason) => context.setFacts({backupOverride: {reason, at: 'now'}})},
			async run() {
				throw new Error('no dump');
			},
		};
		const operator: Operator = {
			async ask<Q extends Question>(question: Q): Promise<Answer<Q>> {
				if (question.kind === 'recover') {
					expect(question.choices).toEqual(['retry', 'override', 'abort']);
					return {choice: 'override'} as Answer<Q>;
				}
				if (question.kind === 'override-reason') return 'database untouched';
				throw new Error(question.kind);
			},
		};
		const {result, engine} = await run({steps: [connect, failing, readStep('after')], operator});
		expect(result.outcome).toBe('succeeded');
		expect(engine.facts.backupOverride?.reason).toBe('database untouched');
		expect(engine.state.steps.find(step => step.id === 'backup')?.summary).toBe('overridden by the operator: database untouched');
	});
});
