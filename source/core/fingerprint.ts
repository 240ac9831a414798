/** Comparing two database fingerprints (tables, schema, row counts, CHECKSUM TABLE). Pure. */
import type {DatabaseFingerprint, FingerprintDifference, TableFingerprint} from './types.js';

function schemaOf(table: TableFingerprint): string | undefined {
	if (!table.columns) return undefined;
	const columns = table.columns.map(column => `${column.name} ${column.type}${column.nullable ? '' : ' not null'}`).join(', ');
	return `${columns}${table.indexes && table.indexes.length > 0 ? `; indexes ${table.indexes.join(', ')}` : ''}`;
}

/** Columns and indexes gone and new: `− name varchar(80) not null; + display_name varchar(80) not null`. */
function schemaChange(before: TableFingerprint, after: TableFingerprint): string {
	const parts = (table: TableFingerprint) => [
		...(table.columns ?? []).map(column => `${column.name} ${column.type}${column.nullable ? '' : ' not null'}`),
		...(table.indexes ?? []).map(index => `index ${index}`),
	];
	const old = parts(before);
	const now = parts(after);
	const gone = old.filter(part => !now.includes(part)).map(part => `− ${part}`);
	const added = now.filter(part => !old.includes(part)).map(part => `+ ${part}`);
	return [...gone, ...added].join(', ') || 'column order';
}

export function diffFingerprints(before: DatabaseFingerprint, after: DatabaseFingerprint): FingerprintDifference[] {
	const differences: FingerprintDifference[] = [];
	const afterByName = new Map(after.tables.map(table => [table.name, table]));
	const beforeNames = new Set(before.tables.map(table => table.name));
	for (const table of before.tables) {
		const now = afterByName.get(table.name);
		if (!now) {
			differences.push({table: table.name, kind: 'missing', before: `${table.rows} rows`});
			continue;
		}
		const schemaBefore = schemaOf(table);
		const schemaAfter = schemaOf(now);
		if (schemaBefore !== undefined && schemaAfter !== undefined && schemaBefore !== schemaAfter)
			differences.push({table: table.name, kind: 'schema', before: schemaBefore, after: schemaAfter, change: schemaChange(table, now)});
		if (now.rows !== table.rows) differences.push({table: table.name, kind: 'rows', before: String(table.rows), after: String(now.rows)});
		else if (now.checksum !== table.checksum && !(schemaBefore !== schemaAfter))
			differences.push({table: table.name, kind: 'checksum', before: table.checksum ?? 'none', after: now.checksum ?? 'none'});
	}
	for (const table of after.tables) {
		if (!beforeNames.has(table.name)) differences.push({table: table.name, kind: 'added', after: `${table.rows} rows`});
	}
	return differences;
}

/** A table gone or rows fewer: data may have been lost. */
export function isDataLoss(difference: FingerprintDifference): boolean {
	return difference.kind === 'missing' || (difference.kind === 'rows' && Number(difference.after) < Number(difference.before));
}

export function describeDifference(difference: FingerprintDifference): string {
	switch (difference.kind) {
		case 'missing':
			return `${difference.table}: table is gone (had ${difference.before})`;
		case 'added':
			return `${difference.table}: new table (${difference.after})`;
		case 'rows':
			return `${difference.table}: rows ${difference.before} → ${difference.after}`;
		case 'checksum':
			return `${difference.table}: same row count, contents changed (checksum ${difference.before} → ${difference.after})`;
		case 'schema':
			return `${difference.table}: schema changed (${difference.change ?? `${difference.before} → ${difference.after}`})`;
	}
}

/** What the schema's migrations were expected to change between the two fingerprints. */
export type ExpectedChanges = {
	/** Tables the migrations run touch (and the version table): their differences are the migrations'. */
	readonly tables: ReadonlySet<string>;
	/**
	 * Migrations that run SQL whose tables cannot be read, each with the names its code mentions
	 * (undefined: it could reach any table): a difference in such a table is a warning naming it.
	 */
	readonly unknown: ReadonlyArray<{readonly migration: string; readonly mayTouch?: readonly string[]}>;
	/** An earlier backup was restored: every difference is expected (data written since it is gone). */
	readonly restored: boolean;
};

export const NOTHING_EXPECTED: ExpectedChanges = {tables: new Set(), unknown: [], restored: false};

/**
 * Sorts the differences: the migrations' own changes are listed; a difference in a table a
 * migration with unreadable SQL could reach is a warning naming that migration; anything else
 * changed — a row lost, added or altered, a table gone or new — fails, with the table and the counts.
 */
export function judgeDifferences(
	differences: readonly FingerprintDifference[],
	expected: ExpectedChanges,
): {failures: string[]; expectedChanges: string[]; warnings: string[]} {
	const failures: string[] = [];
	const expectedChanges: string[] = [];
	const warnings: string[] = [];
	for (const difference of differences) {
		const text = describeDifference(difference);
		const table = difference.table.toLowerCase();
		const reachedBy = expected.unknown.filter(unknown => !unknown.mayTouch || unknown.mayTouch.some(name => name.toLowerCase() === table));
		if (expected.restored || [...expected.tables].some(name => name.toLowerCase() === table)) expectedChanges.push(text);
		else if (reachedBy.length > 0)
			warnings.push(
				`${text} (${reachedBy.map(unknown => unknown.migration).join(', ')} runs SQL rewind cannot read${reachedBy.some(unknown => unknown.mayTouch) ? ' and names this table' : ''})`,
			);
		else failures.push(`${text}: no migration of this run changes it`);
	}
	return {failures, expectedChanges, warnings};
}
