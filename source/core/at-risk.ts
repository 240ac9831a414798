/**
 * What `git reset --hard <target>` would touch besides tracked changes: untracked or ignored files
 * at paths the target tracks (the reset overwrites them; an undo later deletes them), and files in
 * the way of a path whose type changes (a file where the target has a directory, or the reverse).
 * Pure: computed from the lists the server gives.
 */

/** `a/b/c` → `a`, `a/b`. */
function parents(path: string): string[] {
	const parts = path.split('/');
	return parts.slice(1).map((_, index) => parts.slice(0, index + 1).join('/'));
}

/**
 * The untracked or ignored paths the target's tree collides with. `untracked` lists files;
 * `ignored` may hold collapsed directories (ending in `/`); `targetTree` lists the target's files.
 */
export function atRiskPaths(untracked: readonly string[], ignored: readonly string[], targetTree: readonly string[]): string[] {
	const tracked = new Set(targetTree);
	const trackedDirs = new Set(targetTree.flatMap(parents));
	const present = [...untracked, ...ignored.filter(path => !path.endsWith('/'))];
	const presentDirs = ignored.filter(path => path.endsWith('/')).map(path => path.slice(0, -1));
	const found = new Set<string>();
	for (const path of present) {
		// Overwritten by a tracked file, in the way of a tracked directory, or under a path the target has as a file.
		if (tracked.has(path) || trackedDirs.has(path) || parents(path).some(parent => tracked.has(parent))) found.add(path);
	}
	for (const dir of presentDirs) {
		// A collapsed ignored directory: the target's files inside it, or the target's file where it is.
		for (const file of targetTree) if (file.startsWith(`${dir}/`)) found.add(file);
		if (tracked.has(dir) || parents(dir).some(parent => tracked.has(parent))) found.add(`${dir}/`);
	}
	return [...found].sort();
}
