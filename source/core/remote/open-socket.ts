import net, {type Socket} from 'node:net';

/**
 * The TCP connection, opened here so TCP_NODELAY can be set: every command is a few small
 * request/reply packets, and Nagle's algorithm with delayed ACKs would add ~40 ms to each.
 */
export function openSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const socket = net.connect({host, port});
		const timer = setTimeout(() => {
			socket.destroy();
			reject(Object.assign(new Error('Timed out while connecting'), {code: 'ETIMEDOUT'}));
		}, timeoutMs);
		socket.once('connect', () => {
			clearTimeout(timer);
			socket.setNoDelay(true);
			resolve(socket);
		});
		socket.once('error', error => {
			clearTimeout(timer);
			reject(error);
		});
	});
}
