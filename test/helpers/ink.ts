/** Polling helpers for ink-testing-library: wait for what the screen shows, never sleep blindly. */
import {stripVTControlCharacters} from 'node:util';

export const KEY = {down: '\u001B[B', up: '\u001B[A', enter: '\r', escape: '\u001B', ctrlC: '\u0003'} as const;

export function plain(frame: string | undefined): string {
	return stripVTControlCharacters(frame ?? '');
}

/** Polls `frame()` until `predicate` holds; on timeout fails with the last screen. */
export async function waitForFrame(
	frame: () => string | undefined,
	predicate: (screen: string) => boolean,
	{timeout = 15_000, interval = 20, what = 'the expected screen'} = {},
): Promise<string> {
	const deadline = Date.now() + timeout;
	let last = '';
	for (let attempt = 0; Date.now() < deadline && attempt < timeout / interval + 10; attempt++) {
		last = plain(frame());
		if (predicate(last)) return last;
		await new Promise(resolve => setTimeout(resolve, interval));
	}
	throw new Error(`Timed out after ${timeout} ms waiting for ${what}. Last screen:\n${last}`);
}

export async function waitForText(frame: () => string | undefined, text: string | RegExp, timeout = 15_000): Promise<string> {
	return waitForFrame(frame, screen => (typeof text === 'string' ? screen.includes(text) : text.test(screen)), {timeout, what: String(text)});
}
