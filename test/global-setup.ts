/**
 * Once per test run: build the CLI bundle (tests spawn bin/rewind.js like a user would) and start
 * one private MariaDB that every suite shares, each in databases of its own.
 */
import {execFileSync} from 'node:child_process';
import type {TestProject} from 'vitest/node';
import {findMariaDb, startMariaDb, type MariaDb} from '../source/rehearsal/mariadb.js';

declare module 'vitest' {
	export interface ProvidedContext {
		mariadb: {port: number; socket: string; rootUser: string} | null;
	}
}

export default async function setup(project: TestProject) {
	execFileSync(process.execPath, ['scripts/build.js'], {stdio: 'inherit'});
	let database: MariaDb | undefined;
	if ('missing' in findMariaDb()) {
		project.provide('mariadb', null);
	} else {
		database = await startMariaDb();
		project.provide('mariadb', {port: database.port, socket: database.socket, rootUser: database.rootUser});
	}
	return async () => {
		await database?.stop();
	};
}
