/**
 * The rehearsal scorecard: time per step, total against the 5-minute target (the original drill
 * took 42 minutes), the hints the trainee met, wrong turns, and whether every success criterion
 * passed. Read from the run's fold, like every other view.
 */
import {formatDuration, ROLLBACK_TARGET_MS} from '../core/format.js';
import {markdownCell, markdownText} from '../core/inert.js';
import type {RunState} from '../core/run-state.js';
import type {Hint} from '../core/types.js';
import {faultHints, type Drill} from './drills.js';

/** The original drill (TASK-0007): 42 minutes, of which the rollback itself took under 2. */
const ORIGINAL_DRILL_MS = 42 * 60 * 1000;

export type Scorecard = {
	readonly stepTimes: ReadonlyArray<{readonly title: string; readonly ms: number; readonly attempts: number; readonly state: string}>;
	readonly totalMs: number;
	readonly withinTarget: boolean;
	readonly hints: readonly Hint[];
	readonly expectedHintShown: boolean | null;
	/** The drill's faults (their hints) met and not met, in the drill's order. */
	readonly faults: {readonly met: readonly string[]; readonly missed: readonly string[]};
	readonly wrongTurns: readonly string[];
	readonly criteriaPassed: boolean;
	readonly failedCriteria: readonly string[];
	readonly passed: boolean;
};

export function computeScorecard(state: RunState, drill: Drill | undefined): Scorecard {
	const finished = state.finished;
	const totalMs = finished?.totalMs ?? 0;
	const failedCriteria = (finished?.criteria ?? []).filter(criterion => criterion.status === 'fail').map(criterion => criterion.label);
	const wrongTurns = state.log.flatMap(entry => (entry.kind === 'wrong-turn' ? [entry.text] : []));
	const expected = drill ? faultHints(drill) : [];
	const met = expected.filter(id => state.hints.some(hint => hint.id === id));
	const expectedHintShown = drill ? met.length === expected.length : null;
	const criteriaPassed = failedCriteria.length === 0 && finished?.outcome === 'succeeded';
	// A time is within the target only for a rollback that got there: a run stopped early is quick, not good.
	const withinTarget = criteriaPassed && totalMs <= ROLLBACK_TARGET_MS;
	return {
		stepTimes: state.steps.filter(step => step.attempts > 0).map(step => ({title: step.title, ms: step.totalMs, attempts: step.attempts, state: step.state})),
		totalMs,
		withinTarget,
		hints: state.hints,
		expectedHintShown,
		faults: {met, missed: expected.filter(id => !met.includes(id))},
		wrongTurns,
		criteriaPassed,
		failedCriteria,
		passed: criteriaPassed && withinTarget && wrongTurns.length === 0 && expectedHintShown !== false,
	};
}

/** Whether the run met the drill's fault(s): said only when it did not meet them all. */
function faultsNote(card: Scorecard): string {
	if (card.expectedHintShown !== false) return '';
	const total = card.faults.met.length + card.faults.missed.length;
	return total === 1 ? ' (the drill’s fault was not met)' : ` (the drill’s faults met: ${card.faults.met.length} of ${total})`;
}

/** Why a rehearsal did not pass, in the order a trainee fixes them. */
export function notPassedBecause(card: Scorecard): string[] {
	if (card.passed) return [];
	return [
		...(card.criteriaPassed ? [] : ['the success criteria did not all pass']),
		...(card.criteriaPassed && !card.withinTarget ? ['over the 5-minute target'] : []),
		...(card.wrongTurns.length > 0 ? [`${card.wrongTurns.length} wrong turn${card.wrongTurns.length === 1 ? '' : 's'}`] : []),
		...(card.expectedHintShown === false ? ['the drill’s fault was not met'] : []),
	];
}

export function scorecardLines(card: Scorecard, drill: Drill | undefined): string[] {
	const time = card.criteriaPassed ? `target under 5 min ${card.withinTarget ? '✓' : '✗'}` : 'no rollback to time';
	return [
		`Scorecard${drill ? ` (drill: ${drill.title})` : ''}: ${card.passed ? 'PASSED' : `NOT PASSED YET: ${notPassedBecause(card).join(', ')}`}`,
		`  time: ${formatDuration(card.totalMs)} (${time}; the original drill took 42 min)`,
		`  steps: ${card.stepTimes.map(step => `${step.title} ${formatDuration(step.ms)}${step.attempts > 1 ? ` ×${step.attempts}` : ''}`).join(' · ')}`,
		`  hints met: ${card.hints.length === 0 ? 'none' : card.hints.map(hint => hint.title).join('; ')}${faultsNote(card)}`,
		`  wrong turns: ${card.wrongTurns.length === 0 ? 'none' : card.wrongTurns.join('; ')}`,
		`  success criteria: ${card.criteriaPassed ? 'all passed ✓' : `not all passed ✗ (${card.failedCriteria.join(', ') || 'the run did not finish'})`}`,
	];
}

export function scorecardMarkdown(card: Scorecard, drill: Drill | undefined): string {
	return [
		'## Rehearsal scorecard',
		'',
		...(drill
			? [`**Drill:** ${drill.id}: ${markdownText(drill.title)}`, '', `> ${markdownText(drill.briefing.trim())}`, '']
			: ['**Drill:** none (a clean rollback)', '']),
		`**Result:** ${card.passed ? '✅ PASSED' : `❌ NOT PASSED YET: ${notPassedBecause(card).join(', ')}`}`,
		'',
		'| Step | Time | Attempts | Ended |',
		'|---|---|---|---|',
		...card.stepTimes.map(step => `| ${markdownCell(step.title)} | ${formatDuration(step.ms)} | ${step.attempts} | ${step.state} |`),
		`| **Total** | **${formatDuration(card.totalMs)}** | | ${card.criteriaPassed ? `target under 5 min: ${card.withinTarget ? '✓' : '✗'}` : 'no rollback to time'} (the original drill: ${formatDuration(ORIGINAL_DRILL_MS)}) |`,
		'',
		`**Hints met:** ${card.hints.length === 0 ? 'none' : card.hints.map(hint => `${markdownText(hint.title)} (${hint.id})`).join('; ')}${card.expectedHintShown === null ? '' : card.expectedHintShown ? ' — the drill’s fault was recognised ✓' : ` — ${faultsNote(card).replace(/^ \((.*)\)$/, '$1')} ✗`}`,
		'',
		`**Wrong turns:** ${card.wrongTurns.length === 0 ? 'none' : ''}`,
		...card.wrongTurns.map(turn => `- ${markdownText(turn)}`),
		'',
		`**Success criteria:** ${card.criteriaPassed ? 'all passed ✓' : `not all passed ✗ ${markdownText(card.failedCriteria.join(', '))}`}`,
	].join('\n');
}
