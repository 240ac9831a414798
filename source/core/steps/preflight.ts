/**
 * Preflight: where the server is now (HEAD, branch, working tree, free space where the backup
 * goes, the build setup) in one round trip, and whether the backup will fit: the database's size
 * (information_schema) against the free space of the backup dir's filesystem, before anything starts.
 */
import {inDir, joinCommands, remotePath, sh} from '../command.js';
import {configuredPassword, myCnfCommand} from '../database.js';
import {settingsKeyCommand} from '../settings-password.js';
import {foundFromCommand, foundFromFiles, preflightMigrationCommands, proveMigrationsCommand, readMigrationFiles} from '../migrations/found.js';
import {UserError} from '../errors.js';
import {framed, nulRecords, readFrames, ServerOutputError} from '../frames.js';
import {STATUS, statusDigest} from '../git-commands.js';
import {PREFLIGHT_DATABASE_HINTS} from './backup-hints.js';
import {appDir, backupDir} from '../paths.js';
import {describeTree} from '../git.js';
import type {PlanView, StepContext, StepDefinition} from '../step.js';
import {describedCommand, EXIT, readOnlyCommand, type PlannedCommand} from '../types.js';
import {formatBytes} from '../format.js';
import {awaitLeftMigration, readDatabase} from '../preflight-database.js';
import {migrationLockState} from '../migrations/commands.js';
import {settled} from '../promises.js';
import {sampleSite} from '../remote/http-check.js';
import {HISTORY_BYTES, HISTORY_FILE, HISTORY_LINES, parseHistory, type HistoryEntry} from '../history.js';

const LOW_DISK_KB = 200 * 1024;
/** A gzipped dump is about this share of the data's size (SQL text compresses 2–5×; be pessimistic). */
const COMPRESSED_SHARE = 0.6;
/** Room to leave on the filesystem besides the dump (the app lives there too on shared hosting). */
const HEADROOM_BYTES = 64 * 1024 * 1024;

const INSPECT_PARTS = [
	'head',
	'branch',
	'disk-kb',
	'backup-free-kb',
	'backup-fs',
	'build-script',
	'dist-ignored',
	'history',
	'status',
	'unsafe-dirs',
	'migration-lock',
] as const;

function preflightCommands(view: PlanView): PlannedCommand[] {
	const free = (field: number, dir: ReturnType<typeof sh>) => sh`df -Pk ${dir} | awk ${`NR==2 {print $${field}}`}`;
	return [
		readOnlyCommand(
			'inspect',
			'read HEAD, branch, working tree and free space',
			inDir(
				appDir(view),
				joinCommands(
					[
						// The backup dir may not exist yet: its nearest existing parent's filesystem.
						sh`d=${remotePath(backupDir(view))}; while [ ! -d "$d" ]; do case $d in */*) d=\${d%/*}; d=\${d:-/} ;; *) d=. ;; esac; done`,
						framed([
							['head', sh`git rev-parse HEAD`],
							['branch', sh`git rev-parse --abbrev-ref HEAD`],
							['disk-kb', free(4, sh`.`)],
							['backup-free-kb', free(4, sh`"$d"`)],
							['backup-fs', free(6, sh`"$d"`)],
							['build-script', sh`grep -qs '"build"[[:space:]]*:' package.json && echo yes || echo no`],
							['dist-ignored', sh`git check-ignore -q dist && echo yes || echo no`],
							// The release history: its newest lines within a byte window (a line cut at the window's start does not parse and is dropped), each checked (history.ts).
							['history', sh`tail -c ${HISTORY_BYTES} "$(git rev-parse --absolute-git-dir)"/${HISTORY_FILE} 2>/dev/null | tail -n ${HISTORY_LINES}; true`],
							['status', STATUS],
							// Folders rewind writes into (release history, lock, backups, saved changes) that another user could plant a symlink in.
							[
								'unsafe-dirs',
								sh`for x in "$(git rev-parse --absolute-git-dir)" ${remotePath(backupDir(view))}; do [ -e "$x" ] || continue; if [ ! -O "$x" ] || [ -n "$(find "$x" -maxdepth 0 -perm /022 2>/dev/null)" ]; then printf '%s\\0' "$x"; fi; done; true`,
							],
							// A migration an interrupted run started may still be running (it holds the migration lock).
							['migration-lock', migrationLockState()],
						]),
					],
					'; ',
				),
			),
		),
		// The password for the size estimate (and the backup), when it is on the server: sent ahead.
		...(view.config.database?.passwordKey
			? [settingsKeyCommand(view.config)]
			: view.config.database && configuredPassword(view.config.database) === undefined
				? [myCnfCommand()]
				: []),
		...preflightMigrationCommands(view),
		...(view.config.database
			? [
					describedCommand(
						'read-database',
						'database',
						'estimate the size of the dump and read the migration revision',
						`SELECT SUM(DATA_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${view.config.database.name}'; SELECT version_num FROM ${view.config.migrations.versionTable} (when the app has migrations; through the SSH tunnel)`,
					),
				]
			: []),
		describedCommand('site-at-start', 'http', 'read what the site answers now', `GET ${view.config.site.url} twice (an undo checks this page is back)`),
	];
}

