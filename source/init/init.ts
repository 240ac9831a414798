/**
 * `rewind init`: writes a rewind.config.yaml by asking (in a terminal) or from flags, and by
 * looking at the server — it connects (the host key checked like any run), finds the git checkouts
 * under the remote home, tells PythonAnywhere by its host names and WSGI files, the database from
 * ~/.my.cnf and the app's settings, the build from package.json, the migrations from their folder.
 * The file is validated as it is written, and the run's plan (`--dry-run`) is printed after it.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {hasTerminal, type CliOptions} from '../cli-options.js';
import {loadConfigFile} from '../core/config/load.js';
import {sshSchema} from '../core/config/schema.js';
import {sh} from '../core/command.js';
import {UserError} from '../core/errors.js';
import {inert} from '../core/inert.js';
import {connectToServer} from '../core/remote/connect.js';
import type {SshSession} from '../core/remote/ssh-host.js';
import {EXIT} from '../core/types.js';
import {createFlagEngine} from '../session.js';
import {configText, type Answers} from './config-text.js';
import {databaseAnswer, givenDatabase, migrationsCommand, signsOfADatabase, type DatabaseAnswer} from './database-answer.js';
import {pageTitle, proposedMustNotContain} from './page.js';
import {inspectAccount, inspectCheckout, pythonAnywhere, type Account, type Checkout} from './inspect.js';

/** A question; `flag` is what answers it without a terminal; `problem` says what is wrong with an answer (asked again). */
type Ask = (prompt: string, fallback: string | undefined, flag: string, problem?: (answer: string) => string | undefined) => Promise<string>;

/** In a terminal, a question a line (the kernel edits the line), asked again until the answer is usable; from flags, the fallback or a clear error. */
function asker(interactive: boolean): Ask {
	return async (prompt, fallback, flag, problem = () => undefined) => {
		if (!interactive) {
			if (fallback !== undefined) return fallback;
			throw new UserError(`rewind init needs ${flag} when it cannot ask (no terminal, or --yes): ${prompt.replace(/[?:]\s*$/, '').toLowerCase()}.`);
		}
		for (;;) {
			process.stdout.write(`${prompt}${fallback ? ` [${inert(fallback, {singleLine: true})}]` : ''} `);
			const rl = createInterface({input: process.stdin, terminal: false});
			const line = await new Promise<string>(resolve => rl.once('line', text => resolve(text.trim())));
			rl.close();
			const answer = line === '' ? (fallback ?? '') : line;
			const wrong = answer === '' ? 'an answer is needed' : problem(answer);
			if (wrong === undefined) return answer;
			process.stdout.write(`${wrong}: try again.\n`);
		}
	};
}

/** What is wrong with a site address, if anything. */
function siteUrlProblem(text: string): string | undefined {
	try {
		return /^https?:$/.test(new URL(text).protocol) ? undefined : 'The site’s address starts with http:// or https://';
	} catch {
		return 'The site’s address is a whole URL, such as https://www.example.com/';
	}
}

/** Host aliases from ~/.ssh/config (no wildcards), to offer. */
function sshAliases(file = path.join(os.homedir(), '.ssh', 'config')): string[] {
	if (!existsSync(file)) return [];
	return readFileSync(file, 'utf8')
		.split('\n')
		.flatMap(row => /^\s*Host\s+(.+)$/i.exec(row)?.[1]?.split(/\s+/) ?? [])
		.filter(alias => !/[*?!]/.test(alias));
}

async function choose(ask: Ask, title: string, options: readonly string[], fallback: string | undefined, flag: string): Promise<string> {
	// The options come from the server (checkouts, domains): shown inert.
	if (options.length > 0)
		process.stdout.write(`${title}\n${options.map((option, index) => `  ${index + 1}. ${inert(option, {singleLine: true})}`).join('\n')}\n`);
	const answer = await ask(options.length > 0 ? `${title}: a number, or type another:` : `${title}:`, fallback, flag);
	const byNumber = /^\d+$/.test(answer) ? options[Number(answer) - 1] : undefined;
	return byNumber ?? answer;
}

