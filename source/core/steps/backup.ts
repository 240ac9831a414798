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
import {configuredPassword, loadMysql2, optionFileText, passwordFromMyCnf, takeFingerprint, type DatabaseCredentials} from '../remote/database.js';
import {expandTilde} from '../remote/ssh-config.js';
import {joinRemote, remotePath, shq} from '../shell.js';
import {known, type PlanView, type StepContext, type StepDefinition} from '../step.js';
import type {BackupRecord, PlannedCommand} from '../types.js';

/** mysqldump prints these on stderr and may still exit 0: any such line fails the backup (here and on the server). */
const STDERR_ERROR_WORDS = "error|denied|can't|cannot|unknown|failed|fatal";
const STDERR_ERROR = new RegExp(STDERR_ERROR_WORDS, 'i');

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

/**
 * The backup as one server command: password file from stdin (0600, removed on every exit), then
 * `mysqldump | gzip` into `<file>.partial.<pid>`, with the compressed bytes checked as they are
 * written, on the server's spare cores: tee feeds them to the file, to `gzip -dc` (the whole
 * stream decompressed with its CRC and length checked, as `gzip -t` does, and its last 512 bytes
 * kept for the dump trailer) and to sha256. So verification adds no pass over the file after the
 * dump. Progress lines every second; the final name only for a dump that passed every check.
 */
export function backupCommand(view: PlanView): PlannedCommand {
	const database = view.config.database!;
	const usesOptionFile = configuredPassword(database) !== undefined;
	const file = backupPath(view);
	const cleanup = `rm -f ${usesOptionFile ? '"$t" ' : ''}"$p.check" "$p.hash"`;
	const script = [
		`umask 077 && mkdir -p ${remotePath(database.backupDir)} && f=${remotePath(file)} && p="$f.partial.$$" && echo "partial=$p" || exit 5`,
		...(usesOptionFile ? ['t=$(mktemp "${TMPDIR:-/tmp}/rewind-my.XXXXXX") && echo "option_file=$t" && cat > "$t" || exit 5'] : []),
		`trap '${cleanup}' EXIT; trap 'exit 143' HUP INT TERM`,
		'help=$(mysqldump --help 2>/dev/null </dev/null); extra=""',
		'case "$help" in *--set-gtid-purged*) extra="$extra --set-gtid-purged=OFF";; esac',
		'case "$help" in *--column-statistics*) extra="$extra --column-statistics=0";; esac',
		'if command -v sha256sum >/dev/null 2>&1; then hash=sha256sum; else hash="shasum -a 256"; fi',
		'mkfifo "$p.check" "$p.hash" || exit 5',
		'{ gzip -dc < "$p.check"; echo $? > "$p.gzrc"; } | tail -c 512 > "$p.tail" & checker=$!',
		'$hash < "$p.hash" | cut -c1-64 > "$p.sha" & hasher=$!',
		// Its sleep must not hold the channel's stdout open nor outlive the loop (a TERM stops both at once).
		'( trap \'kill $s 2>/dev/null; exit 0\' TERM; while :; do printf \'bytes=%s\\n\' "$(stat -c %s "$p" 2>/dev/null || echo 0)"; sleep 1 >/dev/null 2>&1 & s=$!; wait $s; done ) & progress=$!',
		`{ mysqldump ${usesOptionFile ? '--defaults-extra-file="$t" ' : ''}${serverArgs(database)} ${dumpFlags(database).join(' ')} $extra ${shq(database.name)} 2>"$p.err" </dev/null; echo $? > "$p.rc"; } | gzip -c | { tee "$p.check" "$p.hash" > "$p"; echo $? > "$p.teerc"; }`,
		'kill $progress 2>/dev/null; wait $progress 2>/dev/null; wait $checker 2>/dev/null; wait $hasher 2>/dev/null',
		...(usesOptionFile ? ['rm -f "$t"'] : []),
		'read_status() { cat "$1" 2>/dev/null || echo missing; }',
		'size=$(stat -c %s "$p" 2>/dev/null || wc -c < "$p"); rc=$(read_status "$p.rc"); gz=$(read_status "$p.gzrc"); written=$(read_status "$p.teerc")',
		'printf \'bytes=%s\\n\' "$size"; echo "dump_exit=$rc"; echo "size=$size"; echo "write_exit=$written"; echo "sha256=$(cat "$p.sha" 2>/dev/null)"; echo "gzip_exit=$gz"',
		'if grep -q -- "-- Dump completed" "$p.tail" 2>/dev/null; then trailer=yes; else trailer=no; fi; echo "trailer=$trailer"',
		`if [ "$rc" = 0 ] && [ "$gz" = 0 ] && [ "$written" = 0 ] && [ "$trailer" = yes ] && [ "$size" -gt 0 ] && ! grep -Eqi ${shq(STDERR_ERROR_WORDS)} "$p.err"; then mv "$p" "$f" && kept=yes; fi; echo "kept=\${kept:-no}"; rm -f "$p.rc" "$p.gzrc" "$p.teerc" "$p.sha" "$p.tail"`,
		// mysqldump's stderr goes last; it stays beside a rejected dump, to read later.
		'echo "--stderr--"; cat "$p.err" 2>/dev/null; if [ "$kept" = yes ]; then rm -f "$p.err"; fi; true',
	].join('\n');
	return {id: 'backup', where: 'server', purpose: 'dump the database through gzip, verify it as it is written, keep it under its final name', display: script};
}

