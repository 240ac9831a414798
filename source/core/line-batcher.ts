import {StringDecoder} from 'node:string_decoder';

/** Longest line kept whole; longer ones (a minified bundle, a progress bar) are cut. */
const MAX_LINE = 2000;

/**
 * Turns byte chunks into whole lines (UTF-8 safe across chunk boundaries) and hands them on in
 * batches, at most every `intervalMs`, so a fast stream costs a few renders a second, not one
 * per chunk.
 */
export class LineBatcher {
	readonly #decoders = new Map<string, StringDecoder>();
	readonly #partial = new Map<string, string>();
	#pending: string[] = [];
	#timer: NodeJS.Timeout | undefined;
	readonly #flushLines: (lines: string[]) => void;
	readonly #intervalMs: number;

	constructor(flushLines: (lines: string[]) => void, intervalMs = 80) {
		this.#flushLines = flushLines;
		this.#intervalMs = intervalMs;
	}

	push(stream: string, chunk: Buffer | string): void {
		let decoder = this.#decoders.get(stream);
		if (!decoder) {
			decoder = new StringDecoder('utf8');
			this.#decoders.set(stream, decoder);
		}
		const text = (this.#partial.get(stream) ?? '') + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
		const parts = text.split(/\r?\n|\r(?!\n)/);
		this.#partial.set(stream, parts.pop() ?? '');
		for (const line of parts) this.#pending.push(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line);
		const rest = this.#partial.get(stream)!;
		if (rest.length > MAX_LINE) {
			this.#pending.push(`${rest.slice(0, MAX_LINE)}…`);
			this.#partial.set(stream, '');
		}
		if (this.#pending.length > 0 && !this.#timer) {
			this.#timer = setTimeout(() => this.flush(), this.#intervalMs);
		}
	}

	/** Emits what is pending; `end` also emits unterminated last lines. */
	flush(end = false): void {
		if (this.#timer) {
			clearTimeout(this.#timer);
			this.#timer = undefined;
		}
		if (end) {
			for (const [stream, decoder] of this.#decoders) {
				const rest = (this.#partial.get(stream) ?? '') + decoder.end();
				if (rest !== '') this.#pending.push(rest);
				this.#partial.set(stream, '');
			}
		}
		if (this.#pending.length === 0) return;
		const lines = this.#pending;
		this.#pending = [];
		this.#flushLines(lines);
	}
}
