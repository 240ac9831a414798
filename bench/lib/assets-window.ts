/**
 * The bench's "assets window" section (issue 24): against the private OpenSSH server, with a build
 * that takes seconds, how long the site serves the old page after HEAD reached the target (sampled
 * every 50 ms from outside, as test/prebuild.e2e does), with the prebuild and without; and the whole
 * run's wall time both ways (the build moves before the reset, it should not get longer).
 */
import {execFileSync} from 'node:child_process';
import {utimesSync} from 'node:fs';
import path from 'node:path';
import {missingAssets, sampleSite, startAssetSite, windowMs, writeHashedBuild} from '../../test/helpers/asset-site.js';
import {startProduction} from '../../test/helpers/production.js';
import {runEngine} from '../../test/helpers/run.js';
import type {Sshd} from '../../test/helpers/sshd.js';
import {formatMs, median} from './measure.js';

type Row = (section: string, what: string, value: string, target?: string, ok?: boolean | null) => void;

const GOOD = '1.1.1';

export async function assetsWindow(sshd: Sshd, row: Row, log: (text: string) => void, options: {quick: boolean; repeat: number}): Promise<void> {
	log('assets window');
	const production = await startProduction(sshd);
	const site = await startAssetSite(production.app.dir, production.wsgiPath);
	const now = writeHashedBuild(path.join(production.root, 'build-now.mjs'), 0);
	const restore = () => {
		execFileSync('git', ['-c', 'safe.directory=*', 'reset', '-q', '--hard', production.app.bad], {cwd: production.app.dir});
		execFileSync('sh', ['-c', now], {cwd: production.app.dir});
		utimesSync(production.wsgiPath, new Date(), new Date(Date.now() + 1000));
	};
	/** One rollback: the window seen from outside, the run's wall time, any missing asset. */
	const rollback = async (buildSeconds: number, prebuild: boolean) => {
		restore();
		const build = writeHashedBuild(path.join(production.root, `build-${buildSeconds}.mjs`), buildSeconds);
		const config = production.config({
			site: {url: site.url, mustContain: ['Bankroll'], mustNotContain: [], timeoutSeconds: 10, intervalSeconds: 0.2, settleSeconds: 1},
			build: {commands: [build], prebuild},
		});
		const sampler = sampleSite(production.app.dir, site.url);
		const started = Date.now();
		const run = await runEngine(config, {flags: {target: production.app.good}, runsDir: production.runsDir});
		const wallMs = Date.now() - started;
		const samples = await sampler.stop();
		if (run.result.outcome !== 'succeeded') throw new Error(`assets window: the rollback did not succeed: ${run.result.message}`);
		return {window: windowMs(samples, production.app.good, GOOD), wallMs, missing: missingAssets(samples).length};
	};
	try {
		const long = options.quick ? 15 : 60;
		for (const seconds of [5, long]) {
			const without = await rollback(seconds, false);
			const withPrebuild = await rollback(seconds, true);
			const shown = (ms: number | null) => (ms === null ? 'never' : formatMs(ms));
			row('assets window', `old page after HEAD = target, ${seconds} s build, without prebuild`, shown(without.window));
			row(
				'assets window',
				`old page after HEAD = target, ${seconds} s build, with prebuild (missing assets: ${withPrebuild.missing})`,
				shown(withPrebuild.window),
				'≤ 1 s, no missing asset',
				withPrebuild.window !== null && withPrebuild.window <= 1000 && withPrebuild.missing === 0,
			);
		}
		const walls = {with: [] as number[], without: [] as number[]};
		for (let index = 0; index < options.repeat; index++) {
			walls.without.push((await rollback(5, false)).wallMs);
			walls.with.push((await rollback(5, true)).wallMs);
		}
		const ratio = median(walls.with) / median(walls.without);
		row('assets window', 'whole run, 5 s build, without prebuild', formatMs(median(walls.without)));
		row('assets window', 'whole run, 5 s build, with prebuild', `${formatMs(median(walls.with))} (${ratio.toFixed(2)}×)`, '≤ 1.1×', ratio <= 1.1);
	} finally {
		await site.stop();
		await production.stop();
	}
}
