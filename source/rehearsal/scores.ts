/**
 * `rewind scores`: the trainer's view of the rehearsal history. A table of rehearsals (date,
 * trainee, drill, time, wrong turns, hints, result), then per trainee the drills passed, the best
 * and latest time per drill, and the drills left. `--json` prints the same as one object.
 */
import {formatDurationShort as formatDuration} from '../core/format.js';
import {inert} from '../core/inert.js';
import type {CliOptions} from '../cli-options.js';
import {EXIT} from '../core/types.js';
import {loadDrills} from './drills.js';
import {CLEAN_ROLLBACK, readRehearsals, rehearsalsFile, type RehearsalHistory, type RehearsalRecord} from './record.js';

export const SCORES_SCHEMA_VERSION = 1;

export type DrillProgress = {
	readonly id: string;
	readonly title: string;
	readonly attempts: number;
	readonly passed: boolean;
	/** The best passed time, null until one passed. */
	readonly bestMs: number | null;
	readonly latest: {readonly at: string; readonly ms: number; readonly passed: boolean};
};

export type TraineeProgress = {
	readonly trainee: string;
	readonly rehearsals: number;
	readonly passed: readonly string[];
	readonly drills: readonly DrillProgress[];
	/** Drills known here (built-in and --drills-dir) the trainee has not passed. */
	readonly left: readonly string[];
};

export function traineeProgress(records: readonly RehearsalRecord[], trainee: string, knownDrills: readonly string[]): TraineeProgress {
	// One trainee however the name was typed (Ana, ana).
	const own = records.filter(record => record.trainee.toLocaleLowerCase() === trainee.toLocaleLowerCase());
	const byDrill = new Map<string, RehearsalRecord[]>();
	for (const record of own) byDrill.set(record.drill.id, [...(byDrill.get(record.drill.id) ?? []), record]);
	const drills = [...byDrill.entries()].map(([id, tries]): DrillProgress => {
		const passedTimes = tries.filter(record => record.passed).map(record => record.totalMs);
		const latest = tries.at(-1)!;
		return {
			id,
			title: latest.drill.title,
			attempts: tries.length,
			passed: passedTimes.length > 0,
			bestMs: passedTimes.length > 0 ? Math.min(...passedTimes) : null,
			latest: {at: latest.at, ms: latest.totalMs, passed: latest.passed},
		};
	});
	// A clean rollback is rehearsed and listed, but is no drill to pass.
	const passed = drills.filter(drill => drill.passed && drill.id !== CLEAN_ROLLBACK.id).map(drill => drill.id);
	return {trainee, rehearsals: own.length, passed, drills, left: knownDrills.filter(id => !passed.includes(id))};
}

/** Lines of at most `width` characters, broken between words (a drill id is never cut). */
function wrapWords(text: string, width: number): string[] {
	const lines: string[] = [];
	for (const word of text.split(' ')) {
		const last = lines.at(-1);
		if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
		else lines.push(lines.length === 0 ? word : `  ${word}`);
	}
	return lines;
}

/** The trainee's best passed time for a drill before this run, and how many times they tried it (names matched as in the table). */
export function previousBest(history: RehearsalHistory, trainee: string, drillId: string): {bestMs: number | null; attempts: number} {
	const drill = traineeProgress(history.records, trainee, []).drills.find(candidate => candidate.id === drillId);
	return {bestMs: drill?.bestMs ?? null, attempts: drill?.attempts ?? 0};
}

const cell = (text: string) => inert(text, {singleLine: true});
const when = (at: string) => at.replace('T', ' ').slice(0, 16);

function table(rows: readonly (readonly string[])[]): string[] {
	const widths = rows[0]!.map((_, column) => Math.max(...rows.map(row => row[column]!.length)));
	return rows.map(row =>
		row
			.map((text, column) => text.padEnd(widths[column]!))
			.join('  ')
			.trimEnd(),
	);
}

export function scoresText(records: readonly RehearsalRecord[], progress: readonly TraineeProgress[], file: string, skipped: number, trainee?: string): string {
	if (records.length === 0)
		return trainee === undefined
			? `No rehearsals recorded yet in ${file}. Run one: rewind rehearse (or npm start in a clone).\n`
			: `No rehearsals of ${cell(trainee)} in ${file}. rewind scores without --trainee lists everyone's.\n`;
	const lines = [
		`Rehearsals (${file})`,
		'',
		...table([
			['date (UTC)', 'trainee', 'drill', 'time', 'turns', 'hints', 'result'],
			...records.map(record => [
				cell(when(record.at)),
				cell(record.trainee),
				`${cell(record.drill.id)}${record.drill.mystery ? ' *' : ''}`,
				formatDuration(record.totalMs),
				String(record.wrongTurns.length),
				String(record.hints.length),
				record.passed ? 'PASSED' : 'not yet',
			]),
		]),
	];
	for (const trainee of progress) {
		lines.push(
			'',
			`${cell(trainee.trainee)}: ${trainee.passed.length} drill${trainee.passed.length === 1 ? '' : 's'} passed, ${trainee.rehearsals} rehearsal${trainee.rehearsals === 1 ? '' : 's'}`,
		);
		lines.push(
			...table([
				['drill', 'tries', 'best', 'latest'],
				...trainee.drills.map(drill => [
					cell(drill.id),
					String(drill.attempts),
					drill.bestMs === null ? '–' : formatDuration(drill.bestMs),
					`${formatDuration(drill.latest.ms)} ${drill.latest.passed ? 'PASSED' : 'not passed'} (${cell(when(drill.latest.at))})`,
				]),
			]).map(line => `  ${line}`),
		);
		lines.push(
			...wrapWords(`left: ${trainee.left.length === 0 ? 'none — every drill passed' : trainee.left.map(cell).join(', ')}`, 76).map(line => `  ${line}`),
		);
	}
	lines.push('', ...wrapWords('turns: wrong turns (the scorecards list them) · hints: hints met · *: a mystery drill (named only at the end)', 78));
	if (skipped > 0) lines.push('', `(${skipped} line${skipped === 1 ? '' : 's'} of ${file} could not be read and ${skipped === 1 ? 'was' : 'were'} skipped)`);
	return `${lines.join('\n')}\n`;
}

export function scores(options: Pick<CliOptions, 'trainee' | 'json' | 'drillsDir'>, env: NodeJS.ProcessEnv = process.env): number {
	const file = rehearsalsFile(env);
	const history = readRehearsals(file);
	// Names are matched as a person types them: Ana is ana.
	const wanted = options.trainee?.toLocaleLowerCase();
	const records = history.records.filter(record => wanted === undefined || record.trainee.toLocaleLowerCase() === wanted);
	const knownDrills = loadDrills(options.drillsDir).map(drill => drill.id);
	const byName = new Map(records.map(record => [record.trainee.toLocaleLowerCase(), record.trainee]));
	const trainees = [...byName.values()];
	const progress = trainees.map(trainee => traineeProgress(records, trainee, knownDrills));
	if (options.json) {
		process.stdout.write(`${JSON.stringify({schema: SCORES_SCHEMA_VERSION, file, skipped: history.skipped, rehearsals: records, trainees: progress})}\n`);
	} else {
		process.stdout.write(scoresText(records, progress, file, history.skipped, options.trainee));
	}
	return EXIT.ok;
}
