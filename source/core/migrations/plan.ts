/**
 * The migration plan of a rollback: from the database's revision down to the target commit's head,
 * worked out from HEAD's version files (where the downgrade scripts are) and the target's own.
 */
import type {MigrationPlan, MigrationsFound, MigrationSummary, RunFacts} from '../types.js';
import type {Migration} from './alembic.js';
import {RevisionGraph, RevisionGraphError} from './graph.js';

export function summary(migration: Migration | MigrationsFound['migrations'][number]): MigrationSummary {
	return {
		revision: migration.revision,
		message: migration.message,
		...(migration.irreversible ? {irreversible: migration.irreversible} : {}),
		touches: migration.touches,
		touchesUnknown: migration.touchesUnknown,
		...(migration.mayTouch ? {mayTouch: migration.mayTouch} : {}),
		...(migration.drops ? {drops: migration.drops} : {}),
	};
}

/** The plan for an Alembic app; `targetFiles` are the target's own version files, parsed. */
export function planAlembic(found: MigrationsFound, targetFiles: readonly Migration[]): MigrationPlan {
	const base = {kind: found.kind, current: found.current, target: [] as string[], undo: []};
	if (found.problem) return {...base, problem: found.problem};
	try {
		const target = new RevisionGraph(targetFiles).heads();
		const known = new Map<string, Migration>();
		for (const migration of [...targetFiles, ...found.migrations]) known.set(migration.revision, migration);
		const graph = new RevisionGraph([...known.values()]);
		const unknown = found.current.filter(revision => !graph.has(revision));
		if (unknown.length > 0)
			return {
				...base,
				target,
				problem: `the database is at revision ${unknown.join(', ')}, which no version file at HEAD or at the target declares`,
			};
		const missing = [...graph.ancestry(target)].filter(revision => !graph.ancestry(found.current).has(revision));
		const undo = graph.undoFrom(found.current, target).map(summary);
		if (missing.length > 0 && undo.length > 0)
			return {...base, target, undo, problem: `the target has migrations the database never ran (${missing.join(', ')}) besides those to undo`};
		// Down to base drops every table the migrations made: never planned, only reached through a way out.
		if (target.length === 0 && undo.length > 0)
			return {
				...base,
				target,
				undo,
				problem: 'the target has no migrations, so the downgrade would go to base and drop every table the migrations made',
			};
		const redo = missing.map(revision => summary(graph.get(revision)!));
		return {...base, target, undo, ...(redo.length > 0 ? {redo} : {})};
	} catch (error) {
		if (error instanceof RevisionGraphError) return {...base, problem: error.message};
		throw error;
	}
}

/** The run's migration plan: the one made at the pick, or after it (migrations turned on by a fix). */
export function migrationPlanOf(facts: Pick<RunFacts, 'migrationPlan' | 'impact'>): MigrationPlan | undefined {
	return facts.migrationPlan ?? facts.impact?.migrations;
}

/** One line for the picker, the confirm screen and the report. */
export function describePlan(plan: MigrationPlan): string {
	if (plan.problem) return `migrations: cannot plan the downgrade (${plan.problem})`;
	const to = plan.target.length === 0 ? 'base (no migrations)' : plan.target.join(', ');
	if (plan.redo && plan.redo.length > 0) return `migrations: upgrade ${plan.redo.length} to ${to}`;
	if (plan.undo.length === 0) return `migrations: the database is already at the target’s revision (${to})`;
	const irreversible = plan.undo.filter(migration => migration.irreversible).length;
	return `migrations: downgrade ${plan.undo.length} to ${to}${irreversible > 0 ? ` — ${irreversible} irreversible` : ''}`;
}
