/**
 * Verify: the server's HEAD is the target, the site answers 200 with the expected text and without
 * the forbidden text (retrying through the reload window), and the database fingerprint matches.
 */
import {databaseCredentials, takeFingerprint} from '../database.js';
import {describeDifference, diffFingerprints, isDataLoss} from '../fingerprint.js';
import {formatDuration, ROLLBACK_TARGET_MS} from '../format.js';
import {headCommand} from '../git-commands.js';
import {hintFor, type HintRule} from '../hints.js';
import {checkSite} from '../remote/http-check.js';
import {VerificationFailed, type CriteriaView, type PlanView, type StepContext, type StepDefinition} from '../step.js';
import type {DatabaseConfig} from '../config/schema.js';
import {settled, unsettled} from '../promises.js';
import {describedCommand, type Criterion, type DatabaseFingerprint, type PlannedCommand} from '../types.js';

/** The forbidden text marks what a rollback removes; an undo brings that deploy back on purpose. */
function siteFor(view: Pick<PlanView, 'config' | 'kind'>) {
	return view.kind === 'undo' ? {...view.config.site, mustNotContain: []} : view.config.site;
}

function verifyCommands(view: PlanView): PlannedCommand[] {
	const {database} = view.config;
	const site = siteFor(view);
	const expectations = [...site.mustContain.map(text => `shows "${text}"`), ...site.mustNotContain.map(text => `does not show "${text}"`)];
	return [
		headCommand(view),
		describedCommand(
			'http',
			'http',
			'check the site',
			`GET ${site.url} until it answers 200${expectations.length > 0 ? ` and ${expectations.join(', ')}` : ''} (every ${site.intervalSeconds} s, up to ${site.timeoutSeconds} s)`,
		),
		...(database?.fingerprint
			? [
					describedCommand(
						'fingerprint',
						'database',
						'fingerprint the database after the rollback',
						`mysql ${database.user}@${database.host}:${database.port}/${database.name} through the SSH tunnel: schema, row counts and CHECKSUM TABLE, compared with before`,
					),
				]
			: []),
	];
}

const VERIFY_HINTS: readonly HintRule[] = [
	{
		id: 'site-still-shows-marker',
		title: 'the site still shows text that should be gone',
		pattern: /forbidden text .* still present/i,
		severity: 'error',
		advice: config =>
			config.build.commands.length === 0
				? 'The built assets were not rebuilt: dist/ is gitignored, so the reset did not change it. Add the build commands and re-run from the build step.'
				: 'The served page is stale: rebuild the assets and reload again. If it persists, check that the web server serves this checkout.',
		fix: (config, context) =>
			config.build.commands.length === 0
				? {
						id: 'restore-build-commands',
						label: 'Add the build step back and re-run from the build',
						rerunFrom: 'build',
						apply: current => ({...current, build: {...current.build, commands: [...(context.defaultBuildCommands ?? ['npm ci', 'npm run build'])]}}),
					}
				: undefined,
	},
	{
		id: 'site-redirect-loop',
		title: 'the site redirected to itself',
		pattern: /redirected to itself/i,
		severity: 'warning',
		advice: () => 'During a reload PythonAnywhere answers with a redirect to the same page until the workers are up; rewind retries through it.',
	},
	{
		id: 'site-server-error',
		title: 'the site answers with a server error',
		pattern: /answered (?:HTTP )?5\d\d/i,
		severity: 'error',
		advice: () =>
			'The app fails to start or to serve: read the server error log (PythonAnywhere: Web tab → error log). The old code may need a dependency or schema the new one changed.',
	},
];

function siteCriteria({facts}: CriteriaView): Criterion[] {
	const http = facts.http;
	if (!http) return [{id: 'site-status', label: 'Site answers 200', status: 'skip', detail: 'not checked'}];
	const attempts = `${http.observations.length} request${http.observations.length === 1 ? '' : 's'}`;
	return [
		{
			id: 'site-status',
			label: 'Site answers 200',
			status: http.finalStatus === 200 ? 'pass' : 'fail',
			detail: `${http.url} → ${http.finalStatus ?? 'no answer'} after ${attempts}`,
		},
		...http.checks.map((check): Criterion => ({
			id: check.kind === 'contains' ? 'site-expected' : 'site-forbidden',
			label: check.kind === 'contains' ? `Page shows "${check.text}"` : `Page no longer shows "${check.text}"`,
			status: check.ok ? 'pass' : 'fail',
			detail: check.ok ? (check.kind === 'contains' ? 'present' : 'absent') : check.kind === 'contains' ? 'missing' : 'still present',
		})),
	];
}