/** The commands of the backup step; the partial file's pid is known only while it runs. */
export function backupCommands(view: PlanView, partial?: string): PlannedCommand[] {
	const database = view.config.database;
	if (!database) return [];
	const file = backupPath(view);
	const pid = partial ? partial.slice(partial.lastIndexOf('.') + 1) : '<pid>';
	const commands: PlannedCommand[] = [
		backupCommand(view),
		{
			id: 'quarantine',
			where: 'server',
			purpose: 'put a kept dump back under its .partial name (only if this side disagrees with the server’s checks)',
			display: `mv ${remotePath(file)} ${shq(partial ?? `${file}.partial.<pid>`)}`,
		},
		{
			id: 'stop-dump',
			where: 'server',
			purpose: 'stop a dump whose connection was lost',
			display: `kill -TERM -- -${pid} 2>/dev/null || kill -TERM ${pid} 2>/dev/null; true`,
		},
	];
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

type Verification = {exit: string; size: number; writeExit: string; gzipExit: string; trailer: boolean; sha256: string; kept: boolean; stderr: string};

export function parseVerification(stdout: string): Verification {
	const [head = '', stderr = ''] = stdout.split('--stderr--\n');
	const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(head)?.[1]?.trim() ?? '';
	return {
		exit: value('dump_exit'),
		size: Number(value('size')) || 0,
		writeExit: value('write_exit'),
		gzipExit: value('gzip_exit'),
		trailer: value('trailer') === 'yes',
		sha256: value('sha256'),
		kept: value('kept') === 'yes',
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
	if (verification.writeExit !== '0') problems.push(`writing the file on the server failed (tee exited ${verification.writeExit || 'without a status'}: disk full?)`);
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
		// The fingerprint's driver loads while the dump runs.
		if (database.fingerprint) void loadMysql2().catch(() => {});
		// A dump orphaned by a lost connection goes before a new attempt.
		await context.runCleanup('backup-dump');
		const configured = configuredPassword(database);
		if (configured?.password) context.redactor.add(configured.password);
		let partial: string | undefined;
		const planned = (id: string) => backupCommands(context, partial).find(command => command.id === id)!;
		const started = Date.now();
		const result = await context.runPlanned(planned('backup'), {
			stream: false,
			allowFailure: true,
			...(configured ? {stdin: optionFileText(configured.password ?? '')} : {}),
			onStdoutLine: line => {
				const reported = /^partial=(.*)$/.exec(line)?.[1];
				if (reported) {
					partial = reported;
					context.deferCleanup('backup-dump', planned('stop-dump'));
				}
				const bytes = /^bytes=(\d+)$/.exec(line)?.[1];
				if (bytes === undefined) return true; // the checks' results: journaled
				context.progress('writing the backup on the server', {bytes: Number(bytes), elapsedMs: Date.now() - started});
				return false;
			},
		});
		context.cancelCleanup('backup-dump');
		if (!partial) throw new CommandFailedError(`the backup command failed before the dump started (exit ${result.exitCode})`, result.exitCode, `${result.stderr}\n${result.stdout}`);
		const verification = parseVerification(result.stdout);
		const problems = verificationProblems(verification);
		if (problems.length > 0 || !verification.kept) {
			if (verification.kept) await context.runPlanned(planned('quarantine'), {stream: false});
			context.note('error', `Incomplete backup kept as ${partial} (never counted as a backup).`);
			const reasons = problems.length > 0 ? problems : ['the server did not keep the dump'];
			throw new CommandFailedError(`the backup failed verification: ${reasons.join('; ')}`, null, verification.stderr);
		}
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
			const credentials = await databaseCredentials(context);
			const fingerprint = await context.record('fingerprint', () => takeFingerprint(context.remote(), database, credentials.password));
			context.setFacts({fingerprintBefore: fingerprint});
		}
		const seconds = ((Date.now() - started) / 1000).toFixed(1);
		return `verified ${record.path} (${formatBytes(record.bytes)}, sha256 ${record.sha256.slice(0, 12)}…) in ${seconds} s`;
	},
};
