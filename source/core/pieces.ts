/** Small chunks gathered into fixed-size pieces, for a file written from a stream of SSH packets. */
import {Transform} from 'node:stream';

/**
 * Passes on the bytes it is given in pieces of exactly `size` bytes (the last one shorter). Each
 * chunk is copied as it arrives, so it can be collected at once: only the piece being filled lives.
 */
export function gatherIntoPieces(size: number): Transform {
	let piece = Buffer.allocUnsafeSlow(size);
	let filled = 0;
	return new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			for (let offset = 0; offset < chunk.length;) {
				const copied = chunk.copy(piece, filled, offset);
				offset += copied;
				filled += copied;
				if (filled === size) {
					this.push(piece);
					piece = Buffer.allocUnsafeSlow(size);
					filled = 0;
				}
			}
			callback();
		},
		flush(callback) {
			callback(null, filled > 0 ? piece.subarray(0, filled) : undefined);
		},
	});
}
