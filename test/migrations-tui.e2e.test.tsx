/**
 * The two migration drills, at the keyboard: the screens an operator meets when the schema moved on
 * and when a migration cannot be undone, and the way through each (rendered with the real App over
 * the rehearsal sandbox: embedded SSH server, MariaDB, the Flask app and its migrations).
 */
import {execFileSync} from 'node:child_process';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseCli} from '../source/cli-options.js';
import type {Engine} from '../source/core/engine.js';
import {findDrill} from '../source/rehearsal/drills.js';
import {REVISIONS} from '../source/rehearsal/flask-app.js';
import {prepareRehearsal} from '../source/rehearsal/rehearse.js';
import {sessionFor} from '../source/session.js';
import {App} from '../source/ui/app.js';
import {canRun} from './helpers/availability.js';
import {KEY, waitForText} from './helpers/ink.js';
import {renderTui} from './helpers/tui.js';

const schemaCriterion = (engine: Engine) => engine.state.finished?.criteria.find(criterion => criterion.id === 'schema');

async function drillAtTheKeyboard(id: string, steer: (frame: () => string, press: (keys: string) => void, good: string) => Promise<void>) {
	const drill = findDrill(id);
	const {sandbox, request} = await prepareRehearsal(parseCli(['rehearse', '--drill', drill.id]), drill, () => {});
	let ui: ReturnType<typeof renderTui>['ui'] | undefined;
	try {
		const session = sessionFor({...request, runsDir: path.join(sandbox.dir, 'runs')});
		const rendered = renderTui(<App session={session} />);
		ui = rendered.ui;
		const frame = () => ui!.lastFrame() ?? '';
		await waitForText(frame, 'HEAD (live now)', 20_000);
		// The picker's detail pane names the migrations the rollback crosses.
		ui.stdin.write(KEY.down);
		await waitForText(frame, 'undoes 1 commit');
		const good = sandbox.app.good.slice(0, 7);
		await steer(frame, keys => ui!.stdin.write(keys), good);
		return {sandbox, engine: session.engine, frame};
	} catch (error) {
		// A failed drive leaves no sandbox running behind it (on success the caller reads it, then tears it down).
		ui?.unmount();
		ui = undefined;
		await sandbox.teardown();
		throw error;
	} finally {
		ui?.unmount();
	}
}

describe.runIf(canRun('migration drills at the keyboard', ['mariadb', 'flask']))('the migration drills at the keyboard', () => {
	it('an irreversible migration: the picker and the confirmation say so, the ways out are offered, restoring the earlier backup gets the site back', async () => {
		const {sandbox, engine} = await drillAtTheKeyboard('irreversible-migration', async (frame, press, good) => {
			const pane = await waitForText(frame, 'migrations: downgrade 2 to 2a8e4c1f6d02');
			expect(pane).toContain('✗ 4c0e6f3b8d24 IRREVERSIBLE create sessions');
			press(KEY.enter);
			const confirm = await waitForText(frame, `Type ${good} and press Enter`, 20_000);
			expect(confirm).toContain('— 1 irreversible');
			press(good);
			await waitForText(frame, `› ${good}`);
			press(KEY.enter);
			const wayOut = await waitForText(frame, 'What now?', 20_000);
			expect(wayOut).toContain('The schema cannot be migrated down to 2a8e4c1f6d02: nothing has');
			expect(wayOut).toContain('Abort: nothing is changed');
			expect(wayOut).toContain('Reset the code only and leave the schema ahead');
			// Each way out states its cost (the lines wrap at the screen's width).
			expect(wayOut).toContain('Restore the backup of');
			// (The step list beside it may fall between two wrapped lines: each half is checked.)
			expect(wayOut.replace(/[│\s]+/g, ' ')).toMatch(/ UTC, 18 h \d+ min ago \(at /);
			expect(wayOut.replace(/[│\s]+/g, ' ')).toMatch(/2a8e4c1f6d02\) — data written since is lost/);
			press(KEY.down);
			press(KEY.down);
			press(KEY.enter);
			// A typed reason, with the loss named from the backup's row counts against the database now.
			const typed = await waitForText(frame, 'empty to abort', 20_000);
			// (beside the step list: the warning's lines are read one by one)
			expect(typed).toContain('Lost: sessions:');
			expect(typed).toMatch(/the whole table \(\d+ rows\) is dropped — made after the backup/);
			press('the play log is in the logs');
			await waitForText(frame, 'the play log is in the logs');
			press(KEY.enter);
			await waitForText(frame, 'Rolled back and verified', 30_000);
		});
		try {
			expect(engine.facts.migrated).toMatchObject({how: 'restore', to: [REVISIONS.stakes]});
			expect(engine.facts.migrationRestore?.reason).toBe('the play log is in the logs');
			expect(schemaCriterion(engine)).toMatchObject({status: 'warn', detail: expect.stringMatching(/^restored the backup of .*: data written since is lost$/)});
			expect(sandbox.database!.sql('SELECT version_num FROM alembic_version;', 'trainee$bankroll').trim()).toBe(REVISIONS.stakes);
			expect(execFileSync('git', ['rev-parse', 'HEAD'], {cwd: sandbox.app.dir, encoding: 'utf8'}).trim()).toBe(sandbox.app.good);
		} finally {
			await sandbox.teardown();
		}
	});

	it('the schema moved on: code alone answers 500, the hint says why, its fix migrates down after the reset and the site comes back', async () => {
		const {sandbox, engine} = await drillAtTheKeyboard('schema-moved-on', async (frame, press, good) => {
			press(KEY.enter);
			await waitForText(frame, `Type ${good} and press Enter`, 20_000);
			press(good);
			await waitForText(frame, `› ${good}`);
			press(KEY.enter);
			const recover = await waitForText(frame, 'What now?', 30_000);
			expect(recover).toContain('the schema is ahead of the code');
			// The hint's fix first: Enter applies it.
			expect(recover).toMatch(/❯ Turn the schema migrations on, migrate down now, and check again\n.*Retry this step/);
			press(KEY.enter);
			await waitForText(frame, 'Rolled back and verified', 30_000);
		});
		try {
			expect(engine.facts.migrated).toMatchObject({how: 'downgrade', from: [REVISIONS.sessions], to: [REVISIONS.stakes]});
			expect(schemaCriterion(engine)).toMatchObject({status: 'pass', detail: `${REVISIONS.sessions} → ${REVISIONS.stakes}`});
			// The downgrade scripts brought back for the run are gone again: the checkout is the target's.
			expect(execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {cwd: sandbox.app.dir, encoding: 'utf8'})).toBe('');
		} finally {
			await sandbox.teardown();
		}
	});
});
