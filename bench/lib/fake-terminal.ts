/**
 * A terminal for rendering the real App in-process with Ink's normal (throttled) renderer: it
 * counts the frames Ink writes and keeps the latest screen, and accepts key presses.
 */
import {EventEmitter} from 'node:events';
import {stripVTControlCharacters} from 'node:util';

export class FakeStdout extends EventEmitter {
	readonly isTTY = true;
	readonly columns: number;
	readonly rows: number;
	frames = 0;
	screen = '';
	readonly writes: Array<{at: number; text: string}> = [];

	constructor(columns = 110, rows = 32) {
		super();
		this.columns = columns;
		this.rows = rows;
	}

	write = (chunk: string, callback?: () => void): boolean => {
		const text = stripVTControlCharacters(chunk);
		// A frame is a write with content; cursor-only escape sequences are not frames.
		if (text.trim() !== '') this.frames++;
		this.screen = text;
		this.writes.push({at: performance.now(), text});
		callback?.();
		return true;
	};

	/** When `text` had been written in full since `from` (it may span several writes). */
	firstWriteWith(text: string | RegExp, from: number): number | undefined {
		let seen = '';
		for (const write of this.writes) {
			if (write.at < from) continue;
			seen += write.text;
			if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) return write.at;
			if (seen.length > 100_000) seen = seen.slice(-20_000);
		}
		return undefined;
	}

	/** What was written since `from`, as text. */
	since(from: number): string {
		return this.writes
			.filter(write => write.at >= from)
			.map(write => write.text)
			.join('');
	}
}

export class FakeStdin extends EventEmitter {
	readonly isTTY = true;
	#data: string | null = null;

	press(data: string): void {
		this.#data = data;
		this.emit('readable');
		this.emit('data', data);
	}

	read = (): string | null => {
		const data = this.#data;
		this.#data = null;
		return data;
	};

	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}
