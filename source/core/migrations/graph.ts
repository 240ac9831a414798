/**
 * The revision graph of a set of Alembic migrations: heads, ancestry, and what a rollback crosses —
 * the revisions the database has that the target commit's heads do not include, in the order a
 * downgrade undoes them (a revision before the ones it revises). Branches and merges included.
 */
import type {Migration} from './alembic.js';

export class RevisionGraphError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RevisionGraphError';
	}
}

export class RevisionGraph {
	readonly #byRevision = new Map<string, Migration>();

	constructor(migrations: readonly Migration[]) {
		for (const migration of migrations) {
			const other = this.#byRevision.get(migration.revision);
			if (other && other.file !== migration.file)
				throw new RevisionGraphError(`revision ${migration.revision} is declared twice (${other.file} and ${migration.file})`);
			this.#byRevision.set(migration.revision, migration);
		}
		for (const migration of this.#byRevision.values()) {
			for (const down of migration.downRevisions) {
				if (!this.#byRevision.has(down))
					throw new RevisionGraphError(`${migration.file} (revision ${migration.revision}) revises ${down}, which no migration file declares`);
			}
		}
	}

	get size(): number {
		return this.#byRevision.size;
	}

	has(revision: string): boolean {
		return this.#byRevision.has(revision);
	}

	get(revision: string): Migration | undefined {
		return this.#byRevision.get(revision);
	}

	/** Revisions no other revision revises, sorted. */
	heads(): string[] {
		const revised = new Set([...this.#byRevision.values()].flatMap(migration => migration.downRevisions));
		return [...this.#byRevision.keys()].filter(revision => !revised.has(revision)).sort();
	}

	/** The revisions and everything they revise, transitively (themselves included). */
	ancestry(revisions: readonly string[]): Set<string> {
		const seen = new Set<string>();
		const queue = [...revisions];
		while (queue.length > 0) {
			const revision = queue.pop()!;
			if (seen.has(revision)) continue;
			const migration = this.#byRevision.get(revision);
			if (!migration) throw new RevisionGraphError(`revision ${revision} is not among the migration files`);
			seen.add(revision);
			queue.push(...migration.downRevisions);
		}
		return seen;
	}

	/**
	 * What going from `current` (the database's heads) down to `target` (the target commit's heads)
	 * undoes: newest first, each revision before the ones it revises (Kahn's order on the reversed graph).
	 */
	undoFrom(current: readonly string[], target: readonly string[]): Migration[] {
		const kept = this.ancestry(target);
		const undone = [...this.ancestry(current)].filter(revision => !kept.has(revision));
		const pending = new Set(undone);
		// A revision can be undone once nothing still pending revises it.
		const revisedBy = new Map<string, number>(undone.map(revision => [revision, 0]));
		for (const revision of undone)
			for (const down of this.#byRevision.get(revision)!.downRevisions) if (pending.has(down)) revisedBy.set(down, revisedBy.get(down)! + 1);
		const order: Migration[] = [];
		let ready = undone.filter(revision => revisedBy.get(revision) === 0).sort();
		while (ready.length > 0) {
			const revision = ready.shift()!;
			pending.delete(revision);
			const migration = this.#byRevision.get(revision)!;
			order.push(migration);
			for (const down of migration.downRevisions) {
				if (!pending.has(down)) continue;
				const left = revisedBy.get(down)! - 1;
				revisedBy.set(down, left);
				if (left === 0) ready = [...ready, down].sort();
			}
		}
		if (pending.size > 0) throw new RevisionGraphError(`the revisions form a cycle: ${[...pending].join(', ')}`);
		return order;
	}
}