/** The build: an install that never writes into the checkout (a lockfile's `npm ci`), then the build script. */
function buildCommands(checkout: Checkout): string[] {
	if (!checkout.buildScript) return [];
	if (checkout.lockfile === 'yarn') return ['yarn install --frozen-lockfile', 'yarn build'];
	if (checkout.lockfile === 'pnpm') return ['pnpm install --frozen-lockfile', 'pnpm build'];
	// Without a lockfile, `npm install` would write package-lock.json into the production checkout.
	return checkout.lockfile === 'npm' ? ['npm ci', 'npm run build'] : ['npm run build'];
}

export async function init(options: CliOptions): Promise<number> {
	const given = options.init ?? {};
	const interactive = hasTerminal() && !options.flags.yes;
	const ask = asker(interactive);
	const output = path.resolve(options.output ?? 'rewind.config.yaml');
	if (existsSync(output)) throw new UserError(`${output} exists already: move it away or name another file with --output.`, EXIT.usage);
	// Flags are checked before anything connects.
	const urlProblem = given.siteUrl === undefined ? undefined : siteUrlProblem(given.siteUrl);
	if (urlProblem) throw new UserError(`--site-url: ${urlProblem}.`, EXIT.usage);
	if (given.database !== undefined) givenDatabase(given.database, 'flag');
	const host = options.host ?? (await choose(ask, 'The server (an address, or an alias from ~/.ssh/config)', sshAliases(), undefined, '--host'));
	const ssh = sshSchema.parse({
		host,
		...(given.port ? {port: given.port} : {}),
		...(given.user ? {user: given.user} : {}),
		...(given.identity ? {identityFile: given.identity} : {}),
		...(given.knownHosts ? {knownHostsFile: given.knownHosts} : {}),
		...(given.sshConfig ? {configFile: given.sshConfig} : {}),
	});
	process.stdout.write(`Connecting to ${inert(host)}…\n`);
	const {session} = await connectToServer(ssh, {
		ask: async question => {
			if (question.kind !== 'host-key') return null;
			if (options.flags.acceptNewHostKey) return true;
			process.stdout.write(`${question.host} is not in known_hosts: its ${question.keyType} key is ${question.fingerprint}.\n`);
			return (
				(await ask('Trust it (check with the server’s owner first)? yes/no:', interactive ? undefined : 'no', '--accept-new-host-key')).toLowerCase() === 'yes'
			);
		},
		note: text => process.stdout.write(`${inert(text)}\n`),
		addSecret: () => {},
	});
	try {
		const answers = await gather(session, ssh.host, given, ask, interactive);
		writeFileSync(output, configText(answers), {mode: 0o600});
	} finally {
		await session.close();
	}
	const loaded = loadConfigFile(output);
	process.stdout.write(`\nWrote ${output} (checked: it is a valid config). What a rollback with it would run:\n\n`);
	const {printPlanSummary} = await import('../ui/plan.js');
	printPlanSummary(createFlagEngine({config: loaded.config, configPath: output, kind: 'rollback', flags: options.flags, runsDir: null}), output);
	// The file is proved against the server before anyone relies on it: everything a rollback needs, changing nothing.
	process.stdout.write('\n');
	const {check} = await import('../check/check.js');
	const checked = await check({...options, command: 'check', config: output, json: false});
	const missing = [
		...(checked === EXIT.ok ? [] : ['fix what is marked ✗ above']),
		...(loaded.config.site.mustNotContain.length === 0 ? ['set site.mustNotContain (text only the bad deploy shows)'] : []),
	];
	// The commands as they work from here: --config unless the file is the one rewind finds by itself.
	const configFlag = output === path.resolve('rewind.config.yaml') ? '' : ` --config ${sh`${output}`.display}`;
	process.stdout.write(
		`\nNext: read ${path.basename(output)}${missing.length > 0 ? `, ${missing.join(', ')}` : ''}, then: rewind check${configFlag}, and rewind --dry-run${configFlag}\n`,
	);
	// Written either way; exit 1 says the config is not ready yet.
	return checked;
}

