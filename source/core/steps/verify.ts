/**
 * Verify: the server's HEAD is the target, the site answers 200 with the expected text and without
 * the forbidden text (retrying through the reload window), and the database fingerprint matches.
 */
import {compareDatabase, databaseCriteria, offerOwnBackup} from '../database-check.js';
import {formatDuration, ROLLBACK_TARGET_MS} from '../format.js';
import {headCommand} from '../git-commands.js';
import {hintFor, type HintRule} from '../hints.js';
import {checkSite} from '../remote/http-check.js';
import {VerificationFailed, type CriteriaView, type PlanView, type StepContext, type StepDefinition} from '../step.js';
import type {SiteConfig} from '../config/schema.js';
import {settled, unsettled} from '../promises.js';
import {describedCommand, type Criterion, type PlannedCommand} from '../types.js';

/**
 * What the site must show. A rollback: the config's texts. An undo returns to the page from before
 * the rollback: each text present or absent as it was when the rollback sampled the site before its
 * reload (the marker back, the target's texts gone when they were not there); without that sample,
 * the expected texts only (the forbidden text marks what a rollback removes, and an undo brings back).
 */
export function siteFor(view: Pick<PlanView, 'config' | 'kind' | 'facts'>): SiteConfig {
	const site = view.config.site;
	if (view.kind !== 'undo') return site;
	const before = view.facts.undoOf?.pageBefore;
	if (!before) return {...site, mustNotContain: []};
	return {
		...site,
		mustContain: before.filter(text => text.present).map(text => text.text),
		mustNotContain: before.filter(text => !text.present).map(text => text.text),
	};
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
			`GET ${site.url} until the new code answers 200${expectations.length > 0 ? ` and ${expectations.join(', ')}` : ''}, ${site.confirmations} time${site.confirmations === 1 ? '' : 's'} in a row (every ${site.intervalSeconds} s, up to ${site.timeoutSeconds} s; an answer the same as before the reload counts only ${site.settleSeconds} s after it)`,
		),
		// An undo after a restore may put the rollback's own backup back (only when the operator asks).
		...(view.kind === 'undo' && view.facts.undoOf?.afterRestore?.ownBackup
			? [
					describedCommand(
						'read-tables',
						'database',
						'list the tables before restoring the rollback’s own backup (only if asked)',
						'SELECT TABLE_NAME FROM information_schema.TABLES (through the SSH tunnel)',
					),
				]
			: []),
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
		id: 'site-old-code-answering',
		title: 'the old code may still be answering',
		pattern: /the old code may still be serving/,
		severity: 'warning',
		advice: config =>
			'Right after a reload the old process can keep answering for a while, so an answer then proves nothing about the rolled-back code. ' +
			`rewind counts an answer only once the app's answer (a gateway's 502/503/504 proves nothing) differs from the one sampled just before the reload, or ${config.site.settleSeconds} s after the reload (site.settleSeconds), ` +
			`then needs ${config.site.confirmations} good answers in a row (site.confirmations). Checks that tell the two versions apart (site.mustNotContain: text only the bad deploy shows) make the proof quicker.`,
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
	const proven = http.acceptedAt !== undefined && (http.goodInRow ?? 0) >= (http.confirmations ?? 1);
	return [
		{
			id: 'site-status',
			label: 'Site answers 200',
			status: http.finalStatus === 200 && proven ? 'pass' : 'fail',
			detail: `${http.url} → ${http.finalStatus ?? 'no answer'} after ${attempts}; ${siteProof(http)}`,
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

/** Which answers counted as the new code's, and why: the proof behind the site's ✓ or ✗. */
function siteProof(http: NonNullable<CriteriaView['facts']['http']>): string {
	const rejected = http.observations.filter(observation => observation.counted === false).length;
	const notCounted =
		rejected > 0 ? `${rejected} answer${rejected === 1 ? '' : 's'} before not counted (the old code may have given ${rejected === 1 ? 'it' : 'them'})` : '';
	if (http.acceptedAt === undefined) return ['no answer shown to come from the new code', notCounted].filter(Boolean).join('; ');
	const first = http.observations.find(observation => observation.attempt === http.acceptedAt);
	const counted = `counted from request ${http.acceptedAt}${first?.why ? ` (${first.why})` : ''}`;
	const inRow = http.confirmations ? `${http.goodInRow ?? 0} of ${http.confirmations} good answers in a row` : '';
	return [counted, inRow, notCounted].filter(Boolean).join('; ');
}

export const verifyStep: StepDefinition = {
	id: 'verify',
	title: 'Verify',
	purpose: 'Proves the result: the server’s HEAD is the target, the site answers 200 with the right page, and the database is intact.',
	scope: 'server',
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
		'reloaded',
		'undoOf',
	],
	writes: ['remoteHeadAfter', 'http', 'fingerprintAfter', 'rollbackFinishedAt', 'ownBackupRestored'],
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
		if (context.facts.reloaded && !context.facts.reloaded.confirmed && site.settleSeconds >= site.timeoutSeconds)
			context.note(
				'warning',
				`site.settleSeconds (${site.settleSeconds} s) is not shorter than site.timeoutSeconds (${site.timeoutSeconds} s): a page the rollback does not change can never be shown to come from the new code. Lengthen the timeout.`,
			);
		if (context.kind === 'undo' && !context.facts.undoOf?.pageBefore && context.config.site.mustNotContain.length > 0) {
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
		let oldCodeHinted = false;
		const result = await context.record('http', () =>
			checkSite(site, {
				signal: context.signal,
				...(context.facts.reloaded ? {reload: context.facts.reloaded} : {}),
				onAttempt: (observation, remainingMs) => {
					const counted = observation.counted === false ? ` (not counted: ${observation.why})` : '';
					context.progress(`GET ${site.url}: ${observation.status ?? 'no answer'} ${observation.note}${counted}`, {
						elapsedMs: site.timeoutSeconds * 1000 - remainingMs,
						fraction: 1 - remainingMs / (site.timeoutSeconds * 1000),
					});
					if (!oldCodeHinted && observation.counted === false) {
						oldCodeHinted = true;
						const hint = hintFor(VERIFY_HINTS, 'site-old-code-answering', context.config, context.hintContext);
						if (hint) context.hint(hint);
					}
					if (!reloadLoopHinted && observation.note.includes('redirected to itself')) {
						reloadLoopHinted = true;
						const hint = hintFor(VERIFY_HINTS, 'site-redirect-loop', context.config, context.hintContext);
						if (hint) context.hint(hint);
					}
				},
			}),
		);
		context.setFacts({
			http: {
				url: site.url,
				observations: result.observations,
				finalStatus: result.finalStatus,
				checks: result.checks,
				...(result.acceptedAt === undefined ? {} : {acceptedAt: result.acceptedAt}),
				goodInRow: result.goodInRow,
				confirmations: site.confirmations,
			},
		});
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
		// An undo after a restore: the rollback's own backup, offered when the database is not back where it started.
		await offerOwnBackup(context);
		context.setFacts({rollbackFinishedAt: new Date().toISOString()});
		if (failures.length > 0) throw new VerificationFailed(`verification failed: ${failures.join('; ')}`);
		return `HEAD ${head.slice(0, 7)} is the target; ${site.url} answered 200 from the new code ${result.goodInRow} time${result.goodInRow === 1 ? '' : 's'} in a row (${result.observations.length} request${result.observations.length === 1 ? '' : 's'})${before ? '; database fingerprint compared' : ''}`;
	},
	criteria(view) {
		const {rollbackStartedAt, rollbackFinishedAt} = view.facts;
		const time: Criterion[] = [];
		// The time "to verified" is a claim only when verification passed.
		if (rollbackStartedAt && rollbackFinishedAt && view.stateOf('verify').state === 'succeeded') {
			const ms = Date.parse(rollbackFinishedAt) - Date.parse(rollbackStartedAt);
			time.push({
				id: 'rollback-time',
				label: `${view.kind === 'undo' ? 'Undo' : 'Rollback'} time under 5 min`,
				status: ms <= ROLLBACK_TARGET_MS ? 'pass' : 'warn',
				detail: `${formatDuration(ms)} from reset to verified`,
			});
		}
		return [...siteCriteria(view), ...databaseCriteria(view), ...time];
	},
};
