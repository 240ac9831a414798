/**
 * The end of a mystery drill: which drill it was, what the trainee saw first, what they did about
 * it, and the lesson. Read from the run's fold (its timeline and hints) like the scorecard.
 */
import {markdownText} from '../core/inert.js';
import type {RunState} from '../core/run-state.js';
import type {Drill} from './drills.js';

export type Reveal = {
	readonly drill: {readonly id: string; readonly title: string};
	/** The first failure (or, without one, the first hint) the trainee met. */
	readonly sawFirst: string;
	/** The trainee's answers where a step failed (the fix applied, a retry, an override, an abort), and a stop asked for. */
	readonly did: readonly string[];
	readonly lesson: string;
};

/** A failure's first sentence, at most 160 characters: the reveal recalls it, the log has it whole. */
function firstSentence(text: string): string {
	const sentence = /^.*?[.!?](?=\s|$)/.exec(text)?.[0] ?? text;
	return sentence.length <= 160 ? sentence : `${sentence.slice(0, 159)}…`;
}

const titleOf = (state: RunState, stepId: string | undefined) => state.steps.find(step => step.id === stepId)?.title ?? stepId ?? 'the run';

/** What a recovery answer (`{"choice":"fix","fix":"clean-install"}`) did, in words. */
function recoveryInWords(state: RunState, answer: string): string {
	let parsed: {choice?: string; fix?: string};
	try {
		parsed = JSON.parse(answer) as {choice?: string; fix?: string};
	} catch {
		return answer;
	}
	if (parsed.choice === 'fix') {
		const label = state.hints.find(hint => hint.fix?.id === parsed.fix)?.fix?.label;
		return `applied the fix: ${label ?? parsed.fix ?? 'the hint’s fix'}`;
	}
	const words: Record<string, string> = {
		retry: 'retried the step',
		reconnect: 'reconnected and retried',
		override: 'went on with a logged override',
		abort: 'stopped the run',
	};
	return words[parsed.choice ?? ''] ?? answer;
}

export function revealOf(state: RunState, drill: Drill): Reveal {
	const firstFailure = state.timeline.find(entry => entry.kind === 'failed');
	const sawFirst = firstFailure
		? `${titleOf(state, firstFailure.stepId)} failed: ${firstSentence(firstFailure.text)}`
		: state.hints[0]
			? `a hint: ${state.hints[0].title}`
			: 'nothing went wrong that rewind could see';
	const did = state.timeline.flatMap(entry =>
		entry.kind === 'operator' && entry.text.startsWith('recover: ')
			? [`${titleOf(state, entry.stepId)}: ${recoveryInWords(state, entry.text.slice('recover: '.length))}`]
			: entry.kind === 'stop'
				? [`asked to stop (${entry.text})`]
				: [],
	);
	return {drill: {id: drill.id, title: drill.title}, sawFirst, did, lesson: (drill.lesson ?? drill.briefing).trim()};
}

export function revealLines(reveal: Reveal): string[] {
	return [
		`The mystery drill was: ${reveal.drill.title} (${reveal.drill.id})`,
		`  what you saw first: ${reveal.sawFirst}`,
		`  what you did: ${reveal.did.length === 0 ? 'no step failed that asked you' : reveal.did.join('; ')}`,
		`  the lesson: ${reveal.lesson}`,
	];
}

export function revealMarkdown(reveal: Reveal): string {
	return [
		'### The mystery drill',
		'',
		`**It was:** ${reveal.drill.id}: ${markdownText(reveal.drill.title)}`,
		'',
		`**What you saw first:** ${markdownText(reveal.sawFirst)}`,
		'',
		`**What you did:** ${reveal.did.length === 0 ? 'no step failed that asked you' : ''}`,
		...reveal.did.map(step => `- ${markdownText(step)}`),
		'',
		`**The lesson:** ${markdownText(reveal.lesson)}`,
	].join('\n');
}
