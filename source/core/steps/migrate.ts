/**
 * Migrate down: after the verified backup and before the reset (while the downgrade scripts still
 * exist), the framework's downgrade to the target's head revision, its output streamed, then the
 * database's revision checked. Gated by the verified backup, like the reset; never cut in half by
 * a stop. A migration that cannot be undone stops it before anything runs, with the ways out.
 * Migrate up (an undo): the upgrade back to the revision the rollback started from, after the reset.
 */
import {CommandFailedError, OperatorAborted, UserError} from '../errors.js';
import {hintFor, type HintRule} from '../hints.js';
import {guardedDowngrade, migrateCommand, revisionArgument} from '../migrations/commands.js';
import {readRevisions, revisionRead} from '../migrations/revisions.js';
import {crossCheck, crossCheckCommand} from '../migrations/cross-check.js';
import {describePlan, migrationPlanOf} from '../migrations/plan.js';
import {planAfterThePick} from '../migrations/target-plan.js';
import {backupsAt, describeBackupAge, lossPreview, refusalText, restoreBackup} from '../migrations/way-out.js';
import type {CriteriaView, PlanView, StepContext, StepDefinition} from '../step.js';
import {describedCommand, EXIT, serverCommand, type Criterion, type MigrationPlan, type PlannedCommand} from '../types.js';

const utcMinute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const sameRevisions = (a: readonly string[], b: readonly string[]) => [...a].sort().join(',') === [...b].sort().join(',');
const revisions = (list: readonly string[]) => list.join(', ') || 'base';

function planOf(view: Pick<PlanView, 'facts'>): MigrationPlan | undefined {
	return migrationPlanOf(view.facts);
}

/** After the reset (a re-run from here), the scripts of the revisions to undo come back from the commit rolled back from. */
function scriptsFrom(view: PlanView, plan: MigrationPlan | undefined) {
	const {facts} = view;
	if (!plan || !facts.fromHead || !facts.target || facts.remoteHeadAfter !== facts.target.hash) return undefined;
	const files = plan.undo.flatMap(step => facts.migrationsFound?.migrations.find(migration => migration.revision === step.revision)?.file ?? []);
	return {commit: facts.fromHead, files};
}

function downCommands(view: PlanView): PlannedCommand[] {
	const plan = planOf(view);
	// Before preflight has looked, the configured kind (Alembic until the folder says Flask-Migrate).
	const configured = view.config.migrations.kind;
	const kind =
		plan?.kind ??
		view.facts.migrationsFound?.kind ??
		(configured === 'none' || !view.config.database ? undefined : configured === 'auto' ? 'alembic' : configured);
	if (!kind) return [];
	const to = revisionArgument(plan?.target);
	return [
		...(kind === 'command' ? [] : [crossCheckCommand(view)]),
		serverCommand(
			'downgrade',
			`migrate the schema down to the target’s revision (${kind}), only while HEAD and the working tree are as the run saw them`,
			guardedDowngrade(view, kind, to, scriptsFrom(view, plan)),
		),
		revisionRead(view, kind),
		// Only on the way out through an earlier backup (an irreversible migration).
		describedCommand(
			'read-tables',
			'database',
			'list the tables before restoring an earlier backup',
			'SELECT TABLE_NAME FROM information_schema.TABLES (through the SSH tunnel)',
		),
	];
}

const MIGRATE_HINTS: readonly HintRule[] = [
	{
		id: 'migration-irreversible',
		title: 'a migration on the way down cannot be undone',
		pattern: /cannot be undone|downgrade\(\) (raises|is empty)/,
		severity: 'error',
		advice: () =>
			'Its downgrade() raises or does nothing: code cannot put back what it changed. Restore a backup taken at the target’s revision (data written since is lost), ' +
			'or reset the code only if the old code copes with the newer schema.',
	},
	{
		id: 'migration-no-plan',
		title: 'the way down for the schema cannot be worked out',
		pattern: /no plan could be made|migration heads/,
		severity: 'error',
		advice: () =>
			'The version files and the database do not agree (a revision no file declares, a broken chain, several heads). Check `flask db history` / `alembic history` on the server.',
	},
];

