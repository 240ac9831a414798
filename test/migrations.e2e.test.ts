/**
 * Schema migrations end to end: the real Flask app with Flask-Migrate on MariaDB, reached over a
 * private OpenSSH sshd. A rollback across two migrations ends at the target's revision with the
 * site answering 200 on the old code and a schema equal to an empty database upgraded to that
 * revision; an irreversible migration refuses before anything changes; an undo migrates back up.
 */
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {EXIT} from '../source/core/types.js';
import {MARKER} from '../source/rehearsal/app-repo.js';
import {REVISIONS, VERSION_FILES} from '../source/rehearsal/flask-app.js';
import {createFlagEngine, undoRequest, type RunRequest} from '../source/session.js';
import {canRun} from './helpers/availability.js';
import type {TestDatabase} from './helpers/database.js';
import {startFlaskProduction, useFlaskServers, type FlaskProduction} from './helpers/flask-production.js';
import {flagsFor} from './helpers/run.js';

/** Columns (with types, nullability, keys) and indexes of every table, as comparable text. */
function schemaOf(database: TestDatabase, name: string): string {
	const columns = database.sql(
		`SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${name}' ORDER BY TABLE_NAME, ORDINAL_POSITION;`,
	);
	const indexes = database.sql(
		`SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '${name}' GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE ORDER BY TABLE_NAME, INDEX_NAME;`,
	);
	return `${columns}\n${indexes}`;
}

const head = (production: FlaskProduction) => execFileSync('git', ['rev-parse', 'HEAD'], {cwd: production.app.dir, encoding: 'utf8'}).trim();
const revision = (database: TestDatabase, production: FlaskProduction) => database.sql('SELECT version_num FROM alembic_version;', production.name).trim();

describe.runIf(canRun('schema migrations end to end', ['sshd', 'mariadb', 'flask']))('schema migrations over a real sshd, MariaDB and Flask-Migrate', () => {
	const servers = useFlaskServers();

	const request = (production: FlaskProduction, extra: Partial<RunRequest> = {}): RunRequest => ({
		config: production.config(),
		configPath: null,
		kind: 'rollback',
		flags: flagsFor({target: production.app.good}),
		runsDir: production.runsDir,
		...extra,
	});

	it('rolls back across two migrations: revision at the target’s head, site 200 on the old code, schema as an empty servers.database upgraded to it; undo migrates back up', async () => {
		const production = await startFlaskProduction(servers.sshd, servers.database, servers.python);
		try {
			// Before: the bad deploy's schema; the old code would fail against it.
			expect(revision(servers.database, production)).toBe(REVISIONS.sessions);
			const rollback = request(production);
			const result = await createFlagEngine(rollback).run();
			expect(result.outcome, result.message).toBe('succeeded');
			expect(result.exitCode).toBe(EXIT.ok);
			expect(head(production)).toBe(production.app.good);
			expect(revision(servers.database, production)).toBe(REVISIONS.stakes);
			const page = await (await fetch(production.site.url)).text();
			expect(page).toContain('<li>Ada: 1000.00</li>');
			expect(page).not.toContain(MARKER);

			// The schema equals that of an empty servers.database upgraded to the target's revision by the same migrations.
			const fresh = `${production.name}_fresh`;
			const user = production.name.split('$')[0]!;
			servers.database.sql(`CREATE DATABASE \`${fresh}\`; GRANT ALL ON \`${fresh}\`.* TO '${user}'@'%';`);
			try {
				execFileSync(servers.python, ['-m', 'flask', 'db', 'upgrade', REVISIONS.stakes], {
					cwd: production.app.dir,
					env: {...production.env, BANKROLL_DB: `${servers.database.host}:${servers.database.port}/${fresh}`},
					stdio: 'ignore',
				});
				expect(schemaOf(servers.database, production.name).replaceAll(production.name, 'db')).toBe(schemaOf(servers.database, fresh).replaceAll(fresh, 'db'));
			} finally {
				servers.database.sql(`DROP DATABASE \`${fresh}\`;`);
			}

			// What rewind proved and reported: the plan, the revision, the schema difference.
			expect(result.facts.migrated).toMatchObject({from: [REVISIONS.sessions], to: [REVISIONS.stakes], how: 'downgrade'});
			expect(result.facts.fingerprintAfter?.revisions).toEqual([REVISIONS.stakes]);
			const report = readFileSync(result.reportPath!, 'utf8');
			expect(report).toContain('## Schema migrations');
			expect(report).toContain(`undone: \`${REVISIONS.sessions}\` create sessions`);
			expect(report).toContain(`undone: \`${REVISIONS.rename}\` rename players.name to display_name`);
			expect(report).toMatch(/players: schema changed \(− display_name varchar\(80\) not null, \+ name varchar\(80\) not null\)/);
			expect(report).toMatch(/\| Schema at the target’s revision \| ✓ \| 4c0e6f3b8d24 → 2a8e4c1f6d02 \|/);

			// Undo: the code comes back, and the schema is migrated back up to where the rollback started.
			const undo = undoRequest(rollback, result)!;
			expect(undo.initialFacts?.undoOf?.migrations).toEqual({kind: 'flask-migrate', from: [REVISIONS.sessions]});
			const undone = await createFlagEngine(undo).run();
			expect(undone.outcome, undone.message).toBe('succeeded');
			expect(head(production)).toBe(production.app.bad);
			expect(revision(servers.database, production)).toBe(REVISIONS.sessions);
			expect(await (await fetch(production.site.url)).text()).toContain(MARKER);
		} finally {
			await production.stop();
		}
	});

	it('an irreversible migration on the way down: refused with exit 3 before anything changes, the ways out named', async () => {
		const raising = VERSION_FILES.sessions.content.replace(
			"def downgrade():\n    op.drop_table('sessions')",
			"def downgrade():\n    raise NotImplementedError('the play log cannot be put back')",
		);
		const production = await startFlaskProduction(servers.sshd, servers.database, servers.python, {
			badDeployFiles: [{path: VERSION_FILES.sessions.path, content: raising}],
		});
		try {
			const schemaBefore = schemaOf(servers.database, production.name);
			const result = await createFlagEngine(request(production)).run();
			expect(result.exitCode).toBe(EXIT.refused);
			expect(result.outcome).toBe('refused');
			expect(result.message).toContain(
				`${REVISIONS.sessions} (create sessions): its downgrade() raises (NotImplementedError('the play log cannot be put back'))`,
			);
			expect(result.message).toMatch(/abort; reset the code only .*; or restore an earlier backup taken at the target’s revision \(none is on the server\)/);
			expect(head(production)).toBe(production.app.bad);
			expect(revision(servers.database, production)).toBe(REVISIONS.sessions);
			expect(schemaOf(servers.database, production.name)).toBe(schemaBefore);
		} finally {
			await production.stop();
		}
	});
});
