/**
 * `rewind rehearse` (and `npm start`): builds the sandbox production, runs the same TUI, engine and
 * SSH code path against it through the session root, scores the run, records it in the trainee's
 * history, and tears everything down however the run ends.
 */
import {randomInt} from 'node:crypto';
import {outputMode, type CliOptions} from '../cli-options.js';
import {errorMessage, UserError} from '../core/errors.js';
import {inert} from '../core/inert.js';
import {formatDuration} from '../core/format.js';
import type {RunState} from '../core/run-state.js';
import {EXIT} from '../core/types.js';
import {runSession, type RunRequest} from '../session.js';
import {findDrill, loadDrills, missingSoftware, type Drill} from './drills.js';
import {appendRehearsal, CLEAN_ROLLBACK, defaultTrainee, readRehearsals, rehearsalRecord, rehearsalsFile, type RehearsalHistory} from './record.js';
import {revealLines, revealMarkdown, revealOf} from './reveal.js';
import {previousBest} from './scores.js';
import {buildSandbox, DrillNeedsDatabase, DrillNeedsSoftware, type Sandbox} from './sandbox.js';
import {computeScorecard, scorecardLines, scorecardMarkdown} from './scorecard.js';

export type PreparedRehearsal = {readonly sandbox: Sandbox; readonly request: RunRequest};

/**
 * Who rehearses, whether the drill is a mystery, where the rehearsal is recorded (null: nowhere),
 * and a note for the end (how the mystery was picked).
 */
export type Training = {readonly trainee: string; readonly mystery: boolean; readonly recordTo: string | null; readonly note?: string};

const UNRECORDED: Training = {trainee: defaultTrainee(), mystery: false, recordTo: null};

/** The trainee's previous best for this drill, for the final panel. */
function previousBestLine(history: RehearsalHistory, training: Training, drillId: string): string {
	const {bestMs, attempts} = previousBest(history, training.trainee, drillId);
	if (attempts === 0) return `  ${training.trainee}: the first rehearsal of this drill`;
	return `  ${training.trainee}: previous best ${bestMs === null ? 'none passed yet' : formatDuration(bestMs)} (${attempts} earlier rehearsal${attempts === 1 ? '' : 's'})`;
}

/** Builds the sandbox for `drill` and the run request that rehearses on it. */
export async function prepareRehearsal(
	options: Pick<CliOptions, 'flags'>,
	drill: Drill | undefined,
	onStatus: (text: string) => void,
	extra: {runsDir?: string; training?: Training} = {},
): Promise<PreparedRehearsal> {
	const training = extra.training ?? UNRECORDED;
	let sandbox: Sandbox;
	try {
		sandbox = await buildSandbox({...(drill ? {drill} : {}), onStatus, ...(extra.runsDir ? {runsDir: extra.runsDir} : {})});
	} catch (error) {
		if (error instanceof DrillNeedsDatabase) throw new UserError(`${error.message} Install mariadb-server and mariadb-client, or pick another drill.`);
		if (error instanceof DrillNeedsSoftware) throw new UserError(`${error.message} Install it, or pick another drill.`);
		throw error;
	}
	if (sandbox.noDatabaseReason) onStatus(`Note: ${sandbox.noDatabaseReason}. The backup and fingerprint steps are skipped; install MariaDB to rehearse them.`);
	const drillId = drill?.id ?? CLEAN_ROLLBACK.id;
	const history = training.recordTo ? readRehearsals(training.recordTo) : {records: [], skipped: 0};
	let recordFailure: string | undefined;
	const record = (state: RunState) => {
		if (!training.recordTo) return;
		try {
			appendRehearsal(training.recordTo, rehearsalRecord(state, computeScorecard(state, drill), training.trainee, drill, training.mystery));
		} catch (error) {
			recordFailure = errorMessage(error);
		}
	};
	const reveal = (state: RunState) => (drill && training.mystery ? revealOf(state, drill) : undefined);
	const request: RunRequest = {
		config: sandbox.config,
		configPath: null,
		kind: 'rehearsal',
		// Unattended rehearsals roll back to the last good deploy.
		flags: {...options.flags, ...(options.flags.yes && !options.flags.target ? {target: sandbox.app.good} : {})},
		hintContext: sandbox.hintContext,
		secrets: sandbox.secrets,
		identity: {trainee: training.trainee, drill: {id: drillId, mystery: training.mystery && drill !== undefined}},
		afterRun: record,
		reportExtra: state => {
			const revealed = reveal(state);
			return [scorecardMarkdown(computeScorecard(state, drill), drill), ...(revealed ? ['', revealMarkdown(revealed)] : [])].join('\n');
		},
		// The drill's texts may come from a team's YAML, the trainee's name from the OS: inert, like the run's.
		finalLines: state => {
			const revealed = reveal(state);
			return [
				...scorecardLines(computeScorecard(state, drill), drill),
				...(training.recordTo ? [previousBestLine(history, training, drillId)] : []),
				...(revealed ? revealLines(revealed) : []),
				...(training.note ? [`  (${training.note})`] : []),
				...(recordFailure ? [`  (not recorded in ${training.recordTo}: ${recordFailure})`] : []),
			].map(line => inert(line, {singleLine: true}));
		},
	};
	return {sandbox, request};
}