export type ServerState = {
	readonly head: string;
	readonly branch: string;
	readonly diskKb: number | null;
	readonly backupFreeKb: number | null;
	readonly backupFilesystem: string;
	readonly buildScript: boolean;
	readonly distIgnored: boolean;
	readonly statusRaw: string;
	readonly history: readonly HistoryEntry[];
	/** Folders rewind writes into that are not this user's alone (another user could plant a symlink there). */
	readonly unsafeDirs: readonly string[];
	/** A migration started by an earlier run still holds the migration lock. */
	readonly migrationRunning: boolean;
};

/** The framed answer of `inspect`: HEAD must read as a commit id; a part that is not what it should be is refused. */
export function parseInspect(stdout: string): ServerState {
	const what = 'read HEAD, branch, working tree and free space';
	const parts = readFrames(stdout, INSPECT_PARTS, what);
	const line = (name: (typeof INSPECT_PARTS)[number]) => parts[name].text.replace(/\n$/, '');
	const number = (name: (typeof INSPECT_PARTS)[number]) => (parts[name].status === 0 && /^\d+$/.test(line(name)) ? Number(line(name)) : null);
	const yes = (name: (typeof INSPECT_PARTS)[number]) => {
		if (line(name) !== 'yes' && line(name) !== 'no') throw new ServerOutputError(what, `its part "${name}" is neither yes nor no`);
		return line(name) === 'yes';
	};
	if (parts.status.status !== 0) throw new ServerOutputError(what, `git status failed (exit ${parts.status.status})`);
	return {
		head: parts.head.status === 0 ? line('head') : '',
		branch: parts.branch.status === 0 ? line('branch') : '',
		diskKb: number('disk-kb'),
		backupFreeKb: number('backup-free-kb'),
		backupFilesystem: parts['backup-fs'].status === 0 ? line('backup-fs') : '',
		buildScript: yes('build-script'),
		distIgnored: yes('dist-ignored'),
		statusRaw: parts.status.text,
		history: parseHistory(parts.history.text),
		unsafeDirs: nulRecords(parts['unsafe-dirs'].text, 1, what).map(([dir = '']) => dir),
		migrationRunning: line('migration-lock') === 'held',
	};
}

/** Checks the backup will fit: refuses (exit 3) when it cannot, warns when it is tight. */
function checkBackupSpace(context: StepContext, state: ServerState, data: number | undefined): string {
	const database = context.config.database;
	if (!database || state.backupFreeKb === null || data === undefined) return '';
	const free = state.backupFreeKb * 1024;
	const estimate = Math.round(data * COMPRESSED_SHARE);
	const where = `${database.backupDir} (filesystem ${state.backupFilesystem || 'unknown'})`;
	context.setFacts({backupSpace: {freeBytes: free, estimateBytes: estimate, filesystem: state.backupFilesystem}});
	if (free < estimate) {
		throw new UserError(
			`The backup will not fit: about ${formatBytes(estimate)} of compressed dump is expected and ${formatBytes(free)} is free in ${where}. ` +
				'Free space there or point database.backupDir at a filesystem with room; nothing was changed.',
			EXIT.refused,
		);
	}
	if (free < estimate * 2 + HEADROOM_BYTES)
		context.note('warning', `The backup is expected to take about ${formatBytes(estimate)} of the ${formatBytes(free)} free in ${where}: little room is left.`);
	return `, backup ~${formatBytes(estimate)} of ${formatBytes(free)} free`;
}

