/** Quoting for POSIX sh, which is what every remote command is written in. */

/** One shell word, single-quoted unless it is plainly safe. */
export function shq(value: string): string {
	if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
	// A plan's placeholder (`<target>`) is shown as is: it is never run.
	if (/^<[a-z][a-z ]*>$/.test(value)) return value;
	return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A remote path as a shell word: `~` and `~/x` expand to the remote home (as `"$HOME"/x`), the rest
 * is quoted literally, so `alice$bankroll` stays `alice$bankroll`.
 */
export function remotePath(value: string): string {
	if (value === '~') return '"$HOME"';
	if (value.startsWith('~/')) {
		const rest = value.slice(2);
		return rest === '' ? '"$HOME"' : `"$HOME"/${shq(rest)}`;
	}
	return shq(value);
}

/** Joins a remote directory and a relative path ('.' means the directory itself). */
export function joinRemote(dir: string, relative: string): string {
	if (relative === '.' || relative === '') return dir;
	if (relative.startsWith('/') || relative.startsWith('~')) return relative;
	return `${dir.replace(/\/+$/, '')}/${relative.replace(/^\.\//, '')}`;
}

/** `cd <dir> && <command>`: every server command of a step runs in the app directory. */
export function inDir(dir: string, command: string): string {
	return `cd ${remotePath(dir)} && ${command}`;
}

/** Git log with signature display off: a server's log.showSignature would mix gpg lines into the output. */
export const GIT_LOG = 'git -c log.showSignature=false log';
