/**
 * Reading an Alembic (or Flask-Migrate) version file without running it: its revision, the
 * revision(s) it revises, its message, whether its downgrade() can undo it, and the tables its
 * upgrade() touches. The file is Python text from the server: it is parsed, never evaluated.
 */

export type Migration = {
	readonly revision: string;
	/** The revisions this one revises: none for the first, two or more for a merge. */
	readonly downRevisions: readonly string[];
	readonly message: string;
	readonly file: string;
	/** Why downgrade() cannot undo it (empty, `pass`, or it raises); undefined when it can. */
	readonly irreversible?: string;
	/** Tables upgrade() or downgrade() create, alter, drop or write (their `op.…` calls and literal SQL). */
	readonly touches: readonly string[];
	/** upgrade() or downgrade() run SQL or code whose tables cannot be read from it (SQL built at run time, `get_bind`). */
	readonly touchesUnknown: boolean;
	/** What downgrade() drops (tables, `table.column`s). */
	readonly drops?: {readonly tables: readonly string[]; readonly columns: readonly string[]};
	/** When touchesUnknown: the names its code mentions, the only tables it could reach. */
	readonly mayTouch?: readonly string[];
};

const QUOTED = /(?:'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)")/g;

/** The value of a top-level assignment (`name = …` or `name: Type = …`), up to its end (brackets may span lines). */
function assignment(source: string, name: string): string | undefined {
	const match = new RegExp(`^${name}(?:\\s*:[^=\\n]+)?\\s*=\\s*`, 'm').exec(source);
	if (!match) return undefined;
	let depth = 0;
	let end = match.index + match[0].length;
	for (; end < source.length; end++) {
		const char = source[end];
		if (char === '(' || char === '[') depth++;
		else if (char === ')' || char === ']') depth--;
		else if (char === '\n' && depth <= 0) break;
	}
	return source
		.slice(match.index + match[0].length, end)
		.replace(/#.*$/gm, '')
		.trim();
}

function strings(value: string): string[] {
	return [...value.matchAll(QUOTED)].map(match => match[1] ?? match[2] ?? '');
}

/** The first line of the module's docstring (Alembic's template puts the message there). */
function docstringMessage(source: string): string {
	const match = /^\s*(?:[rRuU]?)("""|''')([\s\S]*?)\1/.exec(source);
	return (match?.[2] ?? '').split('\n')[0]!.trim();
}

/** The body of a top-level `def name(…):`, up to the next top-level statement. */
export function functionBody(source: string, name: string): string | undefined {
	const match = new RegExp(`^def ${name}\\s*\\([^)]*\\)\\s*(?:->[^:]+)?:[ \\t]*(.*)$`, 'm').exec(source);
	if (!match) return undefined;
	const inline = match[1]!.trim();
	if (inline !== '' && !inline.startsWith('#')) return inline;
	const rest = source.slice(match.index + match[0].length + 1);
	const lines: string[] = [];
	for (const line of rest.split('\n')) {
		if (line.trim() !== '' && !/^[ \t]/.test(line)) break;
		lines.push(line);
	}
	return lines.join('\n');
}

/** The statements of a body: comments, blank lines and a leading docstring dropped. */
function statements(body: string): string[] {
	const withoutDocstring = body.replace(/^\s*[rRuU]?("""|''')[\s\S]*?\1/, '');
	return withoutDocstring
		.split('\n')
		.map(line => line.replace(/#.*$/, '').trim())
		.filter(line => line !== '');
}

/** Why a downgrade() body cannot undo its migration, or undefined when it does something. */
export function irreversibility(body: string | undefined): string | undefined {
	if (body === undefined) return 'it has no downgrade()';
	const lines = statements(body);
	if (lines.length === 0 || lines.every(line => line === 'pass' || line === '...')) return 'its downgrade() is empty';
	if (/^raise\b/.test(lines[0]!)) {
		const raised = lines[0]!.replace(/^raise\s*/, '');
		return `its downgrade() raises (${raised.length > 140 ? `${raised.slice(0, 139)}…` : raised || 'an error'})`;
	}
	return undefined;
}

/** Tables and `table.column`s a downgrade drops, by its literal `op.drop_table` / `op.drop_column` calls. */
export function droppedBy(body: string | undefined): {tables: string[]; columns: string[]} | undefined {
	if (body === undefined) return undefined;
	const tables = [...body.matchAll(/\bop\.drop_table\(\s*['"]([^'"]+)['"]/g)].map(match => match[1]!);
	const columns = [...body.matchAll(/\bop\.drop_column\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]/g)].map(match => `${match[1]}.${match[2]}`);
	return tables.length + columns.length > 0 ? {tables, columns} : undefined;
}

/** What a migration function changes: the tables it names, and whether it runs SQL rewind cannot read. */
export type Touched = {tables: string[]; unknown: boolean; mayTouch?: string[]};

/** Statements that write: their table is the word after them. */
const WRITING_SQL =
	/\b(?:UPDATE(?:\s+(?:LOW_PRIORITY|IGNORE))*|INSERT(?:\s+(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE))*(?:\s+INTO)?|REPLACE(?:\s+INTO)?|DELETE(?:\s+(?:LOW_PRIORITY|QUICK|IGNORE))*\s+FROM|ALTER\s+TABLE|CREATE\s+(?:TEMPORARY\s+)?TABLE(?:\s+IF\s+NOT\s+EXISTS)?|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|TRUNCATE(?:\s+TABLE)?|(?:CREATE|DROP)\s+(?:UNIQUE\s+)?INDEX\s+[`"]?\w+[`"]?\s+ON|RENAME\s+TABLE|LOAD\s+DATA\b[^;]*?\bINTO\s+TABLE)\s+[`"]?([A-Za-z_][\w$]*)[`"]?(?:\s*\.\s*[`"]?([A-Za-z_][\w$]*)[`"]?)?/gi;

/**
 * The tables a piece of SQL writes, or undefined when it cannot be told (a multi-table UPDATE or
 * DELETE, a procedure call, statements rewind does not know).
 */
export function sqlWrites(sql: string): string[] | undefined {
	const tables = new Set<string>();
	const statements = sql
		.split(';')
		.map(statement => statement.trim())
		.filter(Boolean);
	for (const statement of statements) {
		if (/^(?:SELECT|SET|SHOW|DESCRIBE|EXPLAIN|COMMIT|BEGIN|START\s+TRANSACTION)\b/i.test(statement) && !/\bINTO\s+(?:OUT|DUMP)FILE\b/i.test(statement))
			continue;
		// A write whose target is not the word after the keyword: a multi-table form, a call.
		if (
			/^(?:CALL|DO|HANDLER|PREPARE|EXECUTE)\b/i.test(statement) ||
			/^UPDATE\b[^;]*?\bJOIN\b/i.test(statement) ||
			/^DELETE\s+\w+(?:\s*,\s*\w+)*\s+FROM\b/i.test(statement)
		)
			return undefined;
		const found = [...statement.matchAll(WRITING_SQL)];
		if (found.length === 0) return undefined;
		for (const match of found) tables.add(match[2] ?? match[1]!);
		if (/^RENAME\s+TABLE\b/i.test(statement)) for (const match of statement.matchAll(/\bTO\s+[`"]?([A-Za-z_][\w$]*)/gi)) tables.add(match[1]!);
	}
	return [...tables];
}

/** The SQL of an `op.execute(...)` call when it is literal text (also inside `sa.text(...)`), else undefined. */
function literalSql(args: string): string | undefined {
	const inner = /^\s*(?:(?:sa|sqlalchemy)\.)?text\(\s*([\s\S]*?)\s*\)\s*$/.exec(args)?.[1] ?? args;
	// Only string literals, side by side (Python joins them): no f-strings, %, .format or names.
	const literal = /^(?:\s*(?:[rRuU]?)(?:"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))+\s*,?\s*$/;
	if (!literal.test(inner)) return undefined;
	return [...inner.matchAll(/[rRuU]?("""|'''|"|')([\s\S]*?)\1/g)].map(match => match[2]!).join('');
}

/** The argument text of a call whose `(` is at `open`, up to its matching `)`. */
function callArguments(body: string, open: number): string {
	let depth = 0;
	let quote: string | undefined;
	for (let index = open; index < body.length; index++) {
		const char = body[index]!;
		if (quote) {
			if (char === '\\') index++;
			else if (body.startsWith(quote, index)) {
				index += quote.length - 1;
				quote = undefined;
			}
			continue;
		}
		if (body.startsWith('"""', index) || body.startsWith("'''", index)) {
			quote = body.slice(index, index + 3);
			index += 2;
		} else if (char === '"' || char === "'") quote = char;
		else if (char === '(') depth++;
		else if (char === ')' && --depth === 0) return body.slice(open + 1, index);
	}
	return body.slice(open + 1);
}

/**
 * Tables named in the `op.…` calls of a migration function, and the tables literal SQL in
 * `op.execute` writes. SQL built at run time (or `get_bind`) makes the tables unknowable: then
 * `mayTouch` lists every name the code mentions, the only tables it could reach.
 */
export function touchedTables(body: string | undefined): Touched {
	if (body === undefined) return {tables: [], unknown: false};
	const tables = new Set<string>();
	let unknown = false;
	const call = /\bop\.(\w+)\(\s*([^)]*)/g;
	for (const match of body.matchAll(call)) {
		const [, operation = '', args = ''] = match;
		const named = strings(args);
		const keyword = /table_name\s*=\s*['"]([^'"]+)['"]/.exec(args)?.[1];
		switch (operation) {
			case 'create_index':
			case 'create_unique_constraint':
			case 'create_primary_key':
			case 'create_check_constraint':
				if (named[1]) tables.add(named[1]);
				break;
			case 'create_foreign_key':
				for (const table of named.slice(1, 3)) tables.add(table);
				break;
			case 'rename_table':
				for (const table of named.slice(0, 2)) tables.add(table);
				break;
			case 'drop_index':
			case 'drop_constraint':
				if (keyword ?? named[1]) tables.add((keyword ?? named[1])!);
				break;
			case 'execute': {
				const sql = literalSql(callArguments(body, match.index + match[0].indexOf('(')));
				const written = sql === undefined ? undefined : sqlWrites(sql);
				if (written === undefined) unknown = true;
				else for (const table of written) tables.add(table);
				break;
			}
			case 'get_bind':
				unknown = true;
				break;
			case 'bulk_insert':
				break;
			default:
				if (keyword) tables.add(keyword);
				else if (named[0]) tables.add(named[0]);
		}
	}
	for (const match of body.matchAll(/\bop\.batch_alter_table\(\s*['"]([^'"]+)['"]/g)) tables.add(match[1]!);
	// bulk_insert(table, rows): the table object is usually `sa.table('name', …)` assigned above.
	for (const match of body.matchAll(/\bop\.bulk_insert\(\s*(\w+)/g)) {
		const defined = new RegExp(`\\b${match[1]}\\s*=\\s*(?:sa\\.)?table\\(\\s*['"]([^'"]+)['"]`).exec(body)?.[1];
		if (defined) tables.add(defined);
		else unknown = true;
	}
	if (!unknown) return {tables: [...tables].sort(), unknown: false};
	const mayTouch = new Set([...body.matchAll(/[A-Za-z_][\w$]*/g)].map(word => word[0]));
	return {tables: [...tables].sort(), unknown: true, mayTouch: [...mayTouch].sort()};
}

/** What upgrade() and downgrade() together touch: a rollback runs the one, its undo the other. */
function touchedBoth(source: string): Touched {
	const up = touchedTables(functionBody(source, 'upgrade'));
	const down = touchedTables(functionBody(source, 'downgrade'));
	const tables = [...new Set([...up.tables, ...down.tables])].sort();
	if (!up.unknown && !down.unknown) return {tables, unknown: false};
	return {tables, unknown: true, mayTouch: [...new Set([...(up.mayTouch ?? []), ...(down.mayTouch ?? [])])].sort()};
}

/** Parses one version file; undefined when it does not declare a revision (not a version file). */
export function parseVersionFile(file: string, source: string): Migration | undefined {
	const revisionValue = assignment(source, 'revision');
	const revision = revisionValue === undefined ? undefined : strings(revisionValue)[0];
	if (!revision) return undefined;
	const down = assignment(source, 'down_revision');
	const downRevisions = down === undefined || down === 'None' ? [] : strings(down);
	const touched = touchedBoth(source);
	const irreversible = irreversibility(functionBody(source, 'downgrade'));
	const drops = droppedBy(functionBody(source, 'downgrade'));
	return {
		revision,
		downRevisions,
		message: docstringMessage(source) || file.split('/').at(-1)!.replace(/\.py$/, ''),
		file,
		...(irreversible ? {irreversible} : {}),
		touches: touched.tables,
		touchesUnknown: touched.unknown,
		...(touched.mayTouch ? {mayTouch: touched.mayTouch} : {}),
		...(drops ? {drops} : {}),
	};
}
