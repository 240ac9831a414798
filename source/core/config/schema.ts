import * as z from 'zod';

/** Text that fits on one line of a terminal and a shell word: no control characters. */
const text = (max = 1024) =>
	z
		.string()
		.min(1, 'must not be empty')
		.max(max, `must be at most ${max} characters`)
		.refine(value => !/[\u0000-\u0008\u000A-\u001F\u007F]/.test(value), 'must not contain control characters or line breaks')
		// Invisible and direction-changing characters make a value read differently from what runs.
		.refine(value => !/[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/.test(value), 'must not contain invisible or right-to-left control characters');

const hostName = text(255).refine(
	value => /^[A-Za-z0-9._:[\]-]+$/.test(value),
	'must be a host name, an IP address or an ~/.ssh/config alias (letters, digits, ".", "-", "_")',
);
const port = z.int().min(1).max(65_535);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name such as PA_API_TOKEN');
const seconds = (min: number, max: number) => z.number().min(min).max(max);

export const sshSchema = z.strictObject({
	/** A host name, an address, or an alias from ~/.ssh/config. */
	host: hostName,
	port: port.optional(),
	user: text(64).optional(),
	identityFile: text().optional(),
	knownHostsFile: text().default('~/.ssh/known_hosts'),
	configFile: text().default('~/.ssh/config'),
	/** Seconds between keepalives; a dead link is noticed after three missed ones. */
	keepaliveSeconds: seconds(1, 300).default(10),
	connectTimeoutSeconds: seconds(1, 300).default(20),
	/** With no output for this long, rewind checks the command still runs on the server (a dead one fails its step). */
	stallSeconds: seconds(5, 3600).default(30),
	/** Use ssh-agent (SSH_AUTH_SOCK) when it is set. */
	useAgent: z.boolean().default(true),
});

export const appSchema = z.strictObject({
	name: text(100).default('app'),
	/** The checkout on the server; `~/` means the remote home directory. */
	dir: text(),
	branch: text(255).optional(),
});

export const siteSchema = z.strictObject({
	url: z.url({protocol: /^https?$/, error: 'must be an http:// or https:// address'}).max(2048),
	mustContain: z.array(text(500)).max(20).default([]),
	mustNotContain: z.array(text(500)).max(20).default([]),
	/** How long to keep retrying through the reload window. */
	timeoutSeconds: seconds(1, 900).default(60),
	intervalSeconds: seconds(0.1, 60).default(2),
	/** The longest an HTTP request may take. */
	requestTimeoutSeconds: seconds(1, 120).default(10),
	/**
	 * After a reload, an answer the same as the one before it counts as the new code's only this
	 * long after the reload (the old process may still be serving until then).
	 */
	settleSeconds: seconds(0, 600).default(10),
	/** Good answers in a row from the new code that verification needs. */
	confirmations: z.int().min(1).max(20).default(3),
});

const secretSource = {
	tokenEnv: envName.optional(),
	tokenFile: text().optional(),
};

export const reloadSchema = z.discriminatedUnion('method', [
	z.strictObject({
		method: z.literal('pythonanywhere-api'),
		url: z.url({protocol: /^https?$/, error: 'must be an http:// or https:// address'}).max(2048),
		...secretSource,
	}),
	z.strictObject({method: z.literal('touch'), path: text()}),
	z.strictObject({method: z.literal('command'), command: text(4096)}),
	z.strictObject({method: z.literal('manual'), instructions: text(4096)}),
	z.strictObject({method: z.literal('none')}),
]);

export const buildSchema = z.strictObject({
	/** Relative to app.dir. */
	dir: text().default('.'),
	commands: z.array(text(4096)).max(20).default([]),
	/** Remove node_modules before the commands (the fix for a corrupted install). */
	cleanInstall: z.boolean().default(false),
	/**
	 * Build the target in a worktree beside the live site before the reset and swap its outputs in
	 * with the reset (issue 24); false builds after the reset, in place, as before.
	 */
	prebuild: z.boolean().default(true),
	/** What the build makes, relative to build.dir (default: vite.config's build.outDir, else dist). */
	outputs: z
		.array(
			text(200).refine(
				value =>
					!value.startsWith('/') && !value.startsWith('~') && !value.split('/').some(part => part === '..' || part === '.' || part === '' || part === '.git'),
				'must be a directory inside build.dir, such as dist (no "..", ".", ".git" or leading "/")',
			),
		)
		.max(10)
		.default([]),
});

export const databaseSchema = z
	.strictObject({
		engine: z.literal('mysql').default('mysql'),
		/** The database server as the app server sees it. */
		host: hostName,
		port: port.default(3306),
		user: text(64),
		/** The database name exactly as MySQL knows it, e.g. `alice$bankroll` on PythonAnywhere. */
		name: text(64),
		passwordEnv: envName.optional(),
		passwordFile: text().optional(),
		/**
		 * `server`: the password is read on the server at run time, never copied to this machine — the
		 * value of `passwordKey` in the app's settings file, else the `[client]` password of ~/.my.cnf.
		 */
		passwordFrom: z.literal('server').optional(),
		/** With passwordFrom: server — the key in passwordKeyFile whose value is the password or a mysql:// URL holding it (DATABASE_URL). */
		passwordKey: envName.optional(),
		/** The settings file holding passwordKey, relative to app.dir. */
		passwordKeyFile: text().default('.env'),
		/** Where backups go on the server. */
		backupDir: text().default('~/backups'),
		noTablespaces: z.boolean().default(true),
		singleTransaction: z.boolean().default(true),
		routinesAndTriggers: z.boolean().default(true),
		extraDumpArgs: z.array(text(200)).max(20).default([]),
		/** Take the row-count/checksum fingerprint before and after. */
		fingerprint: z.boolean().default(true),
		/** Also stream a copy of the backup to this machine. */
		download: z.boolean().default(false),
		downloadDir: text().default('./backups'),
	})
	.superRefine((value, context) => {
		if (value.passwordFrom === 'server' && (value.passwordEnv || value.passwordFile))
			context.addIssue({
				code: 'custom',
				path: ['passwordFrom'],
				message: 'server reads the password on the server: remove passwordEnv and passwordFile, or passwordFrom',
			});
		if (value.passwordKey && value.passwordFrom !== 'server')
			context.addIssue({code: 'custom', path: ['passwordKey'], message: 'is read on the server: add passwordFrom: server'});
	});

/**
 * The schema's migrations. `auto` finds Alembic (or Flask-Migrate) by a migrations/ or alembic/
 * folder with versions/; `command` runs the operator's own commands for other frameworks.
 */
export const migrationsSchema = z
	.strictObject({
		kind: z.enum(['auto', 'alembic', 'flask-migrate', 'command', 'none']).default('auto'),
		/** The folder holding env.py and versions/, relative to app.dir (auto: migrations, then alembic). */
		dir: text().optional(),
		/** How the server runs the framework, e.g. `~/.virtualenvs/app/bin/flask db` or `alembic -c alembic.ini` (default: `flask db` / `alembic`). */
		command: text().optional(),
		/** Environment for the command, e.g. FLASK_APP. */
		env: z.record(envName, text()).default({}),
		/** The table holding the revision (Alembic's default). */
		versionTable: z
			.string()
			.regex(/^[A-Za-z0-9_$]{1,64}$/, 'must be a table name')
			.default('alembic_version'),
		/** kind command: prints the database's current revision. */
		current: text().optional(),
		/** kind command: prints the revision the target commit expects; {commit} is its hash. */
		target: text().optional(),
		/** kind command: migrates down to {revision}. */
		downgrade: text().optional(),
		/** kind command: migrates up to {revision} (undo). */
		upgrade: text().optional(),
	})
	.superRefine((value, context) => {
		if (value.kind !== 'command') return;
		for (const key of ['current', 'target', 'downgrade', 'upgrade'] as const)
			if (!value[key]) context.addIssue({code: 'custom', path: [key], message: 'is required with kind: command'});
	});

export const lockSchema = z.strictObject({
	/** Default: `<app.dir>/.git/rewind.lock`. */
	path: text().optional(),
	staleMinutes: seconds(1, 10_080).default(30),
});

export const pythonAnywhereSchema = z.strictObject({
	username: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$/, 'must be a PythonAnywhere user name (letters, digits, - and _)'),
	/** The web app's domain, e.g. `alice.pythonanywhere.com` or `www.example.com`. */
	domain: hostName,
	region: z.enum(['us', 'eu']).default('us'),
	/** The database name without the `<user>$` prefix. */
	database: text(64).optional(),
});

export const configSchema = z.strictObject({
	preset: z.enum(['pythonanywhere', 'generic']).default('generic'),
	pythonanywhere: pythonAnywhereSchema.optional(),
	app: appSchema,
	ssh: sshSchema,
	site: siteSchema,
	reload: reloadSchema,
	build: buildSchema.default({dir: '.', commands: [], cleanInstall: false, prebuild: true, outputs: []}),
	/** `none` says so explicitly (rewind init writes it when told the app has no database): read as no section. */
	database: z.preprocess(value => (value === 'none' ? undefined : value), databaseSchema.optional()),
	lock: lockSchema.default({staleMinutes: 30}),
	migrations: migrationsSchema.default({kind: 'auto', env: {}, versionTable: 'alembic_version'}),
	/** Where journals and reports go on this machine (default ~/.rewind/runs). */
	runsDir: text().optional(),
});

export type Config = z.output<typeof configSchema>;
export type DatabaseConfig = z.output<typeof databaseSchema>;
export type MigrationsConfig = z.output<typeof migrationsSchema>;
export type ReloadConfig = z.output<typeof reloadSchema>;
export type SiteConfig = z.output<typeof siteSchema>;
export type SshConfig = z.output<typeof sshSchema>;
