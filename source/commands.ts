/** Each command of the CLI, built on the session root. */
import path from 'node:path';
import {asksLineByLine, checkUnattended, loadConfig, outputMode, type CliOptions} from './cli-options.js';
import {settingsFromLayers} from './core/config/layers.js';
import {findConfigFile, loadConfigFile, runsDirOfFile, stagesOfFile} from './core/config/load.js';
import {serversOf} from './core/servers.js';
import {inert} from './core/inert.js';
import {errorMessage, UserError} from './core/errors.js';
import {defaultRunsDir, listJournals, readJournal, type JournalSummary} from './core/journal.js';
import {checkSecrets, runsDirFor} from './core/setup.js';
import {EXIT} from './core/types.js';
import {startEarlyConnection, type EarlyConnection} from './core/engine/early-connection.js';
import {sshConnector} from './core/remote/connect.js';
import {undoOfFacts} from './core/undo.js';
import type {RunRequest} from './session.js';

/** The journal `resume` or `undo` works from: the one named, or the newest that fits. */
function pickJournal(options: CliOptions, runsDir: string, fits: (journal: JournalSummary) => boolean, what: string): JournalSummary {
	if (options.journal) {
		const file = path.resolve(options.journal);
		try {
			return readJournal(file.endsWith('.jsonl') ? file : path.join(file, 'journal.jsonl'));
		} catch (error) {
			throw new UserError(`Cannot read the journal ${file}: ${errorMessage(error)}.`);
		}
	}
	for (const file of listJournals(runsDir)) {
		try {
			const journal = readJournal(file);
			if (fits(journal)) return journal;
		} catch {
			// Not a journal: skip it.
		}
	}
	throw new UserError(`No run to ${what} in ${runsDir}. Name one with --journal PATH.`);
}

const FITS = {
	resume: (journal: JournalSummary) => journal.kind !== 'rehearsal' && journal.outcome !== 'succeeded' && journal.facts.target !== undefined,
	undo: (journal: JournalSummary) =>
		journal.kind !== 'rehearsal' &&
		journal.kind !== 'undo' &&
		journal.facts.remoteHeadAfter !== undefined &&
		journal.facts.fromHead !== undefined &&
		journal.facts.remoteHeadAfter !== journal.facts.fromHead,
};

/** The request that resumes an interrupted run, or undoes the last rollback, from its journal. */
export function requestFromJournal(options: CliOptions, kind: 'resume' | 'undo'): RunRequest {
	// Where runs are kept: the base's runsDir (a stage cannot set it), read without resolving a stage.
	const file = options.config ? findConfigFile(options.config, process.cwd()) : undefined;
	const runsDir = file ? runsDirFor({runsDir: runsDirOfFile(file)}) : defaultRunsDir();
	const shown = (text: string) => inert(text, {singleLine: true});
	const article = kind === 'undo' ? 'An' : 'A';
	// Chosen among the runs: that stage's own (exactly), and only runs of this config file when one is named.
	const ofStage = (journal: JournalSummary) => options.stage === undefined || journal.stage === options.stage;
	const ofFile = (journal: JournalSummary) => file === undefined || journal.configPath === null || journal.configPath === file;
	const what = options.stage === undefined ? kind : `${kind} on stage ${shown(options.stage)}`;
	const journal = pickJournal(options, runsDir, candidate => FITS[kind](candidate) && ofStage(candidate) && ofFile(candidate), what);
	if (journal.stage !== undefined && options.stage !== undefined && journal.stage !== options.stage) {
		throw new UserError(
			`--stage ${shown(options.stage)}: run ${shown(journal.runId)} worked on stage ${shown(journal.stage)}. ${article} ${kind} works where its run did: drop --stage, or name that stage.`,
		);
	}
	if (kind === 'resume' && journal.outcome === 'succeeded') throw new UserError(`Run ${journal.runId} finished successfully: there is nothing to resume.`);
	if (kind === 'resume' && !journal.facts.target) throw new UserError(`Run ${journal.runId} stopped before a target was picked: start a new rollback instead.`);
	if (kind === 'undo' && !journal.facts.fromHead) throw new UserError(`Run ${journal.runId} has no record of where it started: it cannot be undone.`);
	const configFile = file ?? journal.configPath;
	if (configFile === null) throw new UserError(`Run ${journal.runId} has no config file on record: pass --config PATH.`);
	const stages = stagesOfFile(configFile);
	// With several stages the operator names the environment (or the very run): never the last run's, silently.
	if (stages.length > 1 && options.stage === undefined && !options.journal) {
		throw new UserError(
			`${configFile} defines ${stages.length} stages (${stages.join(', ')}): name the stage whose last run to ${kind} with --stage NAME, or the run with --journal PATH.`,
		);
	}
	const resolved = loadConfigFile(configFile, journal.stage ?? options.stage);
	const loaded = {config: resolved.config, path: configFile};
	const runStage = resolved.stage;
	// The config may have changed since the run: a resume or undo goes only to the server and checkout the run worked on.
	const now = serversOf(loaded.config).map(server => server.id);
	const where = `${configFile}${runStage ? ` (stage ${runStage})` : ''}`;
	if (journal.servers && journal.servers.join('\n') !== now.join('\n')) {
		throw new UserError(
			`Run ${shown(journal.runId)} worked on ${journal.servers.map(shown).join(', ')}; ${where} now names ${now.join(', ')}. ` +
				`${article} ${kind} goes to the server its run changed: restore that server in the config, or run a new rollback.`,
		);
	}
	if (journal.facts.appDir !== undefined && journal.facts.appDir !== loaded.config.app.dir) {
		throw new UserError(
			`Run ${shown(journal.runId)} worked in ${shown(journal.facts.appDir)}; ${where} now names ${loaded.config.app.dir}. ` +
				`${article} ${kind} goes to the checkout its run changed: restore app.dir in the config, or run a new rollback.`,
		);
	}
	const identity = runStage ? {identity: {stage: runStage}} : {};
	const {fromHead, fromBranch, target, impact, backup, backupOverride, dirty, atRisk, fingerprintBefore, statusDigestBefore, rollbackStartedAt} = journal.facts;
	if (kind === 'resume') {
		const initialFacts = {
			fromHead,
			fromBranch,
			target,
			impact,
			backup,
			backupOverride,
			dirty,
			atRisk,
			fingerprintBefore,
			statusDigestBefore,
			rollbackStartedAt,
			// Assets the interrupted run swapped in with its reset: the resumed build step does not rebuild them in place.
			...(journal.facts.prebuilt?.swap?.ok ? {prebuilt: journal.facts.prebuilt} : {}),
		};
		return {
			config: loaded.config,
			configPath: loaded.path,
			kind,
			flags: {...options.flags, resumeOf: journal.runId},
			initialFacts: JSON.parse(JSON.stringify(initialFacts)) as typeof initialFacts,
			...identity,
		};
	}
	return {
		config: loaded.config,
		configPath: loaded.path,
		kind,
		flags: {...options.flags, target: fromHead!},
		initialFacts: {undoOf: undoOfFacts(journal.runId, journal.facts)},
		...identity,
	};
}

