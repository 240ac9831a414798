import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		testTimeout: 60_000,
		hookTimeout: 120_000,
		pool: 'forks',
		maxWorkers: 2,
		globalSetup: ['test/global-setup.ts'],
		reporters: ['default', './test/summary-reporter.ts'],
	},
});
