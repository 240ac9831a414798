/**
 * The release history on a real server: each run that resets the checkout appends a line under
 * the git dir while it holds the lock; the next run's picker marks the commit rolled back from
 * (with the reason typed at the confirmation) and the one verified good.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseHistory} from '../source/core/history.js';
import {App} from '../source/ui/app.js';
import {runOf} from '../source/ui/session-run.js';
import {canRun} from './helpers/availability.js';
import {KEY, waitForText} from './helpers/ink.js';
import {runEngine} from './helpers/run.js';
import {useProduction} from './helpers/fixtures.js';
import {renderTui, tuiSessions} from './helpers/tui.js';

describe.runIf(canRun('release history', ['sshd']))('the release history in the picker', () => {
	const servers = useProduction();

	it('after a rollback (and a redeploy of the bad commit), the picker marks it rolled back from, with the reason, and the target verified good', async () => {
		const {result} = await runEngine(servers.production.config(), {
			flags: {target: servers.production.app.good, reason: 'banner shown to customers'},
			runsDir: servers.production.runsDir,
		});
		expect(result.outcome).toBe('succeeded');
		const history = parseHistory(readFileSync(path.join(servers.production.app.dir, '.git', 'rewind-history.jsonl'), 'utf8'));
		expect(history).toEqual([
			expect.objectContaining({
				from: servers.production.app.bad,
				to: servers.production.app.good,
				outcome: 'succeeded',
				reason: 'banner shown to customers',
				kind: 'rollback',
			}),
		]);
		expect(readFileSync(result.reportPath!, 'utf8')).toContain('**Reason given:** "banner shown to customers"');

		// The bad commit is deployed again: the next operator opens the picker.
		execFileSync('git', ['reset', '-q', '--hard', servers.production.app.bad], {cwd: servers.production.app.dir});
		const {session} = tuiSessions(servers.production.config(), servers.production.runsDir);
		const {ui} = renderTui(<App session={session} />);
		try {
			const frame = () => ui.lastFrame() ?? '';
			const picker = await waitForText(frame, 'HEAD (live now)');
			const bad = servers.production.app.bad.slice(0, 7);
			const good = servers.production.app.good.slice(0, 7);
			expect(picker).toMatch(new RegExp(`${bad} .*← HEAD \\(live now\\) ✗ rolled back \\d\\d-\\d\\d`));
			expect(picker).toMatch(new RegExp(`${good} .*✓ good \\d\\d-\\d\\d`));
			// The detail pane wraps beside the step list: its words are checked, not its line breaks.
			const flat = (text: string) => text.replace(/[│\s]+/g, ' ');
			expect(flat(picker)).toMatch(/Release history: ✗ rolled back from \d{4}-\d\d-\d\d: banner shown to/);
			expect(picker).toContain('customers');
			ui.stdin.write(KEY.down);
			expect(flat(await waitForText(frame, 'undoes 1 commit'))).toMatch(/Release history: ✓ verified good \d{4}-\d\d-\d\d/);
			ui.stdin.write('?');
			const help = await waitForText(frame, 'Help');
			expect(help).toContain('the release history says of it');
			expect(help).toContain('(✓ verified good, ✗ rolled back');
		} finally {
			session.engine.requestStop();
			// The run releases its lock before the server is torn down.
			const result = await runOf(session);
			expect(result.outcome).toBe('interrupted');
			ui.unmount();
		}
	});

	it('a hostile reason ($(…), quotes, an escape sequence) is stored literally, runs nothing, and reaches the report inert', async () => {
		const marker = path.join(servers.production.root, 'pwned-by-reason');
		const reason = `$(touch ${marker}) \`touch ${marker}\` '"; \u001B]0;owned\u0007 done`;
		execFileSync('git', ['reset', '-q', '--hard', servers.production.app.bad], {cwd: servers.production.app.dir});
		const {result} = await runEngine(servers.production.config(), {flags: {target: servers.production.app.good, reason}, runsDir: servers.production.runsDir});
		expect(result.outcome).toBe('succeeded');
		expect(existsSync(marker)).toBe(false);
		const history = parseHistory(readFileSync(path.join(servers.production.app.dir, '.git', 'rewind-history.jsonl'), 'utf8'));
		expect(history.at(-1)?.reason).toBe(reason);
		const report = readFileSync(result.reportPath!, 'utf8');
		expect(report).not.toContain('\u001B');
		expect(report).toMatch(/Reason given:\*\* ".*␛\\?\]0;owned␇ done"/);
	});
});
