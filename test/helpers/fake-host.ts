/** A Host in memory, for fast engine and step tests (the real-server suites stay as they are). */
import type {Duplex} from 'node:stream';
import type {RemotePath, ShellCommand} from '../../source/core/command.js';
import type {ExecResult, Host, RunOptions} from '../../source/core/host.js';

export type Reply = Partial<ExecResult> | ((script: string, options: RunOptions) => Partial<ExecResult> | Promise<Partial<ExecResult>>);

export class FakeHost implements Host {
	readonly description = 'fake@server:22';
	/** 'one-shell' to have commands sent ahead, as over the real one shell. */
	transport: 'fake' | 'one-shell' = 'fake';
	roundTrips = 0;
	#outstanding = 0;

	get pipelines(): boolean {
		return this.transport === 'one-shell';
	}

	readonly scripts: string[];
	readonly files = new Map<string, string>();
	#closed = false;
	#listeners = new Set<(reason: string) => void>();
	readonly #replies: Array<[RegExp, Reply]>;

	/** Replies by the script's text; `echo x` answers `x` unless a reply says otherwise. */
	constructor(replies: Array<[RegExp, Reply]> = [], scripts: string[] = []) {
		this.#replies = [...replies, [/^echo (.*)$/, script => ({stdout: `${script.slice(5)}\n`})]];
		this.scripts = scripts;
	}

	/** The same server over a new connection (after a lost link): same replies, same log of scripts. */
	reopen(): FakeHost {
		return new FakeHost(this.#replies, this.scripts);
	}

	get closed(): boolean {
		return this.#closed;
	}

	get shellStarts(): number {
		return 1;
	}

	async run(command: ShellCommand, options: RunOptions = {}): Promise<ExecResult> {
		const script = command.script();
		this.scripts.push(script);
		if (this.#outstanding++ === 0) this.roundTrips++;
		try {
			return await this.#reply(script, options);
		} finally {
			this.#outstanding--;
		}
	}

	async #reply(script: string, options: RunOptions): Promise<ExecResult> {
		// Replies come in a later turn, as over a link (commands issued together overlap).
		await new Promise(resolve => setImmediate(resolve));
		const reply = this.#replies.find(([pattern]) => pattern.test(script))?.[1] ?? {};
		const result = typeof reply === 'function' ? await reply(script, options) : reply;
		if (result.stdout) options.onStdout?.(Buffer.from(result.stdout));
		if (result.stderr) options.onStderr?.(Buffer.from(result.stderr));
		return {exitCode: 0, exitSignal: null, stdout: '', stderr: '', truncated: false, aborted: options.signal?.aborted === true, ...result};
	}

	async tunnel(): Promise<Duplex> {
		throw new Error('no database on a fake host');
	}

	async writeFile(path: RemotePath, data: string, options: {append?: boolean} = {}): Promise<void> {
		this.files.set(path.toString(), (options.append ? (this.files.get(path.toString()) ?? '') : '') + data);
	}

	onClose(listener: (reason: string) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** The link dies: every listener hears it. */
	drop(reason = 'the SSH connection was lost'): void {
		this.#closed = true;
		for (const listener of this.#listeners) listener(reason);
	}

	async close(): Promise<void> {
		this.#closed = true;
	}
}
