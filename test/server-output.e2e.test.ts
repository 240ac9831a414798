/**
 * Server output is data: what rewind reads back from a real OpenSSH server (git history, file
 * names, the release history, big answers, pages) cannot steer it. Separators, newlines and
 * `key=value` text in commit subjects, authors, branch and file names change nothing in the plan;
 * an answer too big to read whole is refused, never read cut; folders another user could plant a
 * symlink in are refused before anything is written.
 */
import {execFileSync} from 'node:child_process';
import {chmodSync, existsSync, lchownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:http';
import {once} from 'node:events';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {configSchema} from '../source/core/config/schema.js';
import {mergeDefaults} from '../source/core/config/presets.js';
import {LOG_FORMAT, parseGitLog} from '../source/core/git.js';
import {checkSite} from '../source/core/remote/http-check.js';
import {EXIT} from '../source/core/types.js';
import {MARKER, SITE_TITLE} from '../source/rehearsal/app-repo.js';
import {REVISIONS} from '../source/rehearsal/flask-app.js';
import {canRun} from './helpers/availability.js';
import type {TestDatabase} from './helpers/database.js';
import {startFlaskProduction, useFlaskServers, type FlaskProduction} from './helpers/flask-production.js';
import {startProduction, writeConfigFile} from './helpers/production.js';
import {runCli} from './helpers/cli.js';
import {runEngine} from './helpers/run.js';
import {startSshd, type Sshd} from './helpers/sshd.js';

const GS = '\u001d';
const RS = '\u001e';
const US = '\u001f';
/** Text shaped like every framing rewind ever used: section and field separators, newlines, `key=value` lines. */
const FORGERY = `x${GS}${GS}\nhead=${'0'.repeat(40)}\nbranch=evil${RS}${US}status\ndisk_kb=1 ${GS}${GS}history\n`;

const git = (dir: string, ...args: string[]) => execFileSync('git', args, {cwd: dir, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024});
const revision = (database: TestDatabase, production: FlaskProduction) => database.sql('SELECT version_num FROM alembic_version;', production.name).trim();

describe.runIf(canRun('server output as data', ['sshd', 'mariadb', 'flask']))('server output is data: a real sshd, MariaDB and Flask-Migrate', () => {
	const servers = useFlaskServers();

	it('separators, newlines and key=value text in subjects, authors, branch and file names and the release history: the plan is that of the plain repository', async () => {
		const production = await startFlaskProduction(servers.sshd, servers.database, servers.python);
		try {
			const dir = production.app.dir;
			// On top of the bad deploy: a commit by a hostile author with a hostile subject, adding a file with a hostile name,
			// and un-tracking VERSION (which the target tracks) into .gitignore: an ignored file the reset would overwrite.
			writeFileSync(path.join(dir, `notes${GS}${GS}\nhead=1.txt`), 'x\n');
			git(dir, 'add', '--', `notes${GS}${GS}\nhead=1.txt`);
			git(dir, 'rm', '-q', '--cached', 'VERSION');
			writeFileSync(path.join(dir, '.gitignore'), `${readFileSync(path.join(dir, '.gitignore'), 'utf8')}VERSION\nuploads/\n`);
			git(dir, 'add', '.gitignore');
			git(
				dir,
				'-c',
				`user.name=Mallory ${FORGERY.replaceAll('\n', ' ')}`,
				'-c',
				'user.email=m@example.com',
				'commit',
				'-q',
				'--cleanup=verbatim',
				'-m',
				FORGERY,
			);
			git(dir, 'branch', '-m', `head=${'1'.repeat(40)}`);
			// Untracked and ignored files with hostile names (an upload).
			writeFileSync(path.join(dir, `untracked${GS}${GS}\nstatus`), 'u\n');
			mkdirSync(path.join(dir, 'uploads', `a${GS}${GS}\nb`), {recursive: true});
			writeFileSync(path.join(dir, 'uploads', `a${GS}${GS}\nb`, `c${GS}${GS}`), 'upload\n');
			// A release history that tries to speak for preflight.
			writeFileSync(
				path.join(dir, '.git', 'rewind-history.jsonl'),
				`${GS}${GS}\nhead=${'0'.repeat(40)}\ndisk_kb=1\n${JSON.stringify({from: 'x', to: FORGERY})}\n${GS}${GS}history\nstatus\n`,
			);
			const head = git(dir, 'rev-parse', 'HEAD').trim();
			const undone = git(dir, 'rev-list', `${production.app.good}..HEAD`).trim().split('\n');
			const result = await runEngine(production.config({app: {branch: `head=${'1'.repeat(40)}`}}), {
				flags: {target: production.app.good},
				runsDir: production.runsDir,
			});
			expect(result.result.outcome, result.result.message).toBe('succeeded');
			expect(result.result.exitCode).toBe(EXIT.ok);
			const {facts} = result.result;
			expect(facts.fromHead).toBe(head);
			expect(facts.fromBranch).toBe(`head=${'1'.repeat(40)}`);
			expect(facts.impact?.commitsUndone.map(commit => commit.hash)).toEqual(undone);
			expect(facts.impact?.commitsUndone[0]?.subject).toBe(FORGERY.replaceAll('\n', ' ').trimEnd());
			expect(facts.impact?.files.map(file => file.path)).toContain(`notes${GS}${GS}\nhead=1.txt`);
			// The migration target is the target's own head, never base.
			expect(facts.migrationPlan ?? facts.impact?.migrations).toMatchObject({target: [REVISIONS.stakes]});
			expect(revision(servers.database, production)).toBe(REVISIONS.stakes);
			// VERSION (ignored at HEAD, tracked at the target) was saved before the reset overwrote it.
			expect(facts.atRisk?.files).toEqual(['VERSION']);
			expect(facts.atRisk?.archive).toMatch(/tracked-at-target\.tar\.gz$/);
			expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(production.app.good);
			// The picker's rows are the repository's commits, one each, whatever their subjects hold.
			git(dir, 'reset', '-q', '--hard', head);
			const rows = parseGitLog(git(dir, '-c', 'log.showSignature=false', 'log', '-z', `--format=${LOG_FORMAT}`, 'HEAD', '--'));
			expect(rows.map(row => row.hash)).toEqual(git(dir, 'rev-list', 'HEAD').trim().split('\n'));
		} finally {
			await production.stop();
		}
	});

	for (const times of [5, 50]) {
		it(`subjects that make the rollback's answer ${times}× the capture limit: refused (exit 3) naming the read, never planned from a cut answer`, async () => {
			const production = await startFlaskProduction(servers.sshd, servers.database, servers.python);
			try {
				const dir = production.app.dir;
				const subjectFile = path.join(production.root, 'subject.txt');
				// Each subject is one line: git folds it into the one-line log; `times` × 4 MiB in all.
				const commits = times === 5 ? 5 : 50;
				writeFileSync(subjectFile, `${'s'.repeat(Math.ceil((times * 4 * 1024 * 1024) / commits))}\n`);
				for (let index = 0; index < commits; index++) git(dir, 'commit', '-q', '--allow-empty', '--cleanup=verbatim', '-F', subjectFile);
				const head = git(dir, 'rev-parse', 'HEAD').trim();
				const before = revision(servers.database, production);
				const result = await runEngine(production.config(), {flags: {target: production.app.good}, runsDir: production.runsDir});
				expect(result.result.exitCode, result.result.message).toBe(EXIT.refused);
				expect(result.result.message).toMatch(/could not be read: it printed more than the 4\.0 MiB rewind reads of one answer/);
				expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(head);
				expect(revision(servers.database, production)).toBe(before);
			} finally {
				await production.stop();
			}
			// 200 MiB of commit messages written and read back: 30 s on an idle 2-core machine, twice that under load.
		}, 150_000);
	}
});

describe.runIf(canRun('root-safe writes', ['sshd']))('folders another user could plant a symlink in: refused before anything is written', () => {
	let sshd: Sshd;
	let victims: string;

	beforeAll(async () => {
		sshd = await startSshd();
		victims = mkdtempSync(path.join(os.tmpdir(), 'rewind-victim-'));
	});
	afterAll(async () => {
		await sshd?.stop();
		rmSync(victims, {recursive: true, force: true});
	});

	for (const where of ['backup dir', 'git dir'] as const) {
		it.runIf(process.getuid?.() === 0)(
			`a ${where} others may write to, with a symlink another uid planted: exit 3, nothing written through it`,
			async () => {
				const production = await startProduction(sshd);
				try {
					const victim = path.join(victims, `${where.replace(' ', '-')}-victim`);
					writeFileSync(victim, 'precious\n');
					const folder = where === 'backup dir' ? production.backupDir : path.join(production.app.dir, '.git');
					mkdirSync(folder, {recursive: true});
					chmodSync(folder, 0o777);
					const planted = path.join(folder, where === 'backup dir' ? 'bankroll-uncommitted.patch' : 'rewind-history.jsonl');
					symlinkSync(victim, planted);
					lchownSync(planted, 65534, 65534);
					const head = git(production.app.dir, 'rev-parse', 'HEAD').trim();
					const result = await runEngine(production.config({database: {host: '127.0.0.1', user: 'nobody', name: 'none', backupDir: production.backupDir}}), {
						flags: {target: production.app.good},
						runsDir: production.runsDir,
					});
					expect(result.result.exitCode, result.result.message).toBe(EXIT.refused);
					expect(result.result.message).toContain(where === 'backup dir' ? production.backupDir : '.git');
					expect(result.result.message).toMatch(/not this SSH user's alone/);
					expect(readFileSync(victim, 'utf8')).toBe('precious\n');
					expect(git(production.app.dir, 'rev-parse', 'HEAD').trim()).toBe(head);
				} finally {
					await production.stop();
				}
				// 200 MiB of commit messages written and read back: 30 s on an idle 2-core machine, twice that under load.
			},
			150_000,
		);
	}
});

describe.runIf(canRun('bounded stops', ['sshd']))('a stop is bounded, whatever the server does', () => {
	let sshd: Sshd;

	beforeAll(async () => {
		sshd = await startSshd();
	});
	afterAll(async () => {
		await sshd?.stop();
	});

	/** Pids of processes whose command line holds `tag`, with their parents. */
	const tagged = (tag: string) =>
		readdirSync('/proc')
			.filter(entry => /^\d+$/.test(entry))
			.flatMap(pid => {
				try {
					return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(tag) ? [Number(pid)] : [];
				} catch {
					return [];
				}
			});
	const parentOf = (pid: number) => {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	};

	it('SIGTERM while the server’s shell and the command are suspended (SIGSTOP): rewind ends within seconds, exit 130, lock released by a new shell, journal closed', async () => {
		const production = await startProduction(sshd);
		const tag = `rewind-frozen-${Date.now()}`;
		const frozen: number[] = [];
		try {
			const file = writeConfigFile(
				path.join(production.root, 'rewind.config.yaml'),
				production.config({build: {commands: [`sh -c 'sleep 60; true' ${tag}`]}}),
				{runsDir: production.runsDir},
			);
			let signalledAt = 0;
			let polling: NodeJS.Timeout | undefined;
			const result = await runCli(['--config', file, '--target', production.app.good, '--yes'], {
				timeoutMs: 90_000,
				onStdout: (text, child) => {
					if (polling || !text.includes("sh -c 'sleep 60; true'")) return;
					// The command is on its way: once its processes exist on the server, freeze them and the shell, then SIGTERM rewind.
					polling = setInterval(() => {
						const [command] = tagged(tag);
						if (command === undefined || signalledAt !== 0) return;
						clearInterval(polling);
						const leader = parentOf(command);
						const driver = parentOf(leader);
						frozen.push(leader, driver);
						process.kill(-leader, 'SIGSTOP');
						process.kill(driver, 'SIGSTOP');
						signalledAt = Date.now();
						child.kill('SIGTERM');
					}, 50);
				},
			});
			const took = Date.now() - signalledAt;
			expect(signalledAt).toBeGreaterThan(0);
			expect(result.code, result.stdout.slice(-1500)).toBe(130);
			expect(took).toBeLessThan(20_000);
			const journal = /Journal: (\S+)/.exec(result.stdout)![1]!;
			expect(readFileSync(journal, 'utf8').trim().split('\n').at(-1)).toContain('"type":"run-finished"');
			expect(existsSync(path.join(production.app.dir, '.git', 'rewind.lock'))).toBe(false);
		} finally {
			for (const pid of frozen) {
				try {
					process.kill(pid, 'SIGKILL');
				} catch {}
			}
			await production.stop();
		}
	});
});

describe('pages too large to check', () => {
	it('a 6 MiB page whose forbidden text lies past 5 MiB is not "✓": too large to check', async () => {
		const body = `<title>${SITE_TITLE}</title>${'x'.repeat(6 * 1024 * 1024)}${MARKER}`;
		const server = createServer((_request, response) => response.end(body));
		server.listen(0, '127.0.0.1');
		await once(server, 'listening');
		try {
			const {port} = server.address() as AddressInfo;
			const site = configSchema.parse(
				mergeDefaults(
					{
						app: {dir: '/tmp'},
						ssh: {host: 'x'},
						site: {url: `http://127.0.0.1:${port}/`, mustContain: [SITE_TITLE], mustNotContain: [MARKER], timeoutSeconds: 1, intervalSeconds: 0.2},
						reload: {method: 'none'},
					},
					{},
				),
			).site;
			const result = await checkSite(site, {signal: new AbortController().signal});
			expect(result.ok).toBe(false);
			expect(result.failures.join(' ')).toMatch(/larger than 5\.0 MiB, too large to check/);
		} finally {
			server.close();
		}
	});
});
