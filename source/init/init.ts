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
import {UserError} from '../core/errors.js';
import {inert} from '../core/inert.js';
import {connectToServer} from '../core/remote/connect.js';
import type {SshSession} from '../core/remote/ssh-host.js';
import {EXIT} from '../core/types.js';
import {createFlagEngine} from '../session.js';
import {configText, type Answers} from './config-text.js';
import {inspectAccount, inspectCheckout, pythonAnywhere, type Account, type Checkout} from './inspect.js';

/** A question; `flag` is what answers it without a terminal. */
type Ask = (prompt: string, fallback: string | undefined, flag: string) => Promise<string>;

/** In a terminal, a question a line (the kernel edits the line); from flags, the fallback or a clear error. */
function asker(interactive: boolean): Ask {
	return async (prompt, fallback, flag) => {
		if (!interactive) {
			if (fallback !== undefined) return fallback;
			throw new UserError(`rewind init needs ${flag} without a terminal (or --yes): ${prompt.replace(/[?:]\s*$/, '').toLowerCase()}.`);
		}
		process.stdout.write(`${prompt}${fallback ? ` [${inert(fallback, {singleLine: true})}]` : ''} `);
		const rl = createInterface({input: process.stdin, terminal: false});
		const answer = await new Promise<string>(resolve => rl.once('line', text => resolve(text.trim())));
		rl.close();
		return answer === '' ? (fallback ?? '') : answer;
	};
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

function buildCommands(checkout: Checkout): string[] {
	if (!checkout.buildScript) return [];
	const install = {npm: 'npm ci', yarn: 'yarn install --frozen-lockfile', pnpm: 'pnpm install --frozen-lockfile'}[checkout.lockfile ?? 'npm'] ?? 'npm install';
	return [
		checkout.lockfile ? install : 'npm install',
		checkout.lockfile === 'yarn' ? 'yarn build' : checkout.lockfile === 'pnpm' ? 'pnpm build' : 'npm run build',
	];
}

/** The page's <title>, read from this machine: what the check should find. */
async function pageTitle(url: string): Promise<string | undefined> {
	try {
		const {httpRequest} = await import('../core/remote/http-request.js');
		const answer = await httpRequest(new URL(url), {signal: AbortSignal.timeout(5000), maxBodyBytes: 200_000});
		const title = /<title[^>]*>([^<]{1,200})<\/title>/i.exec(answer.body)?.[1]?.replace(/\s+/g, ' ').trim();
		// A title with control or bidi characters is no text to look for on the page: none is offered.
		return title && !/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/.test(title) ? title : undefined;
	} catch {
		return undefined;
	}
}

export async function init(options: CliOptions): Promise<number> {
	const given = options.init ?? {};
	const interactive = hasTerminal() && !options.flags.yes;
	const ask = asker(interactive);
	const output = path.resolve(options.output ?? 'rewind.config.yaml');
	if (existsSync(output)) throw new UserError(`${output} exists already: move it away or name another file with --output.`, EXIT.usage);
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
		const answers = await gather(session, ssh.host, given, ask);
		writeFileSync(output, configText(answers), {mode: 0o600});
	} finally {
		await session.close();
	}
	const loaded = loadConfigFile(output);
	process.stdout.write(`\nWrote ${output} (checked: it is a valid config). What a rollback with it would run:\n\n`);
	const {printPlanSummary} = await import('../ui/plan.js');
	printPlanSummary(createFlagEngine({config: loaded.config, configPath: output, kind: 'rollback', flags: options.flags, runsDir: null}), output);
	const password = loaded.config.database ? ', and the database password’s environment variable (passwordEnv)' : '';
	process.stdout.write(`\nNext: read ${path.basename(output)}, set mustNotContain${password}, then: rewind --dry-run\n`);
	return EXIT.ok;
}

async function gather(session: SshSession, sshHost: string, given: NonNullable<CliOptions['init']>, ask: Ask): Promise<Answers> {
	const account: Account = await inspectAccount(session);
	const pa = pythonAnywhere(account, sshHost);
	const dir =
		given.appDir ??
		(await choose(
			ask,
			'The app’s checkout on the server',
			account.checkouts,
			account.checkouts.length === 1 && !/\/\./.test(account.checkouts[0]!) ? account.checkouts[0] : undefined,
			'--app-dir',
		));
	const checkout = await inspectCheckout(session, dir);
	if (!checkout) throw new UserError(`${dir} is not a git checkout on the server: name the app's checkout with --app-dir.`, EXIT.usage);
	const domain = pa
		? await choose(ask, 'The web app (PythonAnywhere)', pa.domains, pa.domains[0] ?? `${pa.username}.pythonanywhere.com`, '--site-url')
		: undefined;
	const url = given.siteUrl ?? (domain ? `https://${domain}/` : await ask('The site’s address (https://…):', undefined, '--site-url'));
	const title = await pageTitle(url);
	const databaseName = checkout.databaseNames[0] ?? account.myCnf.database;
	const database = account.myCnf.present || databaseName ? databaseFrom(account, databaseName, pa?.username) : undefined;
	const wsgi = account.wsgiFiles[0];
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
		site: title
			? `Detected: the page's title is "${title}" — what the check looks for.`
			: 'The page could not be read from here: set mustContain to text the good page shows.',
		build: checkout.buildScript
			? `Detected: package.json has a build script${checkout.lockfile ? ` and a lockfile (${checkout.lockfile})` : ''}.`
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
		...(database
			? {
					database: `Detected: ${account.myCnf.present ? '~/.my.cnf on the server' : ''}${databaseName ? `${account.myCnf.present ? ' and ' : ''}the name ${databaseName} in the app's settings` : ''}.`,
				}
			: {}),
		...(checkout.migrationsDir ? {migrations: `Detected: ${checkout.migrationsDir}/versions (${checkout.flaskMigrate ? 'Flask-Migrate' : 'Alembic'}).`} : {}),
	};
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
			? {pythonAnywhere: {username: pa.username, domain, region: pa.region, ...(databaseName ? {database: databaseName.replace(/^[^$]*\$/, '')} : {})}}
			: {}),
		app: {name: path.basename(dir.replace(/\/+$/, '')) || 'app', dir, branch: checkout.branch},
		site: {...(pa ? {} : {url}), mustContain: title ? [title] : []},
		build: buildCommands(checkout),
		reload: reloadFrom(reloadAnswer, pa !== undefined, wsgi),
		...(database ? {database} : {}),
		...(checkout.migrationsDir ? {migrations: {kind: checkout.flaskMigrate ? 'flask-migrate' : 'alembic', dir: checkout.migrationsDir}} : {}),
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

function databaseFrom(account: Account, name: string | undefined, paUser: string | undefined): Answers['database'] {
	const user = account.myCnf.user ?? paUser ?? account.user;
	return {
		...(account.myCnf.host ? {host: account.myCnf.host} : {host: '127.0.0.1'}),
		...(account.myCnf.port ? {port: account.myCnf.port} : {}),
		user,
		name: name ?? `${user}$default`,
	};
}
