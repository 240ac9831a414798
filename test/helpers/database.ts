/**
 * The private MariaDB the global setup started, for suites that need one: each test makes its own
 * database (with a PythonAnywhere-style `user$name`) and user.
 */
import {spawnSync} from 'node:child_process';
import {inject} from 'vitest';
import {findMariaDb} from '../../source/rehearsal/mariadb.js';

export type TestDatabase = {
	readonly host: string;
	readonly port: number;
	sql(statements: string, database?: string): string;
};

export function sharedDatabase(): TestDatabase | null {
	const server = inject('mariadb');
	if (!server) return null;
	const binaries = findMariaDb();
	if ('missing' in binaries) return null;
	return {
		host: '127.0.0.1',
		port: server.port,
		sql(statements, database) {
			const result = spawnSync(
				binaries.client,
				['--no-defaults', `--socket=${server.socket}`, '-u', server.rootUser, '--batch', '--skip-column-names', ...(database ? [database] : [])],
				{
					input: statements,
					encoding: 'utf8',
					maxBuffer: 256 * 1024 * 1024,
				},
			);
			if (result.status !== 0) throw new Error(`SQL failed: ${result.stderr.trim()}`);
			return result.stdout;
		},
	};
}

let counter = 0;

/** A fresh database `<user>$bankroll_<n>` with players and stakes, and a user that can dump it. */
export function seedBankroll(database: TestDatabase, password: string, rows = 20): {name: string; user: string} {
	counter++;
	const user = `u${process.pid % 10000}x${counter}`;
	const name = `${user}$bankroll`;
	const values = Array.from({length: rows}, (_, index) => `(${index + 1}, 'player ${index + 1}', ${(index * 13.37).toFixed(2)})`).join(',');
	database.sql(`
CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4;
CREATE USER '${user}'@'%' IDENTIFIED BY '${password.replaceAll("'", "''")}';
CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password.replaceAll("'", "''")}';
GRANT ALL ON \`${name}\`.* TO '${user}'@'%';
GRANT ALL ON \`${name}\`.* TO '${user}'@'localhost';
USE \`${name}\`;
CREATE TABLE players (id INT PRIMARY KEY, name VARCHAR(80) NOT NULL, balance DECIMAL(10,2) NOT NULL) ENGINE=InnoDB;
CREATE TABLE stakes (id INT AUTO_INCREMENT PRIMARY KEY, player_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, note VARCHAR(200)) ENGINE=InnoDB;
INSERT INTO players VALUES ${values};
INSERT INTO stakes (player_id, amount, note) SELECT id, balance / 2, CONCAT('stake for ', name, ' — ünïcødé') FROM players;
`);
	return {name, user};
}

/** `CHECKSUM TABLE` of every table, as "table checksum" lines. */
export function checksums(database: TestDatabase, name: string): string {
	const tables = database.sql(`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${name}' ORDER BY TABLE_NAME;`).trim().split('\n');
	return database.sql(`CHECKSUM TABLE ${tables.map(table => `\`${table}\``).join(', ')};`, name).replaceAll(`${name}.`, '');
}
