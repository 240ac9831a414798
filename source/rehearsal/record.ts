/**
 * The trainer's record: every rehearsal's scorecard, one JSON line each, appended to
 * `rehearsals.jsonl` in rewind's home (REWIND_HOME, else ~/.rewind). `rewind scores` reads it; the
 * rehearsal's final panel shows the trainee's previous best from it. Lines that do not parse (a
 * file edited by hand, a newer schema) are skipped and counted, never fatal.
 */
import {appendFileSync, existsSync, mkdirSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import {traineeNameFrom} from '../core/identity.js';
import {rewindHome} from '../core/journal.js';
import {journalLine} from '../core/inert.js';
import type {RunState} from '../core/run-state.js';
import type {Drill} from './drills.js';
import type {Scorecard} from './scorecard.js';

export const REHEARSALS_FILE = 'rehearsals.jsonl';

/** The rehearsal without a drill: a clean rollback, recorded under this id. */
export const CLEAN_ROLLBACK = {id: 'clean-rollback', title: 'A clean rollback (no fault)'} as const;

const recordSchema = z.object({
	schema: z.literal(1),
	/** An ISO time (the table prints it as it is). */
	at: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/),
	runId: z.string(),
	trainee: z.string(),
	drill: z.object({id: z.string(), title: z.string(), mystery: z.boolean(), team: z.boolean()}),
	totalMs: z.number(),
	steps: z.array(z.object({title: z.string(), ms: z.number(), attempts: z.number()})),
	wrongTurns: z.array(z.string()),
	hints: z.array(z.object({id: z.string(), title: z.string()})),
	criteria: z.array(z.object({id: z.string(), label: z.string(), status: z.string()})),
	outcome: z.string(),
	passed: z.boolean(),
});

export type RehearsalRecord = z.output<typeof recordSchema>;

export function rehearsalsFile(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(rewindHome(env), REHEARSALS_FILE);
}

/** The OS user: the trainee when --trainee is not given. */
export function defaultTrainee(): string {
	try {
		return traineeNameFrom(os.userInfo().username);
	} catch {
		return 'trainee';
	}
}

export function rehearsalRecord(state: RunState, card: Scorecard, trainee: string, drill: Drill | undefined, mystery: boolean): RehearsalRecord {
	return {
		schema: 1,
		at: state.finished?.at ?? new Date().toISOString(),
		runId: state.runId ?? '',
		trainee,
		drill: drill ? {id: drill.id, title: drill.title, mystery, team: drill.team} : {...CLEAN_ROLLBACK, mystery: false, team: false},
		totalMs: card.totalMs,
		steps: card.stepTimes.map(step => ({title: step.title, ms: step.ms, attempts: step.attempts})),
		wrongTurns: [...card.wrongTurns],
		hints: card.hints.map(hint => ({id: hint.id, title: hint.title})),
		criteria: (state.finished?.criteria ?? []).map(criterion => ({id: criterion.id, label: criterion.label, status: criterion.status})),
		outcome: state.finished?.outcome ?? 'failed',
		passed: card.passed,
	};
}

/** Appends one record (JSON-escaped: the texts came from the run and stay inert in the file). */
export function appendRehearsal(file: string, record: RehearsalRecord): void {
	mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
	appendFileSync(file, `${journalLine(record)}\n`, {mode: 0o600});
}

export type RehearsalHistory = {readonly records: readonly RehearsalRecord[]; readonly skipped: number};

export function readRehearsals(file: string): RehearsalHistory {
	if (!existsSync(file)) return {records: [], skipped: 0};
	const records: RehearsalRecord[] = [];
	let skipped = 0;
	for (const line of readFileSync(file, 'utf8').split('\n')) {
		if (line.trim() === '') continue;
		let parsed: unknown;
		try {
			parsed = JSON.parse(line);
		} catch {
			skipped++;
			continue;
		}
		const result = recordSchema.safeParse(parsed);
		if (result.success) records.push(result.data);
		else skipped++;
	}
	return {records, skipped};
}
