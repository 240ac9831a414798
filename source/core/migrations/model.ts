/** The data of schema migrations that runs, plans and reports share (plain data, no I/O). */

/** How the app's schema is migrated: Alembic (plain, or through Flask-Migrate), or the operator's own commands. */
export type MigrationKind = 'alembic' | 'flask-migrate' | 'command';

/** One migration as plans and reports show it. */
export type MigrationSummary = {
	readonly revision: string;
	readonly message: string;
	/** Why its downgrade cannot undo it; absent when it can. */
	readonly irreversible?: string;
	/** Tables its upgrade or downgrade changes. */
	readonly touches: readonly string[];
	/** It runs SQL whose tables cannot be read from it. */
	readonly touchesUnknown: boolean;
	/** When touchesUnknown: the names its code mentions, the only tables it could reach; absent, any table. */
	readonly mayTouch?: readonly string[];
	/** What its downgrade drops (`op.drop_table`, `op.drop_column`): data the rollback removes, kept only in the backup. */
	readonly drops?: {readonly tables: readonly string[]; readonly columns: readonly string[]};
};

/** What the migrations of a rollback cross: from the database's revision down to the target's. */
export type MigrationPlan = {
	readonly kind: MigrationKind;
	/** The database's revision(s) now; empty when no migration has run. */
	readonly current: readonly string[];
	/** The target commit's head revision(s); empty when it has no migrations. */
	readonly target: readonly string[];
	/** What the downgrade undoes, in the order it undoes them. */
	readonly undo: readonly MigrationSummary[];
	/** Migrations the target has that the database never ran (an undo moves forward). */
	readonly redo?: readonly MigrationSummary[];
	/** Why no plan could be made (unreadable files, a revision the files do not know); the step refuses. */
	readonly problem?: string;
};

export type MigrationsFound = {
	readonly kind: MigrationKind;
	/** The folder holding versions/ (Alembic); absent for the operator's own commands. */
	readonly dir?: string;
	/** The database's revision(s) at preflight; empty when no migration has run. */
	readonly current: readonly string[];
	/** HEAD's version files, parsed (Alembic): what the downgrade scripts are, while they still exist. */
	readonly migrations: readonly (MigrationSummary & {readonly downRevisions: readonly string[]; readonly file: string})[];
	/** Blob ids of HEAD's version files, by path (to know the target's without reading them again). */
	readonly blobs: Readonly<Record<string, string>>;
	/** Why the files could not be read (the plan then refuses to migrate). */
	readonly problem?: string;
};
