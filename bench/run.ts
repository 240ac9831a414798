/**
 * rewind's benchmark: startup, round trips, backup throughput and memory, whole run against a bare
 * script, and render rate — side by side in one run, against a private OpenSSH sshd and MariaDB on
 * loopback. Medians over several runs; a table at the end.
 *
 *   npm run bench              the full run (sizes 10 MB, 100 MB, 1 GB), writes bench/RESULTS.md
 *   npm run bench -- --quick   under a minute: 10 MB only, fewer repetitions, prints the table
 *   npm run bench -- --only=backup,render   just those sections
 */
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {render} from 'ink';
import {createElement} from 'react';
import {stringify} from 'yaml';
import {readJournal} from '../source/core/journal.js';
import {quoteWord as shq} from '../source/core/command.js';
import type {RunEvent} from '../source/core/events.js';
import {buildSite} from '../source/rehearsal/app-repo.js';
import {startMariaDb, type MariaDb} from '../source/rehearsal/mariadb.js';
import {buildSandbox, TOKEN_ENV} from '../source/rehearsal/sandbox.js';
import {sessionFor} from '../source/session.js';
import {App} from '../source/ui/app.js';
import {LifecycleRoot} from '../source/ui/lifecycle-root.js';
import {startProduction, writeConfigFile, type Production} from '../test/helpers/production.js';
import {startSshd, type Sshd} from '../test/helpers/sshd.js';
import type {Config} from '../source/core/config/schema.js';
import {assetsWindow} from './lib/assets-window.js';
import {canMakeUsers, makeSlowShellUser} from './lib/slow-shell-user.js';
import {FakeStdin, FakeStdout} from './lib/fake-terminal.js';
import {formatMiB, formatMs, median, timeCommand} from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
/** `--only backup,render`: just those sections (names: startup, round-trips, backup, whole-run, render, assets-window). */
const ONLY = (process.argv.find(arg => arg.startsWith('--only='))?.slice('--only='.length) ?? '').split(',').filter(Boolean);
const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const BIN = path.join(ROOT, 'bin', 'rewind.js');
const REPEAT = QUICK ? 3 : 5;
/** `--sizes=10,100`: the backup sizes in MB (default 10 with --quick, else 10, 100 and 1024). */
const SIZES_MB = (
	process.argv
		.find(arg => arg.startsWith('--sizes='))
		?.slice('--sizes='.length)
		.split(',')
		.map(Number) ?? (QUICK ? [10] : [10, 100, 1024])
).filter(size => size > 0);
const PASSWORD = 'bench-Pa55';
const PASSWORD_ENV = 'REWIND_BENCH_DB_PASSWORD';

type Row = {section: string; what: string; value: string; target: string; ok: boolean | null};
const rows: Row[] = [];
const row = (section: string, what: string, value: string, target = '', ok: boolean | null = null) => {
	rows.push({section, what, value, target, ok});
	process.stdout.write(`  ${ok === null ? ' ' : ok ? '✓' : '✗'} ${section}: ${what} = ${value}${target ? ` (target ${target})` : ''}\n`);
};
const log = (text: string) => process.stdout.write(`bench: ${text}\n`);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'rewind-bench-'));
let sshd: Sshd | undefined;
let database: MariaDb | undefined;

/** The App under its lifecycle root, as the CLI renders it. */
function appElement(session: ReturnType<typeof sessionFor>) {
	return createElement(LifecycleRoot, {control: {stop: null, unattended: false}, onExit: () => {}, children: createElement(App, {session})});
}

function resetProduction(production: Production): void {
	// The checkout may belong to the benchmark's server user: root's git must be told it is safe.
	execFileSync('git', ['-c', 'safe.directory=*', 'reset', '-q', '--hard', production.app.bad], {cwd: production.app.dir});
	buildSite(production.app.dir);
	execFileSync('touch', [production.wsgiPath]);
}

// ---------------------------------------------------------------------------------------------
// 1. Startup

