/**
 * A fast path in front of string-width for the text rewind's screens are made of (the build puts it
 * in front of the string-width Ink uses, scripts/build.js).
 *
 * string-width segments every string that is not plain ASCII into grapheme clusters and tests each
 * against Unicode property regexes (emoji sequences among them): right for any text, but the first
 * frame spent ~20 ms there on the icons, rules, quotes and dashes of rewind's own words. A string
 * made only of the characters below is as wide as it is long — each is one code unit, never joins
 * a cluster, and every string-width installed gives each a width of 1 (test/narrow-width.test.ts
 * checks every one). Anything else, or any option, goes to string-width itself — loaded only then:
 * loading it builds an Intl.Segmenter and Unicode property regexes (~10 ms each version).
 */

/**
 * Printable ASCII, Latin-1 (not the soft hyphen, © or ®), dashes and quotes to the ellipsis, per
 * mille to ⁞ (not ‼ or ⁉), arrows (not ↔–↙, ↩, ↪), box drawing, blocks and geometric shapes (not the
 * few that are also emoji), ✓ and ✗, and Braille (the spinner's frames). The characters left out are ones some string-width version
 * counts as 2.
 */
export const NARROW_TEXT =
	/^[\u0020-\u007E\u00A0-\u00A8\u00AA-\u00AC\u00AF-\u00FF\u2010-\u2027\u2030-\u203B\u203D-\u2048\u204A-\u205E\u2190-\u2193\u219A-\u21A8\u21AB-\u21FF\u2500-\u25A9\u25AC-\u25B5\u25B7-\u25BF\u25C1-\u25FA\u25FF\u2713\u2717\u2800-\u28FF]*$/;

/** Colour and weight codes (SGR): string-width does not count them. */
const SGR = /\u001B\[[\d;]*m/g;

/** The width of `input` when the fast path knows it, else undefined. */
export function narrowWidth(input: unknown, options?: unknown): number | undefined {
	if (typeof input !== 'string' || options !== undefined) return undefined;
	const text = input.includes('\u001B') ? input.replace(SGR, '') : input;
	return NARROW_TEXT.test(text) ? text.length : undefined;
}
