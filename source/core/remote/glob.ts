/** An ssh-style host pattern (`*` any run, `?` one character) as a case-insensitive RegExp. */
export function globToRegExp(pattern: string, flags = 'i'): RegExp {
	const escaped = pattern
		.replace(/[.+^${}()|[\]\\]/g, '\\$&')
		.replaceAll('*', '.*')
		.replaceAll('?', '.');
	return new RegExp(`^${escaped}$`, flags);
}

/**
 * OpenSSH pattern-list semantics: true when some pattern matches and no negated (`!`) one does.
 */
export function matchesPatternList(patterns: readonly string[], value: string): boolean {
	let matched = false;
	for (const pattern of patterns) {
		const negated = pattern.startsWith('!');
		if (!globToRegExp(negated ? pattern.slice(1) : pattern).test(value)) continue;
		if (negated) return false;
		matched = true;
	}
	return matched;
}
