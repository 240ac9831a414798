/** `rewind plan` / `--dry-run`: every command a rollback would run, in order, without connecting. */
import type {Engine} from '../core/engine.js';

export function printPlan(engine: Engine, configPath: string | null, out: NodeJS.WritableStream = process.stdout): void {
	const {config} = engine;
	out.write(`rewind plan: ${config.app.name} on ${config.ssh.user ? `${config.ssh.user}@` : ''}${config.ssh.host} (${configPath ?? 'no config file'})\n`);
	out.write('Nothing runs: this is every command a rollback would run, in order. <placeholders> are decided during the run.\n');
	engine.plan().forEach(({step, commands}, index) => {
		out.write(`\n${String(index + 1).padStart(2)}. ${step.title}${step.interruptible ? '' : '  (never cut short by a stop)'}\n`);
		out.write(`      ${step.purpose}\n`);
		if (commands.length === 0) out.write('      (no command runs for this step with this config)\n');
		for (const command of commands) {
			const [first, ...more] = command.display.split('\n');
			out.write(`      ${command.where.padEnd(8)} ${first}\n`);
			for (const line of more) out.write(`      ${''.padEnd(8)} ${line}\n`);
			out.write(`      ${''.padEnd(8)} ↳ ${command.purpose}\n`);
		}
	});
}
