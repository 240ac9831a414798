import {UserError} from '../core/errors.js';
import type {CliOptions} from '../cli.js';

export async function rehearse(_options: CliOptions): Promise<number> {
	throw new UserError('The rehearsal is not built yet.');
}
