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
	/** Tables the undone migrations touched (and the version table): their differences are the downgrade's. */
	readonly tables: ReadonlySet<string>;
	/** An undone migration ran SQL whose tables cannot be read: other differences are warnings, not failures. */
	readonly unknownTables: boolean;
	/** An earlier backup was restored: every difference is expected (data written since it is gone). */
	readonly restored: boolean;
};

export const NOTHING_EXPECTED: ExpectedChanges = {tables: new Set(), unknownTables: false, restored: false};

/**
 * Sorts the differences: data lost in a table nothing was expected to change fails the check; the
 * changes the migrations made are listed; anything else is a warning.
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
		if (expected.restored || expected.tables.has(difference.table)) expectedChanges.push(text);
		else if (isDataLoss(difference) && !expected.unknownTables) failures.push(text);
		else warnings.push(text);
	}
	return {failures, expectedChanges, warnings};
}
