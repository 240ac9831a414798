import {describe, expect, it} from 'vitest';
import {configSchema} from '../source/core/config/schema.js';
import {firstMatchingLine, GENERAL_HINTS, matchHints, type HintRule} from '../source/core/hints.js';
import {ROLLBACK_STEPS} from '../source/core/runbook.js';
import {faultHints, loadDrills} from '../source/rehearsal/drills.js';

const config = configSchema.parse({app: {dir: '/srv/app'}, ssh: {host: 'h'}, site: {url: 'http://x/'}, reload: {method: 'none'}, build: {commands: []}});
const context = {managedDb: {host: 'alice.mysql.pythonanywhere-services.com', port: 3306}, wsgiPath: '/var/www/x_wsgi.py'};

/** A real message for every rule: adding a rule without a sample fails this suite. */
const SAMPLES: Record<string, string> = {
	'database-unreachable': 'The database cannot be reached: connect ECONNREFUSED 127.0.0.1:3306. The backup and the data check need it.',
	'mysql-socket': `mysqldump: Got error: 2002: "Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)" when trying to connect`,
	'mysql-server-unreachable': `mysqldump: Got error: 2002: "Can't connect to server on 'alice.mysql.pythonanywhere-services.com' (115)" when trying to connect`,
	'mysql-missing-privilege':
		"mysqldump: Couldn't execute 'FLUSH /*!40101 LOCAL */ TABLES': Access denied; you need (at least one of) the RELOAD privilege(s) for this operation (1227)",
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
	'npm-missing-script': 'npm error Missing script: "build"\nnpm error\nnpm error To see a list of scripts, run:\nnpm error   npm run',
	'npm-no-package-json': "npm error enoent Could not read package.json: Error: ENOENT: no such file or directory, open '/home/alice/bankroll/package.json'",
	'build-permission-denied': "npm error Error: EACCES: permission denied, mkdir '/home/alice/bankroll/node_modules/.vite'",
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
	'node-version-mismatch': "The target asks for Node 16 (.nvmrc); the build's shell has v20.20.2.",
	'node-modules-incomplete':
		'npm ls finds node_modules incomplete: missing: tiny@1.0.0, required by bankroll@1.0.0. build.commands install nothing, so the build would use it as it is.',
	'node-modules-interrupted-install':
		'node_modules holds what an interrupted npm install left (node_modules/.vite-Hk3sPq2): node_modules is probably corrupted. npm ci removes it before installing; if the build fails anyway, its clean reinstall is offered.',
	'node-login-shell-only':
		"The build's shell gets Node v20.20.2; a login shell gets v22.1.0 (nvm or a shell profile loads it for login shells only): the build uses v20.20.2.",
};

const rulesOf = (stepId: string): readonly HintRule[] => [...(ROLLBACK_STEPS.find(step => step.id === stepId)?.hints ?? []), ...GENERAL_HINTS];
/** The prebuild runs the build's commands beside the live site: it shares the build's rules (its fixes re-run the prebuild), not their ids. */
const allRules = [...ROLLBACK_STEPS.filter(step => step.id !== 'prebuild').flatMap(step => step.hints ?? []), ...GENERAL_HINTS];

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
		expect(matchHints('npm ERR! code ENOTEMPTY', rulesOf('build'), config).hints.map(hint => hint.id)).toEqual(['npm-corrupted-install']);
	});

	it('recognises nothing in ordinary output', () => {
		expect(matchHints('built dist/index.html (1.1.0)', rulesOf('build'), config).hints).toEqual([]);
	});
});

/** What npm 10 prints, whole, for a script package.json does not have. */
const MISSING_SCRIPT = [
	'npm error Missing script: "build"',
	'npm error',
	'npm error To see a list of scripts, run:',
	'npm error   npm run',
	'npm error A complete log of this run can be found in: /home/alice/.npm/_logs/2025-01-14T09_21_07_412Z-debug-0.log',
].join('\n');

/** How the engine matches a failed command: its message (the last 3 lines), then its output. */
const failure = (purpose: string, output: string) => `${purpose}: the command exited 1: ${output.split('\n').filter(Boolean).slice(-3).join(' | ')}\n${output}`;

