/**
 * Which facts belong to the run and which to one server. The run's facts hold once (the target,
 * the reason, the backup, the schema's migration); a server's facts hold for that server only (its
 * HEAD before, its saved changes, its lock, what its site answered). Every fact key is classified
 * here and the compiler refuses a new one that is not: a fact event carries `server` exactly when
 * its facts are a server's.
 */
import type {ServerId} from './servers.js';
import type {FactKey, RunFacts} from './types.js';

export const FACT_SCOPE = {
	// Reaching the server and what it had before the run.
	sshTarget: 'server',
	transport: 'server',
	appDir: 'server',
	fromHead: 'server',
	fromBranch: 'server',
	statusDigestBefore: 'server',
	dirty: 'server',
	atRisk: 'server',
	lock: 'server',
	history: 'server',
	siteAtStart: 'server',
	sshConnections: 'server',
	shellStarts: 'server',
	roundTrips: 'server',
	// What the run did to each server's code, assets and process.
	prebuilt: 'server',
	prebuildSkipped: 'server',
	assetsWindow: 'server',
	remoteHeadAfter: 'server',
	reloaded: 'server',
	reloadWarning: 'server',
	http: 'server',
	restored: 'server',
	// Once for the run: the decision, the database, the outcome.
	target: 'run',
	impact: 'run',
	reason: 'run',
	backup: 'run',
	backupOverride: 'run',
	backupSpace: 'run',
	fingerprintBefore: 'run',
	fingerprintAfter: 'run',
	migrationsFound: 'run',
	migrationPlan: 'run',
	migrated: 'run',
	migrationBlocked: 'run',
	migrationOverride: 'run',
	migrationRestore: 'run',
	ownBackupRestored: 'run',
	undoOf: 'run',
	runOutcome: 'run',
	rollbackStartedAt: 'run',
	rollbackFinishedAt: 'run',
} as const satisfies Record<FactKey, 'run' | 'server'>;

export type ServerFactKey = {[K in FactKey]: (typeof FACT_SCOPE)[K] extends 'server' ? K : never}[FactKey];
export type RunLevelFactKey = Exclude<FactKey, ServerFactKey>;
/** The facts of one server. */
export type ServerFacts = Pick<RunFacts, ServerFactKey>;
/** The facts that hold once for the whole run. */
export type RunLevelFacts = Pick<RunFacts, RunLevelFactKey>;

/** Facts recorded together, parted into the run's and the server's (either may be empty). */
export function splitFacts(facts: Partial<RunFacts>): {readonly run: Partial<RunLevelFacts>; readonly server: Partial<ServerFacts>} {
	const run: Record<string, unknown> = {};
	const server: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(facts)) (FACT_SCOPE[key as FactKey] === 'server' ? server : run)[key] = value;
	return {run, server};
}

/** The fact events one recording makes: the run's part, then the server's part with its server. */
export function factEvents(
	facts: Partial<RunFacts>,
	server: ServerId,
	at: string,
): Array<{type: 'fact'; at: string; facts: Partial<RunFacts>; server?: ServerId}> {
	const parts = splitFacts(facts);
	return [
		...(Object.keys(parts.run).length > 0 ? [{type: 'fact' as const, at, facts: parts.run}] : []),
		...(Object.keys(parts.server).length > 0 ? [{type: 'fact' as const, at, facts: parts.server, server}] : []),
	];
}
