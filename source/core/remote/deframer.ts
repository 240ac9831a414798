/** Reading the one-shell transport's framed streams. */

/** Reads one framed stream: data goes to `onData`, markers (`<nonce>:kind:id[:value]`) to `onMarker`. */
export class Deframer {
	#buffer: Buffer = Buffer.alloc(0);
	readonly #prefix: Buffer;
	readonly #onData: (chunk: Buffer) => void;
	readonly #onMarker: (kind: string, id: string, value: string) => void;

	constructor(nonce: string, onData: (chunk: Buffer) => void, onMarker: (kind: string, id: string, value: string) => void) {
		this.#prefix = Buffer.from(`\u001e\u001e${nonce}:`);
		this.#onData = onData;
		this.#onMarker = onMarker;
	}

	push(chunk: Buffer): void {
		this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
		for (;;) {
			const at = this.#buffer.indexOf(this.#prefix);
			if (at === -1) {
				// Keep what could be the start of a marker split across chunks.
				const keep = this.#partialPrefixLength();
				if (this.#buffer.length > keep) this.#onData(this.#buffer.subarray(0, this.#buffer.length - keep));
				this.#buffer = this.#buffer.subarray(this.#buffer.length - keep);
				return;
			}
			const end = this.#buffer.indexOf(0x0a, at + this.#prefix.length);
			if (end === -1) {
				if (at > 0) this.#onData(this.#buffer.subarray(0, at));
				this.#buffer = this.#buffer.subarray(at);
				return;
			}
			if (at > 0) this.#onData(this.#buffer.subarray(0, at));
			const [kind = '', id = '', ...value] = this.#buffer
				.subarray(at + this.#prefix.length, end)
				.toString('utf8')
				.split(':');
			this.#buffer = this.#buffer.subarray(end + 1);
			this.#onMarker(kind, id, value.join(':'));
		}
	}

	#partialPrefixLength(): number {
		for (let length = Math.min(this.#prefix.length - 1, this.#buffer.length); length > 0; length--) {
			if (this.#buffer.subarray(this.#buffer.length - length).equals(this.#prefix.subarray(0, length))) return length;
		}
		return 0;
	}
}
