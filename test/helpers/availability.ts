/**
 * Suites that need a real sshd or MariaDB skip on a machine without them, loudly; in CI (CI=true)
 * a missing server is a failure, never a skip.
 */
import {spawnSync} from 'node:child_process';
import {findFlask} from '../../source/rehearsal/flask-worker.js';
import {findMariaDb} from '../../source/rehearsal/mariadb.js';
import {sshdPath} from './sshd.js';

export type Requirement = 'sshd' | 'mariadb' | 'flask' | 'ansible';

export function missing(requirements: readonly Requirement[]): string[] {
	const problems: string[] = [];
	if (requirements.includes('sshd') && !sshdPath()) problems.push('OpenSSH sshd (apt-get install openssh-server)');
	if (requirements.includes('mariadb')) {
		const found = findMariaDb();
		if ('missing' in found) problems.push(found.missing);
	}
	if (requirements.includes('flask')) {
		const found = findFlask();
		if ('missing' in found) problems.push(found.missing);
	}
	if (requirements.includes('ansible') && spawnSync('ansible-inventory', ['--version'], {stdio: 'ignore'}).status !== 0) {
		problems.push('Ansible (apt-get install ansible-core)');
	}
	return problems;
}

/** True when the suite can run; prints a loud banner (or throws in CI) when it cannot. */
export function canRun(suite: string, requirements: readonly Requirement[]): boolean {
	const problems = missing(requirements);
	if (problems.length === 0) return true;
	const message = `\n${'!'.repeat(78)}\n!! SKIPPING "${suite}": this machine lacks ${problems.join(' and ')}.\n!! These tests use real servers; install them to run the suite.\n${'!'.repeat(78)}\n`;
	if (process.env['CI']) throw new Error(`In CI every suite must run, but ${message}`);
	process.stderr.write(message);
	return false;
}