async function startup(): Promise<void> {
	log('startup');
	const help = [];
	for (let index = 0; index < REPEAT * 2; index++) help.push((await timeCommand(process.execPath, [BIN, '--help'])).ms);
	const bare = [];
	for (let index = 0; index < REPEAT * 2; index++) bare.push((await timeCommand(process.execPath, ['-e', '0'])).ms);
	row('startup', 'bare `node -e 0` (for scale)', formatMs(median(bare)));
	row('startup', '`rewind --help`, whole process', formatMs(median(help)), '≤ 150 ms', median(help) <= 150);

	const production = await startProduction(sshd!);
	try {
		const file = path.join(production.root, 'rewind.config.yaml');
		writeConfigFile(file, production.config(), {passwordEnv: PASSWORD_ENV});
		const inPty = (command: string) => ['-qfec', `stty cols 110 rows 32; ${command}`, '/dev/null'];
		const env = {TERM: 'xterm-256color'};
		const bareFrame = [];
		const tuiFrame = [];
		const rehearsalFrame = [];
		for (let index = 0; index < REPEAT; index++) {
			bareFrame.push((await timeCommand('script', inPty(`${process.execPath} -e "process.stdout.write('ready')"`), {marker: 'ready', env})).ms);
			tuiFrame.push((await timeCommand('script', inPty(`${process.execPath} ${BIN} --config ${file}`), {marker: 'Preflight', env})).ms);
			rehearsalFrame.push((await timeCommand('script', inPty(`${process.execPath} ${BIN} rehearse`), {marker: 'practise a rollback', env})).ms);
			execFileSync('rm', ['-rf', path.join(production.app.dir, '.git', 'rewind.lock')]);
		}
		row('startup', 'bare node printing in a pty (for scale)', formatMs(median(bareFrame)));
		row('startup', 'first TUI frame of a rollback, in a pty', formatMs(median(tuiFrame)), '≤ 200 ms', median(tuiFrame) <= 200);
		row('startup', 'first frame of `rewind rehearse` (drill picker)', formatMs(median(rehearsalFrame)), '≤ 250 ms', median(rehearsalFrame) <= 250);
	} finally {
		await production.stop();
	}
}

// ---------------------------------------------------------------------------------------------
// 2. Round trips

type PickerOpen = {connectedToList: number; questionToList: number; roundTrips: number; shellStarts: number};

/**
 * Renders the real App with a real engine; resolves with the times from "connected" (and from the
 * question) to the first commit page on screen, and the round trips and shell start-ups the
 * server saw by then (counted by the transport).
 */
async function pickerOpen(config: Config): Promise<PickerOpen> {
	const stdout = new FakeStdout();
	const stdin = new FakeStdin();
	const flags = {yes: false, acceptNewHostKey: false, takeOverStaleLock: false};
	const session = sessionFor({config, configPath: null, kind: 'rollback', flags, runsDir: null});
	const {engine} = session;
	let connectedAt = 0;
	let askedAt = 0;
	engine.subscribe(event => {
		if (event.type === 'step-succeeded' && event.stepId === 'connect') connectedAt = performance.now();
		if (event.type === 'step-waiting' && event.question === 'pick-target') askedAt = performance.now();
	});
	const instance = render(appElement(session), {stdout: stdout as never, stdin: stdin as never, exitOnCtrlC: false, patchConsole: false});
	try {
		const listShown = /· [1-9]\d*\+? loaded/;
		for (let attempt = 0; attempt < 2000 && stdout.firstWriteWith(listShown, 0) === undefined; attempt++) await new Promise(resolve => setTimeout(resolve, 2));
		const shownAt = stdout.firstWriteWith(listShown, 0) ?? Number.NaN;
		const {roundTrips, shellStarts} = engine.traffic;
		return {connectedToList: shownAt - connectedAt, questionToList: shownAt - askedAt, roundTrips, shellStarts};
	} finally {
		engine.requestStop();
		for (let attempt = 0; attempt < 500 && stdout.firstWriteWith('Stopped safely', 0) === undefined; attempt++)
			await new Promise(resolve => setTimeout(resolve, 5));
		instance.unmount();
	}
}

async function roundTrips(): Promise<void> {
	log('round trips');
	const production = await startProduction(sshd!);
	try {
		const file = path.join(production.root, 'rewind.config.yaml');
		writeConfigFile(file, production.config(), {passwordEnv: PASSWORD_ENV});
		const before = sshd!.acceptedConnections();
		const run = await timeCommand(process.execPath, [BIN, '--config', file, '--target', production.app.good, '--yes']);
		const connections = sshd!.acceptedConnections() - before;
		row('round trips', 'SSH connections opened by a full run', String(connections), '1', connections === 1 && run.code === 0);
		const small = [];
		for (let index = 0; index < REPEAT; index++) small.push(await pickerOpen(production.config()));
		const trips = Math.max(...small.map(item => item.roundTrips));
		row('round trips', 'connected → commit list on screen (50 commits): round trips for commands', String(trips), '1 round trip', trips === 1);
		row('round trips', 'connected → commit list on screen (50 commits)', formatMs(median(small.map(item => item.connectedToList))));
		row('round trips', 'picker open: asked → first page on screen (50 commits)', formatMs(median(small.map(item => item.questionToList))));
		await production.stop();
		const large = await startProduction(sshd!, {extraHistory: 100_000});
		try {
			const times = [];
			for (let index = 0; index < REPEAT; index++) times.push(await pickerOpen(large.config()));
			const open50 = median(small.map(item => item.questionToList));
			const open100k = median(times.map(item => item.questionToList));
			row('round trips', 'connected → commit list on screen (100 004 commits)', formatMs(median(times.map(item => item.connectedToList))));
			row('round trips', 'picker open (100 004 commits)', formatMs(open100k), 'equal to 50 within noise (±25 ms)', Math.abs(open100k - open50) <= 25);
		} finally {
			await large.stop();
		}
	} finally {
		await production.stop().catch(() => {});
	}
}

