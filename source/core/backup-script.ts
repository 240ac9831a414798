/**
 * The database backup as one server command, and how its report is read.
 *
 * mysqldump runs on the server with the flags managed hosts need, piped through gzip into a file
 * in a private work dir next to the backups; tee also feeds the compressed bytes to `gzip -dc`
 * (the whole stream decompressed with CRC and length checked, as `gzip -t` does, its last 512 bytes
 * searched for the dump trailer) and to sha256 — so verification costs no second pass. With
 * download on, the same bytes stream to this machine on stdout as they are written.
 *
 * Nothing the report needs is written to the disk being filled: every status goes straight to the
 * command's stderr as a `rewind:` line. The password reaches mysqldump from the command's stdin
 * through a pipe (`--defaults-extra-file=/dev/fd/3`): it is never in argv and never on disk. The
 * work dir (and with it a partial dump) is removed by the script's EXIT trap, or, if the script
 * itself was killed, by the step's cleanup.
 */
import {joinCommands, placeholder, remotePath, sh, word, type RemotePath, type ShellCommand} from './command.js';
import type {DatabaseConfig} from './config/schema.js';
import {framed, readFrames} from './frames.js';
import {appDir, fileNamePart} from './paths.js';
import type {PlanView} from './step.js';
import {readOnlyCommand, type PlannedCommand} from './types.js';

/** mysqldump prints these on stderr and may still exit 0: any such line fails the backup. */
export const STDERR_ERROR = /error|denied|can't|cannot|unknown|failed|fatal/i;

export function backupFileName(view: PlanView): ReturnType<typeof word> {
	return word(
		`${fileNamePart(view.config.database!.name)}-${view.stamp}-${view.runId.slice(-4)}-pre-${view.kind === 'undo' ? 'undo' : 'rollback'}-`,
		view.facts.fromHead?.slice(0, 7) ?? placeholder('head'),
		'.sql.gz',
	);
}

export function backupPath(view: PlanView): RemotePath {
	return remotePath(view.config.database!.backupDir).join(backupFileName(view));
}

export function restoreCommand(database: DatabaseConfig, file: RemotePath): ShellCommand {
	return sh`gunzip -c ${file} | mysql -h ${database.host} -P ${database.port} -u ${database.user} -p ${database.name}`;
}

/** The configured mysqldump flags (--no-tablespaces, --single-transaction, …): the backup's, and `rewind check`'s. */
export function dumpFlags(database: DatabaseConfig): string[] {
	return [
		...(database.noTablespaces ? ['--no-tablespaces'] : []),
		...(database.singleTransaction ? ['--single-transaction'] : []),
		...(database.routinesAndTriggers ? ['--routines', '--triggers'] : []),
		...database.extraDumpArgs,
	];
}

/** `-h host` and, unless it is the default 3306, `-P port` (with localhost and no port the client uses the socket). */
export function serverArgs(database: DatabaseConfig): ShellCommand {
	return database.port === 3306 ? sh`-h ${database.host} -u ${database.user}` : sh`-h ${database.host} -P ${database.port} -u ${database.user}`;
}

/** `$extra`: the flags this server's mysqldump needs beside the configured ones (MySQL 8's GTID and column statistics). */
const DUMP_EXTRA_FLAGS = joinCommands(
	[
		sh`help=$(mysqldump --help 2>/dev/null); extra=""`,
		sh`case "$help" in *--set-gtid-purged*) extra="$extra --set-gtid-purged=OFF";; esac`,
		sh`case "$help" in *--column-statistics*) extra="$extra --column-statistics=0";; esac`,
	],
	'\n',
);

/**
 * mysqldump of one table's schema (no rows) exactly as the backup runs mysqldump: the same server
 * arguments, configured flags and extra flags, the password (when rewind hands it on) read from
 * stdin as an option file. Changes nothing; `rewind check` proves the backup's flags with it.
 */
export function schemaDumpCommand(database: DatabaseConfig, table: string, options: {passwordOnStdin: boolean}): ShellCommand {
	const optionFile = options.passwordOnStdin ? sh`--defaults-extra-file=/dev/fd/3` : sh``;
	return joinCommands(
		[DUMP_EXTRA_FLAGS, sh`mysqldump ${optionFile} ${serverArgs(database)} ${dumpFlags(database)} $extra --no-data ${database.name} ${table} 3<&0 </dev/null`],
		'\n',
	);
}