/** No way down (irreversible, no plan, several heads): the operator picks a way out, or a run without a terminal refuses. */
async function wayOut(context: StepContext, plan: MigrationPlan, why: string): Promise<string> {
	const irreversible = plan.undo.filter(migration => migration.irreversible);
	const hint = hintFor(MIGRATE_HINTS, irreversible.length > 0 ? 'migration-irreversible' : 'migration-no-plan', context.config, context.hintContext);
	if (hint) context.hint(hint);
	context.setFacts({migrationBlocked: why});
	const backups = await backupsAt(context, plan.target);
	const answer = await context.ask({kind: 'migration-way-out', why, irreversible, target: plan.target, backups, refusal: refusalText(plan, why, backups)});
	if (answer.choice === 'abort') throw new OperatorAborted(`the schema was not migrated down (${why})`);
	if (answer.choice === 'code-only') {
		const reason = (
			await context.ask({
				kind: 'override-reason',
				warning: `Resetting the code only: the schema stays at ${revisions(plan.current)}, ahead of the code, which may fail against it.`,
				example: 'e.g. the new columns are only added, the old code ignores them',
			})
		)?.trim();
		if (!reason) throw new OperatorAborted('no reason was given to leave the schema ahead');
		context.setFacts({migrationOverride: {reason, at: new Date().toISOString()}});
		context.note('warning', `The schema stays at ${revisions(plan.current)}, ahead of the code (override: ${reason}). The old code may fail against it.`);
		return `schema left at ${revisions(plan.current)} (override: ${reason})`;
	}
	const backup = backups.find(candidate => candidate.path === answer.path);
	if (!backup) throw new UserError(`${answer.path} is not an earlier backup at the target's revision.`, EXIT.refused);
	// Typed, with the loss named: a restore replaces the database with an older one.
	const loss = lossPreview(backup, context.facts.fingerprintBefore, context.config.migrations.versionTable);
	const keeps = context.facts.backup?.verified ? ` This run's backup keeps it all: ${context.facts.backup.path}.` : '';
	const reason = (
		await context.ask({
			kind: 'override-reason',
			warning: `Restoring ${backup.path} (${describeBackupAge(backup)}) replaces the database with it. Lost: ${loss.join('; ')}.${keeps}`,
			example: 'e.g. the downgrade raises; the sessions since 09:00 can be re-entered from the log',
		})
	)?.trim();
	if (!reason) throw new OperatorAborted('no reason was given to restore an earlier backup');
	context.note('warning', `Restoring ${backup.path} (${describeBackupAge(backup)}; reason: ${reason}). Lost: ${loss.join('; ')}.${keeps}`);
	const dropped = await restoreBackup(context, backup);
	if (dropped.length > 0) context.note('info', `Dropped before the restore (not in that backup): ${dropped.join(', ')}.`);
	const now = await readRevisions(context, plan.kind);
	if (!sameRevisions(now, plan.target)) throw new Error(`after the restore the database is at ${revisions(now)}, not ${revisions(plan.target)}`);
	context.setFacts({
		migrationRestore: {path: backup.path, takenAt: backup.takenAt, reason, loss},
		migrated: {from: plan.current, to: now, how: 'restore', at: new Date().toISOString()},
	});
	return `restored ${backup.path}: the schema is at ${revisions(now)}`;
}

