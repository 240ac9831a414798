/** The runbooks: the steps of each kind of run, in order. Adding a step is one file and one line here. */
import type {StepDefinition} from './step.js';
import {backupStep} from './steps/backup.js';
import {buildStep} from './steps/build.js';
import {confirmStep} from './steps/confirm.js';
import {connectStep} from './steps/connect.js';
import {lockStep} from './steps/lock.js';
import {migrateDownStep, migrateUpStep} from './steps/migrate.js';
import {pickTargetStep} from './steps/pick-target.js';
import {prebuildStep} from './steps/prebuild.js';
import {preflightStep} from './steps/preflight.js';
import {protectStep} from './steps/protect.js';
import {reloadStep} from './steps/reload.js';
import {resetStep} from './steps/reset.js';
import {restoreStep} from './steps/restore.js';
import {verifyStep} from './steps/verify.js';
import type {RunKind} from './types.js';

export const ROLLBACK_STEPS: readonly StepDefinition[] = [
	connectStep,
	lockStep,
	preflightStep,
	pickTargetStep,
	protectStep,
	backupStep,
	confirmStep,
	prebuildStep,
	migrateDownStep,
	resetStep,
	buildStep,
	reloadStep,
	verifyStep,
];

/** An undo also puts back what the rollback saved, right after its reset, then migrates the schema back up. */
export const UNDO_STEPS: readonly StepDefinition[] = [
	connectStep,
	lockStep,
	preflightStep,
	pickTargetStep,
	protectStep,
	backupStep,
	confirmStep,
	prebuildStep,
	resetStep,
	restoreStep,
	migrateUpStep,
	buildStep,
	reloadStep,
	verifyStep,
];

export function runbookFor(kind: RunKind): readonly StepDefinition[] {
	return kind === 'undo' ? UNDO_STEPS : ROLLBACK_STEPS;
}
