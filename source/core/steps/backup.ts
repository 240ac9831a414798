/**
 * The database backup, made and verified before anything is reset. mysqldump runs on the server
 * (with the flags managed hosts need), piped through gzip into a timestamped file; the password
 * reaches it through an option file written over stdin, never argv. The backup counts only when
 * mysqldump exited 0, printed no error, the gzip stream is whole, the dump trailer is present and
 * the file is not empty; until then it is a `.partial` file and never counted.
 */
import {createHash} from 'node:crypto';
import {createWriteStream, mkdirSync, renameSync} from 'node:fs';
import path from 'node:path';
import {Transform} from 'node:stream';
import {finished} from 'node:stream/promises';
import type {DatabaseConfig} from '../config/schema.js';
import {formatBytes} from '../criteria.js';
import {CommandFailedError} from '../errors.js';
import {configuredPassword, optionFileText, passwordFromMyCnf, takeFingerprint, type DatabaseCredentials} from '../remote/database.js';
import {expandTilde} from '../remote/ssh-config.js';
import {joinRemote, remotePath, shq} from '../shell.js';
import {known, type PlanView, type RunCommandOptions, type StepContext, type StepDefinition} from '../step.js';
import type {BackupRecord, PlannedCommand} from '../types.js';

/** mysqldump prints these on stderr and may still exit 0: any such line fails the backup. */
const STDERR_ERROR = /error|denied|can't|cannot|unknown|failed|fatal/i;

export function backupFileName(view: PlanView): string {
	const database = view.config.database!;
	const safeName = database.name.replace(/[^A-Za-z0-9._-]+/g, '_');
	return `${safeName}-${view.stamp}-pre-rollback-${known(view.facts.fromHead?.slice(0, 7), 'head')}.sql.gz`;
}

export function backupPath(view: PlanView): string {
	return joinRemote(view.config.database!.backupDir, backupFileName(view));
}

export function restoreCommand(database: DatabaseConfig, file: string): string {
	return `gunzip -c ${remotePath(file)} | mysql -h ${shq(database.host)} -P ${database.port} -u ${shq(database.user)} -p ${shq(database.name)}`;
}

function dumpFlags(database: DatabaseConfig): string[] {
	return [
		...(database.noTablespaces ? ['--no-tablespaces'] : []),
		...(database.singleTransaction ? ['--single-transaction'] : []),
		...(database.routinesAndTriggers ? ['--routines', '--triggers'] : []),
		...database.extraDumpArgs.map(arg => shq(arg)),
	];
}

/** `-h host` and, unless it is the default 3306, `-P port` (with localhost and no port the client uses the socket). */
function serverArgs(database: DatabaseConfig): string {
	return `-h ${shq(database.host)}${database.port === 3306 ? '' : ` -P ${database.port}`} -u ${shq(database.user)}`;
}

export type BackupRuntime = {optionFile?: string; partial?: string};