// ---------------------------------------------------------------------------------------------
// 3. Backup throughput and memory

/** A database with about `megabytes` of table data that compresses like real text (hex digests, ~2:1). */
function seedSized(name: string, user: string, megabytes: number): number {
	database!.sql(
		`CREATE DATABASE \`${name}\`; CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}'; CREATE USER '${user}'@'localhost' IDENTIFIED BY '${PASSWORD}'; GRANT ALL ON \`${name}\`.* TO '${user}'@'%'; GRANT ALL ON \`${name}\`.* TO '${user}'@'localhost';`,
	);
	database!.sql('CREATE TABLE entries (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(1024) NOT NULL) ENGINE=InnoDB;', name);
	const digest = (seed: string) => `SHA2(CONCAT(${seed}, RAND()), 512)`;
	database!.sql(
		`INSERT INTO entries (payload) SELECT CONCAT(${[1, 2, 3, 4, 5, 6, 7].map(index => digest(`seq.seq * ${index}`)).join(', ')}) FROM seq_1_to_1000 seq;`,
		name,
	);
	const target = megabytes * 1024 * 1024;
	const size = () =>
		Number(database!.sql(`SELECT DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${name}' AND TABLE_NAME = 'entries';`).trim());
	for (let round = 0; round < 20; round++) {
		database!.sql('ANALYZE TABLE entries;', name);
		const rowsNow = Number(database!.sql('SELECT COUNT(*) FROM entries;', name).trim());
		const current = size();
		if (current >= target) break;
		const needed = Math.min(rowsNow, Math.ceil(((target - current) / Math.max(1, current)) * rowsNow) + 100);
		database!.sql(
			`INSERT INTO entries (payload) SELECT CONCAT(${[1, 2, 3, 4, 5, 6, 7].map(index => digest(`id * ${index}`)).join(', ')}) FROM entries LIMIT ${needed};`,
			name,
		);
	}
	database!.sql('ANALYZE TABLE entries;', name);
	return size();
}

