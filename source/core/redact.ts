/**
 * Keeps secrets off the screen, the journal and the report: every registered secret is replaced
 * by `***`, and so is anything that looks like a credential in a header or option.
 */
export const REDACTED = '***';

const CREDENTIAL_PATTERNS: readonly RegExp[] = [
	/(Authorization:\s*(?:Token|Bearer|Basic)\s+)\S+/gi,
	/(--password=)\S+/g,
	/(\bpassword\s*=\s*)("[^"\n]*"|'[^'\n]*'|\S+)/gi,
	/(\bIDENTIFIED BY\s+)'[^']*'/gi,
];

export class Redactor {
	readonly #secrets = new Set<string>();

	/** Registers a secret; values shorter than 3 characters would redact ordinary text and are refused. */
	add(secret: string | undefined | null): void {
		if (secret === undefined || secret === null) return;
		const trimmed = secret.trim();
		if (trimmed.length >= 3) this.#secrets.add(trimmed);
		if (secret.length >= 3) this.#secrets.add(secret);
	}

	get size(): number {
		return this.#secrets.size;
	}

	redact(text: string): string {
		let result = text;
		// Longest first, so a secret containing another is replaced whole.
		for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
			if (result.includes(secret)) result = result.split(secret).join(REDACTED);
		}
		for (const pattern of CREDENTIAL_PATTERNS) result = result.replace(pattern, `$1${REDACTED}`);
		return result;
	}

	/** Redacts every string inside a JSON-able value. */
	redactValue<T>(value: T): T {
		if (typeof value === 'string') return this.redact(value) as T;
		if (Array.isArray(value)) return value.map(item => this.redactValue(item)) as T;
		if (value !== null && typeof value === 'object') {
			const result: Record<string, unknown> = {};
			for (const [key, child] of Object.entries(value)) {
				// Live objects (the commit browser of a question) are not data: they are dropped.
				if (typeof child === 'function') continue;
				result[key] = this.redactValue(child);
			}
			return result as T;
		}
		return value;
	}
}