export function backupCommand(view: PlanView, options: {passwordOnStdin: boolean; download: boolean}): ShellCommand {
	const database = view.config.database!;
	const optionFile = options.passwordOnStdin ? sh`--defaults-extra-file=/dev/fd/3` : sh``;
	const copy = options.download ? sh`tee "$w/check" "$w/hash" "$p" >&6` : sh`tee "$w/check" "$w/hash" > "$p"`;
	return joinCommands(
		[
			// 4: the option file (stdin); 5: the report (stderr); 6: the dump's bytes when downloading (stdout).
			sh`umask 077; exec 4<&0 5>&2 6>&1 </dev/null >/dev/null`,
			sh`mkdir -p ${remotePath(database.backupDir)} && w=$(mktemp -d ${remotePath(database.backupDir).join('.rewind-backup.XXXXXX')}) || exit 5`,
			sh`p="$w/dump.sql.gz"; printf 'rewind: work=%s\\nrewind: pgid=%s\\n' "$w" "$(cut -d' ' -f5 /proc/self/stat 2>/dev/null)" >&5`,
			sh`trap 'rm -rf "$w"' EXIT; trap 'exit 143' HUP INT TERM`,
			DUMP_EXTRA_FLAGS,
			sh`if command -v sha256sum >/dev/null 2>&1; then hash=sha256sum; else hash="shasum -a 256"; fi`,
			sh`mkfifo "$w/check" "$w/hash" "$w/err" || exit 5`,
			sh`{ gzip -dc < "$w/check"; echo "rewind: gzip_exit=$?" >&5; } | tail -c 512 | { if grep -q -- '-- Dump completed'; then echo 'rewind: trailer=yes'; else echo 'rewind: trailer=no'; fi; } >&5 & checker=$!`,
			sh`$hash < "$w/hash" | cut -c1-64 | sed 's/^/rewind: sha256=/' >&5 & hasher=$!`,
			sh`sed 's/^/rewind: stderr: /' < "$w/err" >&5 & errors=$!`,
			// Its sleep must not outlive the loop (a TERM stops both at once).
			sh`( trap 'kill $s 2>/dev/null; exit 0' TERM; while :; do printf 'rewind: bytes=%s\\n' "$(stat -c %s "$p" 2>/dev/null || echo 0)"; sleep 1 & s=$!; wait $s; done ) >&5 2>/dev/null & progress=$!`,
			sh`{ mysqldump ${optionFile} ${serverArgs(database)} ${dumpFlags(database)} $extra ${database.name} 2>"$w/err" 3<&4 4<&-; echo "rewind: dump_exit=$?" >&5; } | gzip -c | { ${copy}; echo "rewind: write_exit=$?" >&5; } 2>&1 | sed 's/^/rewind: write_error: /' >&5`,
			sh`kill $progress 2>/dev/null; wait $progress $checker $hasher $errors 2>/dev/null`,
			sh`printf 'rewind: size=%s\\nrewind: free_kb=%s\\nrewind: fs=%s\\n' "$(stat -c %s "$p" 2>/dev/null || echo 0)" "$(df -Pk "$w" | awk 'NR==2 {print $4}')" "$(df -Pk "$w" | awk 'NR==2 {print $6}')" >&5`,
			// The partial dump stays for the verdict (keep or discard); any other way out removes it.
			sh`trap - EXIT; echo 'rewind: done' >&5`,
		],
		'\n',
	);
}

/** Keeps a verified dump under its final name, with what it was taken of beside it. */
export function keepCommand(view: PlanView, work: string | undefined, record: string | undefined): ShellCommand {
	const file = backupPath(view);
	const dump = work === undefined ? word(placeholder('work dir'), '/dump.sql.gz') : `${work}/dump.sql.gz`;
	const dir = work ?? placeholder('work dir');
	// Written in the work dir (made by mktemp, this user's), then renamed: a symlink planted where the
	// record goes is replaced, never followed (mv -T: the name is a file, even if it points at a folder).
	return sh`printf '%s\\n' ${record ?? placeholder('what it was taken of')} > ${word(dir, '/record.json')} && mv -T ${dump} ${file} && mv -T ${word(dir, '/record.json')} ${file.withSuffix('.json')} && rm -rf ${dir}`;
}

export function discardCommand(work: string | undefined): ShellCommand {
	return work === undefined ? sh`rm -rf ${placeholder('work dir')}` : sh`rm -rf ${work}`;
}

