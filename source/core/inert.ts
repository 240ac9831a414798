/**
 * The boundary for text from outside (server output, git fields, HTTP bodies, server error
 * messages, drill files): before it reaches a screen, stdout/stderr or a report, every control
 * character, escape sequence, bidirectional control, zero-width character and line separator is
 * made visible and inert. ESC becomes `␛` (so `ESC[2J` shows as `␛[2J` and clears nothing), other
 * C0 controls their control pictures, C1 controls (NEL included) `\x9b`, and the others their
 * code point: `<U+202E>`, `<U+200B>`, `<U+2028>`. Our own colours come from Ink only.
 *
 * The journal keeps the original text, JSON-escaped (see `journalLine`).
 */

/**
 * Characters that reorder, hide or break text without being controls: bidi formatting, zero-width
 * (U+180E, U+200B–U+200F, U+2060–U+2064, U+FEFF), and the line and paragraph separators.
 */
const INVISIBLE = String.raw`\u061C\u180E\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF`;
/** C0 (but newline), DEL, C1, and the invisible characters. */
const UNSAFE = new RegExp(String.raw`[\u0000-\u0009\u000B-\u001F\u007F-\u009F${INVISIBLE}]`, 'g');
const UNSAFE_WITH_NEWLINE = new RegExp(String.raw`[\u0000-\u001F\u007F-\u009F${INVISIBLE}]`, 'g');

function standIn(char: string): string {
	const code = char.charCodeAt(0);
	if (code === 0x09) return ' ';
	if (code === 0x0a) return '␤';
	if (code < 0x20) return String.fromCharCode(0x2400 + code);
	if (code === 0x7f) return '␡';
	if (code <= 0x9f) return `\\x${code.toString(16)}`;
	return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** `text` with every unsafe character replaced by a visible stand-in; newlines kept unless `singleLine`. */
export function inert(text: string, {singleLine = false}: {singleLine?: boolean} = {}): string {
	return text.replace(singleLine ? UNSAFE_WITH_NEWLINE : UNSAFE, standIn);
}

/** True when `text` holds nothing `inert` would change (newlines allowed). */
export function isInert(text: string): boolean {
	UNSAFE.lastIndex = 0;
	return !UNSAFE.test(text);
}

/** Every string inside a JSON-like value made inert; functions (live objects) are kept as they are. */
export function inertDeep<T>(value: T): T {
	if (typeof value === 'string') return inert(value) as T;
	if (Array.isArray(value)) return value.map(item => inertDeep(item)) as T;
	if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
		const result: Record<string, unknown> = {};
		for (const [key, child] of Object.entries(value)) result[key] = typeof child === 'function' ? child : inertDeep(child);
		return result as T;
	}
	return value;
}

const JSON_UNSAFE = new RegExp(String.raw`[\u007F-\u009F${INVISIBLE}]`, 'g');

/**
 * One JSON line for the journal or the JSON stream: JSON.stringify escapes C0 controls; this also
 * escapes DEL, C1 and the invisible characters (bidi, zero-width, line separators), so `cat
 * journal.jsonl` is safe.
 */
export function journalLine(value: unknown): string {
	return JSON.stringify(value).replace(JSON_UNSAFE, char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * What Markdown (CommonMark, GFM, GitHub) could make something of, escaped with a backslash (which
 * CommonMark allows before any ASCII punctuation), and no more, so report.md stays readable as
 * plain text: links, images and footnotes (`]`: with every `]` escaped no `[` opens one, so `␛[2J`
 * stays as it is), raw HTML and autolinks (`<`, `>`), entities
 * (`&`), code, emphasis and strike-through (`` ` `` `*` `~`, and `_` but inside a word, where it
 * makes nothing: `node_modules`), table cells (`|`), the backslash
 * itself; and where they would make something, bare links (the `:` of `http:`, the `.` of `www.`,
 * the `@` of `user@host.tld`: GFM's extended autolinks; a bare `host.tld` is no link there), emoji
 * codes (`:name:`) and block markers at the start. The stand-ins
 * `<U+202E>` and `\x9b` are kept as they are: Markdown shows them as text.
 */
const MARKDOWN_ACTIVE =
	/(<U\+[0-9A-F]{4}>|\\x[89][0-9a-f])|[\\`*~\]<>&|]|(?<!\w)_|_(?!\w)|(?<=\b(?:https?|ftps?|mailto|file|irc|xmpp|tel|data))(?=:)|(?<=\bwww)(?=\.)|(?<=[\w.+-])(?=@[\w-]+\.)|(?=:[\w+-]+:)|^(?=[#>+-])|(?<=^\d+)(?=[.)])/gi;

/** Markdown: free text, one line (inert, if it is not yet), that renders as itself and as nothing else. */
export function markdownText(text: string): string {
	return inert(text, {singleLine: true}).replace(MARKDOWN_ACTIVE, (match, standIn: string | undefined) => standIn ?? `\\${match}`);
}

/** Markdown: text of a table cell (free text, whose escaping covers `|`). */
export const markdownCell = markdownText;

/** Markdown: an inline code span that no backtick in `text` can close early, and that shows `text` as it is. */
export function markdownCode(text: string): string {
	const safe = inert(text, {singleLine: true});
	const longest = Math.max(0, ...[...safe.matchAll(/`+/g)].map(match => match[0].length));
	const fence = '`'.repeat(longest + 1);
	// A space on each side, which Markdown takes off again, keeps a backtick from touching the fence and an outer space from being taken.
	const pad = /[^ ]/.test(safe) && (longest > 0 || /^ | $/.test(safe)) ? ' ' : '';
	return `${fence}${pad}${safe}${pad}${fence}`;
}

/** Markdown: a code span in a table cell, its `|` escaped (GFM takes `\|` as a `|` even in code). */
export function markdownCodeCell(text: string): string {
	return markdownCode(text).replaceAll('|', '\\|');
}
