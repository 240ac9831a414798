/**
 * Every key rewind answers to, in one place. Screens match keys through these bindings and build
 * their help lines (and the `?` overlay) from the same records, so what the screen says is what the
 * keys do.
 */
import type {Key} from 'ink';

export type Binding = {readonly keys: string; readonly label: string; readonly match: (input: string, key: Key) => boolean};

const binding = (keys: string, label: string, match: Binding['match']): Binding => ({keys, label, match});

export const KEYS = {
	up: binding('↑/k', 'up', (input, key) => key.upArrow || input === 'k'),
	down: binding('↓/j', 'down', (input, key) => key.downArrow || input === 'j'),
	pageUp: binding('PgUp', 'page up', (_input, key) => key.pageUp),
	pageDown: binding('PgDn', 'page down', (_input, key) => key.pageDown),
	top: binding('g', 'newest', input => input === 'g'),
	bottom: binding('G', 'oldest loaded', input => input === 'G'),
	pick: binding('Enter', 'roll back to it', (_input, key) => key.return),
	filter: binding('/', 'filter all history', input => input === '/'),
	clearFilter: binding('Esc', 'clear the filter', (_input, key) => key.escape),
	back: binding('Esc', 'pick another commit', (_input, key) => key.escape),
	confirmHash: binding('Enter', 'reset (after the hash)', (_input, key) => key.return),
	details: binding('Tab', 'show the guarded script', (_input, key) => key.tab),
	hideDetails: binding('Tab', 'hide the guarded script', (_input, key) => key.tab),
	choose: binding('Enter', 'choose', (_input, key) => key.return),
	/** On a screen where Esc and q mean nothing else: the same question as Ctrl+C. */
	askStop: binding('Esc/q', 'stop (asks)', (input, key) => key.escape || input === 'q'),
	/** The same, on a screen that edits text (q is a letter there). */
	askStopTyping: binding('Esc', 'stop (asks)', (_input, key) => key.escape),
	quit: binding('q', 'quit', (input, key) => input === 'q' || key.return),
	undo: binding('u', 'undo: back to where it was', input => input === 'u'),
	stop: binding('Ctrl+C', 'stop safely', (input, key) => key.ctrl && input === 'c'),
	help: binding('?', 'help', input => input === '?'),
	closeHelp: binding('Esc/?', 'close the help', (input, key) => key.escape || input === '?' || key.return),
	yes: binding('y', 'yes', input => input === 'y' || input === 'Y'),
	no: binding('n/Esc', 'no', (input, key) => input === 'n' || input === 'N' || key.escape),
	filterDone: binding('Enter', 'back to the list', (_input, key) => key.return),
	readBriefing: binding('Enter', 'read the briefing', (_input, key) => key.return),
	startRehearsal: binding('Enter', 'build the sandbox and start', (_input, key) => key.return),
	chooseAnother: binding('Esc', 'choose another drill', (_input, key) => key.escape),
	leave: binding('q', 'quit', input => input === 'q'),
} as const satisfies Record<string, Binding>;

export function helpLine(...bindings: readonly Binding[]): string {
	return bindings.map(item => `${item.keys} ${item.label}`).join(' · ');
}

/**
 * A footer that fits `width` whole: keys are dropped from the end of the list (the last is `? help`,
 * which is kept: the overlay lists them all) rather than cut or merged. Pass them in priority order.
 */
export function fitHelpLine(width: number, ...bindings: readonly Binding[]): string {
	const shown = [...bindings];
	const help = shown.at(-1) === KEYS.help ? shown.pop() : undefined;
	const line = () => helpLine(...shown, ...(help ? [help] : []));
	while (shown.length > 1 && line().length > width) shown.pop();
	return line();
}
