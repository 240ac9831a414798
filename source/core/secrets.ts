/** Secrets named by the config (never stored in it): read from an environment variable or a file. */
import {readFileSync} from 'node:fs';
import {expandTilde} from './remote/ssh-config.js';

/** The API token from the environment variable or file the config names. */
export function readToken(source: {tokenEnv?: string | undefined; tokenFile?: string | undefined}, env: NodeJS.ProcessEnv = process.env): string | undefined {
	if (source.tokenEnv && env[source.tokenEnv]) return env[source.tokenEnv]!.trim();
	if (source.tokenFile) {
		try {
			return readFileSync(expandTilde(source.tokenFile), 'utf8').trim();
		} catch {
			return undefined;
		}
	}
	return undefined;
}