/**
 * Runs a rollback, resume or undo. Without a terminal the SSH connection is started first: the
 * engine, its steps and the renderer load while the server starts its login shell, and the
 * engine's connect step adopts the connection. With a terminal the first frame comes first.
 */
async function runRequest(request: RunRequest, options: CliOptions): Promise<number> {
	const mode = outputMode(options);
	let early: EarlyConnection | undefined;
	if (mode !== 'tui') {
		// What refuses a run before it connects is checked before the connection starts.
		checkSecrets(request.config, process.env);
		early = startEarlyConnection(sshConnector(request.config.ssh));
	}
	try {
		if (early) await early.serverBusy;
		const {runSession} = await import('./session.js');
		return await runSession(early ? {...request, connect: early.connect} : request, mode, {...options, lineByLine: asksLineByLine(options)});
	} finally {
		await early?.abandon();
	}
}

/**
 * At a terminal, a config with several stages and no --stage: the first screen asks which (and the
 * run follows on it). Elsewhere loading the config refuses with exit 2, naming the stages.
 */
function stageToChoose(options: CliOptions): Promise<number> | undefined {
	if (options.stage !== undefined || outputMode(options) !== 'tui') return undefined;
	const file = findConfigFile(options.config, process.cwd());
	const stages = stagesOfFile(file);
	if (stages.length < 2) return undefined;
	return (async () => {
		const {loadInkChunk, prepareTerminalUi} = await import('./terminal.js');
		prepareTerminalUi(options);
		const {renderStagePick} = await loadInkChunk(() => import('./ui/stage-pick.js'));
		return renderStagePick({
			file,
			stages,
			prepare: stage => {
				const {config} = loadConfigFile(file, stage);
				return {config, configPath: file, kind: 'rollback', flags: options.flags, identity: {stage}};
			},
		});
	})();
}

export async function runCommand(options: CliOptions): Promise<number> {
	switch (options.command) {
		case 'drills': {
			const {listDrillsText} = await import('./rehearsal/drills.js');
			process.stdout.write(listDrillsText(options.drillsDir));
			return EXIT.ok;
		}
		case 'rehearse': {
			const {rehearse} = await import('./rehearsal/rehearse.js');
			return rehearse(options);
		}
		case 'scores': {
			const {scores} = await import('./rehearsal/scores.js');
			return scores(options);
		}
		case 'init': {
			const {init} = await import('./init/init.js');
			return init(options);
		}
		case 'check': {
			const {check} = await import('./check/check.js');
			return check(options);
		}
		case 'resume':
		case 'undo': {
			checkUnattended(options, undefined, options.command);
			const request = requestFromJournal(options, options.command);
			checkUnattended(options, request.config, options.command);
			return runRequest(request, options);
		}
		case 'plan': {
			const {config, path: file, stage, layers} = loadConfig(options);
			const [{printLayeredSettings, printPlan, printPlanSummary}, {createFlagEngine}] = await Promise.all([import('./ui/plan.js'), import('./session.js')]);
			const print = options.verbose ? printPlan : printPlanSummary;
			print(createFlagEngine({config, configPath: file, kind: 'rollback', flags: options.flags, runsDir: null}), stage ? `${file} (stage ${stage})` : file);
			printLayeredSettings(settingsFromLayers(layers, config));
			return EXIT.ok;
		}
		case 'rollback': {
			const choosing = stageToChoose(options);
			if (choosing) return choosing;
			const {config, path: file, stage} = loadConfig(options);
			checkUnattended(options, config, 'rollback');
			return runRequest({config, configPath: file, kind: 'rollback', flags: options.flags, ...(stage ? {identity: {stage}} : {})}, options);
		}
	}
}
