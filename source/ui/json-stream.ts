/**
 * `--json`: the run as JSON lines on stdout, for CI and chat-ops. Each line is one event of the
 * journal (redacted, JSON-escaped) with `"schema": 1` added; the last line is `run-finished` with the
 * outcome. Questions are answered by the flags (a question the flags do not answer ends the run
 * with an event saying which flag to pass). Documented in README.md ("--json").
 */
import type {Writable} from 'node:stream';
import type {Engine} from '../core/engine.js';

export const JSON_SCHEMA_VERSION = 1;

export function attachJsonStream(engine: Engine, out: Writable): () => void {
	return engine.subscribeJournal(line => out.write(`{"schema":${JSON_SCHEMA_VERSION},${line.slice(1)}\n`));
}
