/**
 * The screens on their own, with a fake commit source and fake questions: what the operator sees
 * and what each key does, fast and without a server.
 */
import {describe, expect, it} from 'vitest';
import type {CommitPage, CommitSource, Question} from '../source/core/questions.js';
import {serverCommand, type Commit, type RollbackImpact} from '../source/core/types.js';
import {sh} from '../source/core/command.js';
import {KeyRouter} from '../source/ui/key-router.js';
import {CommitPicker} from '../source/ui/screens/commit-picker.js';
import {ConfirmReset, type ConfirmAnswer} from '../source/ui/screens/confirm-reset.js';
import {RecoverQuestion} from '../source/ui/screens/questions.js';
import {makeTheme} from '../source/ui/theme.js';
import {KEY, waitForText} from './helpers/ink.js';
import {renderTui} from './helpers/tui.js';

const commit = (index: number): Commit => ({
	hash: `${index}`.repeat(40).slice(0, 40),
	shortHash: `${index}`.repeat(7),
	parents: [],
	date: '2026-11-20T10:00:00Z',
	author: 'Ada',
	subject: `change ${index}`,
});
const HISTORY = [1, 2, 3, 4, 5].map(commit);
const impactOf = (target: string): RollbackImpact => ({target, commitsUndone: [HISTORY[0]!], commitsAdded: [], files: [], targetIsAncestor: true});

/** A history that answers its first page only when `release()` is called. */
function slowSource(options: {preselect?: string} = {}): CommitSource & {release(): void} {
	let release: () => void = () => {};
	const gate = new Promise<void>(resolve => (release = resolve));
	return {
		head: HISTORY[0]!.hash,
		...options,
		release: () => release(),
		async page(offset: number, count: number): Promise<CommitPage> {
			await gate;
			return {commits: HISTORY.slice(offset, offset + count), hasMore: false};
		},
		async search(query: string) {
			return HISTORY.filter(item => item.subject.includes(query));
		},
		async impact(target: string) {
			return impactOf(target);
		},
	};
}

function picker(source: CommitSource) {
	const picked: Commit[] = [];
	const rendered = renderTui(
		<KeyRouter global={() => false}>
			<CommitPicker source={source} onPick={item => picked.push(item)} height={20} width={100} />
		</KeyRouter>,
	);
	return {...rendered, picked};
}

/** The picker with its history already loaded, once the live commit is on screen. */
async function loadedPicker() {
	const source = slowSource();
	source.release();
	const opened = picker(source);
	await waitForText(() => opened.ui.lastFrame(), 'HEAD (live now)');
	return opened;
}

describe('the commit picker', () => {
	it('keeps keys pressed while the history loads and applies them once it is on screen', async () => {
		const source = slowSource();
		const {ui, picked} = picker(source);
		await waitForText(() => ui.lastFrame(), "Reading the server's git log");
		ui.stdin.write(KEY.down);
		ui.stdin.write(KEY.down);
		ui.stdin.write(KEY.enter);
		expect(picked).toEqual([]);
		source.release();
		await waitForText(() => String(picked.length), '1');
		expect(picked[0]?.hash).toBe(HISTORY[2]!.hash);
		ui.unmount();
	});

	it('applies each key of a burst that arrives in one read ("jj", then "j⏎"), as when typing fast over SSH', async () => {
		const {ui, picked} = await loadedPicker();
		ui.stdin.write('jj');
		await waitForText(() => ui.lastFrame(), `▸ ${HISTORY[2]!.shortHash}`);
		ui.stdin.write('kj\r');
		await waitForText(() => String(picked.length), '1');
		expect(picked[0]?.hash).toBe(HISTORY[2]!.hash);
		ui.unmount();
	});

	it('refuses the live commit as a target and says why', async () => {
		const {ui, picked} = await loadedPicker();
		ui.stdin.write(KEY.enter);
		await waitForText(() => ui.lastFrame(), 'is what the server runs now: pick an older commit');
		expect(picked).toEqual([]);
		ui.unmount();
	});

	it('coming back from the confirmation, highlights the commit picked before', async () => {
		const source = slowSource({preselect: HISTORY[3]!.hash});
		source.release();
		const {ui} = picker(source);
		await waitForText(() => ui.lastFrame(), `▸ ${HISTORY[3]!.shortHash}`);
		ui.unmount();
	});

	it('filters the whole history on the server as the text is typed', async () => {
		const {ui, picked} = await loadedPicker();
		ui.stdin.write('/');
		ui.stdin.write('change 4');
		await waitForText(() => ui.lastFrame(), '1 match');
		ui.stdin.write(KEY.enter);
		ui.stdin.write(KEY.enter);
		await waitForText(() => String(picked.length), '1');
		expect(picked[0]?.subject).toBe('change 4');
		ui.unmount();
	});
});