/**
 * A drill for `--mystery`: one this machine can run that the trainee has not passed yet (any with
 * `--any`, or when every one is passed). Random, so that the order teaches nothing either.
 */
export function pickMystery(drills: readonly Drill[], history: RehearsalHistory, trainee: string, any: boolean): {drill: Drill; note?: string} {
	const runnable = drills.filter(drill => missingSoftware(drill) === null);
	if (runnable.length === 0)
		throw new UserError(
			'No drill can run on this machine (the drills need MariaDB, or Python with Flask). Install them, or run rewind rehearse without --mystery.',
		);
	const passed = new Set(history.records.filter(record => record.trainee === trainee && record.passed).map(record => record.drill.id));
	const notPassed = runnable.filter(drill => !passed.has(drill.id));
	const pool = any || notPassed.length === 0 ? runnable : notPassed;
	const note = !any && notPassed.length === 0 ? `${trainee} has passed every drill this machine can run: picking among all of them.` : undefined;
	return {drill: pool[randomInt(pool.length)]!, ...(note ? {note} : {})};
}

/** What a mystery drill's trainee is told before the run: the task, never the fault. */
export const MYSTERY_BRIEFING =
	'A mystery drill: something in this production or in its runbook is not what it should be, and nobody tells you what (as in a real incident). Roll the bad deploy back with a verified backup and prove the site is clean; read what each failure says. The scorecard names the drill at the end.';

export async function rehearse(options: CliOptions): Promise<number> {
	const drills = loadDrills(options.drillsDir);
	const trainee = options.trainee ?? defaultTrainee();
	const recordTo = rehearsalsFile();
	const chooseMystery = () => pickMystery(drills, readRehearsals(recordTo), trainee, options.any);
	const trainingFor = (mystery: {note?: string} | undefined): Training => ({
		trainee,
		mystery: mystery !== undefined,
		recordTo,
		...(mystery?.note ? {note: mystery.note} : {}),
	});
	const drill = options.drill ? findDrill(options.drill, options.drillsDir) : undefined;
	let sandbox: Sandbox | undefined;
	/** The sandbox being built: a trainee who leaves meanwhile (Ctrl+C) still gets it removed. */
	let building: Promise<PreparedRehearsal> | undefined;
	// However the process ends, nothing of the sandbox stays behind.
	const onExit = () => sandbox?.teardownSync();
	process.on('exit', onExit);
	try {
		if (outputMode(options) === 'tui' && !options.flags.yes) {
			const {loadInkChunk, prepareTerminalUi} = await import('../terminal.js');
			prepareTerminalUi(options);
			const {renderRehearsal} = await loadInkChunk(() => import('../ui/rehearsal.js'));
			return await renderRehearsal({
				drills,
				...(options.mystery ? {initialDrill: 'mystery' as const} : drill ? {initialDrill: drill} : {}),
				mysteryBriefing: MYSTERY_BRIEFING,
				prepare: async (picked, onStatus) => {
					const mystery = picked === 'mystery' ? chooseMystery() : undefined;
					const chosen = picked === 'mystery' ? mystery!.drill : picked;
					building = prepareRehearsal(options, chosen, onStatus, {training: trainingFor(mystery)});
					const prepared = await building;
					sandbox = prepared.sandbox;
					return prepared.request;
				},
			});
		}
		const say = (text: string) => {
			if (!options.json) process.stdout.write(`rehearsal: ${text}\n`);
		};
		const mystery = options.mystery ? chooseMystery() : undefined;
		if (mystery?.note) say(mystery.note);
		const prepared = await prepareRehearsal(options, mystery?.drill ?? drill, say, {training: trainingFor(mystery)});
		sandbox = prepared.sandbox;
		say(`sandbox production at ${sandbox.dir}; the bad deploy is ${sandbox.app.bad.slice(0, 7)}, the last good one ${sandbox.app.good.slice(0, 7)}.`);
		if (mystery) say(MYSTERY_BRIEFING);
		else if (drill) say(`drill ${drill.id}: ${drill.title}`);
		say(`trainee ${inert(trainee, {singleLine: true})}: the rehearsal goes to ${recordTo} when it ends`);
		return await runSession(prepared.request, options.json ? 'json' : 'plain');
	} catch (error) {
		if (error instanceof UserError) throw error;
		throw new UserError(`The rehearsal could not start: ${(error as Error).message}`, EXIT.failed);
	} finally {
		if (!sandbox && building) {
			process.stdout.write('rehearsal: stopped while the sandbox was being built: removing it…\n');
			sandbox = (await building.catch(() => undefined))?.sandbox;
		}
		if (sandbox) {
			await sandbox.teardown({keep: options.keep});
			if (options.keep) process.stdout.write(`rehearsal: kept the sandbox at ${sandbox.dir} (--keep); its servers are stopped.\n`);
		}
		process.off('exit', onExit);
	}
}