async function backup(): Promise<void> {
	log('backup throughput and memory');
	const production = await startProduction(sshd!);
	const control = path.join(scratch, 'ctl');
	const sshArgs = [
		'-o',
		'BatchMode=yes',
		'-o',
		`UserKnownHostsFile=${sshd!.knownHostsFile}`,
		'-i',
		sshd!.identityFile,
		'-p',
		String(sshd!.port),
		'-o',
		`ControlPath=${control}`,
	];
	const master = spawn('ssh', ['-M', '-N', ...sshArgs, `${sshd!.user}@127.0.0.1`], {stdio: 'ignore'});
	await new Promise(resolve => setTimeout(resolve, 800));
	const optionFile = path.join(scratch, 'raw.cnf');
	writeFileSync(optionFile, `[client]\npassword="${PASSWORD}"\n`, {mode: 0o600});
	try {
		for (const megabytes of SIZES_MB) {
			const user = `bench${megabytes}`;
			const name = `${user}$db`;
			log(`seeding ${megabytes} MB`);
			const bytes = seedSized(name, user, megabytes);
			const label = megabytes >= 1024 ? `${megabytes / 1024} GB` : `${megabytes} MB`;
			const dumpFlags = `--defaults-extra-file=${optionFile} -h 127.0.0.1 -P ${database!.port} -u ${user} --no-tablespaces --single-transaction --routines --triggers ${shq(name)}`;
			const raw = (command: string, output?: string) =>
				timeCommand('sh', ['-c', `ssh ${sshArgs.map(arg => shq(arg)).join(' ')} ${sshd!.user}@127.0.0.1 ${shq(command)}${output ? ` > ${shq(output)}` : ''}`]);
			for (const download of [false, true]) {
				const config = production.config({
					database: {
						host: '127.0.0.1',
						port: database!.port,
						user,
						name,
						passwordEnv: PASSWORD_ENV,
						backupDir: production.backupDir,
						fingerprint: false,
						download,
						downloadDir: path.join(scratch, 'downloads'),
					},
				});
				const file = path.join(production.root, 'rewind.config.yaml');
				writeConfigFile(file, config, {passwordEnv: PASSWORD_ENV, runsDir: path.join(scratch, 'runs')});
				const rewindTimes: number[] = [];
				const rawTimes: number[] = [];
				const rawVerifiedTimes: number[] = [];
				const peaks: number[] = [];
				const repeat = megabytes >= 1024 ? Math.min(REPEAT, 3) : REPEAT;
				for (let index = 0; index < repeat; index++) {
					resetProduction(production);
					rmSync(production.backupDir, {recursive: true, force: true});
					rmSync(path.join(scratch, 'downloads'), {recursive: true, force: true});
					const run = await timeCommand(process.execPath, [BIN, '--config', file, '--target', production.app.good, '--yes'], {env: {[PASSWORD_ENV]: PASSWORD}});
					if (run.code !== 0) throw new Error(`rewind failed during the backup benchmark:\n${run.stdout.slice(-2000)}`);
					const journal = readJournal(/Journal: (\S+)/.exec(run.stdout)![1]!);
					const step = journal.events.find(event => event.type === 'step-succeeded' && event.stepId === 'backup') as Extract<
						RunEvent,
						{type: 'step-succeeded'}
					>;
					rewindTimes.push(step.durationMs);
					peaks.push(run.peakRss);
					const rawRun = download
						? await raw(`mysqldump ${dumpFlags} | gzip`, path.join(scratch, 'raw.sql.gz'))
						: await raw(`mysqldump ${dumpFlags} | gzip > ${shq(path.join(scratch, 'raw-server.sql.gz'))}`);
					if (rawRun.code !== 0) throw new Error('the raw pipeline failed');
					rawTimes.push(rawRun.ms);
					if (!download) {
						// The same pipeline followed by the checks rewind makes (gzip -t, sha256), done the usual way.
						const out = shq(path.join(scratch, 'raw-server.sql.gz'));
						const verified = await raw(`mysqldump ${dumpFlags} | gzip > ${out} && gzip -t ${out} && sha256sum ${out}`);
						if (verified.code !== 0) throw new Error('the raw pipeline with checks failed');
						rawVerifiedTimes.push(verified.ms);
					}
				}
				const ratio = median(rawTimes) / median(rewindTimes);
				const what = download ? `backup + download to this machine, ${label}` : `backup on the server, ${label}`;
				const mbps = bytes / 1024 / 1024 / (median(rewindTimes) / 1000);
				row(
					'backup',
					`${what}: rewind step / raw pipeline`,
					`${formatMs(median(rewindTimes))} / ${formatMs(median(rawTimes))} = ${ratio.toFixed(2)}× (${mbps.toFixed(0)} MB/s of table data)`,
					'≥ 0.95× of raw',
					ratio >= 0.95,
				);
				if (!download) {
					const verifiedRatio = median(rawVerifiedTimes) / median(rewindTimes);
					row(
						'backup',
						`${what}: rewind step / raw pipeline then gzip -t and sha256sum`,
						`${formatMs(median(rewindTimes))} / ${formatMs(median(rawVerifiedTimes))} = ${verifiedRatio.toFixed(2)}×`,
					);
				}
				row('backup', `${what}: peak RSS of the rewind process`, formatMiB(median(peaks)), '≤ 120 MiB, flat', median(peaks) <= 120 * 1024 * 1024);
			}
			database!.sql(`DROP DATABASE \`${name}\`;`);
		}
	} finally {
		master.kill();
		await production.stop();
	}
}

// ---------------------------------------------------------------------------------------------
// 4a. Whole run over OpenSSH, as a user whose login shell is slow to start

/**
 * The checklist by hand: one `ssh … bash -s` session doing what a rollback does (the log, the
 * status, `mysqldump | gzip`, `gzip -t`, the trailer, sha256, `git reset --hard`, the build, the
 * reload, the page until it is right), as a careful operator's script would.
 */
function bareChecklist(config: Config, good: string, wsgiPath: string): string {
	const db = config.database!;
	const dump = `mysqldump --no-tablespaces --single-transaction --routines --triggers -h ${db.host} -P ${db.port} -u ${shq(db.user)} ${shq(db.name)}`;
	const page = `curl -fsS ${shq(config.site.url)}`;
	return [
		'set -e',
		`cd ${shq(config.app.dir)}`,
		"git log --format='%H %s' -n 51 >/dev/null",
		'git status --porcelain=v1 -z --untracked-files=all >/dev/null',
		`mkdir -p ${shq(db.backupDir)}`,
		`f=${shq(db.backupDir)}/bare-$(date +%s%N).sql.gz`,
		`${dump} | gzip > "$f"`,
		'gzip -t "$f"',
		`gzip -dc "$f" | tail -n 1 | grep -q 'Dump completed'`,
		'sha256sum "$f" >/dev/null',
		`git reset -q --hard ${good}`,
		...config.build.commands.map(command => `${command} >/dev/null`),
		`touch ${shq(wsgiPath)}`,
		`for i in $(seq 50); do p=$(${page} || true); if echo "$p" | grep -qF ${shq(config.site.mustContain[0] ?? '')} && ! echo "$p" | grep -qF ${shq(config.site.mustNotContain[0] ?? '')}; then exit 0; fi; sleep 0.1; done; exit 1`,
		'',
	].join('\n');
}

