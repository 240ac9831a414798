/**
 * Which run `resume` and `undo` take when the config has stages: that stage's own last run of this
 * config file (never a run of another stage or another project's), the operator names the stage or
 * the run, and a run whose server or checkout the config no longer names is refused. Journals are
 * written here as a run writes them (run-started, facts); nothing connects.
 */
import {mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parseCli} from '../source/cli-options.js';
import {requestFromJournal} from '../source/commands.js';
import {refusal as userError} from './helpers/refusal.js';

const CONFIG = `
app: {name: shop, dir: /srv/shop}
ssh: {host: shop-prod}
site: {url: "https://shop.example.com/"}
reload: {method: none}
stages:
  staging:
    servers: [{host: shop-staging, app: {dir: /srv/staging}, site: {url: "https://staging.example.com/"}}]
  production: {}
`;

describe('resume and undo with stages', () => {
	let home: string;
	let file: string;
	let age = 0;
	const saved = process.env['REWIND_HOME'];

	/** A finished rollback's journal in the default runs folder, newer than the ones before it. */
	function journal(runId: string, started: Record<string, unknown>, facts: Record<string, unknown>) {
		const dir = path.join(home, 'runs', runId);
		mkdirSync(dir, {recursive: true});
		const events = [
			{type: 'run-started', at: '2026-12-03T00:00:00Z', runId, kind: 'rollback', steps: [], plan: [], appName: 'shop', configPath: file, ...started},
			{type: 'fact', at: '2026-12-03T00:00:01Z', facts: {fromHead: 'a'.repeat(40), remoteHeadAfter: 'b'.repeat(40), ...facts}},
			{
				type: 'run-finished',
				at: '2026-12-03T00:00:02Z',
				outcome: 'succeeded',
				exitCode: 0,
				criteria: [],
				totalMs: 1,
				rollbackMs: 1,
				reportPath: null,
				journalPath: null,
				message: '',
			},
		];
		const at = path.join(dir, 'journal.jsonl');
		writeFileSync(at, events.map(event => JSON.stringify(event)).join('\n') + '\n');
		age += 10;
		utimesSync(at, 1_700_000_000 + age, 1_700_000_000 + age);
	}
	const undo = (...args: string[]) => requestFromJournal(parseCli(['undo', '--yes', ...args]), 'undo');
	/** The refusal's paragraph. */
	const refusal = (run: () => unknown): string => userError(run).message;

	beforeAll(() => {
		home = mkdtempSync(path.join(os.tmpdir(), 'rewind-journal-stages-'));
		process.env['REWIND_HOME'] = home;
		file = path.join(home, 'rewind.config.yaml');
		writeFileSync(file, CONFIG);
		journal('r1-staging', {identity: {stage: 'staging'}, servers: ['shop-staging']}, {appDir: '/srv/staging'});
		journal('r2-production', {identity: {stage: 'production'}, servers: ['shop-prod']}, {appDir: '/srv/shop'});
		// Newest: a run of another project's config, from before runs named their stage and servers.
		journal('r3-elsewhere', {configPath: path.join(home, 'other.yaml')}, {appDir: '/srv/other'});
	});
	afterAll(() => {
		if (saved === undefined) delete process.env['REWIND_HOME'];
		else process.env['REWIND_HOME'] = saved;
		rmSync(home, {recursive: true, force: true});
	});

	it("--stage takes that stage's last run of this config, not a newer one of another stage or project", () => {
		const staging = undo('--config', file, '--stage', 'staging');
		expect(staging.identity).toEqual({stage: 'staging'});
		expect(staging.config.app.dir).toBe('/srv/staging');
		expect(staging.initialFacts?.undoOf?.runId).toBe('r1-staging');
		expect(undo('--config', file, '--stage', 'production').initialFacts?.undoOf?.runId).toBe('r2-production');
	});

	it("with several stages, neither --stage nor --journal: refused, with or without --config (the run's config has the stages)", () => {
		expect(refusal(() => undo('--config', file))).toContain('defines 2 stages (staging, production): name the stage whose last run to undo');
		// Without --config the newest run's config is read (here the staging run's, made the newest): the same rule.
		utimesSync(path.join(home, 'runs', 'r1-staging', 'journal.jsonl'), 1_800_000_000, 1_800_000_000);
		expect(refusal(() => undo())).toContain('defines 2 stages (staging, production)');
		// Naming the run is enough: it says its stage.
		expect(undo('--journal', path.join(home, 'runs', 'r1-staging')).identity).toEqual({stage: 'staging'});
	});

	it('a run whose checkout the config no longer names is refused, stage or none', () => {
		const moved = path.join(home, 'moved.yaml');
		writeFileSync(moved, CONFIG.replace('dir: /srv/staging', 'dir: /srv/staging-new'));
		expect(refusal(() => undo('--config', moved, '--journal', path.join(home, 'runs', 'r1-staging')))).toContain(
			'worked in /srv/staging; ' + moved + ' (stage staging) now names /srv/staging-new',
		);
	});
});