export const migrateDownStep: StepDefinition = {
	id: 'migrate',
	title: 'Migrate down',
	purpose: 'Runs the schema migrations down to the target’s revision — after the verified backup, before the reset, while the down scripts still exist.',
	scope: 'run',
	interruptible: false,
	reads: ['impact', 'migrationsFound', 'backup', 'backupOverride', 'fromHead', 'target', 'remoteHeadAfter'],
	writes: ['migrated', 'migrationOverride', 'migrationRestore', 'migrationsFound', 'migrationPlan', 'migrationBlocked'],
	commands: downCommands,
	hints: MIGRATE_HINTS,
	async skip(context) {
		// Run again after the reset, with migrations turned on by a fix: the plan is made now.
		if (!planOf(context) && context.facts.remoteHeadAfter !== undefined) {
			const late = await planAfterThePick(context);
			if (late) context.setFacts({migrationsFound: late.found, migrationPlan: late.plan});
		}
		const plan = planOf(context);
		if (!plan) return context.facts.migrationsFound ? 'the target’s migrations were not read' : 'no migrations in this app';
		if (plan.undo.length === 0 && !plan.problem) return `the database is already at the target’s revision (${revisions(plan.target)})`;
		// A resumed run whose interrupted downgrade finished on the server (preflight read the revision afresh).
		const now = context.facts.migrationsFound?.current;
		if (!plan.problem && now && !sameRevisions(now, plan.current) && sameRevisions(now, plan.target)) {
			context.setFacts({migrated: {from: plan.current, to: now, how: 'downgrade', at: new Date().toISOString()}});
			return `the database is already at the target’s revision (${revisions(plan.target)}): the interrupted run’s downgrade finished`;
		}
		return undefined;
	},
	async run(context: StepContext) {
		const plan = planOf(context)!;
		const {facts, config} = context;
		if (config.database && !facts.backup?.verified && !facts.backupOverride)
			throw new UserError('Refusing to migrate the schema down: there is no verified backup of the database and no override was given.', EXIT.refused);
		const irreversible = plan.undo.filter(migration => migration.irreversible);
		const why = plan.problem
			? `no plan could be made (${plan.problem})`
			: plan.target.length > 1
				? `the target has ${plan.target.length} migration heads (${plan.target.join(', ')}); downgrade to each by hand`
				: irreversible.length > 0
					? `${irreversible.map(migration => `${migration.revision} (${migration.message}): ${migration.irreversible}`).join('; ')}`
					: undefined;
		if (why) return wayOut(context, plan, why);
		if (plan.kind !== 'command') {
			const disagreement = await crossCheck(context, plan);
			if (disagreement) {
				context.setFacts({migrationBlocked: disagreement});
				throw new UserError(
					`Refusing to migrate the schema down: two reads of the server disagree — ${disagreement}. Nothing was changed (HEAD and schema as they were). ` +
						'Check the migrations folder on the server (git ls-tree HEAD and the target), then run rewind again.',
					EXIT.refused,
				);
			}
		}
		const downgrade = await context.run('downgrade', {allowFailure: true});
		const moved = /^rewind: (.*); nothing was migrated$/m.exec(downgrade.stderr)?.[1];
		if (downgrade.exitCode === 3 && moved)
			throw new UserError(
				`Refusing to migrate the schema down: ${moved}. Nothing was migrated and nothing was reset: the schema and the code are as they were, together. Run rewind again to see the new state.`,
				EXIT.refused,
			);
		if (downgrade.exitCode !== 0)
			throw new CommandFailedError(
				`the downgrade failed (exit ${downgrade.exitCode ?? downgrade.exitSignal})`,
				downgrade.exitCode,
				`${downgrade.stderr}\n${downgrade.stdout}`,
			);
		const now = await readRevisions(context, plan.kind);
		if (!sameRevisions(now, plan.target))
			throw new Error(`after the downgrade the database is at ${revisions(now)}, not the target's ${revisions(plan.target)}`);
		context.setFacts({migrated: {from: plan.current, to: now, how: 'downgrade', at: new Date().toISOString()}});
		return `${describePlan(plan).replace(/^migrations: /, '')}: ${revisions(plan.current)} → ${revisions(now)}`;
	},
	criteria: schemaCriteria,
};

