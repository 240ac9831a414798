/**
 * Verify: the server's HEAD is the target, the site answers 200 with the expected text and without
 * the forbidden text (retrying through the reload window), and the database fingerprint matches.
 */
import {databaseCredentials, takeFingerprint} from '../database.js';
import {diffFingerprints, judgeDifferences, NOTHING_EXPECTED, type ExpectedChanges} from '../fingerprint.js';
import {formatDuration, ROLLBACK_TARGET_MS} from '../format.js';
import {headCommand} from '../git-commands.js';
import {hintFor, type HintRule} from '../hints.js';
import {migrationPlanOf} from '../migrations/plan.js';
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
		id: 'schema-ahead',
		title: 'the schema is ahead of the code',
		pattern: /the schema was not migrated/,
		severity: 'error',
		advice: () =>
			'The rollback crossed migrations, but the schema stayed where the newer code left it, and the old code fails against it. ' +
			'Migrate it down (rewind brings the downgrade scripts back from the commit rolled back from, for that run only), or restore the backup.',
		fix: config =>
			config.database && config.migrations.kind === 'none'
				? {
						id: 'enable-migrations',
						label: 'Turn the schema migrations on, migrate down now, and check again',
						rerunFrom: 'migrate',
						apply: current => ({...current, migrations: {...current.migrations, kind: 'auto'}}),
					}
				: undefined,
	},
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
			// Without a 200 there was no page to read: the text was not checked.
			detail:
				http.finalStatus !== 200
					? 'not checked: no page (the site did not answer 200)'
					: check.ok
						? check.kind === 'contains'
							? 'present'
							: 'absent'
						: check.kind === 'contains'
							? 'missing'
							: 'still present',
		})),
	];
}

function databaseCriteria(view: CriteriaView): Criterion[] {
	const {config, facts} = view;
	const {fingerprintBefore: before, fingerprintAfter: after} = facts;
	const label = 'Database intact';
	if (before && after) {
		const differences = diffFingerprints(before, after);
		if (differences.length === 0)
			return [{id: 'database', label, status: 'pass', detail: `database unchanged (${after.tables.length} tables: schema, row counts and checksums equal)`}];
		const {failures, expectedChanges: changes, warnings} = judgeDifferences(differences, expectedChanges(view));
		if (failures.length > 0) return [{id: 'database', label, status: 'fail', detail: [...failures, ...warnings].join('; ')}];
		if (facts.migrationRestore)
			return [
				{
					id: 'database',
					label,
					status: 'warn',
					detail: `restored the backup of ${facts.migrationRestore.takenAt.slice(0, 16).replace('T', ' ')} UTC: ${changes.join('; ')}`,
				},
			];
		const migrated = changes.length > 0 ? `the migrations’ changes: ${changes.join('; ')}` : '';
		if (warnings.length > 0) return [{id: 'database', label, status: 'warn', detail: [...warnings, ...(migrated ? [migrated] : [])].join('; ')}];
		return [{id: 'database', label, status: 'pass', detail: `data unchanged in the tables the migrations did not touch; ${migrated}`}];
	}
	if (!config.database?.fingerprint) return [];
	return [{id: 'database', label, status: 'skip', detail: before ? 'not compared: verification did not run' : 'no fingerprint taken'}];
}

/** What the migrations of this run were expected to change in the database. */
function expectedChanges(view: Pick<PlanView, 'config' | 'facts'>): ExpectedChanges {
	const {facts} = view;
	if (facts.migrationRestore) return {...NOTHING_EXPECTED, restored: true};
	if (!facts.migrated) return NOTHING_EXPECTED;
	const plan = migrationPlanOf(facts);
	// Down: what the undone migrations' upgrades touched. Up (an undo): what the migrations run again touch.
	const moved = facts.migrated.how === 'downgrade' ? plan?.undo : plan?.redo;
	return {
		tables: new Set([view.config.migrations.versionTable, ...(moved ?? []).flatMap(migration => migration.touches)]),
		unknownTables: moved === undefined || moved.some(migration => migration.touchesUnknown),
		restored: false,
	};
}

/**
 * The fingerprint after the rollback against the one taken with the backup: data lost in a table
 * no undone migration touched fails; the migrations' own changes are listed; the revision must be
 * the target's.
 */
async function compareDatabase(context: StepContext, database: DatabaseConfig, before: DatabaseFingerprint): Promise<string[]> {
	const credentials = await databaseCredentials(context);
	const plan = migrationPlanOf(context.facts);
	const versionTable = context.facts.migrationsFound && plan?.kind !== 'command' ? context.config.migrations.versionTable : undefined;
	const after = await context.record('fingerprint', () => takeFingerprint(context.host(), database, credentials.password, versionTable));
	context.setFacts({fingerprintAfter: after});
	const {failures, expectedChanges: changes, warnings} = judgeDifferences(diffFingerprints(before, after), expectedChanges(context));
	if (changes.length > 0) context.note('info', `Changed by the schema migrations, as expected: ${changes.join('; ')}.`);
	if (warnings.length > 0) context.note('warning', `The database changed during the rollback: ${warnings.join('; ')}.`);
	// After a downgrade (or a restore) the version table must say the target's revision.
	const moved = context.facts.migrated && context.facts.migrated.how !== 'upgrade';
	const wrongRevision =
		plan && moved && after.revisions && [...after.revisions].sort().join() !== [...plan.target].sort().join()
			? [`database: the migration revision is ${after.revisions.join(', ') || 'base'}, not the target's ${plan.target.join(', ') || 'base'}`]
			: [];
	return [...failures.map(failure => `database: ${failure}`), ...wrongRevision];
}

export const verifyStep: StepDefinition = {
	id: 'verify',
	title: 'Verify',
	purpose: 'Proves the result: the server’s HEAD is the target, the site answers 200 with the right page, and the database is intact.',
	interruptible: true,
	reads: [
		'target',
		'fingerprintBefore',
		'rollbackStartedAt',
		'impact',
		'migrated',
		'migrationRestore',
		'migrationOverride',
		'migrationsFound',
		'migrationPlan',
	],
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
		const crossed = context.facts.impact?.files.filter(file => file.flags.includes('migration')) ?? [];
		if (!result.ok && crossed.length > 0 && !context.facts.migrated && !context.facts.migrationOverride && context.kind !== 'undo')
			failures.push(
				`the schema was not migrated: the rollback crossed ${crossed.length} migration file${crossed.length === 1 ? '' : 's'} (${crossed
					.slice(0, 3)
					.map(file => file.path)
					.join(', ')})`,
			);

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