async function wholeRunOpenSsh(): Promise<void> {
	log('whole run over OpenSSH, as a user whose ~/.bashrc takes ~100 ms');
	if (!canMakeUsers()) {
		row('whole run', 'OpenSSH, slow ~/.bashrc', 'not measured: making the dedicated server user needs root');
		return;
	}
	const dbUser = 'wholerun';
	const dbName = 'wholerun$bankroll';
	seedSized(dbName, dbUser, 1);
	const user = makeSlowShellUser(`[client]\npassword="${PASSWORD}"\n`);
	const userSshd = await startSshd({user: user.name});
	const production = await startProduction(userSshd);
	try {
		const config = production.config({
			database: {host: '127.0.0.1', port: database!.port, user: dbUser, name: dbName, backupDir: production.backupDir, fingerprint: true},
		});
		const file = path.join(scratch, 'wholerun.yaml');
		writeConfigFile(file, config, {runsDir: path.join(scratch, 'runs')});
		const script = path.join(scratch, 'checklist.sh');
		writeFileSync(script, bareChecklist(config, production.app.good, production.wsgiPath));
		const ssh = `ssh -o BatchMode=yes -o UserKnownHostsFile=${userSshd.knownHostsFile} -i ${userSshd.identityFile} -p ${userSshd.port} ${user.name}@127.0.0.1 bash -s < ${shq(script)}`;
		const reset = () => {
			resetProduction(production);
			rmSync(production.backupDir, {recursive: true, force: true});
			user.own(production.root);
		};
		const scriptRuns: Array<{ms: number; starts: number}> = [];
		const rewindRuns: Array<{ms: number; starts: number}> = [];
		const counted = async (work: () => Promise<number>) => {
			const before = user.shellStarts();
			const ms = await work();
			return {ms, starts: user.shellStarts() - before};
		};
		for (let index = 0; index < REPEAT; index++) {
			reset();
			scriptRuns.push(
				await counted(async () => {
					const run = await timeCommand('sh', ['-c', ssh]);
					if (run.code !== 0) throw new Error(`the bare checklist failed (exit ${run.code}):\n${run.stdout.slice(-1500)}`);
					return run.ms;
				}),
			);
			reset();
			rewindRuns.push(
				await counted(async () => {
					const spawnedAt = Date.now();
					const run = await timeCommand(process.execPath, [BIN, '--config', file, '--target', production.app.good, '--yes']);
					if (run.code !== 0) throw new Error(`rewind failed in the OpenSSH whole run:\n${run.stdout.slice(-1500)}`);
					if (process.env['BENCH_PROFILE']) process.stdout.write(timeline(/Journal: (\S+)/.exec(run.stdout)![1]!, run.ms, spawnedAt));
					return run.ms;
				}),
			);
		}
		const ratio = median(rewindRuns.map(run => run.ms)) / median(scriptRuns.map(run => run.ms));
		const starts = Math.max(...rewindRuns.map(run => run.starts));
		row(
			'whole run',
			'OpenSSH, slow ~/.bashrc: `rewind --yes --target` / the checklist over one `ssh … bash -s`',
			`${formatMs(median(rewindRuns.map(run => run.ms)))} / ${formatMs(median(scriptRuns.map(run => run.ms)))} = ${ratio.toFixed(2)}×`,
			'≤ 1.3× of the script',
			ratio <= 1.3,
		);
		row(
			'whole run',
			'OpenSSH, slow ~/.bashrc: shell start-ups on the server per run (counted by ~/.bashrc), rewind / script',
			`${starts} / ${Math.max(...scriptRuns.map(run => run.starts))}`,
			'≤ 2',
			starts <= 2,
		);
		reset();
		const opens: PickerOpen[] = [];
		for (let index = 0; index < REPEAT; index++) opens.push(await pickerOpen(config));
		const trips = Math.max(...opens.map(item => item.roundTrips));
		row(
			'whole run',
			'OpenSSH, slow ~/.bashrc: connected → commit list on screen',
			`${formatMs(median(opens.map(item => item.connectedToList)))}, ${trips} round trip${trips === 1 ? '' : 's'} for commands`,
			'1 round trip',
			trips === 1,
		);
	} finally {
		await production.stop();
		await userSshd.stop();
		user.remove();
		database!.sql(`DROP DATABASE \`${dbName}\`; DROP USER '${dbUser}'@'%'; DROP USER '${dbUser}'@'localhost';`);
	}
}

// ---------------------------------------------------------------------------------------------
// 4b. Whole run on the embedded rehearsal server, against a replay of its commands

