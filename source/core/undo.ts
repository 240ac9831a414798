/** What an undo carries from the rollback it returns from (its journal's facts, or a run just finished). */
import type {RunFacts} from './types.js';

/** What the rollback saved before its reset, the status it saw, and the schema revision to migrate back up to. */
export function undoOfFacts(runId: string, facts: RunFacts): NonNullable<RunFacts['undoOf']> {
	const kind = facts.impact?.migrations?.kind;
	const migrated = facts.migrated;
	return {
		runId,
		...(facts.dirty ? {dirty: facts.dirty} : {}),
		...(facts.atRisk?.archive ? {atRisk: facts.atRisk} : {}),
		...(facts.statusDigestBefore ? {statusDigestBefore: facts.statusDigestBefore} : {}),
		...(facts.siteAtStart ? {pageBefore: facts.siteAtStart.texts} : {}),
		...(facts.migrationRestore && facts.fingerprintBefore
			? {
					afterRestore: {
						restored: facts.migrationRestore.path,
						start: facts.fingerprintBefore,
						...(facts.backup?.verified
							? {
									ownBackup: {
										path: facts.backup.path,
										restoreCommand: facts.backup.restoreCommand,
										sha256: facts.backup.sha256,
										takenAt: facts.backup.takenAt ?? '',
									},
								}
							: {}),
					},
				}
			: {}),
		...(kind && migrated && migrated.how !== 'upgrade' ? {migrations: {kind, from: migrated.from}} : {}),
	};
}
