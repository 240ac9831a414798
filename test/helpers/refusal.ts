/** The UserError (bad input, one paragraph) that `run` throws; a test fails if it throws none or another error. */
import {expect} from 'vitest';
import {UserError} from '../../source/core/errors.js';

export function refusal(run: () => unknown): UserError {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		return error as UserError;
	}
	throw new Error('expected a refusal (a UserError)');
}
