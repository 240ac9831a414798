/**
 * A one-line text field driven by its screen's key handler (the one key router), not by stdin. Its
 * value lives in a ref, so an Enter that arrives a few milliseconds after the last letter submits
 * exactly what the field shows. A pasted line ending in a line break submits, as a typed Enter does.
 */
import {Text, type Key} from 'ink';
import {useRef, useState} from 'react';
import {useTheme} from '../theme.js';

export type TextFieldState = {
	/** The value now (what the field shows). */
	value(): string;
	readonly shown: string;
	/** Handles a key; returns the submitted value on Enter, true when the key was the field's, false otherwise. */
	handle(input: string, key: Key): string | boolean;
	clear(): void;
};

export function useTextField(initial = '', onChange?: (value: string) => void): TextFieldState {
	const value = useRef(initial);
	const [shown, setShown] = useState(initial);
	const set = (next: string) => {
		value.current = next;
		setShown(next);
		onChange?.(next);
	};
	return {
		value: () => value.current,
		shown,
		clear: () => set(''),
		handle(input, key) {
			if (key.return) return value.current;
			if (key.backspace || key.delete) {
				set(value.current.slice(0, -1));
				return true;
			}
			if (
				key.ctrl ||
				key.meta ||
				key.escape ||
				key.upArrow ||
				key.downArrow ||
				key.leftArrow ||
				key.rightArrow ||
				key.tab ||
				key.pageUp ||
				key.pageDown ||
				input === ''
			)
				return false;
			// A held Backspace (or keys typed fast) arrives as one chunk: each DEL/BS deletes, other controls are dropped.
			if (/[\u0008\u007F]/.test(input)) {
				let next = value.current;
				for (const char of input) {
					if (char === '\u0008' || char === '\u007F') next = next.slice(0, -1);
					else if (char >= ' ' && char !== '\u007F') next += char;
				}
				set(next);
				return true;
			}
			const lineBreak = input.search(/[\r\n]/);
			if (lineBreak === -1) {
				set(value.current + input);
				return true;
			}
			set(value.current + input.slice(0, lineBreak));
			return value.current;
		},
	};
}

export function TextField({field, placeholder = '', mask = false}: {readonly field: TextFieldState; readonly placeholder?: string; readonly mask?: boolean}) {
	const theme = useTheme();
	const cursor = theme.noColor ? '▏' : ' ';
	if (field.shown === '') {
		return (
			<Text>
				<Text inverse>{cursor}</Text>
				<Text color={theme.color('muted')}>{placeholder}</Text>
			</Text>
		);
	}
	return (
		<Text>
			{mask ? '•'.repeat(field.shown.length) : field.shown}
			<Text inverse>{cursor}</Text>
		</Text>
	);
}
