/**
 * `rewind check`: a run of everything a rollback depends on, against the real server, that changes
 * nothing there — SSH and the host key, the checkout, the lock, the database through the tunnel,
 * mysqldump with the backup's flags, the migrations command, the build tools, the reload method and
 * the site. Each check is ✓, ✗ with the config field to fix, or – (skipped, and why). Exit 0 when
 * none failed, 1 otherwise; `--json` prints one object instead of lines. Safe to run from cron.
 */
import {loadConfig, type CliOptions} from '../cli-options.js';
import type {Config} from '../core/config/schema.js';
import {errorMessage} from '../core/errors.js';
import {inert} from '../core/inert.js';
import {Redactor} from '../core/redact.js';
import {connectToServer} from '../core/remote/connect.js';
import type {SshSession} from '../core/remote/ssh-host.js';
import {checkSecrets, knownSecrets} from '../core/setup.js';
import type {PlanView} from '../core/step.js';
import {EXIT} from '../core/types.js';
import {credentialsFor, databaseCheck, dumpCheck} from './database.js';
import {apiTokenCheck, siteCheck} from './from-here.js';
import {probeCommand, readProbe, type ProbeAnswer} from './probe.js';
import {
	buildVerdict,
	checkoutVerdict,
	fail,
	lockVerdict,
	migrationsVerdict,
	pass,
	serverReloadVerdict,
	skip,
	type CheckId,
	type CheckResult,
} from './verdicts.js';

const PROBE_TIMEOUT_MS = 120_000;
const ICONS = {pass: '✓', fail: '✗', skip: '–'} as const;

/** SSH: connected with the host key known (a new one is refused unless --accept-new-host-key). */
async function connect(config: Config, acceptNewHostKey: boolean, redactor: Redactor): Promise<{session?: SshSession; result: CheckResult}> {
	let unknownKey: string | undefined;
	const notes: string[] = [];
	try {
		const {session, target} = await connectToServer(config.ssh, {
			ask: async question => {
				if (question.kind !== 'host-key') return null;
				if (!acceptNewHostKey) unknownKey = `${question.host} is not in ${config.ssh.knownHostsFile} (its ${question.keyType} key is ${question.fingerprint})`;
				return acceptNewHostKey;
			},
			note: text => notes.push(text),
			addSecret: secret => redactor.add(secret),
			answersAtOnce: true,
		});
		const added = notes.find(note => note.startsWith('Added '));
		const key = added ? added.replace(/\.$/, '') : `host key known in ${target.knownHostsFile}`;
		return {session, result: pass('ssh', `connected to ${target.user}@${target.host}:${target.port}; ${key}.`)};
	} catch (error) {
		if (unknownKey)
			return {
				result: fail(
					'ssh',
					`${unknownKey}: rewind check never trusts a new key by itself. Check the fingerprint with the server's owner, then run rewind once interactively or pass --accept-new-host-key to a rollback (or to rewind check).`,
					'ssh.knownHostsFile',
				),
			};
		const message = errorMessage(error);
		// A refused connection reached the host: its port is what is wrong. Else the field the message names first.
		const field = /connection refused/i.test(message) ? 'ssh.port' : (/\bssh\.\w+/.exec(message)?.[0] ?? 'ssh.host');
		return {result: fail('ssh', message, field)};
	}
}

/** Every check, in the order a rollback meets them. */
export async function runChecks(config: Config, options: {acceptNewHostKey: boolean; env: NodeJS.ProcessEnv; redactor: Redactor}): Promise<CheckResult[]> {
	const {redactor, env} = options;
	const site = siteCheck(config.site).catch((error: unknown) => fail('site', `GET ${config.site.url}: ${errorMessage(error)}.`, 'site.url'));
	const api = apiTokenCheck(config, redactor, env);
	const ssh = await connect(config, options.acceptNewHostKey, redactor);
	const server = ssh.session ? await onServer(config, ssh.session, redactor, env).finally(() => ssh.session!.close()) : undefined;
	const noSsh = (id: CheckId) => skip(id, 'not checked: no SSH connection (above).');
	const reload = (await api) ?? server?.reload ?? noSsh('reload');
	const ids: CheckId[] = ['checkout', 'lock', 'database', 'dump', 'migrations', 'build'];
	return [ssh.result, ...ids.map(id => server?.[id] ?? noSsh(id)), reload, await site];
}

