/**
 * The run journal: one JSON object a line, every event of the run, appended as it happens (a
 * crash loses nothing already written). The engine hands it events already redacted; text from
 * the server is kept as it was, JSON-escaped (controls included). `rewind resume` and `rewind undo`
 * read it.
 */
import {appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {RunEvent} from './events.js';
import {journalLine} from './inert.js';
import type {Outcome, RunFacts, RunKind} from './types.js';

export const JOURNAL_FILE = 'journal.jsonl';
export const REPORT_FILE = 'report.md';

/** rewind's own folder on this machine: runs, and the rehearsal history (REWIND_HOME, else ~/.rewind). */
export function rewindHome(env: NodeJS.ProcessEnv = process.env): string {
	return env['REWIND_HOME'] ?? path.join(os.homedir(), '.rewind');
}

export function defaultRunsDir(env: NodeJS.ProcessEnv = process.env): string {
	return path.join(rewindHome(env), 'runs');
}

/** `20261124T101500Z`: a UTC time for names. */
export function compactStamp(date: Date): string {
	return date
		.toISOString()
		.replace(/[-:]/g, '')
		.replace(/\.\d+Z$/, 'Z');
}

/** `20261124T101500Z-a1b2`: sortable, readable, unique enough for one operator. */
export function newRunId(now = new Date()): string {
	return `${compactStamp(now)}-${Math.random().toString(16).slice(2, 6)}`;
}

export class Journal {
	readonly dir: string;
	readonly file: string;

	constructor(runsDir: string, runId: string) {
		this.dir = path.join(runsDir, runId);
		this.file = path.join(this.dir, JOURNAL_FILE);
		mkdirSync(this.dir, {recursive: true, mode: 0o700});
	}

	/** Appends one (redacted) event as a line; returns the line written. */
	write(event: RunEvent): string {
		const line = journalLine(event);
		appendFileSync(this.file, `${line}\n`, {mode: 0o600});
		return line;
	}
}

export type JournalSummary = {
	readonly runId: string;
	readonly file: string;
	readonly kind: RunKind;
	readonly configPath: string | null;
	/** The config's stage the run worked on (absent without stages). */
	readonly stage?: string;
	/** The servers the run worked on (absent in journals written before runs named them). */
	readonly servers?: readonly string[];
	readonly startedAt: string;
	readonly facts: RunFacts;
	readonly outcome: Outcome | null;
	readonly succeededSteps: readonly string[];
	readonly events: readonly RunEvent[];
};

/** Reads a journal back; a torn last line (a crash mid-write) is ignored. */
export function readJournal(file: string): JournalSummary {
	const events: RunEvent[] = [];
	for (const line of readFileSync(file, 'utf8').split('\n')) {
		if (line.trim() === '') continue;
		try {
			events.push(JSON.parse(line) as RunEvent);
		} catch {
			// The last line of a crashed run may be half-written.
		}
	}
	const started = events.find(event => event.type === 'run-started');
	if (!started || started.type !== 'run-started') throw new Error(`${file} is not a rewind journal (no run-started event)`);
	const facts: RunFacts = {};
	for (const event of events) if (event.type === 'fact') Object.assign(facts, event.facts);
	const finished = events.findLast(event => event.type === 'run-finished');
	return {
		runId: started.runId,
		file,
		kind: started.kind,
		configPath: started.configPath,
		...(started.identity?.stage ? {stage: started.identity.stage} : {}),
		...(started.servers ? {servers: started.servers} : {}),
		startedAt: started.at,
		facts,
		outcome: finished?.type === 'run-finished' ? finished.outcome : null,
		succeededSteps: events.filter(event => event.type === 'step-succeeded').map(event => (event as {stepId: string}).stepId),
		events,
	};
}

/** Journals in `runsDir`, newest first. */
export function listJournals(runsDir: string): string[] {
	if (!existsSync(runsDir)) return [];
	return readdirSync(runsDir)
		.map(name => path.join(runsDir, name, JOURNAL_FILE))
		.filter(file => existsSync(file))
		.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs || b.localeCompare(a));
}
