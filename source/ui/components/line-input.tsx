/**
 * @inkjs/ui's TextInput, safe for pasted text: a paste that ends in Enter arrives as one chunk and
 * would leave the newline in the value; here a line break submits, as a typed Enter does.
 */
import {TextInput} from '@inkjs/ui';
import {useState} from 'react';

export function LineInput({
	placeholder,
	defaultValue,
	onChange,
	onSubmit,
	isDisabled,
}: {
	readonly placeholder?: string;
	readonly defaultValue?: string;
	readonly onChange?: (value: string) => void;
	readonly onSubmit: (value: string) => void;
	readonly isDisabled?: boolean;
}) {
	// A new key remounts the input empty after a pasted line was submitted.
	const [generation, setGeneration] = useState(0);
	return (
		<TextInput
			key={generation}
			{...(placeholder === undefined ? {} : {placeholder})}
			{...(defaultValue === undefined ? {} : {defaultValue})}
			{...(isDisabled === undefined ? {} : {isDisabled})}
			onChange={value => {
				const lineBreak = value.search(/[\r\n]/);
				if (lineBreak === -1) {
					onChange?.(value);
					return;
				}
				setGeneration(previous => previous + 1);
				onSubmit(value.slice(0, lineBreak));
			}}
			onSubmit={onSubmit}
		/>
	);
}