const CONFIRM: Extract<Question, {kind: 'confirm-reset'}> = {
	kind: 'confirm-reset',
	command: serverCommand('reset', 'reset', sh`cd /srv/app && git reset --hard ${HISTORY[1]!.hash}`),
	appDir: '/srv/app',
	from: HISTORY[0]!.hash,
	target: HISTORY[1]!,
	impact: impactOf(HISTORY[1]!.hash),
	backupSummary: 'verified backup ~/backups/x.sql.gz (1.2 KiB)',
};

function confirm() {
	const answers: ConfirmAnswer[] = [];
	const wrongTurns: string[] = [];
	const rendered = renderTui(
		<KeyRouter global={() => false}>
			<ConfirmReset question={CONFIRM} onAnswer={answer => answers.push(answer)} onWrongTurn={text => wrongTurns.push(text)} width={100} />
		</KeyRouter>,
	);
	return {...rendered, answers, wrongTurns};
}

describe('the reset confirmation', () => {
	it('shows the very command the reset step runs', async () => {
		const {ui} = confirm();
		expect(await waitForText(() => ui.lastFrame(), 'Type 2222222')).toContain(`git reset --hard ${HISTORY[1]!.hash}`);
		ui.unmount();
	});

	it('accepts the hash and Enter typed a few milliseconds apart (two writes): the field is what is compared', async () => {
		const {ui, answers, wrongTurns} = confirm();
		await waitForText(() => ui.lastFrame(), 'Type 2222222');
		ui.stdin.write('2222222');
		ui.stdin.write(KEY.enter);
		await waitForText(() => String(answers.length), '1');
		expect(answers).toEqual([{answer: 'confirm'}]);
		expect(wrongTurns).toEqual([]);
		ui.unmount();
	});

	it('accepts the hash and Enter in one write (a paste), with a reason after the hash', async () => {
		const {ui, answers} = confirm();
		await waitForText(() => ui.lastFrame(), 'Type 2222222');
		ui.stdin.write('2222222 the banner shows on production\r');
		await waitForText(() => String(answers.length), '1');
		expect(answers).toEqual([{answer: 'confirm', reason: 'the banner shows on production'}]);
		ui.unmount();
	});

	it('a held Backspace (DELs in one chunk) deletes, and a `?` inside a fast chunk is never part of the hash', async () => {
		const {ui, answers} = confirm();
		await waitForText(() => ui.lastFrame(), 'Type 2222222');
		ui.stdin.write('2222zz?');
		await waitForText(() => ui.lastFrame(), '› 2222zz');
		expect(ui.lastFrame()).not.toContain('› 2222zz?');
		ui.stdin.write('\u007F\u007F');
		await waitForText(() => ui.lastFrame(), /› 2222(?!z)/);
		ui.stdin.write('222');
		ui.stdin.write(KEY.enter);
		await waitForText(() => String(answers.length), '1');
		expect(answers).toEqual([{answer: 'confirm'}]);
		ui.unmount();
	});

	it('refuses another hash, resets nothing, and counts a wrong turn; Esc goes back', async () => {
		const {ui, answers, wrongTurns} = confirm();
		await waitForText(() => ui.lastFrame(), 'Type 2222222');
		ui.stdin.write('1111111\r');
		await waitForText(() => ui.lastFrame(), '“1111111” is not 2222222: nothing was reset');
		expect(answers).toEqual([]);
		expect(wrongTurns).toHaveLength(1);
		ui.stdin.write(KEY.escape);
		await waitForText(() => String(answers.length), '1');
		expect(answers).toEqual([{answer: 'back'}]);
		ui.unmount();
	});
});

describe('the recovery question', () => {
	it('offers the hints’ fixes and the step’s override, and answers with the choice', async () => {
		const answers: unknown[] = [];
		const question: Extract<Question, {kind: 'recover'}> = {
			kind: 'recover',
			stepId: 'backup',
			error: 'the backup failed verification: mysqldump exited 2',
			hints: [
				{
					id: 'mysql-socket',
					title: 'mysqldump looked for a local database socket',
					advice: 'Give mysqldump the database host.',
					severity: 'error',
					fix: {id: 'use-managed-db-host', label: 'Use the managed database host and retry the backup'},
				},
			],
			choices: ['retry', 'fix', 'override', 'abort'],
			overrideLabel: 'Reset WITHOUT a verified backup (asks for a reason, logged)',
		};
		const {ui} = renderTui(
			<KeyRouter global={() => false}>
				<RecoverQuestion question={question} onAnswer={value => answers.push(value)} width={100} />
			</KeyRouter>,
			{theme: makeTheme({noColor: true})},
		);
		const screen = await waitForText(() => ui.lastFrame(), 'What now?');
		expect(screen).toContain('Use the managed database host and retry the backup');
		expect(screen).toContain('Reset WITHOUT a verified backup');
		ui.stdin.write(KEY.down);
		ui.stdin.write(KEY.enter);
		await waitForText(() => String(answers.length), '1');
		expect(answers).toEqual([{choice: 'fix', fix: 'use-managed-db-host'}]);
		ui.unmount();
	});
});
