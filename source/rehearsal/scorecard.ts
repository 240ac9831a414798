/**
 * The rehearsal scorecard: time per step, total against the seed's 5-minute target, the hints the
 * trainee met, wrong turns, and whether every success criterion passed. Computed from the journal.
 */
import {formatDuration, ROLLBACK_TARGET_MS} from '../core/criteria.js';
import type {ScorecardInput} from '../core/engine.js';
import type {Hint, RunEvent, StepId} from '../core/types.js';
import type {Drill} from './drills.js';

/** The seed's drill: 42 minutes, of which the rollback itself took under 2. */
const SEED_DRILL_MS = 42 * 60 * 1000;

export type Scorecard = {
	readonly stepTimes: ReadonlyArray<{readonly title: string; readonly ms: number; readonly attempts: number; readonly state: string}>;
	readonly totalMs: number;
	readonly withinTarget: boolean;
	readonly hints: readonly Hint[];
	readonly expectedHintShown: boolean | null;
	readonly wrongTurns: readonly string[];
	readonly criteriaPassed: boolean;
	readonly failedCriteria: readonly string[];
	readonly passed: boolean;
};

export function computeScorecard(input: ScorecardInput, drill: Drill | undefined): Scorecard {
	const started = input.events.find(event => event.type === 'run-started');
	const titles = new Map(started?.type === 'run-started' ? started.steps.map(step => [step.id, step.title] as const) : []);
	const times = new Map<StepId, {ms: number; attempts: number; state: string}>();
	const opened = new Map<StepId, number>();
	for (const event of input.events) {
		if (event.type === 'step-started') opened.set(event.stepId, Date.parse(event.at));
		if (event.type === 'step-succeeded' || event.type === 'step-failed' || event.type === 'step-skipped') {
			const entry = times.get(event.stepId) ?? {ms: 0, attempts: 0, state: 'pending'};
			const from = opened.get(event.stepId);
			if (from !== undefined) {
				entry.ms += Date.parse(event.at) - from;
				entry.attempts++;
				opened.delete(event.stepId);
			}
			entry.state = event.type === 'step-succeeded' ? 'succeeded' : event.type === 'step-failed' ? 'failed' : 'skipped';
			times.set(event.stepId, entry);
		}
	}
	const hints = [...new Map(input.events.filter((event): event is Extract<RunEvent, {type: 'hint'}> => event.type === 'hint').map(event => [event.hint.id, event.hint])).values()];
	const wrongTurns = input.events.filter((event): event is Extract<RunEvent, {type: 'wrong-turn'}> => event.type === 'wrong-turn').map(event => event.text);
	const failedCriteria = input.criteria.filter(criterion => criterion.status === 'fail').map(criterion => criterion.label);
	const withinTarget = input.totalMs <= ROLLBACK_TARGET_MS;
	const expectedHintShown = drill ? hints.some(hint => hint.id === drill.expect.hint) : null;
	const criteriaPassed = failedCriteria.length === 0 && input.outcome === 'succeeded';
	return {
		stepTimes: [...times.entries()].map(([id, entry]) => ({title: titles.get(id) ?? id, ...entry})),
		totalMs: input.totalMs,
		withinTarget,
		hints,
		expectedHintShown,
		wrongTurns,
		criteriaPassed,
		failedCriteria,
		passed: criteriaPassed && withinTarget && wrongTurns.length === 0 && expectedHintShown !== false,
	};
}

export function scorecardNotes(card: Scorecard, drill: Drill | undefined): string[] {
	return [
		`Scorecard${drill ? ` (drill: ${drill.title})` : ''}: ${card.passed ? 'PASSED' : 'NOT PASSED YET'}`,
		`  time: ${formatDuration(card.totalMs)} (target under 5 min ${card.withinTarget ? '✓' : '✗'}; the seed's drill took 42 min)`,
		`  steps: ${card.stepTimes.map(step => `${step.title} ${formatDuration(step.ms)}${step.attempts > 1 ? ` ×${step.attempts}` : ''}`).join(' · ')}`,
		`  hints met: ${card.hints.length === 0 ? 'none' : card.hints.map(hint => hint.title).join('; ')}${card.expectedHintShown === false ? ' (the drill’s fault was not met)' : ''}`,
		`  wrong turns: ${card.wrongTurns.length === 0 ? 'none' : card.wrongTurns.join('; ')}`,
		`  success criteria: ${card.criteriaPassed ? 'all passed ✓' : `not all passed ✗ (${card.failedCriteria.join(', ') || 'the run did not finish'})`}`,
	];
}

export function scorecardMarkdown(card: Scorecard, drill: Drill | undefined): string {
	const lines = [
		'## Rehearsal scorecard',
		'',
		...(drill ? [`**Drill:** ${drill.id}: ${drill.title}`, '', `> ${drill.briefing.trim()}`, ''] : ['**Drill:** none (a clean rollback)', '']),
		`**Result:** ${card.passed ? '✅ PASSED' : '❌ NOT PASSED YET'}`,
		'',
		'| Step | Time | Attempts | Ended |',
		'|---|---|---|---|',
		...card.stepTimes.map(step => `| ${step.title} | ${formatDuration(step.ms)} | ${step.attempts} | ${step.state} |`),
		`| **Total** | **${formatDuration(card.totalMs)}** | | target under 5 min: ${card.withinTarget ? '✓' : '✗'} (seed's drill: ${formatDuration(SEED_DRILL_MS)}) |`,
		'',
		`**Hints met:** ${card.hints.length === 0 ? 'none' : card.hints.map(hint => `${hint.title} (${hint.id})`).join('; ')}${card.expectedHintShown === null ? '' : card.expectedHintShown ? ' — the drill’s fault was recognised ✓' : ' — the drill’s fault was NOT met ✗'}`,
		'',
		`**Wrong turns:** ${card.wrongTurns.length === 0 ? 'none' : ''}`,
		...card.wrongTurns.map(turn => `- ${turn}`),
		'',
		`**Success criteria:** ${card.criteriaPassed ? 'all passed ✓' : `not all passed ✗ ${card.failedCriteria.join(', ')}`}`,
	];
	return lines.join('\n');
}
