/** Prints one closing line, "Tests: N passed, N failed, N skipped", after vitest's own summary. */
import type {Reporter, TestModule} from 'vitest/node';

export default class SummaryReporter implements Reporter {
	onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
		let passed = 0;
		let failed = 0;
		let skipped = 0;
		for (const module of modules) {
			for (const test of module.children.allTests()) {
				const state = test.result().state;
				if (state === 'passed') passed++;
				else if (state === 'failed') failed++;
				else skipped++;
			}
		}
		process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
	}
}
