/**
 * `rewind rehearse` (and `npm start`): builds the sandbox production, runs the same TUI, engine and
 * SSH code path against it, scores the run, and tears everything down however the run ends.
 */
import {execute, interactiveSessions, isInteractive, prepareTerminalUi, type CliOptions, type RunRequest} from '../cli.js';
import {UserError} from '../core/errors.js';
import type {ScorecardInput} from '../core/engine.js';
import {EXIT} from '../core/types.js';
import {findDrill, loadDrills, type Drill} from './drills.js';
import {buildSandbox, DrillNeedsDatabase, type Sandbox} from './sandbox.js';
import {computeScorecard, scorecardMarkdown, scorecardNotes} from './scorecard.js';

export type PreparedRehearsal = {readonly sandbox: Sandbox; readonly request: RunRequest};

/** Builds the sandbox for `drill` and the run request that rehearses on it. */
export async function prepareRehearsal(options: CliOptions, drill: Drill | undefined, onStatus: (text: string) => void): Promise<PreparedRehearsal> {
	let sandbox: Sandbox;
	try {
		sandbox = await buildSandbox({...(drill ? {drill} : {}), onStatus});
	} catch (error) {
		if (error instanceof DrillNeedsDatabase) throw new UserError(`${error.message} Install mariadb-server and mariadb-client, or pick another drill.`);
		throw error;
	}
	if (sandbox.noDatabaseReason) onStatus(`Note: ${sandbox.noDatabaseReason}. The backup and fingerprint steps are skipped; install MariaDB to rehearse them.`);
	const request: RunRequest = {
		config: sandbox.config,
		configPath: null,
		kind: 'rehearsal',
		// Non-interactive rehearsals roll back to the last good deploy.
		flags: {...options.flags, ...(options.flags.yes && !options.flags.target ? {target: sandbox.app.good} : {})},
		engineExtras: {
			hintContext: sandbox.hintContext,
			scorecard: (input: ScorecardInput) => {
				const card = computeScorecard(input, drill);
				return {notes: scorecardNotes(card, drill), markdown: scorecardMarkdown(card, drill)};
			},
		},
	};
	return {sandbox, request};
}

export async function rehearse(options: CliOptions): Promise<number> {
	const drills = loadDrills(options.drillsDir);
	const drill = options.drill ? findDrill(options.drill, options.drillsDir) : undefined;
	let sandbox: Sandbox | undefined;
	// However the process ends, nothing of the sandbox stays behind.
	const onExit = () => sandbox?.teardownSync();
	process.on('exit', onExit);
	try {
		if (isInteractive(options) && !options.flags.yes) {
			prepareTerminalUi();
			const [{renderRehearsal}, sessionFor] = await Promise.all([import('../ui/rehearsal.js'), interactiveSessions()]);
			return await renderRehearsal({
				drills,
				...(drill ? {initialDrill: drill} : {}),
				prepare: async (picked, onStatus) => {
					const prepared = await prepareRehearsal(options, picked, onStatus);
					sandbox = prepared.sandbox;
					return prepared.request;
				},
				sessionFor,
			});
		}
		const prepared = await prepareRehearsal(options, drill, text => process.stdout.write(`rehearsal: ${text}\n`));
		sandbox = prepared.sandbox;
		process.stdout.write(`rehearsal: sandbox production at ${sandbox.dir}; the bad deploy is ${sandbox.app.bad.slice(0, 7)}, the last good one ${sandbox.app.good.slice(0, 7)}.\n`);
		if (drill) process.stdout.write(`rehearsal: drill ${drill.id}: ${drill.title}\n`);
		return await execute(prepared.request, true);
	} catch (error) {
		if (error instanceof UserError) throw error;
		throw new UserError(`The rehearsal could not start: ${(error as Error).message}`, EXIT.failed);
	} finally {
		if (sandbox) {
			await sandbox.teardown({keep: options.keep});
			if (options.keep) process.stdout.write(`rehearsal: kept the sandbox at ${sandbox.dir} (--keep); its servers are stopped.\n`);
		}
		process.off('exit', onExit);
	}
}


