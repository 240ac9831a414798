/**
 * The command line: parses the arguments (cli-options.ts) and runs the command (commands.ts).
 * Every error the operator can fix is printed as one paragraph (inert: it may quote the server),
 * never a stack trace.
 */
import {parseCli} from './cli-options.js';
import {errorMessage, UserError} from './core/errors.js';
import {inert} from './core/inert.js';
import {EXIT} from './core/types.js';
import {JSON_SCHEMA_VERSION} from './ui/json-stream.js';

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
	try {
		const options = parseCli(argv);
		const {runCommand} = await import('./commands.js');
		return await runCommand(options);
	} catch (error) {
		if (error instanceof UserError) {
			process.stderr.write(`rewind: ${inert(error.message)}\n`);
			if (argv.includes('--json')) process.stdout.write(refusalEvent(error.exitCode, error.message));
			return error.exitCode;
		}
		if (argv.includes('--json')) process.stdout.write(refusalEvent(EXIT.failed, errorMessage(error)));
		process.stderr.write(`rewind: unexpected error: ${inert(errorMessage(error))}\nThis is a bug in rewind; the journal (if any) has what happened so far.\n`);
		if (process.env['REWIND_DEBUG']) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
		return EXIT.failed;
	}
}

/** `--json`: a run refused before it started still ends the stream with one event saying why. */
function refusalEvent(exitCode: number, message: string): string {
	const outcome = exitCode === EXIT.usage ? 'bad-input' : exitCode === EXIT.refused ? 'refused' : 'failed';
	return `${JSON.stringify({schema: JSON_SCHEMA_VERSION, type: 'run-refused', at: new Date().toISOString(), outcome, exitCode, message: inert(message)})}\n`;
}
