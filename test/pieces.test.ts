/** The local backup copy's writer: SSH-packet-sized chunks in, fixed-size pieces out, nothing lost or reordered. */
import {randomBytes} from 'node:crypto';
import {Readable} from 'node:stream';
import {finished} from 'node:stream/promises';
import {describe, expect, it} from 'vitest';
import {gatherIntoPieces} from '../source/core/pieces.js';

/** The pieces as a piped writer sees them ('data' events: an async iterator would join what is buffered). */
async function through(chunks: Buffer[], size: number): Promise<Buffer[]> {
	const out: Buffer[] = [];
	const gather = Readable.from(chunks).pipe(gatherIntoPieces(size));
	gather.on('data', (piece: Buffer) => out.push(Buffer.from(piece)));
	await finished(gather);
	return out;
}

describe('gatherIntoPieces', () => {
	it('passes every byte on in order, in pieces of exactly the size but the last', async () => {
		const sizes = [1, 7, 4096, 32_768, 3, 65_536, 100, 16_383, 16_385, 1];
		const chunks = sizes.map(length => randomBytes(length));
		const pieces = await through(chunks, 16_384);
		expect(Buffer.concat(pieces).equals(Buffer.concat(chunks))).toBe(true);
		for (const piece of pieces.slice(0, -1)) expect(piece.length).toBe(16_384);
		const total = sizes.reduce((sum, length) => sum + length, 0);
		expect(pieces.at(-1)!.length).toBe(total % 16_384 || 16_384);
	});

	it('passes nothing on for nothing, and one short piece for less than a piece', async () => {
		expect(await through([], 1024)).toEqual([]);
		const small = randomBytes(10);
		expect(await through([small], 1024)).toEqual([small]);
	});
});
