/**
 * Back up the database, verified, before anything is reset (backup-script.ts has the command).
 * The backup counts only when mysqldump exited 0 and printed no error, the gzip stream is whole,
 * the dump trailer is present and the file is not empty; only then is it kept under its final
 * name. A failed or interrupted dump is removed, never kept or counted.
 */
import {createHash} from 'node:crypto';
import {createWriteStream, mkdirSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import {Transform} from 'node:stream';
import {finished} from 'node:stream/promises';
import {
	backupCommand,
	backupPath,
	discardCommand,
	keepCommand,
	parseVerification,
	recheckCommand,
	readRecheck,
	restoreCommand,
	stopDumpCommand,
	verificationProblems,
} from '../backup-script.js';
import {configuredPassword, databaseCredentials, handsPasswordOn, loadMysql2, optionFileText, takeFingerprint} from '../database.js';
import type {DatabaseConfig} from '../config/schema.js';
import {CommandFailedError} from '../errors.js';
import {describeDifference, diffFingerprints} from '../fingerprint.js';
import {formatBytes} from '../format.js';
import {pieceWriter} from '../pieces.js';
import {expandTilde} from '../remote/ssh-config.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {describedCommand, serverCommand, type BackupRecord, type PlannedCommand} from '../types.js';
import {BACKUP_HINTS} from './backup-hints.js';

const BACKUP_HEADLINE = (database: NonNullable<PlanView['config']['database']>) =>
	`mysqldump ${database.name} | gzip → ${database.backupDir} (checked as written: gzip -dc, trailer, sha256${database.download ? '; streamed here' : ''})`;

function backupCommands(view: PlanView): PlannedCommand[] {
	const database = view.config.database;
	if (!database) return [];
	const passwordOnStdin =
		configuredPassword(database) !== undefined ||
		database.passwordEnv !== undefined ||
		database.passwordFile !== undefined ||
		database.passwordKey !== undefined;
	return [
		serverCommand(
			'backup',
			'dump the database through gzip, verifying it as it is written',
			backupCommand(view, {passwordOnStdin, download: database.download}),
			BACKUP_HEADLINE(database),
		),
		serverCommand('keep', 'keep the verified dump under its final name', keepCommand(view, undefined, undefined)),
		serverCommand('discard', 'remove a dump that failed verification', discardCommand(undefined)),
		serverCommand('stop-dump', 'stop a dump orphaned by a lost connection and remove it', stopDumpCommand(undefined, undefined)),
		...(database.fingerprint
			? [
					describedCommand(
						'fingerprint',
						'database',
						'fingerprint the database before the reset',
						`mysql ${database.user}@${database.host}:${database.port}/${database.name} through the SSH tunnel: tables, columns and indexes, row counts, CHECKSUM TABLE`,
					),
				]
			: []),
	];
}

const WRITE_PIECE_BYTES = 256 * 1024;

/** A local copy of the compressed bytes as they stream in: hashed as written, renamed when whole. */
function localCopy(context: StepContext, remote: string) {
	const dir = path.resolve(expandTilde(context.config.database!.downloadDir));
	mkdirSync(dir, {recursive: true, mode: 0o700});
	const target = path.join(dir, path.basename(remote));
	const partial = `${target}.partial`;
	const hash = createHash('sha256');
	let bytes = 0;
	const sink = new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			hash.update(chunk);
			bytes += chunk.length;
			callback(null, chunk);
		},
	});
	// The bytes arrive in SSH packets of a few KB: written one by one, the writes cost this process
	// more than decrypting them; in pieces, the file gets one write per piece.
	const file = createWriteStream(partial, {mode: 0o600});
	sink.pipe(pieceWriter(file, WRITE_PIECE_BYTES));
	return {
		sink,
		get bytes() {
			return bytes;
		},
		/** Ends the copy; keeps it under its name only when its sha256 is the server's. */
		async finish(expected: string | undefined): Promise<{path: string; sha256: string} | undefined> {
			sink.end();
			await finished(file);
			const sha256 = hash.digest('hex');
			if (expected === undefined || sha256 !== expected) {
				rmSync(partial, {force: true});
				return undefined;
			}
			renameSync(partial, target);
			return {path: target, sha256};
		},
	};
}

/**
 * Whether an earlier verified backup still stands for this reset (the operator went back to pick
 * another commit, or a run is resumed): the file is intact (sha256), HEAD has not moved, and the
 * database is unchanged (its fingerprint equals the one taken with the backup). Checked, not assumed.
 */
