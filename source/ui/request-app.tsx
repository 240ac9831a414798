/** The run's App for a request made on an earlier screen (a drill, a stage): its undo is made from the same request. */
import {sessionFor, undoRequest, type RunRequest} from '../session.js';
import {App} from './app.js';
import type {Session} from './session-run.js';

export function RequestApp({
	session,
	request,
	onSession,
}: {
	readonly session: Session;
	readonly request: RunRequest;
	readonly onSession: (session: Session) => void;
}) {
	return (
		<App
			session={session}
			onSession={onSession}
			createUndo={result => {
				const next = undoRequest(request, result);
				return next ? sessionFor(next) : null;
			}}
		/>
	);
}
