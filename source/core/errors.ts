import {EXIT} from './types.js';

/**
 * An error the operator can act on: its message names what is wrong and what to do, and the CLI
 * prints it without a stack trace.
 */
export class UserError extends Error {
	readonly exitCode: number;

	constructor(message: string, exitCode: number = EXIT.usage) {
		super(message);
		this.name = 'UserError';
		this.exitCode = exitCode;
	}
}

/** The SSH connection went away while something was running on it. */
export class ConnectionLostError extends Error {
	constructor(message = 'the SSH connection was lost') {
		super(message);
		this.name = 'ConnectionLostError';
	}
}

/** The operator (or a signal) asked the run to stop. */
export class StopRequestedError extends Error {
	constructor(message = STOPPED_BY_OPERATOR) {
		super(message);
		this.name = 'StopRequestedError';
	}
}

/** A remote command exited non-zero; carries what it printed, for hints. */
export class CommandFailedError extends Error {
	readonly exitCode: number | null;
	readonly output: string;

	constructor(message: string, exitCode: number | null, output: string) {
		super(message);
		this.name = 'CommandFailedError';
		this.exitCode = exitCode;
		this.output = output;
	}
}

export function errorMessage(error: unknown): string {
	if (error instanceof Error) return error.message;
	return String(error);
}

/** The operator chose to abort at a question (not a failure of the server). */
export class OperatorAborted extends Error {
	constructor(message = 'aborted by the operator') {
		super(message);
		this.name = 'OperatorAborted';
	}
}

/** What a step stopped by the operator says (its state is failed: it did not finish). */
export const STOPPED_BY_OPERATOR = 'stopped at the operator’s request';