async function stillHolds(context: StepContext, previous: BackupRecord): Promise<string | undefined> {
	const database = context.config.database!;
	const answer = await context.runPlanned(recheckCommand(context, previous.path), {stream: false, allowFailure: true});
	const {sha256, head} = readRecheck(answer.stdout);
	const what = context.kind === 'resume' ? 'The backup of the interrupted run' : `The backup taken at ${previous.takenAt?.slice(11, 19) ?? 'the start'} UTC`;
	if (sha256 !== previous.sha256) {
		context.note('warning', `${what} (${previous.path}) is missing or changed: making a new one.`);
		return undefined;
	}
	if (context.kind === 'resume') return `the backup of the interrupted run is intact (sha256 matches): ${previous.path}`;
	const before = context.facts.fingerprintBefore;
	if (head !== previous.head || !database.fingerprint || !before) {
		context.note(
			'info',
			`${what} cannot be shown to still hold (${head !== previous.head ? 'HEAD moved' : 'no database fingerprint to compare'}): making a new one.`,
		);
		return undefined;
	}
	const credentials = await databaseCredentials(context);
	const now = await context.record('fingerprint', () => takeFingerprint(context.host(), database, credentials.password));
	const changed = diffFingerprints(before, now);
	if (changed.length > 0) {
		context.note('info', `The database changed since the backup (${changed.map(describeDifference).join('; ')}): making a new one.`);
		return undefined;
	}
	return `the verified backup ${previous.path} still holds: the file, HEAD and the database are unchanged (checked)`;
}

async function fingerprintNow(context: StepContext, database: DatabaseConfig) {
	const credentials = await databaseCredentials(context);
	return context.record('fingerprint', () => takeFingerprint(context.host(), database, credentials.password));
}