function databaseCriteria({config, facts}: CriteriaView): Criterion[] {
	const {fingerprintBefore: before, fingerprintAfter: after} = facts;
	if (before && after) {
		const differences = diffFingerprints(before, after);
		const loss = differences.some(isDataLoss);
		const detail =
			differences.length === 0
				? `database unchanged (${after.tables.length} tables: schema, row counts and checksums equal)`
				: differences.map(describeDifference).join('; ');
		return [{id: 'database', label: 'Database intact', status: differences.length === 0 ? 'pass' : loss ? 'fail' : 'warn', detail}];
	}
	if (!config.database?.fingerprint) return [];
	return [{id: 'database', label: 'Database intact', status: 'skip', detail: before ? 'not compared: verification did not run' : 'no fingerprint taken'}];
}

/** The fingerprint after the rollback against the one taken with the backup: failures for data lost. */
async function compareDatabase(context: StepContext, database: DatabaseConfig, before: DatabaseFingerprint): Promise<string[]> {
	const credentials = await databaseCredentials(context);
	const after = await context.record('fingerprint', () => takeFingerprint(context.host(), database, credentials.password));
	context.setFacts({fingerprintAfter: after});
	const differences = diffFingerprints(before, after);
	if (differences.some(isDataLoss)) return [`database: ${differences.filter(isDataLoss).map(describeDifference).join('; ')}`];
	if (differences.length > 0) context.note('warning', `The database changed during the rollback: ${differences.map(describeDifference).join('; ')}.`);
	return [];
}

export const verifyStep: StepDefinition = {
	id: 'verify',
	title: 'Verify',
	purpose: 'Proves the result: the server’s HEAD is the target, the site answers 200 with the right page, and the database is intact.',
	interruptible: true,
	reads: ['target', 'fingerprintBefore', 'rollbackStartedAt'],
	writes: ['remoteHeadAfter', 'http', 'fingerprintAfter', 'rollbackFinishedAt'],
	commands: verifyCommands,
	// The HEAD read travels right behind the reload's command: no round trip of its own.
	sendAhead: ['head'],
	hints: VERIFY_HINTS,
	async run(context: StepContext) {
		const failures: string[] = [];
		const target = context.facts.target;
		const head = (await context.run('head', {stream: false})).stdout.trim();
		context.setFacts({remoteHeadAfter: head});
		if (target && head !== target.hash) failures.push(`the server's HEAD is ${head.slice(0, 12)}, not the target ${target.shortHash}`);

		const site = siteFor(context);
		if (context.kind === 'undo' && context.config.site.mustNotContain.length > 0) {
			context.note(
				'info',
				`Undo: the rollback's "must not contain" checks (${context.config.site.mustNotContain.join(', ')}) do not apply to the roll forward.`,
			);
		}
		// The database is compared while the site is checked (the check may wait out a reload).
		const database = context.config.database;
		const before = context.facts.fingerprintBefore;
		const comparing = database?.fingerprint && before ? settled(compareDatabase(context, database, before)) : undefined;
		let reloadLoopHinted = false;
		const result = await context.record('http', () =>
			checkSite(site, {
				signal: context.signal,
				onAttempt: (observation, remainingMs) => {
					context.progress(`GET ${site.url}: ${observation.status ?? 'no answer'} ${observation.note}`, {
						elapsedMs: site.timeoutSeconds * 1000 - remainingMs,
						fraction: 1 - remainingMs / (site.timeoutSeconds * 1000),
					});
					if (!reloadLoopHinted && observation.note.includes('redirected to itself')) {
						reloadLoopHinted = true;
						const hint = hintFor(VERIFY_HINTS, 'site-redirect-loop', context.config, context.hintContext);
						if (hint) context.hint(hint);
					}
				},
			}),
		);
		context.setFacts({http: {url: site.url, observations: result.observations, finalStatus: result.finalStatus, checks: result.checks}});
		failures.push(...result.failures.filter(failure => !failure.startsWith('redirected to itself')));

		if (comparing) failures.push(...(await unsettled(comparing)));
		context.setFacts({rollbackFinishedAt: new Date().toISOString()});
		if (failures.length > 0) throw new VerificationFailed(`verification failed: ${failures.join('; ')}`);
		return `HEAD ${head.slice(0, 7)} is the target; ${site.url} answered 200${result.observations.length > 1 ? ` after ${result.observations.length} requests` : ''}${before ? '; database fingerprint compared' : ''}`;
	},
	criteria(view) {
		const {rollbackStartedAt, rollbackFinishedAt} = view.facts;
		const time: Criterion[] = [];
		if (rollbackStartedAt && rollbackFinishedAt) {
			const ms = Date.parse(rollbackFinishedAt) - Date.parse(rollbackStartedAt);
			time.push({
				id: 'rollback-time',
				label: 'Rollback time under 5 min',
				status: ms <= ROLLBACK_TARGET_MS ? 'pass' : 'warn',
				detail: `${formatDuration(ms)} from reset to verified`,
			});
		}
		return [...siteCriteria(view), ...databaseCriteria(view), ...time];
	},
};
