import {Static, Text} from 'ink';
import type {LogEntry} from '../../core/run-state.js';

const COLOR: Record<LogEntry['level'], string | undefined> = {
	info: undefined,
	success: 'green',
	warning: 'yellow',
	error: 'red',
	command: 'gray',
	output: 'gray',
	hint: 'cyan',
};

/** Finished lines, printed once above the live area and never redrawn. */
export function RunLog({entries}: {readonly entries: readonly LogEntry[]}) {
	return (
		<Static items={[...entries]}>
			{entry => (
				// Commands stay on one line here; the journal and the report keep them whole.
				<Text key={entry.id} color={COLOR[entry.level]} wrap={entry.level === 'command' ? 'truncate-end' : 'wrap'}>
					{entry.text}
				</Text>
			)}
		</Static>
	);
}
