/** Comparing two database fingerprints (tables, schema, row counts, CHECKSUM TABLE). Pure. */
import type {DatabaseFingerprint, FingerprintDifference, TableFingerprint} from './types.js';

function schemaOf(table: TableFingerprint): string | undefined {
	if (!table.columns) return undefined;
	const columns = table.columns.map(column => `${column.name} ${column.type}${column.nullable ? '' : ' not null'}`).join(', ');
	return `${columns}${table.indexes && table.indexes.length > 0 ? `; indexes ${table.indexes.join(', ')}` : ''}`;
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
			differences.push({table: table.name, kind: 'schema', before: schemaBefore, after: schemaAfter});
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
			return `${difference.table}: schema changed (${difference.before} → ${difference.after})`;
	}
}