function schemaCriteria({facts, stateOf}: CriteriaView): Criterion[] {
	const plan = planOf({facts});
	const label = 'Schema at the target’s revision';
	if (!plan) return facts.migrationsFound ? [{id: 'schema', label, status: 'skip', detail: 'no plan'}] : [];
	const {state, summary} = stateOf('migrate');
	if (facts.migrationRestore)
		return [{id: 'schema', label, status: 'warn', detail: `restored the backup of ${utcMinute(facts.migrationRestore.takenAt)}: data written since is lost`}];
	if (facts.migrationOverride)
		return [{id: 'schema', label, status: 'warn', detail: `left at ${revisions(plan.current)} by the operator: ${facts.migrationOverride.reason}`}];
	if (facts.migrated) return [{id: 'schema', label, status: 'pass', detail: `${revisions(facts.migrated.from)} → ${revisions(facts.migrated.to)}`}];
	if (state === 'skipped') return [{id: 'schema', label, status: plan.undo.length === 0 ? 'pass' : 'skip', detail: summary ?? 'skipped'}];
	if (state === 'failed' && facts.migrationBlocked)
		return [{id: 'schema', label, status: 'fail', detail: `not migrated, nothing changed: ${facts.migrationBlocked}`}];
	return [{id: 'schema', label, status: state === 'failed' ? 'fail' : 'skip', detail: state === 'failed' ? 'the downgrade failed' : 'not reached'}];
}

/** The undo's upgrade: back to the revision the rollback started from, once the code (and its scripts) is back. */
export const migrateUpStep: StepDefinition = {
	id: 'migrate-up',
	title: 'Migrate up',
	purpose: 'Runs the schema migrations back up to the revision the rollback started from, now that the newer code (and its upgrade scripts) is back.',
	scope: 'run',
	interruptible: false,
	reads: ['undoOf', 'migrationsFound'],
	writes: ['migrated'],
	commands: view => {
		const kind = view.facts.undoOf?.migrations?.kind;
		const to = view.facts.undoOf?.migrations?.from;
		return kind && to
			? [
					serverCommand('upgrade', `migrate the schema back up (${kind})`, migrateCommand(view, kind, 'upgrade', revisionArgument(to))),
					revisionRead(view, kind),
				]
			: [];
	},
	skip(context) {
		const undo = context.facts.undoOf?.migrations;
		if (!undo) return 'the rollback did not migrate the schema';
		if (sameRevisions(context.facts.migrationsFound?.current ?? [], undo.from)) return `the database is already at ${revisions(undo.from)}`;
		return undefined;
	},
	async run(context: StepContext) {
		const undo = context.facts.undoOf!.migrations!;
		await context.run('upgrade');
		const now = await readRevisions(context, undo.kind);
		if (!sameRevisions(now, undo.from)) throw new Error(`after the upgrade the database is at ${revisions(now)}, not ${revisions(undo.from)}`);
		context.setFacts({migrated: {from: context.facts.migrationsFound?.current ?? [], to: now, how: 'upgrade', at: new Date().toISOString()}});
		return `schema back at ${revisions(now)}`;
	},
	criteria({facts, stateOf}) {
		const undo = facts.undoOf?.migrations;
		if (!undo) return [];
		const label = 'Schema back where the rollback started';
		const {state, summary} = stateOf('migrate-up');
		if (facts.migrated) return [{id: 'schema', label, status: 'pass', detail: `${revisions(facts.migrated.from)} → ${revisions(facts.migrated.to)}`}];
		if (state === 'skipped') return [{id: 'schema', label, status: 'pass', detail: summary ?? 'already there'}];
		return [{id: 'schema', label, status: state === 'failed' ? 'fail' : 'skip', detail: state === 'failed' ? 'the upgrade failed' : 'not reached'}];
	},
};
