/**
 * `rewind plan` / `--dry-run`, without connecting: by default one line per step with its key
 * commands in short (`printPlanSummary`); with `--verbose` every command a rollback would run, in
 * full and in order (`printPlan`).
 */
import type {LayeredSetting} from '../core/config/layers.js';
import {remotePath, sh} from '../core/command.js';
import type {Engine} from '../core/engine.js';
import {inert} from '../core/inert.js';
import type {PlannedCommand} from '../core/types.js';

/** `--verbose`: every command a rollback would run, in order, in full. */
export function printPlan(engine: Engine, configPath: string | null, out: NodeJS.WritableStream = process.stdout): void {
	const {config} = engine;
	out.write(
		`${inert(`rewind plan: ${config.app.name} on ${config.ssh.user ? `${config.ssh.user}@` : ''}${config.ssh.host} (${configPath ?? 'no config file'})`, {singleLine: true})}\n`,
	);
	out.write('Nothing runs: this is every command a rollback would run, in order. <placeholders> are decided during the run.\n');
	engine.plan().forEach(({step, commands}, index) => {
		out.write(`\n${String(index + 1).padStart(2)}. ${step.title}${step.interruptible ? '' : '  (never cut short by a stop)'}\n`);
		out.write(`      ${step.purpose}\n`);
		if (commands.length === 0) out.write('      (no command runs for this step with this config)\n');
		for (const command of commands) {
			const [first, ...more] = command.display.split('\n');
			out.write(`      ${command.where.padEnd(8)} ${first}\n`);
			for (const line of more) out.write(`      ${''.padEnd(8)} ${line}\n`);
			out.write(`      ${''.padEnd(8)} ↳ ${command.purpose}\n`);
		}
	});
}

/** The widest line of the summary. */
export const SUMMARY_WIDTH = 120;
/** Between two commands on a step's line. */
const SEPARATOR = ' · ';
/** A command that would be cut to fewer characters than this is left out, unless it is the first. */
const MIN_PART = 16;

/** Lines of a script that only set it up or check it may go ahead: `cd <dir> || …` and `[ … ] || …` guards. */
const NOT_KEY = [/^cd ('[^']*'|\S+)( 2>\/dev\/null)? \|\| /, /^\[ .* \] \|\| /, /^\s*[{}]?\s*$/];

/** Characters, not UTF-16 units: a cut never splits a pair. */
const length = (text: string) => [...text].length;

/** `text` in at most `room` characters: cut, with … for what is left out. */
function shorten(text: string, room: number): string {
	const chars = [...text];
	if (chars.length <= room) return text;
	const kept = chars.slice(0, Math.max(0, room - 1)).join('');
	return `${kept.trimEnd()}…`;
}

/** Set-up a server command starts with (after `cd <app dir> && `): `umask 077 && `, `mkdir -p <dir> && `. */
const SET_UP = /^(umask \d+ && |mkdir -p ('[^']*'|\S+) && )+/;

/**
 * A command in one line: its headline if it has one (what the live log shows: the guarded reset, the
 * backup), else the line of the script that acts — the last one that is not a guard — without the
 * set-up it starts with, and with `"$HOME"/` as `~/`. Inert: nothing from the config reaches the
 * terminal as a control character.
 */
function headline(command: PlannedCommand, appDirs: readonly string[]): string {
	const lines = command.display.split('\n');
	let text = command.headline ?? lines.filter(line => !NOT_KEY.some(pattern => pattern.test(line))).at(-1) ?? lines[0] ?? '';
	for (const dir of appDirs) if (text.startsWith(`cd ${dir} && `)) text = text.slice(`cd ${dir} && `.length);
	return inert(text.replaceAll('"$HOME"/', '~/').replace(SET_UP, '').trim(), {singleLine: true});
}

/**
 * A step's key commands, in one line each: those that change the server (server commands not marked
 * read-only), as commands. A step that changes nothing shows all it does: a read-only server command
 * by its purpose (its shell is plumbing), the others (`ssh …`, `GET …`, `SELECT …`) as they are shown.
 */
function keyCommands(commands: readonly PlannedCommand[], appDirs: readonly string[]): string[] {
	const changing = commands.filter(command => command.where === 'server' && command.readOnly !== true);
	if (changing.length > 0) return changing.map(command => headline(command, appDirs));
	return commands.map(command => (command.where === 'server' ? inert(command.purpose, {singleLine: true}) : headline(command, appDirs)));
}

/** As many of `parts` as fit in `room`, the last one shown cut with … if it does not fit whole. */
function fit(parts: readonly string[], room: number): string {
	let text = '';
	for (const part of parts) {
		const next = text ? `${text}${SEPARATOR}${part}` : part;
		if (length(next) <= room) {
			text = next;
			continue;
		}
		if (!text || room - length(text) - SEPARATOR.length >= MIN_PART) text = shorten(next, room);
		break;
	}
	return text;
}

/**
 * The default plan: a header, then each step on one line — its number, its title (never cut), its
 * key commands in short — every line at most `width` characters. `--verbose` prints them all in full.
 */
export function printPlanSummary(engine: Engine, configPath: string | null, out: NodeJS.WritableStream = process.stdout, width = SUMMARY_WIDTH): void {
	const {config} = engine;
	const plan = engine.plan();
	const show = (text: string) => inert(text, {singleLine: true});
	const server = `${config.ssh.user ? `${config.ssh.user}@` : ''}${config.ssh.host}`;
	out.write(`rewind plan: ${show(config.app.name)} on ${show(server)}, in ${show(config.app.dir)}\n`);
	out.write(`Config: ${show(configPath ?? 'no config file')}\n`);
	out.write('Nothing runs. Each step with its key commands, shortened; --verbose shows every command in full.\n\n');
	const appDirs = [sh`${remotePath(config.app.dir)}`.display, config.app.dir];
	const titleWidth = Math.max(0, ...plan.map(({step}) => length(step.title)));
	plan.forEach(({step, commands}, index) => {
		const lead = `${String(index + 1).padStart(2)}. ${step.title}${' '.repeat(titleWidth - length(step.title))}  `;
		const room = Math.max(MIN_PART, width - length(lead));
		const key = keyCommands(commands, appDirs);
		out.write(`${lead}${commands.length === 0 ? '(no command with this config)' : fit(key, room)}\n`.replace(/ +\n$/, '\n'));
	});
}

/** What the preset and the stage set in this run's config (see settingsFromLayers), a line per setting. */
export function printLayeredSettings(settings: readonly LayeredSetting[], out: NodeJS.WritableStream = process.stdout): void {
	if (settings.length === 0) return;
	const show = (text: string) => inert(text, {singleLine: true});
	for (const source of ['stage', 'preset'] as const) {
		const own = settings.filter(setting => setting.source === source);
		if (own.length === 0) continue;
		out.write(`\nSet by the ${source} ${show(own[0]!.name)} (${source === 'stage' ? "over the file's base" : 'under the file'}):\n`);
		for (const setting of own) {
			const value = typeof setting.value === 'string' ? setting.value : JSON.stringify(setting.value);
			out.write(`  ${show(setting.path)}: ${show(value.length > 100 ? `${value.slice(0, 99)}…` : value)}\n`);
		}
	}
}