/** The commands of the backup step; the option file and partial file are known only while it runs. */
export function backupCommands(view: PlanView, runtime: BackupRuntime = {}): PlannedCommand[] {
	const database = view.config.database;
	if (!database) return [];
	const file = backupPath(view);
	const partial = runtime.partial ?? `${file}.partial.<pid>`;
	const usesOptionFile = configuredPassword(database) !== undefined;
	const optionFile = known(runtime.optionFile, 'option file');
	const defaults = usesOptionFile ? `--defaults-extra-file=${shq(optionFile)} ` : '';
	const dump = [
		`umask 077 && mkdir -p ${remotePath(database.backupDir)} && f=${remotePath(file)} && p="$f.partial.$$" && echo "partial=$p"`,
		'help=$(mysqldump --help 2>/dev/null); extra=""',
		'case "$help" in *--set-gtid-purged*) extra="$extra --set-gtid-purged=OFF";; esac',
		'case "$help" in *--column-statistics*) extra="$extra --column-statistics=0";; esac',
		// sleep must not hold the channel's stdout open, or the command ends up to a second late.
		'( while :; do printf \'bytes=%s\\n\' "$(stat -c %s "$p" 2>/dev/null || echo 0)"; sleep 1 >/dev/null 2>&1; done ) & progress=$!',
		`{ mysqldump ${defaults}${serverArgs(database)} ${dumpFlags(database).join(' ')} $extra ${shq(database.name)} 2>"$p.err"; echo $? > "$p.rc"; } | gzip -c > "$p"`,
		'kill $progress 2>/dev/null; wait $progress 2>/dev/null',
		'printf \'bytes=%s\\n\' "$(stat -c %s "$p" 2>/dev/null || echo 0)"; echo "dump_exit=$(cat "$p.rc")"',
	].join('\n');
	const p = shq(partial);
	const pid = partial.slice(partial.lastIndexOf('.') + 1);
	const commands: PlannedCommand[] = [];
	if (usesOptionFile) {
		commands.push({
			id: 'option-file',
			where: 'server',
			purpose: 'write the password into a 0600 option file (sent on stdin, never on a command line)',
			display: 'umask 077 && t=$(mktemp "${TMPDIR:-/tmp}/rewind-my.XXXXXX") && cat > "$t" && echo "$t"',
		});
	}
	commands.push(
		{id: 'dump', where: 'server', purpose: 'dump the database through gzip into the backup file', display: dump},
		{
			id: 'verify',
			where: 'server',
			purpose: 'verify the dump: exit code, stderr, gzip integrity, trailer, size, sha256',
			display: [
				`p=${p}; echo "dump_exit=$(cat "$p.rc" 2>/dev/null || echo missing)"; echo "size=$(stat -c %s "$p" 2>/dev/null || echo 0)"`,
				'( gzip -dc "$p" 2>/dev/null; echo $? > "$p.gz" ) | tail -c 512 > "$p.tail"; echo "gzip_exit=$(cat "$p.gz")"',
				'if grep -q -- "-- Dump completed" "$p.tail"; then echo trailer=yes; else echo trailer=no; fi',
				'echo "sha256=$(sha256sum "$p" | cut -c1-64)"; rm -f "$p.gz" "$p.tail"; echo "--stderr--"; cat "$p.err" 2>/dev/null; true',
			].join('\n'),
		},
		{
			id: 'keep',
			where: 'server',
			purpose: 'keep the verified dump under its final name',
			display: `mv ${p} ${remotePath(file)} && rm -f ${shq(`${partial}.rc`)} ${shq(`${partial}.err`)}`,
		},
		{
			id: 'stop-dump',
			where: 'server',
			purpose: 'stop a dump whose connection was lost',
			display: `kill -TERM -- -${pid} 2>/dev/null || kill -TERM ${pid} 2>/dev/null; true`,
		},
	);
	if (usesOptionFile) {
		commands.push({id: 'remove-option-file', where: 'server', purpose: 'remove the password option file', display: `rm -f ${shq(optionFile)}`});
	}
	if (database.download) {
		commands.push({id: 'download', where: 'server', purpose: 'stream a copy of the backup to this machine', display: `cat ${remotePath(file)}`});
	}
	if (database.fingerprint) {
		commands.push({
			id: 'fingerprint',
			where: 'database',
			purpose: 'fingerprint the database before the reset',
			display: `mysql ${database.user}@${database.host}:${database.port}/${database.name} through the SSH tunnel: row counts and CHECKSUM TABLE of every table`,
		});
	}
	return commands;
}

export function myCnfCommand(): PlannedCommand {
	return {id: 'read-my-cnf', where: 'server', purpose: 'read the database password from the server’s ~/.my.cnf', display: 'cat "$HOME/.my.cnf" 2>/dev/null; true'};
}

