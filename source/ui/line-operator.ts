/**
 * `--plain` in a terminal: the run as plain lines (the plain renderer) and its questions asked one
 * line at a time — numbered choices, typed answers, nothing redrawn — for screen readers and
 * terminals that cannot show the TUI. The same questions and answers as the TUI's screens.
 */
import {createInterface, type Interface} from 'node:readline';
import type {Readable, Writable} from 'node:stream';
import {StopRequestedError} from '../core/errors.js';
import type {Answer, Operator, Question} from '../core/questions.js';
import type {Commit} from '../core/types.js';
import {describeMarksFull} from './history-text.js';

const PAGE = 20;

export class LineOperator implements Operator {
	readonly #input: Readable;
	readonly #output: Writable;

	constructor(input: Readable, output: Writable) {
		this.#input = input;
		this.#output = output;
	}

	async ask<Q extends Question>(question: Q, signal: AbortSignal): Promise<Answer<Q>> {
		return (await this.#answer(question, signal)) as Answer<Q>;
	}

	#say(text: string): void {
		this.#output.write(`${text}\n`);
	}

	/**
	 * One line from the terminal, typed in its own line discipline (the kernel echoes and edits:
	 * nothing is redrawn, which is what screen readers follow); a stop ends the wait. `hidden`
	 * reads without echo, a key at a time (a passphrase).
	 */
	#line(prompt: string, signal: AbortSignal, hidden = false): Promise<string> {
		if (signal.aborted) return Promise.reject(new StopRequestedError());
		this.#output.write(prompt);
		if (hidden) return this.#hidden(signal);
		return new Promise((resolve, reject) => {
			const rl: Interface = createInterface({input: this.#input, terminal: false});
			const onAbort = () => {
				rl.close();
				reject(new StopRequestedError());
			};
			signal.addEventListener('abort', onAbort, {once: true});
			rl.once('line', answer => {
				signal.removeEventListener('abort', onAbort);
				rl.close();
				resolve(answer.trim());
			});
		});
	}

	#hidden(signal: AbortSignal): Promise<string> {
		const input = this.#input as NodeJS.ReadStream;
		return new Promise((resolve, reject) => {
			let typed = '';
			const done = (result: string | Error) => {
				signal.removeEventListener('abort', onAbort);
				input.removeListener('data', onData);
				input.setRawMode?.(false);
				input.pause();
				this.#output.write('\n');
				if (result instanceof Error) reject(result);
				else resolve(result);
			};
			const onAbort = () => done(new StopRequestedError());
			const onData = (chunk: Buffer) => {
				for (const char of chunk.toString('utf8')) {
					if (char === '\r' || char === '\n') return done(typed);
					// Ctrl+C: the same safe stop as anywhere else.
					if (char === '\u0003') process.kill(process.pid, 'SIGINT');
					else if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
					else typed += char;
				}
			};
			signal.addEventListener('abort', onAbort, {once: true});
			input.setRawMode?.(true);
			input.resume();
			input.on('data', onData);
		});
	}

