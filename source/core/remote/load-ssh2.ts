/** ssh2, loaded when the first connection is opened (in the built CLI it is part of dist/cli.cjs). */
let ssh2Module: Promise<typeof import('ssh2')> | undefined;
export function loadSsh2(): Promise<typeof import('ssh2')> {
	ssh2Module ??= import('ssh2').then(module => (module as {default?: typeof import('ssh2')}).default ?? module);
	return ssh2Module;
}
