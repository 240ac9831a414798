/** Why the server refused a tunnel (`forwardOut`), in words an operator can act on. */

/** RFC 4254's reasons for a refused channel; OpenSSH often sends no description with them. */
const OPEN_FAILURE_REASONS: Record<number, string> = {
	1: 'administratively prohibited (sshd does not allow forwarding: AllowTcpForwarding)',
	2: 'nothing accepted the connection there (connect failed)',
	3: 'unknown channel type',
	4: 'resource shortage',
};

export function tunnelRefusal(error: Error & {reason?: number | string}): string {
	const description = error.message.replace(/^\(SSH\) Channel open failure:\s*/, '').trim();
	const reason = typeof error.reason === 'number' ? OPEN_FAILURE_REASONS[error.reason] : undefined;
	if (description && reason) return `${description} (${reason})`;
	return description || reason || 'refused, with no reason given';
}
