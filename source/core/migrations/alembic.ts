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
	/** Tables upgrade() creates, alters or drops (from its `op.…` calls). */
	readonly touches: readonly string[];
	/** upgrade() runs SQL or code whose tables cannot be read from it (`op.execute`, a loop). */
	readonly touchesUnknown: boolean;
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

/** Tables named in `op.…` calls of upgrade(), and whether it does things whose tables cannot be read. */
export function touchedTables(body: string | undefined): {tables: string[]; unknown: boolean} {
	if (body === undefined) return {tables: [], unknown: false};
	const tables = new Set<string>();
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
			case 'execute':
			case 'get_bind':
			case 'bulk_insert':
				if (operation === 'bulk_insert') break;
				return {tables: [...tables], unknown: true};
			default:
				if (keyword) tables.add(keyword);
				else if (named[0]) tables.add(named[0]);
		}
	}
	for (const match of body.matchAll(/\bop\.batch_alter_table\(\s*['"]([^'"]+)['"]/g)) tables.add(match[1]!);
	for (const match of body.matchAll(/\bop\.bulk_insert\(\s*(\w+)/g)) tables.add(match[1]!);
	return {tables: [...tables].sort(), unknown: false};
}

/** Parses one version file; undefined when it does not declare a revision (not a version file). */
export function parseVersionFile(file: string, source: string): Migration | undefined {
	const revisionValue = assignment(source, 'revision');
	const revision = revisionValue === undefined ? undefined : strings(revisionValue)[0];
	if (!revision) return undefined;
	const down = assignment(source, 'down_revision');
	const downRevisions = down === undefined || down === 'None' ? [] : strings(down);
	const touched = touchedTables(functionBody(source, 'upgrade'));
	const irreversible = irreversibility(functionBody(source, 'downgrade'));
	return {
		revision,
		downRevisions,
		message: docstringMessage(source) || file.split('/').at(-1)!.replace(/\.py$/, ''),
		file,
		...(irreversible ? {irreversible} : {}),
		touches: touched.tables,
		touchesUnknown: touched.unknown,
	};
}
