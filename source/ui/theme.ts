/**
 * The TUI's colours by meaning (success, danger, warning, muted, accent), in one place. With
 * NO_COLOR set (or --no-color) there are none: meaning is carried by words and marks (✓ ✗ ⚠), never
 * by colour alone. With reduced motion, nothing animates: elapsed time is shown as text instead.
 */
import {createContext, useContext} from 'react';

export type Tone = 'success' | 'danger' | 'warning' | 'muted' | 'accent' | 'plain';

export type Theme = {
	readonly color: (tone: Tone) => string | undefined;
	readonly noColor: boolean;
	readonly reducedMotion: boolean;
};

const COLORS: Record<Tone, string | undefined> = {success: 'green', danger: 'red', warning: 'yellow', muted: 'gray', accent: 'cyan', plain: undefined};

export function makeTheme({noColor = false, reducedMotion = false}: {noColor?: boolean; reducedMotion?: boolean} = {}): Theme {
	return {color: tone => (noColor ? undefined : COLORS[tone]), noColor, reducedMotion};
}

/** NO_COLOR (any non-empty value, see no-color.org) and the flags. */
export function themeFromEnvironment(flags: {noColor?: boolean; reducedMotion?: boolean} = {}, env: NodeJS.ProcessEnv = process.env): Theme {
	return makeTheme({
		noColor: flags.noColor === true || (env['NO_COLOR'] ?? '') !== '',
		reducedMotion: flags.reducedMotion === true || (env['REWIND_REDUCED_MOTION'] ?? '') !== '',
	});
}

const ThemeContext = createContext<Theme>(makeTheme());
export const ThemeProvider = ThemeContext.Provider;

export function useTheme(): Theme {
	return useContext(ThemeContext);
}