describe('hints quote the line they matched', () => {
	const build = {...config, build: {...config.build, commands: ['npm ci', 'npm run build']}};

	it('tells a missing npm script from a corrupted install, quoting npm’s line, and offers no reinstall', () => {
		const {hints, fixes} = matchHints(failure('build: npm run build', MISSING_SCRIPT), rulesOf('build'), build, context);
		expect(hints.map(hint => hint.id)).toEqual(['npm-missing-script']);
		expect(hints[0]?.advice).toContain('Seen in the output: “npm error Missing script: "build"”');
		expect(hints[0]?.advice).toContain('"build" script');
		expect(hints[0]?.advice).toContain('git show <target>:package.json');
		expect(hints[0]?.fix).toBeUndefined();
		expect(fixes.has('clean-install')).toBe(false);
		// npm 9's prefix and pnpm's wording too.
		expect(matchHints('npm ERR! Missing script: "build:prod"', rulesOf('build'), build).hints.map(hint => hint.id)).toEqual(['npm-missing-script']);
		expect(matchHints(' ERR_PNPM_NO_SCRIPT  Missing script: build', rulesOf('build'), build).hints[0]?.advice).toContain('"build" script');
	});

	it('names the package.json that is missing, from npm’s line', () => {
		const output = [
			'npm error code ENOENT',
			'npm error syscall open',
			'npm error path /home/alice/bankroll/frontend/package.json',
			'npm error errno -2',
			"npm error enoent Could not read package.json: Error: ENOENT: no such file or directory, open '/home/alice/bankroll/frontend/package.json'",
			'npm error enoent This is related to npm not being able to find a file.',
		].join('\n');
		const {hints, fixes} = matchHints(output, rulesOf('build'), {...build, build: {...build.build, dir: 'frontend'}});
		expect(hints.map(hint => hint.id)).toEqual(['npm-no-package-json']);
		expect(hints[0]?.advice).toMatch(/^\/home\/alice\/bankroll\/frontend\/package\.json does not exist at this commit/);
		expect(hints[0]?.advice).toContain('(/srv/app/frontend)');
		expect(hints[0]?.advice).toContain('Seen in the output: “npm error enoent Could not read package.json: Error: ENOENT');
		expect(fixes.size).toBe(0);
		// A package.json missing inside node_modules is the broken install's.
		expect(
			matchHints("Error: ENOENT: no such file or directory, open '/srv/app/node_modules/vite/package.json'", rulesOf('build'), build).hints.map(
				hint => hint.id,
			),
		).toEqual(['node-modules-broken']);
	});

	it('quotes the path it may not write and advises its ownership', () => {
		const output = [
			'npm error code EACCES',
			'npm error syscall mkdir',
			'npm error path /home/alice/bankroll/node_modules/.vite',
			'npm error errno -13',
			"npm error Error: EACCES: permission denied, mkdir '/home/alice/bankroll/node_modules/.vite'",
			"npm error  [Error: EACCES: permission denied, mkdir '/home/alice/bankroll/node_modules/.vite'] {",
			'npm error The operation was rejected by your operating system.',
		].join('\n');
		const withUser = {...build, ssh: {...build.ssh, user: 'alice'}};
		const {hints} = matchHints(output, rulesOf('build'), withUser);
		expect(hints.map(hint => hint.id)).toEqual(['build-permission-denied']);
		expect(hints[0]?.advice).toContain("'/home/alice/bankroll/node_modules/.vite'");
		expect(hints[0]?.advice).toContain("sudo chown -R alice '/home/alice/bankroll/node_modules'");
		expect(hints[0]?.advice).toContain("Seen in the output: “npm error Error: EACCES: permission denied, mkdir '/home/alice/bankroll/node_modules/.vite'”");
		expect(matchHints("rm: cannot remove 'dist/assets/index-4f9a.js': Permission denied", rulesOf('build'), withUser).hints[0]?.advice).toContain(
			"sudo chown -R alice 'dist/assets'",
		);
	});

	it('still offers the clean reinstall for the corrupted-node_modules drill, and for the other corruption signatures', () => {
		const drill = loadDrills().find(candidate => candidate.id === 'corrupted-node-modules')!;
		const stderr = drill.server.shims[0]!.stderr.replaceAll('${app}', '/home/alice/bankroll');
		const {hints, fixes} = matchHints(failure('build: npm ci', stderr), rulesOf('build'), build, context);
		expect(hints[0]).toMatchObject({id: drill.expect.hint, fix: {id: 'clean-install'}});
		expect(hints[0]?.advice).toContain('Seen in the output: “npm ERR! code ENOTEMPTY”');
		expect(fixes.get('clean-install')?.apply(build).build.cleanInstall).toBe(true);
		for (const output of [
			'npm error code EINTEGRITY\nnpm error sha512-abc integrity checksum failed when using sha512: wanted sha512-abc but got sha512-def. (41021 bytes)',
			'Error [ERR_INVALID_PACKAGE_CONFIG]: Invalid package config /srv/app/node_modules/vite/package.json.',
			'sh: 1: /srv/app/node_modules/.bin/vite: not found',
			'sh: 1: vite: Permission denied',
		])
			expect(
				matchHints(output, rulesOf('build'), build).hints.map(hint => hint.id),
				output,
			).toEqual(['npm-corrupted-install']);
	});

	it('offers one reinstall when two rules see the same broken install', () => {
		const output = 'SyntaxError: Error parsing /srv/app/node_modules/vite/package.json: Unexpected end of JSON input';
		const {hints} = matchHints(output, rulesOf('build'), build);
		expect(hints.map(hint => hint.id)).toEqual(['npm-corrupted-install', 'node-modules-broken']);
		expect(hints.filter(hint => hint.fix?.id === 'clean-install')).toHaveLength(1);
	});

	it('offers the reinstall for a missing tool only when the dependencies were installed', () => {
		expect(matchHints('sh: 1: vite: not found', rulesOf('build'), build).hints[0]).toMatchObject({id: 'build-tool-missing', fix: {id: 'clean-install'}});
		expect(
			matchHints('sh: 1: vite: not found', rulesOf('build'), {...build, build: {...build.build, commands: ['npm run build']}}).hints[0]?.fix,
		).toBeUndefined();
		expect(matchHints('bash: line 1: npm: command not found', rulesOf('build'), build).hints[0]?.fix).toBeUndefined();
	});

	const MYSQL: Array<[code: string, id: string, line: string, advice: string]> = [
		[
			'2002 (socket)',
			'mysql-socket',
			`mysqldump: Got error: 2002: "Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)" when trying to connect`,
			'-h alice.mysql.pythonanywhere-services.com',
		],
		[
			'2002 (host)',
			'mysql-server-unreachable',
			`mysqldump: Got error: 2002: "Can't connect to server on '10.0.0.12' (115)" when trying to connect`,
			"Nothing answered at '10.0.0.12' (database.host 10.0.0.12, database.port 3306). The database host or port is wrong: on PythonAnywhere it is alice.mysql.pythonanywhere-services.com",
		],
		[
			'2003 (MySQL’s client)',
			'mysql-server-unreachable',
			"mysqldump: Got error: 2003: Can't connect to MySQL server on '10.0.0.12:3306' (111) when trying to connect",
			"Nothing answered at '10.0.0.12:3306'",
		],
		[
			'1045',
			'mysql-access-denied',
			`mysqldump: Got error: 1045: "Access denied for user 'alice'@'10.0.0.75' (using password: YES)" when trying to connect`,
			"The password of 'alice' was refused",
		],
		[
			'1045 (no password)',
			'mysql-access-denied',
			"mysqldump: Got error: 1045: Access denied for user 'alice'@'10.0.0.75' (using password: NO) when trying to connect",
			'No password was sent.',
		],
		[
			'1044',
			'mysql-database-access',
			`mysqldump: Got error: 1044: "Access denied for user 'alice'@'%' to database 'bankroll'" when selecting the database`,
			"e.g. 'alice$bankroll' rather than 'bankroll'",
		],
		[
			'1227 (PROCESS)',
			'mysql-process-privilege',
			"mysqldump: Couldn't execute 'SELECT LOGFILE_GROUP_NAME, FILE_NAME, TOTAL_EXTENTS, INITIAL_SIZE, ENGINE, EXTRA FROM INFORMATION_SCHEMA.FILES WHERE FILE_TYPE = 'UNDO LOG'': Access denied; you need (at least one of) the PROCESS privilege(s) for this operation (1227)",
			'--no-tablespaces',
		],
		[
			'1227 (RELOAD)',
			'mysql-missing-privilege',
			"mysqldump: Couldn't execute 'FLUSH /*!40101 LOCAL */ TABLES': Access denied; you need (at least one of) the RELOAD privilege(s) for this operation (1227)",
			'mysqldump asked for the RELOAD privilege',
		],
	];
	const database = {host: '10.0.0.12', port: 3306, user: 'alice', name: 'bankroll', extraDumpArgs: []} as never;
	for (const [code, id, line, advice] of MYSQL) {
		it(`recognises MySQL error ${code} as ${id}, quoting mysqldump’s line`, () => {
			const output = `mysqldump: [Warning] Using a password on the command line interface can be insecure.\n${line}`;
			const {hints} = matchHints(failure('dump the database', output), rulesOf('backup'), {...config, database}, context);
			expect(hints.map(hint => hint.id)).toEqual([id]);
			expect(hints[0]?.advice).toContain(advice);
			const quoted = /Seen in the output: “(.*)”$/.exec(hints[0]!.advice)?.[1];
			expect(quoted).toBeDefined();
			expect(line.includes(quoted!.replace(/^…|…$/g, ''))).toBe(true);
			expect(quoted!.length).toBeLessThanOrEqual(200);
		});
	}

	it('offers the managed host for an unreachable server unless database.host already is it', () => {
		const line = `mysqldump: Got error: 2002: "Can't connect to server on 'alice.mysql.pythonanywhere-services.com' (115)" when trying to connect`;
		expect(matchHints(line, rulesOf('backup'), {...config, database}, context).hints[0]?.fix?.id).toBe('use-managed-db-host');
		const managed = {host: 'alice.mysql.pythonanywhere-services.com', port: 3306} as never;
		expect(matchHints(line, rulesOf('backup'), {...config, database: managed}, context).hints[0]?.fix).toBeUndefined();
	});

	it('does not quote rewind’s own words back (the failure shows them already)', () => {
		const [hint] = matchHints(SAMPLES['database-unreachable']!, rulesOf('preflight'), config, context).hints;
		expect(hint?.id).toBe('database-unreachable');
		expect(hint?.advice).not.toContain('Seen in the output');
	});

	it('every drill’s injected output still gives one of the drill’s hints (its fault’s)', () => {
		for (const drill of loadDrills())
			for (const shim of drill.server.shims.filter(candidate => candidate.stderr !== '')) {
				const given = matchHints(shim.stderr.replaceAll('${app}', '/srv/app'), allRules, config, context).hints.map(hint => hint.id);
				expect(
					given.filter(id => faultHints(drill).includes(id)),
					`${drill.id}: ${shim.command}`,
				).not.toEqual([]);
			}
	});
});

