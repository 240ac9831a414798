/** A list of choices driven by its screen's key handler: ↑/↓ (or k/j) move, Enter chooses. */
import {Box, Text, type Key} from 'ink';
import {useRef, useState} from 'react';
import {KEYS} from '../keys.js';
import {useTheme} from '../theme.js';

export type Choice<T extends string> = {readonly label: string; readonly value: T};

export type ChoiceState<T extends string> = {
	readonly index: number;
	/** Handles a key; returns the chosen value on Enter, true when the key moved the cursor. */
	handle(input: string, key: Key): T | boolean;
};

export function useChoices<T extends string>(choices: readonly Choice<T>[], initial = 0): ChoiceState<T> {
	const index = useRef(initial);
	const [shown, setShown] = useState(initial);
	const move = (delta: number) => {
		index.current = Math.min(Math.max(0, index.current + delta), Math.max(0, choices.length - 1));
		setShown(index.current);
	};
	return {
		index: shown,
		handle(input, key) {
			if (KEYS.up.match(input, key)) move(-1);
			else if (KEYS.down.match(input, key)) move(1);
			else if (key.return) return choices[index.current]?.value ?? false;
			else return false;
			return true;
		},
	};
}

export function ChoiceList<T extends string>({choices, state}: {readonly choices: readonly Choice<T>[]; readonly state: ChoiceState<T>}) {
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			{choices.map((choice, index) => (
				<Text key={choice.value} color={index === state.index ? theme.color('accent') : undefined} bold={index === state.index}>
					{index === state.index ? '❯ ' : '  '}
					{choice.label}
				</Text>
			))}
		</Box>
	);
}