async function gather(session: SshSession, sshHost: string, given: NonNullable<CliOptions['init']>, ask: Ask, interactive: boolean): Promise<Answers> {
	const account: Account = await inspectAccount(session);
	const pa = pythonAnywhere(account, sshHost);
	let dir: string;
	let checkout: Checkout | undefined;
	for (;;) {
		dir =
			given.appDir ??
			(await choose(
				ask,
				'The app’s checkout on the server',
				account.checkouts,
				account.checkouts.length === 1 && !/\/\./.test(account.checkouts[0]!) ? account.checkouts[0] : undefined,
				'--app-dir',
			));
		checkout = await inspectCheckout(session, dir);
		if (checkout) break;
		const notOne = `${inert(dir, {singleLine: true})} is not a git checkout on the server`;
		if (!interactive || given.appDir !== undefined) throw new UserError(`${notOne}: name the app's checkout with --app-dir.`, EXIT.usage);
		process.stdout.write(`${notOne}: try again.\n`);
	}
	const domain = pa
		? await choose(ask, 'The web app (PythonAnywhere)', pa.domains, pa.domains[0] ?? `${pa.username}.pythonanywhere.com`, '--site-url')
		: undefined;
	const url = given.siteUrl ?? (domain ? `https://${domain}/` : await ask('The site’s address (https://…):', undefined, '--site-url', siteUrlProblem));
	const page = await pageTitle(url);
	const title = 'title' in page ? page.title : undefined;
	const database = await settleDatabase(databaseAnswer(account, checkout, pa?.username, given.database), ask);
	const signs = signsOfADatabase(account, checkout);
	if (database.kind === 'none' && signs.length > 0)
		process.stdout.write(
			`⚠ No database, as told, though the app shows signs of one (${signs.join(', ')}): a rollback with this file backs up nothing and migrates nothing.\n`,
		);
	const migrationsKind = checkout.flaskMigrate ? 'flask-migrate' : 'alembic';
	const migrationsRun = checkout.migrationsDir ? migrationsCommand(account, checkout, migrationsKind) : undefined;
	// Text HEAD's last commit added to the page's templates, shown on it now: a proposal, never written unasked.
	const proposals = page.body === undefined ? [] : proposedMustNotContain(checkout.addedPageLines, page.body);
	const proposed = proposals.length > 0 ? ` (HEAD's last commit added ${proposals.map(text => `"${text}"`).join(', ')} to the page)` : '';
	const mustNotContain = interactive
		? (await ask(`Text only the bad deploy’s page shows${proposed} (mustNotContain; Enter for none):`, '', '--yes')).trim()
		: '';
	// PythonAnywhere's web app files first, then the checkout's neighbours.
	const wsgi = account.wsgiFiles[0] ?? checkout.wsgiFiles[0];
	// PythonAnywhere has its reload API; elsewhere the operator says (the WSGI file found is offered).
	const reloadAnswer =
		given.reload ??
		(pa
			? undefined
			: await ask(
					'How the app reloads (a WSGI .py file to touch, a command such as "sudo systemctl reload app", manual, none):',
					wsgi ?? 'manual',
					'--reload',
				));
	const notes: Record<string, string> = {
		ssh: `Checked: connected as ${account.user} on ${account.hostname || sshHost}.`,
		site: title ? `Detected: the page's title is "${title}" — what the check looks for.` : 'problem' in page ? page.problem : '',
		build: checkout.buildScript
			? checkout.lockfile
				? `Detected: package.json has a build script and a lockfile (${checkout.lockfile}).`
				: 'Detected: package.json has a build script and no lockfile: nothing is installed (npm install would write package-lock.json into the checkout); add `npm ci` once a lockfile is committed.'
			: 'No build script in package.json.',
		reload: given.reload
			? 'Given with --reload.'
			: pa
				? 'Detected: PythonAnywhere — its reload API.'
				: reloadAnswer === wsgi && wsgi
					? `Detected: the WSGI file ${wsgi}.`
					: reloadAnswer === 'manual'
						? 'Reloaded by hand: describe how in instructions, or use method: command / touch.'
						: 'Answered at rewind init.',
		database:
			database.kind === 'none' && signs.length > 0
				? `${database.note} The app shows signs of one (${signs.join(', ')}): a rollback with this file backs up nothing and migrates nothing.`
				: database.note,
		...(checkout.migrationsDir
			? {
					migrations: `Detected: ${checkout.migrationsDir}/versions (${checkout.flaskMigrate ? 'Flask-Migrate' : 'Alembic'})${migrationsRun ? `; ${migrationsRun.note}` : '; no Python with Flask-Migrate found on the server: set command'}.`,
				}
			: {}),
	};
	const databaseName = database.kind === 'section' ? database.section.name : undefined;
	return {
		ssh: {
			host: sshHost,
			...(given.port ? {port: given.port} : {}),
			...(given.user ? {user: given.user} : {}),
			...(given.identity ? {identityFile: given.identity} : {}),
			...(given.knownHosts ? {knownHostsFile: given.knownHosts} : {}),
			...(given.sshConfig ? {configFile: given.sshConfig} : {}),
		},
		...(pa && domain
			? {
					pythonAnywhere: {
						username: pa.username,
						domain,
						region: pa.region,
						...(databaseName?.startsWith(`${pa.username}$`) ? {database: databaseName.slice(pa.username.length + 1)} : {}),
					},
				}
			: {}),
		app: {name: checkout.packageName ?? (path.basename(dir.replace(/\/+$/, '')) || 'app'), dir, branch: checkout.branch},
		site: {...(pa ? {} : {url}), mustContain: title ? [title] : [], mustNotContain: mustNotContain ? [mustNotContain] : [], proposed: proposals},
		build: buildCommands(checkout),
		reload: reloadFrom(reloadAnswer, pa !== undefined, wsgi),
		database: database.kind === 'section' ? database.section : 'none',
		...(checkout.migrationsDir
			? {migrations: {kind: migrationsKind, dir: checkout.migrationsDir, ...(migrationsRun ? {command: migrationsRun.command} : {})}}
			: {}),
		notes,
	};
}

