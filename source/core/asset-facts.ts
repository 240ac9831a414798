/** The facts of the front-end assets (issue 24): how they were built and how long the site went without them. */

/** The target's build made in a worktree beside the live checkout (prebuild.ts). */
export type PrebuiltAssets = {
	/** The commit built: the reset swaps these assets in only when it resets to this commit. */
	readonly target: string;
	/** The build's output directories, relative to build.dir. */
	readonly outputs: readonly string[];
	readonly buildMs: number;
	/** Set by the reset: the outputs swapped in with it (and in how long), or why not. */
	readonly swap?: {readonly ok: true; readonly ms?: number} | {readonly ok: false; readonly why: string};
};

export type AssetFacts = {
	/** The target's assets built beside the live site before the reset, and whether the reset swapped them in. */
	prebuilt?: PrebuiltAssets;
	/** Why this run builds after the reset, in place (no prebuild): the site then serves the old assets for the build's length. */
	prebuildSkipped?: {readonly reason: string; readonly chosen: boolean};
	/** How long the site had the target's code (HEAD) without the target's assets: measured by the swap or the build after the reset. */
	assetsWindow?: {readonly ms: number; readonly how: 'swapped-with-reset' | 'built-after-reset'};
};
