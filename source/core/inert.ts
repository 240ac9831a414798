/**
 * The boundary for text from outside (server output, git fields, HTTP bodies, server error
 * messages, drill files): before it reaches a screen, stdout/stderr or a report, every control
 * character, escape sequence and bidirectional control is made visible and inert. ESC becomes
 * `␛` (so `ESC[2J` shows as `␛[2J` and clears nothing), other C0 controls their control
 * pictures, C1 controls `\x9b`, and bidi controls `<U+202E>`. Our own colours come from Ink only.
 *
 * The journal keeps the original text, JSON-escaped (see `journalLine`).
 */

/** C0 (but newline), DEL, C1, and the bidirectional formatting characters. */
const UNSAFE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const UNSAFE_WITH_NEWLINE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

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

const JSON_UNSAFE = /[\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/**
 * One JSON line for the journal or the JSON stream: JSON.stringify escapes C0 controls; this also
 * escapes DEL, C1 and bidi controls (and the line separators), so `cat journal.jsonl` is safe.
 */
export function journalLine(value: unknown): string {
	return JSON.stringify(value).replace(JSON_UNSAFE, char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Markdown: text of a table cell (inert, one line, `|` escaped). */
export function markdownCell(text: string): string {
	return inert(text, {singleLine: true}).replaceAll('|', '\\|');
}

/** Markdown: an inline code span that no backtick in `text` can close early. */
export function markdownCode(text: string): string {
	const safe = inert(text, {singleLine: true});
	const longest = Math.max(0, ...[...safe.matchAll(/`+/g)].map(match => match[0].length));
	const fence = '`'.repeat(longest + 1);
	const pad = safe.startsWith('`') || safe.endsWith('`') || longest > 0 ? ' ' : '';
	return `${fence}${pad}${safe}${pad}${fence}`;
}

/** Markdown: free text (inert, one line) with the characters that would make links, images, HTML, code or table cells escaped. */
export function markdownText(text: string): string {
	return inert(text, {singleLine: true}).replace(/[\\`[\]<>|]/g, char => `\\${char}`);
}