async function onServer(config: Config, session: SshSession, redactor: Redactor, env: NodeJS.ProcessEnv): Promise<Partial<Record<CheckId, CheckResult>>> {
	const view: PlanView = {
		config,
		facts: {},
		runId: 'check',
		kind: 'rollback',
		flags: {yes: false, acceptNewHostKey: false, takeOverStaleLock: false},
		stamp: '',
	};
	const {command, parts, tools} = probeCommand(view);
	// Sent together: the password read on the server travels in the probe's round trip.
	const answer = session.run(command, {signal: AbortSignal.timeout(PROBE_TIMEOUT_MS)});
	const credentials = credentialsFor(config, session, env);
	let probe: ProbeAnswer;
	try {
		probe = readProbe((await answer).stdout, parts);
	} catch (error) {
		await credentials;
		return {checkout: fail('checkout', `the server's answer could not be read: ${redactor.redact(errorMessage(error))}`)};
	}
	const checkout = checkoutVerdict(config, probe);
	// On another branch the checkout is still there: its lock and migrations are checked all the same.
	const inCheckout = checkout.status === 'pass' || checkout.field === 'app.branch';
	const dirExists = probe.ok('dir') !== undefined;
	const notInCheckout = (id: CheckId) => skip(id, `not checked: ${config.app.dir} is not a usable checkout (above).`);
	const database = await databaseCheck(config, session, redactor, credentials, probe.ok('db-resolve'));
	const dump = await dumpCheck(config, session, redactor, database);
	const reload = serverReloadVerdict(config, probe);
	return {
		checkout,
		lock: inCheckout ? lockVerdict(config, probe) : notInCheckout('lock'),
		database: database.result,
		dump,
		migrations: inCheckout ? migrationsVerdict(config, probe, database.result.status === 'pass' ? database.revisions : undefined) : notInCheckout('migrations'),
		build: dirExists ? buildVerdict(config, probe, tools) : notInCheckout('build'),
		// The reload command runs in app.dir: without it, its program cannot be looked up there.
		...(reload ? {reload: config.reload.method === 'command' && !dirExists ? notInCheckout('reload') : reload} : {}),
	};
}

/** A check's line: icon, title, and the proof or the problem with the field to fix. */
export function checkLine(check: CheckResult): string {
	const fix = check.field ? `${check.field}: ` : '';
	const tail = check.field ? ` Fix ${check.field}.` : '';
	return `${ICONS[check.status]} ${check.title} — ${fix}${check.detail}${tail}`;
}

export function summaryLine(checks: readonly CheckResult[], file: string): string {
	const count = (status: CheckResult['status']) => checks.filter(check => check.status === status).length;
	const failed = count('fail');
	return `${failed === 0 ? 'Ready' : 'Not ready'}: ${count('pass')} passed, ${failed} failed, ${count('skip')} skipped (${file}; nothing was changed on the server).`;
}

export async function check(options: CliOptions): Promise<number> {
	const {config, path: file, stage} = loadConfig(options);
	checkSecrets(config, process.env);
	const redactor = new Redactor();
	for (const secret of knownSecrets(config)) redactor.add(secret);
	// Said first: the checks take seconds (an SSH port that never answers, connectTimeoutSeconds).
	const where = stage ? `${file}, stage ${stage}` : file;
	if (!options.json) process.stdout.write(`Checking ${inert(config.ssh.host, {singleLine: true})} for ${where}: nothing is changed on the server…\n`);
	const checks = (await runChecks(config, {acceptNewHostKey: options.flags.acceptNewHostKey, env: process.env, redactor})).map(result => ({
		...result,
		detail: inert(redactor.redact(result.detail), {singleLine: true}),
	}));
	const ok = checks.every(result => result.status !== 'fail');
	if (options.json) process.stdout.write(`${JSON.stringify({schema: 1, ok, config: file, ...(stage ? {stage} : {}), checks})}\n`);
	else process.stdout.write(`${checks.map(checkLine).join('\n')}\n${summaryLine(checks, file)}\n`);
	return ok ? EXIT.ok : EXIT.failed;
}
