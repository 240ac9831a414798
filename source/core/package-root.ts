import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** The folder holding rewind's package.json, from source/ (tests) or dist/ (the built CLI). */
export function packageRoot(from: string = import.meta.url): string {
	let dir = path.dirname(fileURLToPath(from));
	for (let depth = 0; depth < 6; depth++) {
		if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'drills'))) return dir;
		dir = path.dirname(dir);
	}
	throw new Error('cannot find rewind’s package folder');
}
