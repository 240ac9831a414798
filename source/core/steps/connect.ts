/** Connect: the run's one SSH connection, host key verified against known_hosts. */
import {loadMysql2} from '../database.js';
import type {StepContext, StepDefinition} from '../step.js';
import {describedCommand} from '../types.js';

export const connectStep: StepDefinition = {
	id: 'connect',
	title: 'Connect',
	purpose: 'Opens the run’s one SSH connection; the server’s host key is checked against known_hosts first.',
	scope: 'server',
	interruptible: true,
	opensConnection: true,
	reads: [],
	writes: ['sshTarget'],
	commands: ({config: {ssh}}) => [
		describedCommand(
			'ssh',
			'local',
			'open the one SSH connection of this run',
			`ssh ${ssh.user ? `${ssh.user}@` : ''}${ssh.host}${ssh.port ? ` -p ${ssh.port}` : ''} (host key checked against ${ssh.knownHostsFile}, keepalive every ${ssh.keepaliveSeconds} s)`,
		),
	],
	async run(context: StepContext) {
		// mysql2 (the estimate, the fingerprints) loads while the server starts its shell.
		const whileWaiting = context.config.database ? () => void loadMysql2().catch(() => {}) : undefined;
		const host = await context.record('ssh', () => context.connect(whileWaiting ? {whileWaiting} : {}));
		context.setFacts({sshTarget: host.description});
		if (host.transportNote)
			context.note('warning', `Commands travel ${host.transportNote}: every command starts a shell on the server (slower with a heavy .bashrc).`);
		return `connected to ${host.description}${host.transport === 'one-shell' ? ' (one shell for every command)' : ' (one channel per command)'}`;
	},
	hints: [
		{
			id: 'ssh-auth-failed',
			title: 'SSH authentication failed',
			pattern: /All configured authentication methods failed/i,
			severity: 'error',
			advice: () => 'Check ssh.user and ssh.identityFile (or load the key into ssh-agent). `ssh -v user@host` shows what the server accepts.',
		},
	],
};