/** The database password: from the config's env var or file, else the server's ~/.my.cnf. */
export async function databaseCredentials(context: StepContext): Promise<DatabaseCredentials> {
	const database = context.config.database!;
	const configured = configuredPassword(database);
	if (configured) {
		context.redactor.add(configured.password);
		return configured;
	}
	const text = (await context.runPlanned(myCnfCommand(), {stream: false})).stdout;
	const password = passwordFromMyCnf(text);
	if (password !== undefined) {
		context.redactor.add(password);
		return {password, source: 'my.cnf'};
	}
	return {password: undefined, source: 'none'};
}

type Verification = {exit: string; size: number; gzipExit: string; trailer: boolean; sha256: string; stderr: string};

export function parseVerification(stdout: string): Verification {
	const [head = '', stderr = ''] = stdout.split('--stderr--\n');
	const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(head)?.[1]?.trim() ?? '';
	return {
		exit: value('dump_exit'),
		size: Number(value('size')) || 0,
		gzipExit: value('gzip_exit'),
		trailer: value('trailer') === 'yes',
		sha256: value('sha256'),
		stderr: stderr.trim(),
	};
}

/** Why a dump is not a backup; empty when it is one. Root causes first: a failed mysqldump explains the rest. */
export function verificationProblems(verification: Verification): string[] {
	const problems: string[] = [];
	const errorLines = verification.stderr.split('\n').filter(line => STDERR_ERROR.test(line));
	if (verification.exit !== '0') problems.push(`mysqldump exited ${verification.exit || 'without a status'}`);
	if (errorLines.length > 0) problems.push(`mysqldump printed errors: ${errorLines.slice(0, 3).join(' | ')}`);
	if (problems.length > 0) return problems;
	if (verification.gzipExit !== '0') problems.push('gzip -t failed: unexpected end of file or crc error');
	if (!verification.trailer) problems.push('the dump has no "-- Dump completed" trailer (cut short?)');
	if (verification.size <= 0) problems.push('the file is empty');
	if (!/^[0-9a-f]{64}$/.test(verification.sha256)) problems.push('no sha256');
	return problems;
}

async function download(context: StepContext, record: BackupRecord): Promise<BackupRecord> {
	const database = context.config.database!;
	const dir = path.resolve(expandTilde(database.downloadDir));
	mkdirSync(dir, {recursive: true, mode: 0o700});
	const target = path.join(dir, path.basename(record.path));
	const partial = `${target}.partial`;
	const hash = createHash('sha256');
	let bytes = 0;
	const started = Date.now();
	let lastProgress = 0;
	const counter = new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			hash.update(chunk);
			bytes += chunk.length;
			if (Date.now() - lastProgress > 500) {
				lastProgress = Date.now();
				context.progress('downloading the backup', {bytes, elapsedMs: Date.now() - started, fraction: bytes / record.bytes});
			}
			callback(null, chunk);
		},
	});
	const file = createWriteStream(partial, {mode: 0o600});
	counter.pipe(file);
	await context.run('download', {stream: false, stdoutTo: counter});
	counter.end();
	await finished(file);
	const sha256 = hash.digest('hex');
	if (sha256 !== record.sha256) throw new Error(`the downloaded copy's sha256 ${sha256.slice(0, 12)}… differs from the server's ${record.sha256.slice(0, 12)}…; kept as ${partial}`);
	renameSync(partial, target);
	return {...record, localCopy: {path: target, sha256}};
}

