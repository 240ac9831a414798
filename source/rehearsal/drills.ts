/**
 * Drills are data: one YAML file each (drills/ in the package, plus any folder a team names with
 * --drills-dir), describing a fault the rehearsal injects and what a safe ending looks like.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {parse} from 'yaml';
import * as z from 'zod';
import {UserError} from '../core/errors.js';
import {packageRoot} from '../core/package-root.js';
import {findFlask} from './flask-worker.js';
import {findMariaDb} from './mariadb.js';

const shimSchema = z.strictObject({
	/** The command on the sandbox server's PATH that the shim stands in front of. */
	command: z.string().regex(/^[A-Za-z0-9._-]+$/),
	/** When the shim misbehaves; otherwise it runs the real command. */
	when: z.strictObject({argMissing: z.string().optional(), fileExists: z.string().optional()}).optional(),
	stderr: z.string().default(''),
	/** Seconds to wait first (a slow command, such as the dump of a large database). */
	sleepSeconds: z.number().min(0).max(60).default(0),
	/** `passthrough` runs the real command after printing; a number exits with it. */
	exit: z.union([z.literal('passthrough'), z.int().min(0).max(255)]).default('passthrough'),
});

const appFile = z.strictObject({path: z.string().regex(/^[A-Za-z0-9._/-]+$/), content: z.string().max(20_000)});

export const drillSchema = z.strictObject({
	id: z.string().regex(/^[a-z0-9-]{2,60}$/),
	title: z.string().min(3).max(100),
	briefing: z.string().min(10).max(2000),
	/** database: MariaDB; flask: the app runs its own migrations (Python with Flask-Migrate). */
	needs: z.array(z.enum(['database', 'flask'])).default([]),
	/** Changes to the sandbox app's history: files the bad deploy adds or replaces. */
	app: z
		.strictObject({
			badDeployFiles: z.array(appFile).default([]),
			/** Files the last good deploy (the rollback's target) adds; the bad deploy keeps them. */
			goodDeployFiles: z.array(appFile).default([]),
		})
		.default({badDeployFiles: [], goodDeployFiles: []}),
	/** Merged into the sandbox's config (the fault in the runbook itself). */
	config: z.record(z.string(), z.unknown()).default({}),
	server: z
		.strictObject({
			env: z.record(z.string(), z.string()).default({}),
			shims: z.array(shimSchema).default([]),
			/** Files written into the app's checkout (relative paths). */
			files: z.array(z.strictObject({path: z.string().min(1), content: z.string(), append: z.boolean().default(false)})).default([]),
			/** Drop the SSH connection once, shortly after a command matching this starts. */
			dropConnectionOn: z.string().optional(),
			/** A backup on the server taken the evening before the bad deploy, at the good release's revision. */
			earlierBackup: z.boolean().default(false),
		})
		.default({env: {}, shims: [], files: [], earlierBackup: false}),
	site: z
		.strictObject({
			apiStatus: z.union([z.literal(401), z.literal(409)]).optional(),
			reloadRedirectMs: z.int().min(0).max(60_000).optional(),
			failStatus: z.int().min(400).max(599).optional(),
			/** After a touch of the WSGI file, the old worker answers this long while the new one starts. */
			oldWorkerMs: z.int().min(0).max(60_000).optional(),
		})
		.default({}),
	/** What the trainee should take away: shown when a mystery drill is revealed, and in the report. */
	lesson: z.string().min(10).max(1000).optional(),
	/** How a non-interactive run of the drill ends safely: the hint it must show, its outcome, where HEAD is. */
	expect: z.strictObject({
		hint: z.string(),
		/**
		 * A drill of several faults: every hint a run at the keyboard meets on the way to a clean
		 * ending, in the order they strike (an unattended run stops at the first, `hint`).
		 */
		faults: z.array(z.string()).min(1).optional(),
		outcome: z.enum(['succeeded', 'verification-failed', 'failed', 'refused']),
		head: z.enum(['unchanged', 'target']),
	}),
});

export type Drill = z.output<typeof drillSchema> & {readonly file: string; readonly team: boolean};

/** The hints a keyboard run of the drill must meet: its faults, or its one expected hint. */
export function faultHints(drill: Drill): readonly string[] {
	return drill.expect.faults ?? [drill.expect.hint];
}

export function builtInDrillsDir(): string {
	return path.join(packageRoot(), 'drills');
}

export function loadDrills(extraDir?: string): Drill[] {
	const dirs = [builtInDrillsDir(), ...(extraDir ? [path.resolve(extraDir)] : [])];
	const drills = new Map<string, Drill>();
	for (const dir of dirs) {
		if (!existsSync(dir)) throw new UserError(`Drills folder ${dir} does not exist (--drills-dir).`);
		for (const name of readdirSync(dir)
			.filter(file => /\.ya?ml$/.test(file))
			.sort()) {
			const file = path.join(dir, name);
			let raw: unknown;
			try {
				raw = parse(readFileSync(file, 'utf8'));
			} catch (error) {
				throw new UserError(`Drill ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}.`);
			}
			const result = drillSchema.safeParse(raw);
			if (!result.success) {
				const issue = result.error.issues[0]!;
				throw new UserError(`Drill ${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}.`);
			}
			drills.set(result.data.id, {...result.data, file, team: dir !== dirs[0]});
		}
	}
	return [...drills.values()];
}

export function findDrill(id: string, extraDir?: string): Drill {
	const drills = loadDrills(extraDir);
	const drill = drills.find(candidate => candidate.id === id);
	if (!drill) throw new UserError(`No drill "${id}". Known drills: ${drills.map(candidate => candidate.id).join(', ')} (rewind drills lists them).`);
	return drill;
}

let hasMariaDb: boolean | undefined;
let hasFlask: boolean | undefined;

/**
 * What this machine lacks to run the drill ("MariaDB", "Python Flask"), or null. Python's Flask is
 * probed only when asked (`withFlask`: starting Python takes a second, too long for a first screen).
 */
export function missingSoftware(drill: Drill, {withFlask = true}: {withFlask?: boolean} = {}): string | null {
	if (!drill.needs.includes('database') && !drill.needs.includes('flask')) return null;
	hasMariaDb ??= !('missing' in findMariaDb());
	const missing = hasMariaDb ? [] : ['MariaDB'];
	if (drill.needs.includes('flask') && withFlask) {
		hasFlask ??= hasMariaDb && !('missing' in findFlask());
		if (!hasFlask) missing.push('Python Flask');
	}
	return missing.length === 0 ? null : missing.join(' and ');
}

/** The drill's title, and what it needs when this machine does not have it. */
export function drillLabel(drill: Drill, options: {withFlask?: boolean} = {}): string {
	const missing = missingSoftware(drill, options);
	return `${drill.title}${missing ? `  (needs ${missing}, not installed here)` : ''}`;
}

export function listDrillsText(extraDir?: string): string {
	const drills = loadDrills(extraDir);
	const width = Math.max(...drills.map(drill => drill.id.length));
	return `${drills.map(drill => `${drill.id.padEnd(width)}  ${drillLabel(drill)}`).join('\n')}\n\nRun one with: rewind rehearse --drill <name>, or one you are not told: rewind rehearse --mystery\n`;
}
