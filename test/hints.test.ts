import {describe, expect, it} from 'vitest';
import {configSchema} from '../source/core/config/schema.js';
import {GENERAL_HINTS, matchHints, type HintRule} from '../source/core/hints.js';
import {ROLLBACK_STEPS} from '../source/core/runbook.js';

const config = configSchema.parse({app: {dir: '/srv/app'}, ssh: {host: 'h'}, site: {url: 'http://x/'}, reload: {method: 'none'}, build: {commands: []}});
const context = {managedDb: {host: 'alice.mysql.pythonanywhere-services.com', port: 3306}, wsgiPath: '/var/www/x_wsgi.py'};

/** A real message for every rule: adding a rule without a sample fails this suite. */
const SAMPLES: Record<string, string> = {
	'database-unreachable': 'The database cannot be reached: connect ECONNREFUSED 127.0.0.1:3306. The backup and the data check need it.',
	'mysql-socket': `mysqldump: Got error: 2002: "Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)" when trying to connect`,
	'mysql-process-privilege':
		"mysqldump: Error: 'Access denied; you need (at least one of) the PROCESS privilege(s) for this operation' when trying to dump tablespaces",
	'mysql-access-denied': `mysqldump: Got error: 1045: "Access denied for user 'trainee'@'localhost' (using password: YES)" when trying to connect`,
	'mysql-database-access': `mysqldump: Got error: 1044: "Access denied for user 'u1'@'localhost' to database 'u1$bankroll_missing'" when selecting the database`,
	'mysql-unknown-host': 'mysqldump: Got error: 2005: "Unknown server host \'alice.mysql.pythonanywhere-services.com\' (-2)" when trying to connect',
	'mysql-unknown-database': `mysqldump: Got error: 1049: "Unknown database 'bankroll'" when selecting the database`,
	'mysqldump-missing': 'sh: 1: mysqldump: not found',
	'backup-truncated': 'the backup failed verification: gzip -t failed: unexpected end of file or crc error',
	'disk-full': 'gzip: stdout: No space left on device',
	'npm-corrupted-install': 'npm ERR! code ENOTEMPTY\nnpm ERR! syscall rename',
	'node-modules-broken': "Error: Cannot find module '/app/node_modules/vite/bin/vite.js'",
	'build-tool-missing': 'sh: 1: vite: not found',
	'reload-unauthorized': 'the reload API answered 401 Unauthorized: {"detail":"Invalid token."}',
	'reload-cname-warning': '{"status":"ERROR","error":"cname_error"}',
	'site-still-shows-marker': 'verification failed: forbidden text "ROLLBACK TEST" still present on the page',
	'site-redirect-loop': 'redirected to itself (the app is reloading)',
	'site-old-code-answering': 'the same answer as before the reload, 0.1 s after it: the old code may still be serving',
	'site-server-error': 'verification failed: the site answered 500',
	'git-dubious-ownership': "fatal: detected dubious ownership in repository at '/home/app'",
	'git-index-lock': "fatal: Unable to create '/home/app/.git/index.lock': File exists.",
	'ssh-auth-failed': 'SSH authentication failed for a@b:22: All configured authentication methods failed.',
	'connection-lost': 'the SSH connection was lost (read ECONNRESET)',
	'command-died': 'dump the database: the command is no longer running on the server (killed on the server (KILL))',
	'schema-ahead':
		'verification failed: the site answered 500; the schema was not migrated: the rollback crossed 2 migration files (migrations/versions/3b9d_rename.py)',
	'migration-irreversible': "4c0e6f3b8d24 (create sessions): its downgrade() raises (NotImplementedError('the play log cannot be put back'))",
	'migration-no-plan': 'no plan could be made (the database is at revision zz, which no version file at HEAD or at the target declares)',
};

const rulesOf = (stepId: string): readonly HintRule[] => [...(ROLLBACK_STEPS.find(step => step.id === stepId)?.hints ?? []), ...GENERAL_HINTS];
const allRules = [...ROLLBACK_STEPS.flatMap(step => step.hints ?? []), ...GENERAL_HINTS];

describe('known-error hints', () => {
	it('has a sample for every rule, and every rule has a distinct id', () => {
		expect(Object.keys(SAMPLES).sort()).toEqual(allRules.map(rule => rule.id).sort());
	});

	for (const rule of allRules) {
		it(`recognises ${rule.id}`, () => {
			expect(matchHints(SAMPLES[rule.id]!, [rule], config, context).hints.map(hint => hint.id)).toEqual([rule.id]);
		});
	}

	it('gives the PythonAnywhere host for the socket error and offers the fix, which changes this run’s config', () => {
		const {hints, fixes} = matchHints(SAMPLES['mysql-socket']!, rulesOf('backup'), {...config, database: {host: 'localhost'} as never}, context);
		expect(hints[0]?.advice).toContain('-h alice.mysql.pythonanywhere-services.com');
		expect(hints[0]?.fix?.id).toBe('use-managed-db-host');
		const fixed = fixes.get('use-managed-db-host')!.apply({...config, database: {host: 'localhost', port: 3306} as never});
		expect(fixed.database).toMatchObject({host: 'alice.mysql.pythonanywhere-services.com', port: 3306});
	});

	it('offers --no-tablespaces for the PROCESS privilege error', () => {
		const [hint] = matchHints(SAMPLES['mysql-process-privilege']!, rulesOf('backup'), config).hints;
		expect(hint?.advice).toContain('--no-tablespaces');
		expect(hint?.fix?.id).toBe('add-no-tablespaces');
	});

	it('treats cname_error as a warning only', () => {
		expect(matchHints('cname_error', rulesOf('reload'), config).hints[0]?.severity).toBe('warning');
	});

	it('keeps a step’s hints to that step', () => {
		expect(matchHints('npm ERR! code E404', rulesOf('backup'), config).hints).toEqual([]);
		expect(matchHints('npm ERR! code E404', rulesOf('build'), config).hints.map(hint => hint.id)).toEqual(['npm-corrupted-install']);
	});

	it('recognises nothing in ordinary output', () => {
		expect(matchHints('built dist/index.html (1.1.0)', rulesOf('build'), config).hints).toEqual([]);
	});
});
