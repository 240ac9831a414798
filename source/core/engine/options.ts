/** What an engine is made of: the composition root (session.ts) fills these in. */
import type {Config} from '../config/schema.js';
import type {HintContext} from '../hints.js';
import type {Operator} from '../questions.js';
import type {RunState} from '../run-state.js';
import type {RunFlags, StepDefinition} from '../step.js';
import type {RunIdentity} from '../identity.js';
import type {RunFacts, RunKind} from '../types.js';
import type {Connector} from './connection.js';
import type {ServerRef} from '../servers.js';

export type EngineOptions = {
	readonly config: Config;
	readonly configPath: string | null;
	readonly kind: RunKind;
	readonly operator: Operator;
	readonly flags: RunFlags;
	/** The runbook: the steps in order. */
	readonly steps: readonly StepDefinition[];
	/** How to open the connection to each server of the run. */
	readonly connect: (server: ServerRef) => Connector;
	/** Where the journal and report go; null keeps nothing on disk (dry runs, some tests). */
	readonly runsDir: string | null;
	readonly initialFacts?: Partial<RunFacts>;
	readonly hintContext?: HintContext;
	readonly runId?: string;
	/** Secrets known before the run starts (passwords and tokens read from env or files). */
	readonly secrets?: readonly string[];
	/** Renders the Markdown report from the final state (written next to the journal). */
	readonly renderReport?: (state: RunState) => string;
	/** The trainee and drill of a rehearsal, announced in `run-started`. */
	readonly identity?: RunIdentity;
	/** Called with the final state once `run-finished` is out (the rehearsal's record of the trainee). */
	readonly afterRun?: (state: RunState) => void;
};
