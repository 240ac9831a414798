/** docs/fault-matrix.md, made from the fault-matrix tests' names ("<fault> :: <step> :: <what must hold>"). */
export function faultMatrixMarkdown(names: readonly string[]): string {
	const rows = names
		.map(name => name.split(' > ').at(-1)!)
		.filter(name => name.split(' :: ').length === 3)
		.map(name => {
			const [fault, step, holds] = name.split(' :: ') as [string, string, string];
			return `| ${fault} | ${step} | ${holds.replaceAll('|', '\\|')} |`;
		});
	return [
		'# Fault matrix',
		'',
		'Generated from the test names of `test/fault-matrix.e2e.test.ts` by `npm run matrix`; the suite fails if this file is out of date.',
		'Every row runs in CI against a real OpenSSH sshd and a real MariaDB, each started privately on 127.0.0.1.',
		'"Cut" means the session\'s sshd process is killed while the step\'s command runs; SIGINT is sent to the CLI running without a terminal.',
		'',
		'| Fault | Step | What is asserted (exit code, message, journal, server state) |',
		'|---|---|---|',
		...rows,
		'',
	].join('\n');
}
