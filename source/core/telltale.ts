/**
 * The lines of a failed command's output that say why, for its one-line summary: the error lines
 * (the first ones, which name the cause), without the boilerplate tools add after them (npm's "A
 * complete log of this run can be found in", "To see a list of scripts"). Output without an error
 * line gives its last lines.
 */
const BOILERPLATE = [
	/^npm (?:error|ERR!)\s*$/,
	/A complete log of this run can be found in/,
	/^\S*_logs\/\S*-debug-\d+\.log$/,
	/To see a list of scripts, run:/,
	/^npm (?:error|ERR!)\s+npm run$/,
];

const ERROR_LINE = /\b(?:error|ERR!|fatal|failed|denied|not found|no such file|cannot|can't|missing|refused)\b/i;

export function telltaleLines(text: string, count: number): string {
	const lines = text
		.split('\n')
		.map(line => line.trimEnd())
		.filter(line => line.trim() !== '' && !BOILERPLATE.some(pattern => pattern.test(line.trim())));
	const errors = lines.filter(line => ERROR_LINE.test(line));
	return (errors.length > 0 ? errors.slice(0, count) : lines.slice(-count)).join(' | ');
}