export const backupStep: StepDefinition = {
	id: 'backup',
	title: 'Back up database',
	interruptible: true,
	commands: view => backupCommands(view),
	async skip(context) {
		if (!context.config.database) return 'no database in the config';
		if (context.flags.skipBackupReason !== undefined) {
			const reason = context.flags.skipBackupReason.trim() || 'no reason given';
			context.setFacts({backupOverride: {reason, at: new Date().toISOString()}});
			context.note('warning', `Backup overridden with --skip-backup: "${reason}". The reset will run without a verified backup.`);
			return `overridden by the operator: ${reason}`;
		}
		const previous = context.facts.backup;
		if (context.kind === 'resume' && previous?.verified) {
			const recheck: PlannedCommand = {id: 'recheck', where: 'server', purpose: 'check the earlier backup is intact', display: `sha256sum ${remotePath(previous.path)} | cut -c1-64`};
			const result = await context.runPlanned(recheck, {stream: false, allowFailure: true});
			if (result.exitCode === 0 && result.stdout.trim() === previous.sha256) return `the backup of the interrupted run is intact (sha256 matches): ${previous.path}`;
			context.note('warning', `The backup of the interrupted run (${previous.path}) is missing or changed: making a new one.`);
			context.setFacts({backup: {...previous, verified: false}});
		}
		return undefined;
	},
	async run(context: StepContext) {
		const database = context.config.database!;
		// A dump orphaned by a lost connection, and its password file, go before a new attempt.
		await context.runCleanup('backup-dump');
		await context.runCleanup('backup-option-file');
		const credentials = await databaseCredentials(context);
		const runtime: BackupRuntime = {};
		const planned = (id: string) => {
			const command = backupCommands(context, runtime).find(candidate => candidate.id === id);
			if (!command) throw new Error(`backup has no command ${id}`);
			return command;
		};
		const run = (id: string, options: RunCommandOptions = {}) => context.runPlanned(planned(id), {stream: false, ...options});
		try {
			if (credentials.source === 'env' || credentials.source === 'file') {
				runtime.optionFile = (await run('option-file', {stdin: optionFileText(credentials.password ?? '')})).stdout.trim();
				context.deferCleanup('backup-option-file', planned('remove-option-file'));
			}
			const started = Date.now();
			await run('dump', {
				onStdoutLine: line => {
					const partial = /^partial=(.*)$/.exec(line)?.[1];
					if (partial) {
						runtime.partial = partial;
						context.deferCleanup('backup-dump', planned('stop-dump'));
					}
					const bytes = /^bytes=(\d+)$/.exec(line)?.[1];
					if (bytes !== undefined) context.progress('writing the backup on the server', {bytes: Number(bytes), elapsedMs: Date.now() - started});
				},
			});
			context.cancelCleanup('backup-dump');
			if (!runtime.partial) throw new Error('the dump script did not report its file');
			const verification = parseVerification((await run('verify')).stdout);
			const problems = verificationProblems(verification);
			if (problems.length > 0) {
				context.note('error', `Incomplete backup kept as ${runtime.partial} (never counted as a backup).`);
				throw new CommandFailedError(`the backup failed verification: ${problems.join('; ')}`, null, verification.stderr);
			}
			await run('keep');
			let record: BackupRecord = {
				path: backupPath(context),
				bytes: verification.size,
				sha256: verification.sha256,
				verified: true,
				restoreCommand: restoreCommand(database, backupPath(context)),
			};
			context.setFacts({backup: record});
			context.note('success', `Backup ${record.path}: ${formatBytes(record.bytes)}, sha256 ${record.sha256}.`);
			context.note('info', `Restore it with (this replaces the database's contents): ${record.restoreCommand}`);
			if (database.download) {
				record = await download(context, record);
				context.setFacts({backup: record});
			}
			if (database.fingerprint) {
				const fingerprint = await context.record('fingerprint', () => takeFingerprint(context.remote(), database, credentials.password));
				context.setFacts({fingerprintBefore: fingerprint});
			}
			const seconds = ((Date.now() - started) / 1000).toFixed(1);
			return `verified ${record.path} (${formatBytes(record.bytes)}, sha256 ${record.sha256.slice(0, 12)}…) in ${seconds} s`;
		} finally {
			// Removed now if the connection is up; otherwise the engine removes it before the run ends.
			await context.runCleanup('backup-option-file').catch(() => false);
		}
	},
};