export const backupStep: StepDefinition = {
	id: 'backup',
	title: 'Back up database',
	purpose: 'Dumps the database on the server and verifies the dump before anything is reset: no reset without a verified backup or a logged override.',
	scope: 'run',
	interruptible: true,
	reads: ['fromHead', 'backup', 'fingerprintBefore', 'migrationsFound'],
	writes: ['backup', 'backupOverride', 'fingerprintBefore'],
	commands: backupCommands,
	hints: BACKUP_HINTS,
	override: {
		label: 'Reset WITHOUT a verified backup (asks for a reason, logged)',
		apply(context, reason) {
			context.setFacts({backupOverride: {reason, at: new Date().toISOString()}});
			context.note('warning', `Backup overridden by the operator: "${reason}". The reset will run without a verified backup.`);
		},
	},
	async skip(context) {
		if (!context.config.database) return 'no database in the config';
		if (context.flags.skipBackupReason !== undefined) {
			const reason = context.flags.skipBackupReason.trim() || 'no reason given';
			context.setFacts({backupOverride: {reason, at: new Date().toISOString()}});
			context.note('warning', `Backup overridden with --skip-backup: "${reason}". The reset will run without a verified backup.`);
			return `overridden by the operator: ${reason}`;
		}
		const previous = context.facts.backup;
		if (previous?.verified && (context.kind === 'resume' || previous.head === context.facts.fromHead)) {
			const reuse = await stillHolds(context, previous);
			if (reuse) return reuse;
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
		// A password read on the server (passwordKey) is handed on as one set here is; ~/.my.cnf is read by mysqldump itself.
		const credentials = database.passwordKey ? await databaseCredentials(context) : configuredPassword(database);
		const configured = credentials && handsPasswordOn(credentials) ? credentials : undefined;
		context.secret(configured?.password);
		const file = backupPath(context);
		const copy = database.download ? localCopy(context, file.toString()) : undefined;
		let work: string | undefined;
		let pgid: string | undefined;
		const report: string[] = [];
		const started = Date.now();
		const planned = serverCommand(
			'backup',
			'dump the database through gzip, verifying it as it is written',
			backupCommand(context, {passwordOnStdin: configured !== undefined, download: copy !== undefined}),
			BACKUP_HEADLINE(database),
		);
		const result = await context.runPlanned(planned, {
			stream: false,
			allowFailure: true,
			...(configured ? {stdin: optionFileText(configured.password ?? '')} : {}),
			...(copy ? {stdoutTo: copy.sink} : {}),
			onStderrLine: line => {
				if (!line.startsWith('rewind: ')) return true;
				report.push(line);
				work ??= /^rewind: work=(.+)$/.exec(line)?.[1];
				pgid ??= /^rewind: pgid=(\d+)$/.exec(line)?.[1];
				if (line.startsWith('rewind: pgid='))
					context.deferCleanup(
						'backup-dump',
						serverCommand('stop-dump', 'stop a dump orphaned by a lost connection and remove it', stopDumpCommand(work, pgid)),
					);
				const bytes = /^rewind: bytes=(\d+)$/.exec(line)?.[1];
				if (bytes === undefined) return !line.startsWith('rewind: stderr: ') && !line.startsWith('rewind: sha256=');
				context.progress(copy ? 'writing the backup on the server and copying it here' : 'writing the backup on the server', {
					bytes: Number(bytes),
					elapsedMs: Date.now() - started,
				});
				return false;
			},
		});
		const verification = parseVerification(report);
		const problems = verificationProblems(verification);
		if (result.exitCode !== 0 && verification.done) problems.push(`the backup command exited ${result.exitCode}`);
		if (!verification.done)
			problems.unshift(
				`the backup command did not finish (${result.lost ?? (result.exitCode === null ? `killed: ${result.exitSignal ?? 'no exit status'}` : `exit ${result.exitCode}`)})`,
			);
		const localCopyDone = await copy?.finish(problems.length === 0 ? verification.sha256 : undefined);
		if (problems.length > 0 || !work) {
			if (work)
				await context.runPlanned(serverCommand('discard', 'remove a dump that failed verification', discardCommand(work)), {stream: false, allowFailure: true});
			context.cancelCleanup('backup-dump');
			if (work) context.note('error', `The failed dump was removed (${work}); nothing of it is counted as a backup.`);
			throw new CommandFailedError(
				`the backup failed verification: ${(problems.length > 0 ? problems : ['the server did not report a work dir']).join('; ')}`,
				null,
				`${verification.stderr}\n${result.stderr}`,
			);
		}
		const takenAt = new Date().toISOString();
		const head = context.facts.fromHead;
		// The schema's revision it was taken at: a later rollback may restore it instead of a downgrade.
		const revisionsNow = context.facts.migrationsFound ? {revisions: context.facts.migrationsFound.current} : {};
		// The database's fingerprint, taken before the dump gets its final name: its row counts go in the
		// record, so that a later run restoring this backup can say what would be lost.
		const fingerprint = database.fingerprint ? await fingerprintNow(context, database) : undefined;
		const rows = fingerprint ? {rows: Object.fromEntries(fingerprint.tables.map(table => [table.name, table.rows]))} : {};
		await context.runPlanned(
			serverCommand(
				'keep',
				'keep the verified dump under its final name',
				keepCommand(
					context,
					work,
					JSON.stringify({sha256: verification.sha256, bytes: verification.size, head, takenAt, runId: context.runId, ...revisionsNow, ...rows}),
				),
			),
			{stream: false},
		);
		context.cancelCleanup('backup-dump');
		const record: BackupRecord = {
			path: file.toString(),
			bytes: verification.size,
			sha256: verification.sha256,
			verified: true,
			restoreCommand: restoreCommand(database, file).display,
			takenAt,
			...(head ? {head} : {}),
			...revisionsNow,
			...(localCopyDone ? {localCopy: localCopyDone} : {}),
		};
		context.setFacts({backup: record});
		context.note('success', `Backup ${record.path}: ${formatBytes(record.bytes)}, sha256 ${record.sha256}.`);
		context.note('info', `Restore it with (this replaces the database's contents): ${record.restoreCommand}`);
		if (copy && !localCopyDone)
			context.note('warning', 'The copy streamed to this machine does not match the server’s sha256: it was removed. The server’s copy is verified.');
		if (fingerprint) context.setFacts({fingerprintBefore: fingerprint});
		return `verified ${record.path} (${formatBytes(record.bytes)}, sha256 ${record.sha256.slice(0, 12)}…)${localCopyDone ? `, copied to ${localCopyDone.path}` : ''}`;
	},
	criteria({config, facts, stateOf}) {
		const label = 'Database backed up and verified';
		if (!config.database) return [{id: 'backup', label, status: 'skip', detail: 'no database in the config'}];
		if (facts.backup?.verified)
			return [
				{id: 'backup', label, status: 'pass', detail: `${facts.backup.path} (${formatBytes(facts.backup.bytes)}, sha256 ${facts.backup.sha256.slice(0, 12)}…)`},
			];
		if (facts.backupOverride) return [{id: 'backup', label, status: 'warn', detail: `overridden by the operator: ${facts.backupOverride.reason}`}];
		const pending = stateOf('backup').state === 'pending';
		return [{id: 'backup', label, status: pending ? 'skip' : 'fail', detail: pending ? 'not reached' : 'no verified backup'}];
	},
};
