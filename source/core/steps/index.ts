/** The rollback runbook: the steps in order. Each step is one file that declares its commands. */
import type {StepDefinition} from '../step.js';
import {backupStep} from './backup.js';
import {buildStep} from './build.js';
import {confirmStep} from './confirm.js';
import {connectStep} from './connect.js';
import {lockStep} from './lock.js';
import {pickTargetStep} from './pick-target.js';
import {preflightStep} from './preflight.js';
import {reloadStep} from './reload.js';
import {resetStep} from './reset.js';
import {verifyStep} from './verify.js';

export const ROLLBACK_STEPS: readonly StepDefinition[] = [
	connectStep,
	lockStep,
	preflightStep,
	pickTargetStep,
	backupStep,
	confirmStep,
	resetStep,
	buildStep,
	reloadStep,
	verifyStep,
];
