/**
 * Verify: the server's HEAD is the target, the site answers 200 with the expected text and without
 * the forbidden text (retrying through the reload window), and the database fingerprint matches.
 */
import {describeDifference, diffFingerprints, isDataLoss} from '../fingerprint.js';
import {matchHints} from '../hints.js';
import {takeFingerprint} from '../remote/database.js';
import {checkSite} from '../remote/http-check.js';
import {inDir} from '../shell.js';
import {VerificationFailed, type PlanView, type StepContext, type StepDefinition} from '../step.js';
import type {PlannedCommand} from '../types.js';
import {databaseCredentials} from './backup.js';

function verifyCommands(view: PlanView): PlannedCommand[] {
	const {database} = view.config;
	const site = view.kind === 'undo' ? {...view.config.site, mustNotContain: []} : view.config.site;
	const expectations = [
		...site.mustContain.map(text => `shows "${text}"`),
		...site.mustNotContain.map(text => `does not show "${text}"`),
	];
	return [
		{id: 'head', where: 'server', purpose: 'read the server HEAD', display: inDir(view.config.app.dir, `git rev-parse HEAD`)},
		{
			id: 'http',
			where: 'http',
			purpose: 'check the site',
			display: `GET ${site.url} until it answers 200${expectations.length > 0 ? ` and ${expectations.join(', ')}` : ''} (every ${site.intervalSeconds} s, up to ${site.timeoutSeconds} s)`,
		},
		...(database?.fingerprint && view.facts.fingerprintBefore !== null
			? [
					{
						id: 'fingerprint',
						where: 'database' as const,
						purpose: 'fingerprint the database after the rollback',
						display: `mysql ${database.user}@${database.host}:${database.port}/${database.name} through the SSH tunnel: row counts and CHECKSUM TABLE, compared with before`,
					},
				]
			: []),
	];
}

export const verifyStep: StepDefinition = {
	id: 'verify',
	title: 'Verify',
	interruptible: true,
	commands: verifyCommands,
	async run(context: StepContext) {
		const failures: string[] = [];
		const target = context.facts.target;
		const head = (await context.run('head', {stream: false})).stdout.trim();
		context.setFacts({remoteHeadAfter: head});
		if (target && head !== target.hash) failures.push(`the server's HEAD is ${head.slice(0, 12)}, not the target ${target.shortHash}`);

		// The forbidden text marks what a rollback removes; an undo brings that deploy back on purpose.
		const site = context.kind === 'undo' ? {...context.config.site, mustNotContain: []} : context.config.site;
		if (context.kind === 'undo' && context.config.site.mustNotContain.length > 0) {
			context.note('info', `Undo: the rollback's "must not contain" checks (${context.config.site.mustNotContain.join(', ')}) do not apply to the roll forward.`);
		}
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
						for (const hint of matchHints(observation.note, 'verify')) context.hint(hint);
					}
				},
			}),
		);
		context.setFacts({http: {url: site.url, observations: result.observations, finalStatus: result.finalStatus, checks: result.checks}});
		failures.push(...result.failures.filter(failure => !failure.startsWith('redirected to itself')));

		const database = context.config.database;
		const before = context.facts.fingerprintBefore;
		if (database?.fingerprint && before) {
			const credentials = await databaseCredentials(context);
			const after = await context.record('fingerprint', () => takeFingerprint(context.remote(), database, credentials.password));
			context.setFacts({fingerprintAfter: after});
			const differences = diffFingerprints(before, after);
			if (differences.some(isDataLoss)) failures.push(`database: ${differences.filter(isDataLoss).map(describeDifference).join('; ')}`);
			else if (differences.length > 0) context.note('warning', `The database changed during the rollback: ${differences.map(describeDifference).join('; ')}.`);
		}
		context.setFacts({rollbackFinishedAt: new Date().toISOString()});
		if (failures.length > 0) throw new VerificationFailed(`verification failed: ${failures.join('; ')}`);
		return `HEAD ${head.slice(0, 7)} is the target; ${site.url} answered 200${result.observations.length > 1 ? ` after ${result.observations.length} requests` : ''}${before ? '; database fingerprint compared' : ''}`;
	},
};
