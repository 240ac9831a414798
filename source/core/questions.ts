/**
 * Operator questions: a step that needs a person asks one and waits for the answer. The TUI
 * answers them on screen; a run without a terminal answers from its flags.
 */
import type {CommitMarks} from './history.js';
import {inertDeep} from './inert.js';
import type {Commit, Hint, LockHolder, MigrationSummary, PlannedCommand, RollbackImpact, StepId} from './types.js';

export type CommitPage = {readonly commits: readonly Commit[]; readonly hasMore: boolean};

/** Commits a page of the picker holds: the first page is sent ahead of the picker at this size. */
export const HISTORY_PAGE_SIZE = 50;

/** What the commit picker needs from the server, paged so a huge history opens at once. */
export type CommitSource = {
	readonly head: string;
	/** The commit to highlight first (the previous pick, when the operator went back). */
	readonly preselect?: string;
	/** What the release history says of commits (verified good, rolled back from), by hash. */
	readonly marks?: CommitMarks;
	page(offset: number, count: number): Promise<CommitPage>;
	search(query: string, limit: number): Promise<readonly Commit[]>;
	impact(target: string): Promise<RollbackImpact>;
};

export type RecoveryChoice = 'retry' | 'fix' | 'reconnect' | 'override' | 'abort';

/**
 * Every question a step can ask, with what it carries and the answer it takes: one entry per kind.
 * Everything that answers or shows questions (the flags, the screens, the line prompts, the journal's
 * wording) is checked against this map, so a new kind that one of them does not handle does not compile.
 */
export type QuestionMap = {
	'host-key': {
		question: {readonly host: string; readonly keyType: string; readonly fingerprint: string; readonly otherTypes?: readonly string[]};
		answer: boolean;
	};
	passphrase: {question: {readonly keyPath: string}; answer: string | null};
	'pick-target': {question: {readonly source: CommitSource}; answer: Commit | null};
	'confirm-reset': {
		question: {
			/** The very command the reset step will run. */
			readonly command: PlannedCommand;
			readonly appDir: string;
			/** The config's stage (staging, production): the confirmation names the environment it resets. */
			readonly stage?: string;
			readonly from: string;
			readonly target: Commit;
			readonly impact?: RollbackImpact;
			readonly backupSummary: string;
			/** Where untracked/ignored files the reset would overwrite were saved. */
			readonly savedSummary?: string;
			/** When the assets are built (beside the live site, or after the reset) and the window that leaves. */
			readonly assets?: string;
			/** The schema's downgrade, run before the reset (the very command). */
			readonly migrateFirst?: string;
			/** What that downgrade drops, with the rows counted before it (`table sessions (8 rows)`), and where it is kept. */
			readonly dropsData?: {readonly items: readonly string[]; readonly keptIn: string};
		};
		answer: {readonly decision: 'confirm' | 'back' | 'abort'; readonly reason?: string};
	};
	'dirty-tree': {question: {readonly files: readonly string[]}; answer: 'save' | 'abort'};
	'stale-lock': {question: {readonly holder: LockHolder; readonly ageMinutes: number}; answer: 'take-over' | 'abort'};
	recover: {
		question: {
			readonly stepId: StepId;
			readonly error: string;
			readonly hints: readonly Hint[];
			readonly choices: readonly RecoveryChoice[];
			/** What the step's override does, when `choices` offers it. */
			readonly overrideLabel?: string;
		};
		answer: {choice: RecoveryChoice; fix?: string};
	};
	'override-reason': {
		question: {
			/** What the override costs (default: the reset without a verified backup). */
			readonly warning?: string;
			readonly example?: string;
		};
		answer: string | null;
	};
	'manual-reload': {question: {readonly instructions: string}; answer: 'done' | 'abort'};
	/** The schema cannot be migrated down (an irreversible migration, no plan): the ways out, each with its cost. */
	'migration-way-out': {
		question: {
			/** Why the downgrade will not run. */
			readonly why: string;
			readonly irreversible: readonly MigrationSummary[];
			/** The target's revision(s). */
			readonly target: readonly string[];
			/** Earlier verified backups taken at the target's revision, newest first. */
			readonly backups: readonly EarlierBackup[];
			/** The paragraph a run without a terminal ends with (exit 3). */
			readonly refusal: string;
		};
		answer: {readonly choice: 'abort'} | {readonly choice: 'code-only'} | {readonly choice: 'restore'; readonly path: string};
	};
};

export type QuestionKind = keyof QuestionMap;

/** A question of one kind, as a step asks it. */
export type QuestionOf<K extends QuestionKind> = {readonly kind: K} & QuestionMap[K]['question'];

export type Question = {[K in QuestionKind]: QuestionOf<K>}[QuestionKind];

/** A backup on the server taken when the database was at some revision (its sidecar says so). */
export type EarlierBackup = {
	readonly path: string;
	readonly takenAt: string;
	readonly sha256: string;
	readonly revisions: readonly string[];
	/** Rows per table when it was taken (recorded since rewind previews a restore's loss). */
	readonly rows?: Readonly<Record<string, number>>;
};

export type Answer<Q extends Question> = QuestionMap[Q['kind']]['answer'];

/** Whoever answers questions: the TUI, or the flags of a non-interactive run. */
export type Operator = {
	ask<Q extends Question>(question: Q, signal: AbortSignal): Promise<Answer<Q>>;
};

/** A question as the screens may show it: every text inert, the commit browser's answers too. */
export function inertQuestion<Q extends Question>(question: Q): Q {
	if (question.kind !== 'pick-target') return inertDeep(question);
	const {source} = question;
	const inertSource: CommitSource = {
		head: source.head,
		...(source.preselect === undefined ? {} : {preselect: source.preselect}),
		...(source.marks === undefined ? {} : {marks: inertDeep(source.marks)}),
		page: async (offset, count) => inertDeep(await source.page(offset, count)),
		search: async (query, limit) => inertDeep(await source.search(query, limit)),
		impact: async target => inertDeep(await source.impact(target)),
	};
	return {...question, source: inertSource};
}

/** The answer as the journal records it (never a passphrase). */
export function describeAnswer(question: Question, answer: unknown): string {
	switch (question.kind) {
		case 'passphrase':
			return answer === null ? 'none given' : 'given';
		case 'pick-target':
			return answer === null ? 'aborted' : (answer as {hash: string}).hash;
		case 'recover':
			return JSON.stringify(answer);
		case 'confirm-reset': {
			const {decision, reason} = answer as {decision: string; reason?: string};
			return reason ? `${decision} (reason: ${reason})` : decision;
		}
		case 'host-key':
		case 'dirty-tree':
		case 'stale-lock':
		case 'override-reason':
		case 'manual-reload':
		case 'migration-way-out':
			return typeof answer === 'string' ? answer : JSON.stringify(answer);
	}
}
