/**
 * What the engine and its steps need from a server: run a built command with streamed output,
 * open a TCP tunnel as seen from the server, write a file, and know when the link is gone. The SSH
 * implementation (remote/ssh-host.ts) is the only code that touches ssh2; tests use a fake.
 */
import type {Duplex, Writable} from 'node:stream';
import type {RemotePath, ShellCommand} from './command.js';

/** Most bytes of stdout/stderr a command's result keeps, unless it asks for another limit. */
export const DEFAULT_CAPTURE_BYTES = 4 * 1024 * 1024;

export type RunOptions = {
	/** Given to the command's stdin, then EOF (else stdin is empty). Keeps secrets off the command line. */
	readonly stdin?: string | Buffer;
	readonly onStdout?: (chunk: Buffer) => void;
	readonly onStderr?: (chunk: Buffer) => void;
	/** Stdout is piped here (with backpressure) instead of being captured. */
	readonly stdoutTo?: Writable;
	/** Aborting stops the command: its whole process group on the server. */
	readonly signal?: AbortSignal;
	/** Most bytes of stdout/stderr kept in the result (default 4 MiB each); past it `truncated` is set. */
	readonly captureLimit?: number;
	/**
	 * With no output for this long, the host checks whether the command still runs; one that is gone
	 * (killed on the server) ends with exitCode null and `lost` set. Default: 30 s.
	 */
	readonly stallMs?: number;
	/** Told each time a stall check finds the command alive but silent. */
	readonly onStall?: (silentMs: number) => void;
};

export type ExecResult = {
	readonly exitCode: number | null;
	readonly exitSignal: string | null;
	readonly stdout: string;
	readonly stderr: string;
	readonly truncated: boolean;
	readonly aborted: boolean;
	/** Why the command ended without an exit status (it died on the server, a stall check found it gone). */
	readonly lost?: string;
	/** A process the command started kept its output open after it ended; what it wrote later was discarded. */
	readonly leftover?: true;
};

export type HostTransport = 'one-shell' | 'exec-per-command' | 'fake';

export interface Host {
	/** `user@host:port`, for the screen and the report. */
	readonly description: string;
	readonly closed: boolean;
	/** How commands travel: one long-lived shell, or one exec channel each (the fallback). */
	readonly transport: HostTransport;
	/** Why the fallback was taken (said in the journal), when it was. */
	readonly transportNote?: string;
	/** Requests run in order over one channel: a read-only command may be sent behind another, in its round trip. */
	readonly pipelines: boolean;
	/** Shell start-ups this host caused on the server (one per exec channel). */
	readonly shellStarts: number;
	/**
	 * Round trips to the server for commands: requests sent while no other was outstanding (requests
	 * sent behind one that is still running travel in its round trip).
	 */
	readonly roundTrips: number;
	run(command: ShellCommand, options?: RunOptions): Promise<ExecResult>;
	/** A TCP stream to `host:port` as the server sees it (the database tunnel). */
	tunnel(host: string, port: number): Promise<Duplex>;
	/** Writes (or appends to) a file on the server, creating it with mode 0600. */
	writeFile(path: RemotePath, data: string, options?: {readonly append?: boolean}): Promise<void>;
	onClose(listener: (reason: string) => void): () => void;
	close(): Promise<void>;
}
