/** Who runs what, beyond the config: carried by `run-started` and folded with the run. */

/** A trainee's name: kept in the journal and the rehearsal history, shown in tables. */
export const TRAINEE_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,39}$/u;

/** A name the rules accept made from another (an OS user such as `a.b@corp` becomes `a.b-corp`). */
export function traineeNameFrom(name: string): string {
	const made = name.replace(/[^\p{L}\p{N} ._-]/gu, '-').slice(0, 40);
	return TRAINEE_NAME.test(made) ? made : 'trainee';
}

/**
 * The stage of a run; the trainee and the drill of a rehearsal. A mystery drill's id
 * is named in `run-finished` only (`revealedDrill`): nothing the trainee sees before the end names it.
 */
export type RunIdentity = {
	/** The config's stage the run works on (staging, production), when the config has stages. */
	readonly stage?: string;
	readonly trainee?: string;
	readonly drill?: {readonly id: string; readonly mystery: boolean};
};

/** The identity as `run-started` carries it: a mystery drill without its id. */
export type AnnouncedIdentity = {
	readonly stage?: string;
	readonly trainee?: string;
	readonly drill?: {readonly id?: string; readonly mystery: boolean};
};

export function announcedIdentity(identity: RunIdentity): AnnouncedIdentity {
	const drill = identity.drill;
	return {
		...(identity.stage ? {stage: identity.stage} : {}),
		...(identity.trainee ? {trainee: identity.trainee} : {}),
		...(drill ? {drill: drill.mystery ? {mystery: true} : drill} : {}),
	};
}