/** --reload: a WSGI file to touch, `manual`, `none`, or a command; else what the server suggests. */
function reloadFrom(given: string | undefined, pythonAnywhere: boolean, wsgi: string | undefined): Answers['reload'] {
	if (given === 'manual' || given === 'none') return {method: given};
	if (given?.endsWith('.py')) return {method: 'touch', path: given};
	if (given) return {method: 'command', command: given};
	if (pythonAnywhere) return {method: 'pythonanywhere-api'};
	return wsgi ? {method: 'touch', path: wsgi} : {method: 'manual'};
}

/**
 * A database found (or `none` given) is the answer; one the app uses but that cannot be configured
 * is asked for in a terminal, and stops an unattended init with what is missing (nothing written).
 */
async function settleDatabase(answer: DatabaseAnswer, ask: Ask): Promise<Exclude<DatabaseAnswer, {kind: 'unknown'}>> {
	if (answer.kind !== 'unknown') return answer;
	const found =
		answer.signs.length > 0
			? `The app uses a database (${answer.signs.join(', ')}), but rewind init could not find ${answer.missing}`
			: `rewind init found no database (${answer.missing})`;
	let reply: string;
	try {
		reply = await ask(`${found}. The database as mysql://user@host:port/name (no password), or none:`, undefined, '--database');
	} catch {
		throw new UserError(
			`${found}. Pass --database mysql://user@host:port/name (its password is then read from ~/.my.cnf on the server; or put DATABASE_URL in the app's .env there), or --database none if the app has no database to back up. Nothing was written.`,
			EXIT.usage,
		);
	}
	return givenDatabase(reply, 'answer');
}
