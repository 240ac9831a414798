/** A file written from a stream of small chunks (SSH packets) in fixed-size pieces. */
import {Writable} from 'node:stream';

/**
 * Writes what it is given to `file` in pieces of exactly `size` bytes (the last one shorter). Each
 * chunk is copied into the piece being filled, so it can be collected at once; a written piece is
 * reused. The file sees one write per piece instead of one per packet, and memory stays flat: at
 * most the piece being filled and what `file` holds before it asks to wait (its 'drain').
 */
export function pieceWriter(file: Writable, size: number): Writable {
	const spare: Buffer[] = [];
	let piece: Buffer = Buffer.allocUnsafeSlow(size);
	let filled = 0;
	const writer = new Writable({
		write(chunk: Buffer, _encoding, callback) {
			let ready = true;
			for (let offset = 0; offset < chunk.length;) {
				const copied = chunk.copy(piece, filled, offset);
				offset += copied;
				filled += copied;
				if (filled === size) {
					const full = piece;
					ready = file.write(full, () => spare.push(full)) && ready;
					piece = spare.pop() ?? Buffer.allocUnsafeSlow(size);
					filled = 0;
				}
			}
			if (ready) callback();
			else file.once('drain', () => callback());
		},
		final(callback) {
			if (filled > 0) file.write(piece.subarray(0, filled));
			file.end(callback);
		},
	});
	file.once('error', error => writer.destroy(error));
	return writer;
}