/** Stops a dump orphaned by a lost connection (its process group) and removes its work dir. */
export function stopDumpCommand(work: string | undefined, pgid: string | undefined): ShellCommand {
	const group = pgid === undefined ? placeholder('pgid') : pgid;
	return sh`kill -TERM -- -${group} 2>/dev/null; sleep 1; kill -KILL -- -${group} 2>/dev/null; rm -rf ${work ?? placeholder('work dir')}; true`;
}

export type Verification = {
	readonly exit: string;
	readonly size: number;
	readonly writeExit: string;
	readonly writeErrors: readonly string[];
	readonly gzipExit: string;
	readonly trailer: boolean;
	readonly sha256: string;
	readonly stderr: string;
	readonly freeKb: number | null;
	readonly filesystem: string;
	readonly done: boolean;
};

/** Reads the `rewind:` lines of the backup command's report. */
export function parseVerification(lines: readonly string[]): Verification {
	const values = new Map<string, string>();
	const stderr: string[] = [];
	const writeErrors: string[] = [];
	for (const line of lines) {
		const match = /^rewind: ([a-z_0-9]+)(?:(?:=|: )(.*))?$/.exec(line);
		if (!match) continue;
		if (match[1] === 'stderr') stderr.push(match[2] ?? '');
		else if (match[1] === 'write_error') writeErrors.push(match[2] ?? '');
		else values.set(match[1]!, (match[2] ?? '').trim());
	}
	const value = (key: string) => values.get(key) ?? '';
	const free = Number(value('free_kb'));
	return {
		exit: value('dump_exit'),
		size: Number(value('size')) || 0,
		writeExit: value('write_exit'),
		writeErrors,
		gzipExit: value('gzip_exit'),
		trailer: value('trailer') === 'yes',
		sha256: value('sha256'),
		stderr: stderr.join('\n'),
		freeKb: value('free_kb') !== '' && Number.isFinite(free) ? free : null,
		filesystem: value('fs'),
		done: values.has('done'),
	};
}

/** Why a dump is not a backup; empty when it is one. Root causes first: a full disk or a failed mysqldump explains the rest. */
export function verificationProblems(verification: Verification): string[] {
	const problems: string[] = [];
	const free = verification.freeKb === null ? 'unknown' : `${(verification.freeKb / 1024).toFixed(1)} MiB`;
	const where = verification.filesystem || 'the backup dir’s filesystem';
	const full = verification.writeErrors.find(line => /No space left|Disk quota exceeded/i.test(line));
	if (full) return [`disk full: ${free} free on ${where} (${full})`];
	const tooLarge = verification.writeErrors.find(line => /File too large/i.test(line));
	if (tooLarge) return [`the file size limit of the server’s shell (ulimit -f) stopped the dump; ${free} free on ${where} (${tooLarge})`];
	const errorLines = verification.stderr.split('\n').filter(line => STDERR_ERROR.test(line));
	if (verification.exit !== '0') problems.push(`mysqldump exited ${verification.exit || 'without a status (the backup command was cut short)'}`);
	if (errorLines.length > 0) problems.push(`mysqldump printed errors: ${errorLines.slice(0, 3).join(' | ')}`);
	if (problems.length > 0) return problems;
	if (verification.writeExit !== '0')
		problems.push(`writing the file on the server failed (${verification.writeErrors[0] ?? `tee exited ${verification.writeExit || 'without a status'}`})`);
	if (verification.gzipExit !== '0') problems.push('gzip -t failed: unexpected end of file or crc error');
	if (!verification.trailer) problems.push('the dump has no "-- Dump completed" trailer (cut short?)');
	if (verification.size <= 0) problems.push('the file is empty');
	if (!/^[0-9a-f]{64}$/.test(verification.sha256)) problems.push('no sha256');
	return problems;
}

/** An earlier backup's sha256 and the server's HEAD, framed: does that backup still stand for this reset? */
export function recheckCommand(view: PlanView, file: string): PlannedCommand {
	return readOnlyCommand(
		'recheck',
		'check the earlier backup is intact',
		framed([
			['sha256', sh`sha256sum <${remotePath(file)} | cut -c1-64`],
			['head', sh`git -C ${appDir(view)} rev-parse HEAD`],
		]),
	);
}

/** The recheck's answer: each part's text when it succeeded, '' when it did not. */
export function readRecheck(stdout: string): {sha256: string; head: string} {
	const parts = readFrames(stdout, ['sha256', 'head'], 'check the earlier backup is intact');
	const text = (part: (typeof parts)['sha256']) => (part.status === 0 ? part.text.trim() : '');
	return {sha256: text(parts.sha256), head: text(parts.head)};
}
