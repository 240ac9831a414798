/**
 * `rewind rehearse` (and `npm start`): builds the sandbox production, runs the same TUI, engine and
 * SSH code path against it through the session root, scores the run, and tears everything down
 * however the run ends.
 */
import {outputMode, type CliOptions} from '../cli-options.js';
import {UserError} from '../core/errors.js';
import {EXIT} from '../core/types.js';
import {runSession, type RunRequest} from '../session.js';
import {findDrill, loadDrills, type Drill} from './drills.js';
import {buildSandbox, DrillNeedsDatabase, DrillNeedsSoftware, type Sandbox} from './sandbox.js';
import {computeScorecard, scorecardLines, scorecardMarkdown} from './scorecard.js';

export type PreparedRehearsal = {readonly sandbox: Sandbox; readonly request: RunRequest};

/** Builds the sandbox for `drill` and the run request that rehearses on it. */
export async function prepareRehearsal(
	options: Pick<CliOptions, 'flags'>,
	drill: Drill | undefined,
	onStatus: (text: string) => void,
	extra: {runsDir?: string} = {},
): Promise<PreparedRehearsal> {
	let sandbox: Sandbox;
	try {
		sandbox = await buildSandbox({...(drill ? {drill} : {}), onStatus, ...(extra.runsDir ? {runsDir: extra.runsDir} : {})});
	} catch (error) {
		if (error instanceof DrillNeedsDatabase) throw new UserError(`${error.message} Install mariadb-server and mariadb-client, or pick another drill.`);
		if (error instanceof DrillNeedsSoftware) throw new UserError(`${error.message} Install it, or pick another drill.`);
		throw error;
	}
	if (sandbox.noDatabaseReason) onStatus(`Note: ${sandbox.noDatabaseReason}. The backup and fingerprint steps are skipped; install MariaDB to rehearse them.`);
	const request: RunRequest = {
		config: sandbox.config,
		configPath: null,
		kind: 'rehearsal',
		// Unattended rehearsals roll back to the last good deploy.
		flags: {...options.flags, ...(options.flags.yes && !options.flags.target ? {target: sandbox.app.good} : {})},
		hintContext: sandbox.hintContext,
		secrets: sandbox.secrets,
		reportExtra: state => scorecardMarkdown(computeScorecard(state, drill), drill),
		finalLines: state => scorecardLines(computeScorecard(state, drill), drill),
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
		if (outputMode(options) === 'tui' && !options.flags.yes) {
			const {loadInkChunk, prepareTerminalUi} = await import('../terminal.js');
			prepareTerminalUi(options);
			const {renderRehearsal} = await loadInkChunk(() => import('../ui/rehearsal.js'));
			return await renderRehearsal({
				drills,
				...(drill ? {initialDrill: drill} : {}),
				prepare: async (picked, onStatus) => {
					const prepared = await prepareRehearsal(options, picked, onStatus);
					sandbox = prepared.sandbox;
					return prepared.request;
				},
			});
		}
		const say = (text: string) => {
			if (!options.json) process.stdout.write(`rehearsal: ${text}\n`);
		};
		const prepared = await prepareRehearsal(options, drill, say);
		sandbox = prepared.sandbox;
		say(`sandbox production at ${sandbox.dir}; the bad deploy is ${sandbox.app.bad.slice(0, 7)}, the last good one ${sandbox.app.good.slice(0, 7)}.`);
		if (drill) say(`drill ${drill.id}: ${drill.title}`);
		return await runSession(prepared.request, options.json ? 'json' : 'plain');
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
