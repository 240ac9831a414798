/** A refused tunnel says why: OpenSSH often sends RFC 4254's reason code with an empty description. */
import {describe, expect, it} from 'vitest';
import {tunnelRefusal} from '../source/core/remote/tunnel-refusal.js';

const refused = (description: string, reason?: number) =>
	Object.assign(new Error(`(SSH) Channel open failure: ${description}`), reason === undefined ? {} : {reason});

describe('why the server refused a tunnel', () => {
	it('names the reason when the description is empty (the documented localhost:3306 on a server without MySQL)', () => {
		expect(tunnelRefusal(refused('', 2))).toBe('nothing accepted the connection there (connect failed)');
		expect(tunnelRefusal(refused('', 1))).toMatch(/administratively prohibited .*AllowTcpForwarding/);
	});

	it('keeps a description the server gave, with the reason beside it, and says so when there is neither', () => {
		expect(tunnelRefusal(refused('open failed', 2))).toBe('open failed (nothing accepted the connection there (connect failed))');
		expect(tunnelRefusal(refused(''))).toBe('refused, with no reason given');
	});
});
