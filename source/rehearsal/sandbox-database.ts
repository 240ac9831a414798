/**
 * The sandbox's database: trainee$bankroll and its user, the password in the server's ~/.my.cnf
 * (as on PythonAnywhere), and the schema — built by the app's own migrations when Python has
 * Flask (the good release's revision, its rows, then the bad deploy's migrations and rows), else
 * made directly for the static site.
 */
import {spawnSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {quoteWord} from '../core/command.js';
import {REVISIONS, seedAfterTheDeploySql, seedBeforeTheDeploySql} from './flask-app.js';
import type {MariaDb} from './mariadb.js';

export const TRAINEE = 'trainee';

export type DatabaseSetup = {
	readonly home: string;
	readonly appDir: string;
	readonly backupDir: string;
	/** The Python with Flask, or undefined (a static site). */
	readonly python: string | undefined;
	readonly goodCommit: string;
	readonly earlierBackup: boolean;
	readonly status: (text: string) => void;
	/** Where the server's ~/.my.cnf points the local socket: nowhere, as on PythonAnywhere. */
	readonly noSocket: string;
};

/** Sets the database up; returns the environment the app runs with (empty for a static site). */
export function setUpDatabase(database: MariaDb, setup: DatabaseSetup): NodeJS.ProcessEnv {
	const password = randomBytes(12).toString('base64url');
	database.sql(databaseSql(password));
	writeFileSync(path.join(setup.home, '.my.cnf'), `[client]\nuser=${TRAINEE}\npassword="${password}"\nsocket=${setup.noSocket}\n`, {mode: 0o600});
	if (!setup.python) {
		database.sql(staticTablesSql(), `${TRAINEE}$bankroll`);
		return {};
	}
	setup.status('Creating the schema with the app’s own migrations (flask db upgrade)…');
	const env = {...process.env, HOME: setup.home, BANKROLL_DB: `${database.host}:${database.port}/${TRAINEE}$bankroll`, FLASK_APP: 'app.py'};
	upgrade(setup.python, setup.appDir, env, REVISIONS.stakes);
	database.sql(seedBeforeTheDeploySql(), `${TRAINEE}$bankroll`);
	if (setup.earlierBackup) earlierBackup(database, setup.backupDir, setup.goodCommit, REVISIONS.stakes);
	upgrade(setup.python, setup.appDir, env, 'heads');
	database.sql(seedAfterTheDeploySql(), `${TRAINEE}$bankroll`);
	return env;
}

function upgrade(python: string, appDir: string, env: NodeJS.ProcessEnv, revision: string): void {
	const result = spawnSync(python, ['-m', 'flask', 'db', 'upgrade', revision], {cwd: appDir, env, encoding: 'utf8', timeout: 60_000});
	if (result.status !== 0) throw new Error(`flask db upgrade ${revision} failed in the sandbox: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

/** A backup taken the evening before the bad deploy, at the good release's revision, as rewind would have written it. */
function earlierBackup(database: MariaDb, backupDir: string, head: string, revision: string): void {
	mkdirSync(backupDir, {recursive: true, mode: 0o700});
	const takenAt = new Date(Date.now() - 18 * 3600 * 1000).toISOString();
	const file = path.join(backupDir, `${TRAINEE}_bankroll-${takenAt.replace(/[-:]/g, '').slice(0, 15)}Z-eve-pre-deploy.sql.gz`);
	const dump = spawnSync(
		'sh',
		[
			'-c',
			`mysqldump -S ${quoteWord(database.socket)} -u ${quoteWord(database.rootUser)} --single-transaction --no-tablespaces ${quoteWord(`${TRAINEE}$bankroll`)} | gzip -c > ${quoteWord(file)}`,
		],
		{encoding: 'utf8'},
	);
	if (dump.status !== 0) throw new Error(`could not take the sandbox's earlier backup: ${dump.stderr.trim()}`);
	const bytes = readFileSync(file);
	// Rows per table, as rewind records them with a backup (a restore's loss is previewed from them).
	const counts = database.sql(
		"SELECT 'players', COUNT(*) FROM players UNION ALL SELECT 'stakes', COUNT(*) FROM stakes UNION ALL SELECT 'alembic_version', COUNT(*) FROM alembic_version;",
		`${TRAINEE}$bankroll`,
	);
	const rows = Object.fromEntries(
		counts
			.trim()
			.split('\n')
			.map(line => line.split('\t'))
			.filter(([, count]) => count !== undefined && /^\d+$/.test(count))
			.map(([table, count]) => [table, Number(count)]),
	);
	const record = {
		sha256: createHash('sha256').update(bytes).digest('hex'),
		bytes: bytes.length,
		head,
		takenAt,
		runId: 'the evening before',
		revisions: [revision],
		rows,
	};
	writeFileSync(`${file}.json`, `${JSON.stringify(record)}\n`);
}

/** The database and its user, empty: the app's migrations (or staticTablesSql) make the tables. */
function databaseSql(password: string): string {
	return `
CREATE DATABASE \`${TRAINEE}$bankroll\` CHARACTER SET utf8mb4;
CREATE USER '${TRAINEE}'@'%' IDENTIFIED BY '${password}';
CREATE USER '${TRAINEE}'@'localhost' IDENTIFIED BY '${password}';
GRANT ALL ON \`${TRAINEE}$bankroll\`.* TO '${TRAINEE}'@'%';
GRANT ALL ON \`${TRAINEE}$bankroll\`.* TO '${TRAINEE}'@'localhost';
`;
}

/** Without Python and Flask: the same tables and rows, made directly (the site is then static). */
function staticTablesSql(): string {
	const players = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances']
		.map((name, index) => `(${index + 1}, '${name}', ${(1000 + index * 137.5).toFixed(2)})`)
		.join(', ');
	return `
CREATE TABLE players (id INT PRIMARY KEY, name VARCHAR(80) NOT NULL, balance DECIMAL(10,2) NOT NULL);
CREATE TABLE stakes (id INT AUTO_INCREMENT PRIMARY KEY, player_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, placed_at DATETIME NOT NULL);
CREATE TABLE sessions (id INT AUTO_INCREMENT PRIMARY KEY, player_id INT NOT NULL, hours DECIMAL(5,2), result DECIMAL(10,2));
INSERT INTO players VALUES ${players};
INSERT INTO stakes (player_id, amount, placed_at) SELECT id, balance / 10, '2025-11-06 17:21:00' FROM players;
INSERT INTO sessions (player_id, hours, result) SELECT id, 2.5, balance / 20 FROM players;
`;
}
