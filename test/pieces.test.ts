/** The local backup copy's writer: SSH-packet-sized chunks in, fixed-size pieces out, nothing lost or reordered, memory flat. */
import {randomBytes} from 'node:crypto';
import {createWriteStream, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {Readable, Writable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {afterAll, describe, expect, it} from 'vitest';
import {pieceWriter} from '../source/core/pieces.js';

const packets = (count: number) => Array.from({length: count}, (_, index) => randomBytes([1, 7, 4096, 32_768, 3, 16_383, 16_385][index % 7]!));

/** A slow disk: each write completes a tick later, and it asks to wait once 16 KiB are pending. */
function recordingDisk() {
	const writes: Buffer[] = [];
	const copies: Buffer[] = [];
	const disk = new Writable({
		highWaterMark: 16 * 1024,
		write(chunk: Buffer, _encoding, callback) {
			writes.push(chunk);
			copies.push(Buffer.from(chunk));
			setImmediate(callback);
		},
	});
	return {disk, writes, copies};
}

const root = mkdtempSync(path.join(os.tmpdir(), 'rewind-pieces-'));
afterAll(() => rmSync(root, {recursive: true, force: true}));

describe('pieceWriter', () => {
	it('writes every byte in order, in pieces of exactly the size but the last, reusing a few buffers', async () => {
		const chunks = packets(400);
		const {disk, writes, copies} = recordingDisk();
		await pipeline(Readable.from(chunks), pieceWriter(disk, 16 * 1024));
		expect(Buffer.concat(copies).equals(Buffer.concat(chunks))).toBe(true);
		for (const piece of copies.slice(0, -1)) expect(piece.length).toBe(16 * 1024);
		expect(copies.length).toBeGreaterThan(100);
		// Memory stays flat: the pieces are a handful of buffers used over and over.
		expect(new Set(writes.map(piece => piece.buffer)).size).toBeLessThanOrEqual(4);
	});

	it('writes a real file byte for byte, and nothing for nothing', async () => {
		const chunks = packets(50);
		const file = path.join(root, 'copy.bin');
		await pipeline(Readable.from(chunks), pieceWriter(createWriteStream(file), 64 * 1024));
		expect(readFileSync(file).equals(Buffer.concat(chunks))).toBe(true);
		const empty = path.join(root, 'empty.bin');
		await pipeline(Readable.from([]), pieceWriter(createWriteStream(empty), 64 * 1024));
		expect(readFileSync(empty).length).toBe(0);
	});

	it('fails when the file cannot be written', async () => {
		const file = path.join(root, 'missing-dir', 'copy.bin');
		await expect(pipeline(Readable.from(packets(5)), pieceWriter(createWriteStream(file), 1024))).rejects.toThrow(/ENOENT/);
	});
});
