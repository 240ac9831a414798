/**
 * Keeps secrets off the screen, the journal and the report: every registered secret is replaced by
 * `***` — as written, each of its lines, and the forms it takes when escaped (JSON, shell-quoted,
 * URL-encoded, option-file quoted) — and so is anything that looks like a credential in a header or
 * an option. Text should be redacted before it is cut short; for a cut made before, the start of a
 * secret (8 characters or more) that ends a text or comes before a `…` is redacted too.
 */
export const REDACTED = '***';

/** Shorter pieces would redact ordinary text (a secret's line of two characters, say). */
const MIN_PIECE = 4;

/** The shortest start of a secret redacted where a cut may have left it (shorter ones end ordinary words). */
const MIN_CUT_START = 8;

const CREDENTIAL_PATTERNS: readonly RegExp[] = [
	/(Authorization:\s*(?:Token|Bearer|Basic)\s+)\S+/gi,
	/(--password=)\S+/g,
	/(\bpassword\s*=\s*)("[^"\n]*"|'[^'\n]*'|\S+)/gi,
	/(\bIDENTIFIED BY\s+)'[^']*'/gi,
];

/** The forms a secret can take once something has escaped it. */
export function secretForms(secret: string): string[] {
	const forms = new Set<string>([secret, secret.trim()]);
	for (const line of secret.split(/\r?\n|\r/)) forms.add(line.trim());
	forms.add(JSON.stringify(secret).slice(1, -1));
	forms.add(secret.replaceAll("'", `'\\''`));
	forms.add(encodeURIComponent(secret));
	forms.add(secret.replaceAll('\\', '\\\\').replaceAll('"', '\\"'));
	return [...forms].filter(form => form.length >= MIN_PIECE || (form === secret && form.length >= 3));
}

export class Redactor {
	#pieces: string[] = [];

	/** Registers a secret (every form of it); a value shorter than 3 characters would redact ordinary text and is refused. */
	add(secret: string | undefined | null): void {
		if (secret === undefined || secret === null || secret.length < 3) return;
		const pieces = new Set([...this.#pieces, ...secretForms(secret)]);
		// Longest first, so a secret containing another is replaced whole.
		this.#pieces = [...pieces].sort((a, b) => b.length - a.length);
	}

	get size(): number {
		return this.#pieces.length;
	}

	redact(text: string): string {
		let result = text;
		for (const piece of this.#pieces) if (result.includes(piece)) result = result.split(piece).join(REDACTED);
		result = this.#redactCutStarts(result);
		for (const pattern of CREDENTIAL_PATTERNS) result = result.replace(pattern, `$1${REDACTED}`);
		return result;
	}

	/**
	 * The start of a secret (any form, 8 characters or more) that ends the text or comes just before
	 * a `…` (how a cut is marked here): what is left of a secret that a cut made before redaction
	 * went through, which no whole form matches any more.
	 */
	#redactCutStarts(text: string): string {
		let result = text;
		let left = Infinity;
		// Right to left, so that a replacement moves no end still to look at.
		for (const end of [text.length, ...[...text.matchAll(/…/g)].map(match => match.index).reverse()]) {
			if (end > left) continue;
			const from = this.#cutStart(result, end);
			if (from < end) result = `${result.slice(0, from)}${REDACTED}${result.slice(end)}`;
			left = from;
		}
		return result;
	}

	/** Where the longest start of a secret that ends at `end` begins; `end` when none does. */
	#cutStart(text: string, end: number): number {
		let from = end;
		for (const piece of this.#pieces) {
			if (piece.length <= MIN_CUT_START) continue;
			const head = piece.slice(0, MIN_CUT_START);
			let at = text.indexOf(head, Math.max(0, end - piece.length + 1));
			while (at !== -1 && at < from && at + MIN_CUT_START <= end) {
				if (piece.startsWith(text.slice(at, end))) from = at;
				at = text.indexOf(head, at + 1);
			}
		}
		return from;
	}

	/** Redacts every string inside a JSON-able value; functions (live objects) are dropped. */
	redactValue<T>(value: T): T {
		if (typeof value === 'string') return this.redact(value) as T;
		if (Array.isArray(value)) return value.map(item => this.redactValue(item)) as T;
		if (value !== null && typeof value === 'object') {
			if (typeof (value as {toJSON?: unknown}).toJSON === 'function') return this.redactValue((value as unknown as {toJSON: () => unknown}).toJSON()) as T;
			const result: Record<string, unknown> = {};
			for (const [key, child] of Object.entries(value)) {
				if (typeof child === 'function') continue;
				result[key] = this.redactValue(child);
			}
			return result as T;
		}
		return value;
	}
}
