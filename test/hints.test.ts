import {describe, expect, it} from 'vitest';
import {HINT_RULES, matchHints} from '../source/core/hints.js';
import type {StepId} from '../source/core/types.js';

/** A real message for every rule: adding a rule without a sample fails this suite. */
const SAMPLES: Record<string, {step: StepId; text: string}> = {
	'mysql-socket': {step: 'backup', text: `mysqldump: Got error: 2002: "Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)" when trying to connect`},
	'mysql-process-privilege': {
		step: 'backup',
		text: "mysqldump: Error: 'Access denied; you need (at least one of) the PROCESS privilege(s) for this operation' when trying to dump tablespaces",
	},
	'mysql-access-denied': {step: 'backup', text: `mysqldump: Got error: 1045: "Access denied for user 'trainee'@'localhost' (using password: YES)" when trying to connect`},
	'mysql-database-access': {step: 'backup', text: `mysqldump: Got error: 1044: "Access denied for user 'u1'@'localhost' to database 'u1$bankroll_missing'" when selecting the database`},
	'mysql-unknown-host': {step: 'backup', text: "mysqldump: Got error: 2005: \"Unknown server host 'alice.mysql.pythonanywhere-services.com' (-2)\" when trying to connect"},
	'mysql-unknown-database': {step: 'backup', text: `mysqldump: Got error: 1049: "Unknown database 'bankroll'" when selecting the database`},
	'mysqldump-missing': {step: 'backup', text: 'sh: 1: mysqldump: not found'},
	'backup-truncated': {step: 'backup', text: 'the backup failed verification: gzip -t failed: unexpected end of file or crc error'},
	'disk-full': {step: 'backup', text: 'gzip: stdout: No space left on device'},
	'npm-corrupted-install': {step: 'build', text: 'npm ERR! code ENOTEMPTY\nnpm ERR! syscall rename'},
	'node-modules-broken': {step: 'build', text: "Error: Cannot find module '/app/node_modules/vite/bin/vite.js'"},
	'build-tool-missing': {step: 'build', text: 'sh: 1: vite: not found'},
	'reload-unauthorized': {step: 'reload', text: 'the reload API answered 401 Unauthorized: {"detail":"Invalid token."}'},
	'reload-cname-warning': {step: 'reload', text: '{"status":"ERROR","error":"cname_error"}'},
	'site-still-shows-marker': {step: 'verify', text: 'verification failed: forbidden text "ROLLBACK TEST" still present on the page'},
	'site-redirect-loop': {step: 'verify', text: 'redirected to itself (the app is reloading)'},
	'site-server-error': {step: 'verify', text: 'verification failed: the site answered 500'},
	'git-dubious-ownership': {step: 'preflight', text: "fatal: detected dubious ownership in repository at '/home/app'"},
	'git-index-lock': {step: 'reset', text: "fatal: Unable to create '/home/app/.git/index.lock': File exists."},
	'ssh-auth-failed': {step: 'connect', text: 'SSH authentication failed for a@b:22: All configured authentication methods failed.'},
	'connection-lost': {step: 'backup', text: 'the SSH connection was lost (read ECONNRESET)'},
};

describe('known-error hints', () => {
	it('has a sample for every rule', () => {
		expect(Object.keys(SAMPLES).sort()).toEqual(HINT_RULES.map(rule => rule.id).sort());
	});

	for (const rule of HINT_RULES) {
		it(`recognises ${rule.id}`, () => {
			const sample = SAMPLES[rule.id]!;
			const hints = matchHints(sample.text, sample.step, {managedDb: {host: 'alice.mysql.pythonanywhere-services.com', port: 3306}, wsgiPath: '/var/www/x_wsgi.py', buildConfigured: false});
			expect(hints.map(hint => hint.id)).toContain(rule.id);
		});
	}

	it('gives the PythonAnywhere host for the socket error and offers the fix', () => {
		const [hint] = matchHints(SAMPLES['mysql-socket']!.text, 'backup', {managedDb: {host: 'alice.mysql.pythonanywhere-services.com', port: 3306}});
		expect(hint?.advice).toContain('-h alice.mysql.pythonanywhere-services.com');
		expect(hint?.fix).toBe('use-managed-db-host');
	});

	it('offers --no-tablespaces for the PROCESS privilege error', () => {
		const [hint] = matchHints(SAMPLES['mysql-process-privilege']!.text, 'backup');
		expect(hint?.advice).toContain('--no-tablespaces');
		expect(hint?.fix).toBe('add-no-tablespaces');
	});

	it('treats cname_error as a warning only', () => {
		const [hint] = matchHints('cname_error', 'reload');
		expect(hint?.severity).toBe('warning');
	});

	it('keeps step-specific hints to their step', () => {
		expect(matchHints('npm ERR! code E404', 'backup')).toEqual([]);
		expect(matchHints('npm ERR! code E404', 'build').map(hint => hint.id)).toEqual(['npm-corrupted-install']);
	});

	it('recognises nothing in ordinary output', () => {
		expect(matchHints('built dist/index.html (1.1.0)', 'build')).toEqual([]);
	});
});