export const preflightStep: StepDefinition = {
	id: 'preflight',
	title: 'Preflight',
	purpose: 'Reads where the server is now (HEAD, branch, working tree, free space) and checks the backup will fit, before anything changes.',
	scope: 'server',
	interruptible: true,
	reads: ['fromHead', 'target'],
	writes: ['fromHead', 'fromBranch', 'appDir', 'statusDigestBefore', 'backupSpace', 'migrationsFound', 'history', 'siteAtStart'],
	commands: preflightCommands,
	hints: PREFLIGHT_DATABASE_HINTS,
	sendAhead: ['inspect', 'read-my-cnf', 'read-password-key', 'migrations'],
	async run(context: StepContext) {
		const state = parseInspect((await context.run('inspect', {stream: false})).stdout);
		if (!/^[0-9a-f]{40,64}$/.test(state.head))
			throw new Error(`could not read HEAD in ${context.config.app.dir} (got "${state.head}"): is it a git checkout with at least one commit?`);
		if (state.unsafeDirs.length > 0) {
			throw new UserError(
				`rewind writes into ${state.unsafeDirs.join(' and ')} on the server (the lock, the release history, backups and saved changes), but ${state.unsafeDirs.length === 1 ? 'it is' : 'they are'} not this SSH user's alone: ` +
					'owned by another user, or writable by its group or by everyone. Another user could plant a symlink there and have rewind overwrite any file it can write. ' +
					'Connect as the user who owns the checkout (ssh.user), make the folders that user’s with mode 755 or stricter, or point database.backupDir elsewhere. Nothing was changed.',
				EXIT.refused,
			);
		}
		if (context.kind === 'resume' && context.facts.fromHead && context.facts.target) {
			// A resumed run trusts the server, not the journal: HEAD must be where the run started or where it was going.
			if (state.head === context.facts.target.hash) {
				context.note('info', `The server is already at the target ${context.facts.target.shortHash}: the reset of the interrupted run finished.`);
			} else if (state.head !== context.facts.fromHead) {
				throw new UserError(
					`The server's HEAD is ${state.head.slice(0, 12)}, neither where the interrupted run started (${context.facts.fromHead.slice(0, 12)}) ` +
						`nor its target (${context.facts.target.shortHash}). Someone changed the server since: start a new rollback instead of resuming.`,
					EXIT.refused,
				);
			}
		} else {
			context.setFacts({fromHead: state.head, fromBranch: state.branch, statusDigestBefore: statusDigest(state.statusRaw)});
		}
		context.setFacts({appDir: context.config.app.dir, history: state.history});
		if (state.branch === 'HEAD') context.note('warning', 'The server checkout is on a detached HEAD: the reset will move it, but no branch follows.');
		else if (context.config.app.branch && context.config.app.branch !== state.branch) {
			context.note('warning', `The server is on branch ${state.branch}, the config says ${context.config.app.branch}.`);
		}
		if (state.diskKb !== null && state.diskKb < LOW_DISK_KB) context.note('warning', `Only ${Math.round(state.diskKb / 1024)} MiB free where the app is.`);
		if (state.buildScript && state.distIgnored && context.config.build.commands.length === 0) {
			context.note(
				'warning',
				'package.json has a build script and dist/ is gitignored, but no build commands are configured: the reset will not update the built assets.',
			);
		}
		if (state.migrationRunning) await awaitLeftMigration(context);
		// What the site answers before anything changes, read while the database is.
		const siteAtStart = context.kind === 'resume' ? undefined : settled(context.record('site-at-start', () => sampleSite(context.config.site, context.signal)));
		try {
			return await inspectTheRest(context, state);
		} finally {
			if (siteAtStart) {
				const sample = await siteAtStart;
				if (!(sample instanceof Error)) context.setFacts({siteAtStart: sample});
			}
		}
	},
};

async function inspectTheRest(context: StepContext, state: ServerState): Promise<string> {
	const files = await readMigrationFiles(context);
	const databaseState = await readDatabase(context, state.backupFreeKb !== null, files !== undefined);
	const space = checkBackupSpace(context, state, databaseState?.bytes);
	const found = files
		? foundFromFiles(
				context,
				files,
				databaseState?.revisions ?? [],
				databaseState?.unreadable ? `the database’s revision could not be read (${databaseState.unreadable})` : undefined,
			)
		: await foundFromCommand(context);
	if (found) context.setFacts({migrationsFound: found});
	if (found) await proveMigrationsCommand(context, found);
	const tree = describeTree(state.statusRaw);
	const disk = state.diskKb === null ? '' : `, ${(state.diskKb / 1024 / 1024).toFixed(1)} GiB free`;
	const migrations = found ? `, migrations at ${found.current.join(', ') || 'base'} (${found.kind})` : '';
	return `HEAD ${state.head.slice(0, 7)} on ${state.branch}, ${tree}${disk}${space}${migrations}`;
}