async function wholeRun(): Promise<void> {
	log('whole run on the rehearsal sandbox');
	const sandbox = await buildSandbox({});
	const token = process.env[TOKEN_ENV]!;
	try {
		const file = path.join(scratch, 'sandbox.yaml');
		const config = sandbox.config;
		writeFileSync(
			file,
			stringify({
				preset: 'pythonanywhere',
				pythonanywhere: config.pythonanywhere,
				app: config.app,
				ssh: {
					host: config.ssh.host,
					port: config.ssh.port,
					user: config.ssh.user,
					identityFile: config.ssh.identityFile,
					knownHostsFile: config.ssh.knownHostsFile,
					configFile: config.ssh.configFile,
					useAgent: false,
				},
				site: {url: config.site.url, mustContain: config.site.mustContain, mustNotContain: config.site.mustNotContain, timeoutSeconds: 8, intervalSeconds: 0.2},
				reload: config.reload,
				build: {commands: config.build.commands},
				database: {host: config.database!.host, port: config.database!.port, backupDir: config.database!.backupDir},
				// The sandbox app's own Flask-Migrate migrations: the run migrates down two of them.
				migrations: config.migrations,
				runsDir: path.join(scratch, 'runs'),
			}),
		);
		const db = config.database!;
		const app = config.app.dir;
		const reload = config.reload.method === 'pythonanywhere-api' ? config.reload.url : '';
		const restore = async () => {
			execFileSync('git', ['reset', '-q', '--hard', sandbox.app.bad], {cwd: app});
			// Back to the bad deploy's schema too (a run migrates it down).
			if (config.migrations.kind === 'flask-migrate' && config.migrations.command)
				execFileSync('sh', ['-c', `${config.migrations.command} upgrade heads`], {
					cwd: app,
					stdio: 'ignore',
					env: {
						...process.env,
						...config.migrations.env,
						HOME: sandbox.home,
						BANKROLL_DB: `${sandbox.database!.host}:${sandbox.database!.port}/trainee$bankroll`,
					},
				});
			buildSite(app);
			await fetch(reload, {method: 'POST', headers: {Authorization: `Token ${token}`}});
		};
		const runRewind = async () => {
			const run = await timeCommand(process.execPath, [BIN, '--config', file, '--target', sandbox.app.good, '--yes'], {env: {[TOKEN_ENV]: token}});
			if (run.code !== 0) throw new Error(`rewind failed in the whole-run benchmark:\n${run.stdout.slice(-1500)}`);
			const journal = /Journal: (\S+)/.exec(run.stdout)![1]!;
			if (process.env['BENCH_PROFILE']) process.stdout.write(timeline(journal, run.ms));
			return {ms: run.ms, journal};
		};
		// A first run (not timed) gives the commands the bare script replays.
		await restore();
		const script = path.join(scratch, 'rollback.sh');
		writeFileSync(
			script,
			replayScript((await runRewind()).journal, {
				ssh: `ssh -o BatchMode=yes -o UserKnownHostsFile=${config.ssh.knownHostsFile} -i ${config.ssh.identityFile} -p ${config.ssh.port} -o ControlPath=${scratch}/script-ctl ${config.ssh.user}@127.0.0.1`,
				reloadCurl: `curl -fsS -X POST -H "Authorization: Token ${token}" ${reload}`,
				pageCheck: `page=$(curl -fsS ${config.site.url}) && echo "$page" | grep -q ${shq(config.site.mustContain[0] ?? '')} && ! echo "$page" | grep -q ${shq(config.site.mustNotContain[0] ?? '')}`,
				mysql: `mysql --defaults-extra-file=${path.join(sandbox.home, '.my.cnf')} -h ${db.host} -P ${db.port} -N ${shq(db.name)}`,
			}),
		);
		const scriptTimes: number[] = [];
		const rewindTimes: number[] = [];
		for (let index = 0; index < REPEAT; index++) {
			await restore();
			const manual = await timeCommand('sh', ['-c', `sh ${shq(script)} 2>&1`]);
			if (manual.code !== 0) throw new Error(`the bare script failed:\n${manual.stdout.slice(-1500)}`);
			scriptTimes.push(manual.ms);
			await restore();
			rewindTimes.push((await runRewind()).ms);
		}
		const ratio = median(rewindTimes) / median(scriptTimes);
		row(
			'whole run',
			'embedded rehearsal server (no login shell): `rewind --yes --target` / a replay of its commands',
			`${formatMs(median(rewindTimes))} / ${formatMs(median(scriptTimes))} = ${ratio.toFixed(2)}×`,
			'≤ 1.15× of the script',
			ratio <= 1.15,
		);
	} finally {
		await sandbox.teardown();
	}
}

/**
 * The bare script: every command a rewind run journaled, in the same order, with nothing around
 * them: server commands over one multiplexed OpenSSH connection, curl for the reload API and the
 * page, the mysql client (direct, no tunnel) for the fingerprints.
 */
