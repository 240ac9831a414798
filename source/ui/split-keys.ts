/**
 * Ink hands over a run of plain characters typed within one read as a single input ("jj", "j\r"):
 * split it into the keys it is made of, so that a list screen sees each one. Escape sequences
 * (arrows, Esc) already arrive one by one; a chunk holding one is left whole.
 */
import type {Key} from 'ink';

const NO_KEY: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

export function splitKeys(input: string, key: Key): Array<readonly [string, Key]> {
	const characters = [...input];
	if (characters.length < 2 || key.ctrl || key.meta || input.includes('\u001B')) return [[input, key]];
	return characters.map(character => {
		if (character === '\r' || character === '\n') return ['', {...NO_KEY, return: true}] as const;
		if (character === '\t') return ['', {...NO_KEY, tab: true}] as const;
		if (character === '\u007F' || character === '\b') return ['', {...NO_KEY, backspace: true}] as const;
		const code = character.codePointAt(0)!;
		// Ctrl+letter (Ctrl+C is 0x03): Ink names it by its letter.
		if (code < 0x20) return [String.fromCodePoint(code + 0x60), {...NO_KEY, ctrl: true}] as const;
		return [character, {...NO_KEY, shift: /[A-Z]/.test(character)}] as const;
	});
}
