/** Connect: the run's one SSH connection, host key verified against known_hosts. */
import type {StepContext, StepDefinition} from '../step.js';

export const connectStep: StepDefinition = {
	id: 'connect',
	title: 'Connect',
	interruptible: true,
	commands: view => [
		{
			id: 'ssh',
			where: 'local',
			purpose: 'open the one SSH connection of this run',
			display:
				`ssh ${view.config.ssh.user ? `${view.config.ssh.user}@` : ''}${view.config.ssh.host}${view.config.ssh.port ? ` -p ${view.config.ssh.port}` : ''}` +
				` (host key checked against ${view.config.ssh.knownHostsFile}, keepalive every ${view.config.ssh.keepaliveSeconds} s)`,
		},
	],
	async run(context: StepContext) {
		const remote = await context.record('ssh', () => context.connect());
		context.setFacts({sshTarget: remote.description});
		return `connected to ${remote.description}`;
	},
};
