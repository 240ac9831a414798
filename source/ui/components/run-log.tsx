import {Static, Text} from 'ink';
import type {LogEntry} from '../../core/run-state.js';
import {logLine} from '../log-text.js';
import {useTheme} from '../theme.js';

/** Finished lines, printed once above the live area and never redrawn. */
export function RunLog({entries}: {readonly entries: readonly LogEntry[]}) {
	const theme = useTheme();
	return (
		<Static items={[...entries]}>
			{entry => {
				const {text, tone} = logLine(entry);
				// Commands stay on one line here; the journal and the report keep them whole.
				return (
					<Text key={entry.id} color={theme.color(tone)} wrap={entry.kind === 'command' ? 'truncate-end' : 'wrap'}>
						{text}
					</Text>
				);
			}}
		</Static>
	);
}
