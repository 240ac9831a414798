/** `rewind init`: writes a config by asking, or from flags, and by looking at the server. */
import type {CliOptions} from '../cli-options.js';
import {UserError} from '../core/errors.js';

export async function init(_options: CliOptions): Promise<number> {
	throw new UserError('rewind init is not available yet.');
}
