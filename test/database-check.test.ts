/** The undo's comparison with where the rollback started, after the rollback restored an earlier backup. */
import {describe, expect, it} from 'vitest';
import {configSchema} from '../source/core/config/schema.js';
import {databaseCriteria} from '../source/core/database-check.js';
import type {DatabaseFingerprint, RunFacts} from '../source/core/types.js';

const config = configSchema.parse({
	app: {dir: '/srv/app'},
	ssh: {host: 'h'},
	site: {url: 'http://127.0.0.1:9/'},
	reload: {method: 'none'},
	database: {host: 'db', user: 'u', name: 'n'},
});
const fingerprint = (rows: Record<string, number>): DatabaseFingerprint =>
	({tables: Object.entries(rows).map(([name, count]) => ({name, rows: count, checksum: String(count)}))}) as unknown as DatabaseFingerprint;
const start = fingerprint({players: 8, sessions: 8, alembic_version: 1});
const afterRestore = {
	restored: '/b/eve.sql.gz',
	start,
	ownBackup: {path: '/b/own.sql.gz', restoreCommand: 'gunzip -c /b/own.sql.gz | mysql n', sha256: 'a'.repeat(64), takenAt: 'x'},
};
const view = (facts: RunFacts) => ({config, facts, kind: 'undo' as const, stateOf: () => ({state: 'succeeded' as const})});

describe('undo after a restore', () => {
	it('not back where the rollback started: ✗ naming the tables and counts, and the rollback’s own backup with its restore command', () => {
		const facts: RunFacts = {undoOf: {runId: 'r', afterRestore}, fingerprintAfter: fingerprint({players: 8, sessions: 0, alembic_version: 1})};
		const start = databaseCriteria(view(facts)).find(criterion => criterion.id === 'database-start');
		expect(start).toEqual({
			id: 'database-start',
			label: 'Database back where the rollback started',
			status: 'fail',
			detail:
				"not back: the rollback restored /b/eve.sql.gz, and since then sessions: rows 8 → 0; the rollback's own backup holds the start: /b/own.sql.gz — restore it (this replaces the database's contents) with: gunzip -c /b/own.sql.gz | mysql n",
		});
	});

	it('back where it started (every table as then): ✓', () => {
		const facts: RunFacts = {undoOf: {runId: 'r', afterRestore}, fingerprintAfter: start};
		expect(databaseCriteria(view(facts)).find(criterion => criterion.id === 'database-start')?.status).toBe('pass');
	});
});
