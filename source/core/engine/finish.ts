/** The end of a run: cleanups (reconnecting if needed), the criteria, the outcome, the report. */
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {REPORT_FILE} from '../journal.js';
import {collectCriteria, exitCodeFor, outcomeOf, serverStateFor, summaryFor} from '../outcome.js';
import {reduceRun, stepStateOf} from '../run-state.js';
import type {RunEvent} from '../events.js';
import type {StepDefinition} from '../step.js';
import type {EngineOptions} from './options.js';
import type {Outcome, RunFacts} from '../types.js';
import type {EngineServices} from './context.js';
import type {EventBus} from './event-bus.js';

export type RunResult = {
	readonly runId: string;
	readonly outcome: Outcome;
	readonly exitCode: number;
	readonly facts: RunFacts;
	readonly reportPath: string | null;
	readonly journalPath: string | null;
	readonly message: string;
};

export type FinishInput = {
	readonly runId: string;
	readonly steps: readonly StepDefinition[];
	readonly startedAt: number;
	readonly bus: EventBus;
	readonly services: EngineServices;
	/** The run's kind, its report, what follows it, and its identity (a mystery drill's id is named in `run-finished`, at last). */
	readonly options: Pick<EngineOptions, 'kind' | 'renderReport' | 'afterRun' | 'identity'>;
};

export async function finishRun(input: FinishInput, outcome: Outcome, message: string): Promise<RunResult> {
	const {bus, services} = input;
	const facts = services.facts();
	// The outcome is known before the cleanups: the lock's release writes it to the release history.
	const criteria = collectCriteria(input.steps, services.config(), bus.state);
	const finalOutcome = outcomeOf(outcome, criteria);
	services.setFacts({runOutcome: finalOutcome});
	await services.cleanups.runAll(services.connectHelpers());
	await services.connection.close();
	services.setFacts({sshConnections: services.connection.opened, shellStarts: services.connection.shellStarts, roundTrips: services.connection.roundTrips});
	const rollbackMs = facts.rollbackStartedAt && facts.rollbackFinishedAt ? Date.parse(facts.rollbackFinishedAt) - Date.parse(facts.rollbackStartedAt) : null;
	const exitCode = exitCodeFor(finalOutcome);
	const said = message || summaryFor(finalOutcome, facts, input.options.kind);
	// A run that stops short of success says where it left the server, and what continues or returns.
	const state = finalOutcome === 'succeeded' ? '' : serverStateFor(facts, input.options.kind, stepId => stepStateOf(bus.state, stepId), finalOutcome);
	const sentence = /[.!?:)]$/.test(said.trim()) ? said.trim() : `${said.trim()}.`;
	const finalMessage = bus.redactor.redact(state && !said.includes(state) ? `${sentence} ${state}` : said);
	const journalPath = bus.journal?.file ?? null;
	const reportPath = bus.journal && input.options.renderReport ? path.join(bus.journal.dir, REPORT_FILE) : null;
	const totalMs = Date.now() - input.startedAt;
	const finished: RunEvent = {
		type: 'run-finished',
		at: new Date().toISOString(),
		outcome: finalOutcome,
		exitCode,
		criteria,
		totalMs,
		rollbackMs,
		reportPath,
		journalPath,
		message: finalMessage,
		...(input.options.identity?.drill?.mystery ? {revealedDrill: input.options.identity.drill.id} : {}),
	};
	// What follows the run (the rehearsal's record) sees it finished, before the renderers print their last lines.
	input.options.afterRun?.(reduceRun(bus.state, finished));
	bus.emit(finished);
	if (reportPath) writeFileSync(reportPath, bus.redactor.redact(input.options.renderReport!(bus.state)), {mode: 0o600});
	return {runId: input.runId, outcome: finalOutcome, exitCode, facts, reportPath, journalPath, message: finalMessage};
}