describe('firstMatchingLine', () => {
	it('returns the first matching line, trimmed', () => {
		expect(firstMatchingLine('building\n  npm error Missing script: "build"  \nnpm error Missing script: "x"', /Missing script/)).toBe(
			'npm error Missing script: "build"',
		);
		expect(firstMatchingLine('all good', /Missing script/)).toBeUndefined();
		expect(firstMatchingLine('progress 10%\rnpm error code ENOTEMPTY\r\nnext', /ENOTEMPTY/g)).toBe('npm error code ENOTEMPTY');
	});

	it('caps a long line at 200 characters, keeping the match in view', () => {
		const head = firstMatchingLine(`ENOTEMPTY ${'x'.repeat(500)}`, /ENOTEMPTY/)!;
		expect(head).toHaveLength(200);
		expect(head.startsWith('ENOTEMPTY')).toBe(true);
		const middle = firstMatchingLine(`${'a'.repeat(300)} ENOTEMPTY ${'b'.repeat(300)}`, /ENOTEMPTY/)!;
		expect(middle).toHaveLength(200);
		expect(middle).toMatch(/^…a+ ENOTEMPTY b+…$/);
		const tail = firstMatchingLine(`${'a'.repeat(300)} ENOTEMPTY`, /ENOTEMPTY/)!;
		expect(tail).toHaveLength(200);
		expect(tail.endsWith(' ENOTEMPTY')).toBe(true);
	});

	it('quotes the line a multi-line match starts on', () => {
		expect(firstMatchingLine('one\nnpm error code EJSONPARSE\nnpm error path /x', /EJSONPARSE\nnpm error path/)).toBe('npm error code EJSONPARSE');
	});
});

describe('the prebuild’s hints', () => {
	const prebuild = ROLLBACK_STEPS.find(step => step.id === 'prebuild')!;
	const build = ROLLBACK_STEPS.find(step => step.id === 'build')!;
	it('are the build’s, their fixes re-running the prebuild; a clean reinstall only where the live node_modules was copied in', () => {
		expect(prebuild.hints?.map(rule => rule.id)).toEqual(build.hints?.map(rule => rule.id));
		const copying = {...config, build: {...config.build, commands: ['node build.mjs']}};
		const installing = {...config, build: {...config.build, commands: ['npm ci', 'npm run build']}};
		const fixOf = (used: typeof config) => matchHints('npm ERR! code ENOTEMPTY', prebuild.hints!, used, context).fixes.get('clean-install');
		expect(fixOf(copying)).toMatchObject({id: 'clean-install', rerunFrom: 'prebuild'});
		expect(fixOf(installing)).toBeUndefined();
	});
});