function replayScript(journalPath: string, tools: {ssh: string; reloadCurl: string; pageCheck: string; mysql: string}): string {
	const lines = ['#!/bin/sh', 'set -e', `${tools.ssh.replace('ssh ', 'ssh -M -N -f ')}`];
	for (const event of readJournal(journalPath).events) {
		if (event.type !== 'command-started') continue;
		const id = event.commandId.replace(/#\d+$/, '');
		if (event.where === 'server') {
			if (event.display.includes('***')) throw new Error(`a journaled command has a redacted secret; the script cannot replay it: ${event.display}`);
			// The backup's work dir is made afresh by each run (mktemp): the replay uses its own.
			const recordedWork = /[^\s'"]*\.rewind-backup\.[A-Za-z0-9]+/.exec(event.display)?.[0];
			if (id === 'backup') lines.push(`w=$(${tools.ssh} ${shq(event.display)} 2>&1 >/dev/null | sed -n 's/^rewind: work=//p')`);
			else if (recordedWork)
				lines.push(`${tools.ssh} "$(printf '%s' ${shq(event.display.replaceAll(recordedWork, '@WORK@'))} | sed "s|@WORK@|$w|g")" >/dev/null`);
			else lines.push(`${tools.ssh} ${shq(event.display)} >/dev/null`);
		} else if (id === 'api') lines.push(`${tools.reloadCurl} >/dev/null`);
		// The site check, and the samples that make it proof (at preflight, before the reload).
		else if (id === 'http' || id === 'site-at-start' || id === 'sample') lines.push(tools.pageCheck);
		else if (id === 'estimate' || id === 'read-database')
			lines.push(
				`${tools.mysql} -e "SELECT COALESCE(SUM(DATA_LENGTH), 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE(); SELECT version_num FROM alembic_version" >/dev/null`,
			);
		else if (id === 'revision') lines.push(`${tools.mysql} -e "SELECT version_num FROM alembic_version" >/dev/null`);
		else if (id === 'fingerprint') {
			// As rewind's fingerprint: tables, columns with types, indexes, the revision, then per table its rows and checksum.
			const list = "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'";
			const schema =
				'SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE(); ' +
				'SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE; ' +
				'SELECT version_num FROM alembic_version';
			lines.push(
				`${tools.mysql} -e ${shq(schema)} >/dev/null; for t in $(${tools.mysql} -e ${shq(list)}); do ${tools.mysql} -e "SELECT COUNT(*) FROM \\\`$t\\\`; CHECKSUM TABLE \\\`$t\\\`"; done >/dev/null`,
			);
		} else if (id !== 'ssh') throw new Error(`the replay does not know the ${event.where} command ${id}`);
	}
	lines.push(`${tools.ssh} -O exit 2>/dev/null; true`, '');
	return lines.join('\n');
}

/** Where a run's time went, from its journal (BENCH_PROFILE=1): process start to first event, each command, the gaps. */
function timeline(journalPath: string, totalMs: number, spawnedAt?: number): string {
	const events = readJournal(journalPath).events;
	const first = Date.parse(events[0]!.at);
	const last = Date.parse(events.at(-1)!.at);
	const ends =
		spawnedAt === undefined ? '' : `; process start → first event ${formatMs(first - spawnedAt)}, last event → exit ${formatMs(spawnedAt + totalMs - last)}`;
	const lines = [`  run: ${formatMs(totalMs)} wall; first event → last event ${formatMs(last - first)}${ends}`];
	for (const event of events) {
		if (event.type === 'command-finished')
			lines.push(
				`    +${String(Date.parse(event.startedAt) - first).padStart(5)} ms  ${formatMs(event.durationMs).padStart(7)}  ${event.stepId}/${event.commandId}`,
			);
		if (event.type === 'step-succeeded' || event.type === 'step-skipped')
			lines.push(`    +${String(Date.parse(event.at) - first).padStart(5)} ms  ${event.type} ${event.stepId}`);
	}
	return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// 5. Render rate and key latency while output streams

async function renderRate(): Promise<void> {
	log('render rate and key latency');
	const production = await startProduction(sshd!);
	const lines = QUICK ? 300_000 : 1_000_000;
	try {
		const flood = `node -e "for (let i = 0; i < ${lines}; i++) console.log('vite: transforming module ' + i + ' of ${lines}')" && node build.mjs`;
		const config = production.config({build: {commands: [flood]}});
		const stdout = new FakeStdout();
		const stdin = new FakeStdin();
		const flags = {yes: true, acceptNewHostKey: false, takeOverStaleLock: false, target: production.app.good};
		const session = sessionFor({config, configPath: null, kind: 'rollback', flags, runsDir: null});
		const {engine} = session;
		let buildStart = 0;
		let buildEnd = 0;
		let runFinished = false;
		let interrupted = false;
		engine.subscribe(event => {
			if (event.type === 'stop-requested') interrupted = true;
			if (event.type === 'command-started' && event.stepId === 'build') buildStart = performance.now();
			if ((event.type === 'step-succeeded' || event.type === 'step-failed') && event.stepId === 'build') buildEnd = performance.now();
			if (event.type === 'run-finished') runFinished = true;
		});
		const instance = render(appElement(session), {stdout: stdout as never, stdin: stdin as never, exitOnCtrlC: false, patchConsole: false, maxFps: 30});
		const latencies: number[] = [];
		try {
			for (let attempt = 0; attempt < 5000 && buildStart === 0; attempt++) await new Promise(resolve => setTimeout(resolve, 2));
			// While the output floods in, press Ctrl+C and time the answer on screen, then decline.
			// (A pause before each answer, as a person's would be: keys typed within a render of the prompt are not timed.)
			for (let press = 0; press < 20 && buildEnd === 0 && !runFinished; press++) {
				const pressed = performance.now();
				stdin.press('\u0003');
				for (let attempt = 0; attempt < 500 && stdout.firstWriteWith('Stop now?', pressed) === undefined; attempt++)
					await new Promise(resolve => setTimeout(resolve, 1));
				const shown = stdout.firstWriteWith('Stop now?', pressed);
				if (shown !== undefined && buildEnd === 0) latencies.push(shown - pressed);
				await new Promise(resolve => setTimeout(resolve, 80));
				stdin.press('n');
				await new Promise(resolve => setTimeout(resolve, 150));
			}
			for (let attempt = 0; attempt < 10_000 && buildEnd === 0 && !runFinished; attempt++) await new Promise(resolve => setTimeout(resolve, 5));
			if (interrupted) throw new Error('the run stopped during the render benchmark: a declined Ctrl+C was taken as a stop');
		} finally {
			const framesDuringBuild = stdout.writes.filter(write => write.at >= buildStart && write.at <= buildEnd && write.text.trim() !== '').length;
			const fps = framesDuringBuild / ((buildEnd - buildStart) / 1000);
			row(
				'render',
				`frames per second while ${lines.toLocaleString('en')} lines stream in (${formatMs(buildEnd - buildStart)})`,
				fps.toFixed(1),
				'≤ 30',
				fps <= 30,
			);
			row(
				'render',
				'key press → answer on screen during the stream (median / max)',
				`${formatMs(median(latencies))} / ${formatMs(Math.max(...latencies))} (${latencies.length} presses)`,
				'≤ 50 ms',
				median(latencies) <= 50,
			);
			engine.requestStop();
			for (let attempt = 0; attempt < 2000 && stdout.firstWriteWith(/Stopped safely|Rolled back/, buildEnd || 0) === undefined; attempt++)
				await new Promise(resolve => setTimeout(resolve, 5));
			instance.unmount();
		}
	} finally {
		await production.stop();
	}
}

// ---------------------------------------------------------------------------------------------

function machine(): string {
	const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
	// sshd -V prints its version on stderr.
	const version = (command: string, args: string[]) => {
		const result = spawnSync(command, args, {encoding: 'utf8'});
		return `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n')[0]!.trim() || 'unknown';
	};
	return [
		`${os.cpus().length} × ${cpu}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}`,
		`Node ${process.version}; ${version('/usr/sbin/sshd', ['-V'])}; ${version('/usr/sbin/mariadbd', ['--version'])}`,
	].join('\n');
}

function table(): string {
	const header = '| | Section | Measurement | Result | Target |\n|---|---|---|---|---|';
	return [
		header,
		...rows.map(item => `| ${item.ok === null ? '' : item.ok ? '✓' : '✗'} | ${item.section} | ${item.what} | ${item.value} | ${item.target} |`),
	].join('\n');
}

async function main(): Promise<void> {
	const started = Date.now();
	process.env[PASSWORD_ENV] = PASSWORD;
	log(`${QUICK ? 'quick' : 'full'} run; building dist/`);
	execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js')], {stdio: 'inherit'});
	sshd = await startSshd();
	database = await startMariaDb({parentDir: scratch});
	try {
		const sections = {
			startup,
			'round-trips': roundTrips,
			backup,
			'whole-run': async () => {
				await wholeRunOpenSsh();
				await wholeRun();
			},
			render: renderRate,
			'assets-window': async () => assetsWindow(sshd!, row, log, {quick: QUICK, repeat: REPEAT}),
		};
		for (const [name, section] of Object.entries(sections)) if (ONLY.length === 0 || ONLY.includes(name)) await section();
	} finally {
		await database.stop();
		await sshd.stop();
		rmSync(scratch, {recursive: true, force: true});
	}
	const summary = `${table()}\n\nMachine: ${machine().replace('\n', '  \n')}  \nTotal bench time: ${formatMs(Date.now() - started)}, medians of ${REPEAT} runs (1 GB: 3).`;
	process.stdout.write(`\n${summary}\n`);
	if (!QUICK && ONLY.length === 0) {
		const results = path.join(ROOT, 'bench', 'RESULTS.md');
		const previous = readFileSync(results, 'utf8');
		const marker = '<!-- results -->';
		const head = previous.includes(marker) ? previous.slice(0, previous.indexOf(marker) + marker.length) : `${previous.trimEnd()}\n\n${marker}`;
		writeFileSync(results, `${head}\n\nRun on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench\`.\n\n${summary}\n`);
		log(`wrote ${results}`);
	}
}

main().catch(error => {
	process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
	process.exitCode = 1;
});
