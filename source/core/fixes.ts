/**
 * The fixes a hint can offer: each changes this run's config (never the file on disk) and names
 * the step to run again from.
 */
import type {Config} from './config/schema.js';
import type {HintContext} from './hints.js';
import type {FixId, StepId} from './types.js';

export const FIX_RERUN_FROM: Record<FixId, StepId> = {
	'use-managed-db-host': 'backup',
	'add-no-tablespaces': 'backup',
	'clean-install': 'build',
	'restore-build-commands': 'build',
	'reload-by-touch': 'reload',
};

const DEFAULT_BUILD = ['npm ci', 'npm run build'];

export function applyFix(config: Config, fix: FixId, context: HintContext): Config {
	switch (fix) {
		case 'use-managed-db-host':
			if (!config.database || !context.managedDb) return config;
			return {...config, database: {...config.database, host: context.managedDb.host, port: context.managedDb.port}};
		case 'add-no-tablespaces':
			if (!config.database) return config;
			return {...config, database: {...config.database, noTablespaces: true}};
		case 'clean-install':
			return {...config, build: {...config.build, cleanInstall: true}};
		case 'restore-build-commands':
			return {...config, build: {...config.build, commands: [...(context.defaultBuildCommands ?? DEFAULT_BUILD)]}};
		case 'reload-by-touch':
			if (!context.wsgiPath) return config;
			return {...config, reload: {method: 'touch', path: context.wsgiPath}};
	}
}