	/** A numbered list; the answer is the chosen value (asked again until one is given). */
	async #choose<T>(title: string, choices: ReadonlyArray<{label: string; value: T}>, signal: AbortSignal): Promise<T> {
		this.#say(title);
		choices.forEach((choice, index) => this.#say(`  ${index + 1}. ${choice.label}`));
		for (;;) {
			const answer = Number(await this.#line(`Choose 1–${choices.length}: `, signal));
			const choice = choices[answer - 1];
			if (Number.isInteger(answer) && choice) return choice.value;
			this.#say(`Type a number from 1 to ${choices.length}.`);
		}
	}

	async #answer(question: Question, signal: AbortSignal): Promise<unknown> {
		switch (question.kind) {
			case 'host-key':
				this.#say(`The server ${question.host} is not in known_hosts yet. Its ${question.keyType} key fingerprint is ${question.fingerprint}.`);
				this.#say('Check it with the server’s owner before trusting it.');
				return (await this.#line('Trust this key and continue? (yes/no): ', signal)).toLowerCase() === 'yes';
			case 'passphrase': {
				const answer = await this.#line(`Passphrase for ${question.keyPath} (empty to skip this key): `, signal, true);
				return answer === '' ? null : answer;
			}
			case 'pick-target':
				return this.#pick(question, signal);
			case 'confirm-reset': {
				const {target, impact} = question;
				this.#say(
					`Reset the ${question.stage ? `${question.stage} ` : ''}server from ${question.from.slice(0, 7)} to ${target.shortHash} "${target.subject}"?`,
				);
				if (impact) this.#say(`This undoes ${impact.commitsUndone.length} commit(s) and changes ${impact.files.length} file(s).`);
				this.#say(`Backup: ${question.backupSummary}`);
				if (question.savedSummary) this.#say(`Saved: ${question.savedSummary}`);
				if (question.assets) this.#say(`Assets: ${question.assets}`);
				if (question.migrateFirst) this.#say(`First, the schema's downgrade: ${question.migrateFirst}`);
				if (question.dropsData) this.#say(`It drops data (${question.dropsData.keptIn}): ${question.dropsData.items.join(', ')}`);
				this.#say('The reset, exactly:');
				for (const line of question.command.display.split('\n')) this.#say(`  ${line}`);
				for (;;) {
					const answer = await this.#line(`Type ${target.shortHash} to reset (a reason may follow), b to pick another commit, q to abort: `, signal);
					if (answer === 'b') return {decision: 'back'};
					if (answer === 'q') return {decision: 'abort'};
					const [hash = '', ...reason] = answer.split(/\s+/);
					if (hash === target.shortHash) return {decision: 'confirm', ...(reason.length > 0 ? {reason: reason.join(' ')} : {})};
					this.#say(`"${hash}" is not ${target.shortHash}: nothing was reset.`);
				}
			}
			case 'dirty-tree':
				this.#say(`The server’s checkout has changes git reset --hard would destroy: ${question.files.slice(0, 8).join(', ')}`);
				return this.#choose(
					'What now?',
					[
						{label: 'Save them first (patch, stash commit, archive of untracked files), then continue', value: 'save'},
						{label: 'Abort: leave the server untouched', value: 'abort'},
					],
					signal,
				);
			case 'stale-lock':
				this.#say(`A stale rollback lock is on the server (run ${question.holder.runId}, ${Math.round(question.ageMinutes)} min old).`);
				return this.#choose(
					'What now?',
					[
						{label: 'Take over the lock (logged in the journal and the report)', value: 'take-over'},
						{label: 'Abort: somebody may still be working', value: 'abort'},
					],
					signal,
				);
			case 'recover': {
				this.#say(question.error);
				for (const hint of question.hints) this.#say(`Hint: ${hint.title}. ${hint.advice}`);
				const choices = question.choices.flatMap((choice): Array<{label: string; value: Answer<typeof question>}> => {
					if (choice === 'fix')
						return question.hints.flatMap(hint => (hint.fix ? [{label: hint.fix.label, value: {choice: 'fix' as const, fix: hint.fix.id}}] : []));
					if (choice === 'override') return [{label: question.overrideLabel ?? 'Override', value: {choice}}];
					const label = {retry: 'Retry this step', reconnect: 'Reconnect and retry this step', abort: 'Abort the run (the lock is released)'}[choice];
					return [{label, value: {choice}}];
				});
				return this.#choose('What now?', choices, signal);
			}
			case 'override-reason': {
				this.#say(question.warning ?? 'Resetting without a verified backup: nothing can restore the database if this goes wrong.');
				const reason = await this.#line('Why? (written to the journal and the report; empty to abort): ', signal);
				return reason === '' ? null : reason;
			}
			case 'manual-reload':
				this.#say(`Reload the web app by hand: ${question.instructions}`);
				return this.#choose(
					'When it is done:',
					[
						{label: 'Done: I reloaded the app', value: 'done'},
						{label: 'Abort', value: 'abort'},
					],
					signal,
				);
			case 'migration-way-out': {
				this.#say(`The schema cannot be migrated down to ${question.target.join(', ') || 'base'}: nothing has been changed yet. ${question.why}`);
				return this.#choose<Answer<typeof question>>(
					'What now?',
					[
						{label: 'Abort: nothing is changed (the backup just taken stays)', value: {choice: 'abort'}},
						{label: 'Reset the code only and leave the schema ahead (you type why)', value: {choice: 'code-only'}},
						...question.backups.map(backup => ({
							label: `Restore the backup of ${backup.takenAt.slice(0, 16).replace('T', ' ')} UTC (${backup.path}): data written since is lost`,
							value: {choice: 'restore' as const, path: backup.path},
						})),
					],
					signal,
				);
			}
		}
	}

	/** The history a page at a time: a number picks, `/text` searches the whole history, Enter shows more, q aborts. */
	async #pick(question: Extract<Question, {kind: 'pick-target'}>, signal: AbortSignal): Promise<Commit | null> {
		const {source} = question;
		let shown: readonly Commit[] = [];
		let offset = 0;
		let more = true;
		const list = (commits: readonly Commit[], from: number) => {
			commits.forEach((commit, index) => {
				const mark = source.marks?.[commit.hash];
				const live = commit.hash === source.head ? ' ← HEAD (live now)' : '';
				this.#say(
					`  ${from + index + 1}. ${commit.shortHash} ${commit.date.slice(0, 10)} ${commit.author}: ${commit.subject}${mark && mark.length > 0 ? ` ${describeMarksFull(mark)}` : ''}${live}`,
				);
			});
		};
		const nextPage = async () => {
			const page = await source.page(offset, PAGE);
			list(page.commits, shown.length);
			shown = [...shown, ...page.commits];
			offset += page.commits.length;
			more = page.hasMore;
		};
		this.#say('The server’s history, newest first:');
		await nextPage();
		for (;;) {
			const answer = await this.#line(`Roll back to which commit? (number or hash${more ? ', Enter for more' : ''}, /text to search, q to abort): `, signal);
			if (answer === 'q') return null;
			if (answer === '' && more) {
				await nextPage();
				continue;
			}
			if (answer.startsWith('/')) {
				const found = await source.search(answer.slice(1), PAGE);
				if (found.length === 0) this.#say(`No commit matches "${answer.slice(1)}".`);
				shown = found;
				list(found, 0);
				continue;
			}
			const byNumber = /^\d+$/.test(answer) && answer.length < 5 ? shown[Number(answer) - 1] : undefined;
			const commit = byNumber ?? shown.find(candidate => answer.length >= 4 && candidate.hash.startsWith(answer));
			if (!commit) {
				this.#say(`"${answer}" is not one of the commits listed.`);
				continue;
			}
			if (commit.hash === source.head) {
				this.#say(`${commit.shortHash} is what the server runs now: pick an older commit.`);
				continue;
			}
			const impact = await source.impact(commit.hash);
			this.#say(`Rolling back to ${commit.shortHash} undoes ${impact.commitsUndone.length} commit(s) and changes ${impact.files.length} file(s).`);
			if (impact.migrations)
				this.#say(
					`Migrations: ${impact.migrations.undo.length} to undo${impact.migrations.undo.some(step => step.irreversible) ? ' (one cannot be undone)' : ''}.`,
				);
			return commit;
		}
	}
}
