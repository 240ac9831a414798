/**
 * From the config's `ssh:` section to one open, verified SSH session: ~/.ssh/config, keys (asking
 * for a passphrase when one is needed), ssh-agent, and known_hosts checked as OpenSSH does.
 */
import {existsSync, readFileSync} from 'node:fs';
import type {Socket} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type {SshConfig} from '../config/schema.js';
import type {Connector} from '../engine/connection.js';
import {UserError} from '../errors.js';
import type {Question} from '../questions.js';
import {EXIT} from '../types.js';
import {appendKnownHost, checkHostKey, fingerprintOf, hostKeyAlgorithmsFor, hostToken, keyTypeOf, knownKeyTypes, readKnownHosts} from './known-hosts.js';
import {expandSshTokens, expandTilde, readSshConfig} from './ssh-config.js';
import {loadSsh2} from './load-ssh2.js';
import {openSocket, openSsh, type PrivateKeySource, type SshSession} from './ssh-host.js';

export type ConnectTarget = {readonly host: string; readonly port: number; readonly user: string; readonly knownHostsFile: string};

export type ConnectHelpers = {
	readonly ask: (question: Question) => Promise<unknown>;
	readonly note: (text: string) => void;
	readonly addSecret: (secret: string) => void;
	/** Environment to read SSH_AUTH_SOCK and REWIND_SSH_PASSPHRASE from. */
	readonly env?: NodeJS.ProcessEnv;
	/** Work for this process while the server starts the shell (it waits there): loading a module needed later. */
	readonly whileWaiting?: () => void;
	/** Questions are answered at once (no person reads a fingerprint): the handshake waits only connectTimeoutSeconds. */
	readonly answersAtOnce?: boolean;
};

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const PASSPHRASE_TRIES = 3;
/** While a person reads a new host key's fingerprint, the handshake must wait (OpenSSH's LoginGraceTime is 120 s). */
const HOST_KEY_QUESTION_TIMEOUT_MS = 120_000;

/** Resolves the host, port, user and files the connection will use, without connecting. */
export function resolveTarget(
	config: SshConfig,
	env: NodeJS.ProcessEnv = process.env,
): ConnectTarget & {identityFiles: string[]; explicitIdentity: boolean; useAgent: boolean} {
	const home = os.homedir();
	const fromFile = readSshConfig(expandTilde(config.configFile), config.host);
	if (fromFile.unsupported.length > 0) {
		throw new UserError(
			`~/.ssh/config uses ${fromFile.unsupported.join(' and ')} for ${config.host}, which rewind does not support yet. ` +
				'Point ssh.host at a host rewind can reach directly.',
		);
	}
	const localUser = os.userInfo().username;
	const host = fromFile.hostName ? expandSshTokens(fromFile.hostName, {host: config.host, remoteUser: '', localUser, home}) : config.host;
	const port = config.port ?? fromFile.port ?? 22;
	const user = config.user ?? fromFile.user ?? localUser;
	const tokens = {host, remoteUser: user, localUser, home};
	const explicitIdentity = config.identityFile !== undefined;
	let identityFiles: string[];
	if (config.identityFile !== undefined) identityFiles = [expandSshTokens(config.identityFile, tokens)];
	else if (fromFile.identityFiles.length > 0) identityFiles = fromFile.identityFiles.map(file => expandSshTokens(file, tokens));
	else identityFiles = DEFAULT_KEYS.map(name => path.join(home, '.ssh', name));
	const knownHostsFile = expandSshTokens(config.knownHostsFile, tokens);
	const useAgent = config.useAgent && !fromFile.identitiesOnly && Boolean(env['SSH_AUTH_SOCK']);
	return {host, port, user, knownHostsFile, identityFiles, explicitIdentity, useAgent};
}

export async function connectToServer(config: SshConfig, helpers: ConnectHelpers): Promise<{session: SshSession; target: ConnectTarget}> {
	const env = helpers.env ?? process.env;
	const resolved = resolveTarget(config, env);
	const knownEntries = readKnownHosts(resolved.knownHostsFile);
	const knownTypes = knownKeyTypes(knownEntries, resolved.host, resolved.port);
	const readyTimeoutMs =
		knownTypes.length === 0 && !helpers.answersAtOnce
			? Math.max(HOST_KEY_QUESTION_TIMEOUT_MS, config.connectTimeoutSeconds * 1000)
			: config.connectTimeoutSeconds * 1000;
	// The TCP connection opens first: the server accepts and starts its sshd while ssh2 loads here.
	// Reading the keys asks a person only for a passphrase; then the socket would wait on them
	// (sshd's LoginGraceTime), so it is dropped and a fresh one opened after.
	let socket: Promise<Socket> | undefined = openSocket(resolved.host, resolved.port, readyTimeoutMs);
	socket.catch(() => {});
	const dropSocket = (opening: Promise<Socket>) =>
		void opening.then(
			opened => opened.destroy(),
			() => {},
		);
	let asked = false;
	const keyHelpers: ConnectHelpers = {...helpers, ask: question => ((asked = true), helpers.ask(question))};
	let keys: PrivateKeySource[];
	try {
		keys = await loadPrivateKeys(resolved.identityFiles, resolved.explicitIdentity, keyHelpers, env);
	} catch (error) {
		dropSocket(socket);
		throw error;
	}
	if (asked) {
		dropSocket(socket);
		socket = undefined;
	}
	const token = hostToken(resolved.host, resolved.port);

	const verifyHostKey = async (blob: Buffer): Promise<true | string> => {
		const verdict = checkHostKey(knownEntries, resolved.host, resolved.port, blob);
		const fingerprint = fingerprintOf(blob);
		switch (verdict.status) {
			case 'known':
				return true;
			case 'revoked':
				return `The host key of ${token} (${fingerprint}) is marked @revoked in ${resolved.knownHostsFile} line ${verdict.line}. rewind will not connect.`;
			case 'changed':
				return (
					`WARNING: the host key of ${token} has CHANGED. ${resolved.knownHostsFile} line ${verdict.line} holds a different ${verdict.knownType} key; ` +
					`the server now offers ${keyTypeOf(blob)} ${fingerprint}. Someone may be intercepting the connection, or the server was rebuilt. ` +
					`rewind will not connect. If you have confirmed the new key with the server's owner, remove the old one with ` +
					`ssh-keygen -R '${token}' -f ${resolved.knownHostsFile} and run again.`
				);
			case 'cert-authority':
				return (
					`${resolved.knownHostsFile} line ${verdict.line} trusts host certificates from a certificate authority for ${token}; rewind does not verify host certificates. ` +
					`Add the server's own host key (check it with its owner: ssh-keyscan -p ${resolved.port} ${resolved.host}) to known_hosts, or to a file named by ssh.knownHostsFile.`
				);
			case 'unknown': {
				const others = verdict.otherTypes.length > 0 ? ` (${resolved.knownHostsFile} has only ${verdict.otherTypes.join(', ')} keys for it)` : '';
				const accepted =
					(await helpers.ask({
						kind: 'host-key',
						host: token,
						keyType: keyTypeOf(blob),
						fingerprint,
						...(verdict.otherTypes.length > 0 ? {otherTypes: verdict.otherTypes} : {}),
					})) === true;
				if (!accepted) {
					return (
						`The host key of ${token} is not in ${resolved.knownHostsFile} (${keyTypeOf(blob)} ${fingerprint})${others} and was not accepted. ` +
						'Check the fingerprint with the server’s owner, then run again and accept it (non-interactive: --accept-new-host-key).'
					);
				}
				appendKnownHost(resolved.knownHostsFile, resolved.host, resolved.port, blob);
				helpers.note(`Added ${token} (${keyTypeOf(blob)} ${fingerprint}) to ${resolved.knownHostsFile}.`);
				return true;
			}
		}
	};

	const session = await openSsh({
		...(socket ? {socket} : {}),
		host: resolved.host,
		port: resolved.port,
		username: resolved.user,
		privateKeys: keys,
		...(resolved.useAgent ? {agentSocket: env['SSH_AUTH_SOCK']!} : {}),
		verifyHostKey,
		hostKeyAlgorithms: hostKeyAlgorithmsFor(knownTypes),
		keepaliveMs: config.keepaliveSeconds * 1000,
		...(helpers.whileWaiting ? {whileWaiting: helpers.whileWaiting} : {}),
		readyTimeoutMs,
	});
	return {session, target: {host: resolved.host, port: resolved.port, user: resolved.user, knownHostsFile: resolved.knownHostsFile}};
}

/** The connector for a config's `ssh:` section, as the engine opens its connection. */
export function sshConnector(config: SshConfig, env: NodeJS.ProcessEnv = process.env): Connector {
	return async helpers => (await connectToServer(config, {...helpers, env})).session;
}

async function loadPrivateKeys(files: readonly string[], explicit: boolean, helpers: ConnectHelpers, env: NodeJS.ProcessEnv): Promise<PrivateKeySource[]> {
	const {utils} = await loadSsh2();
	const keys: PrivateKeySource[] = [];
	for (const file of files) {
		if (!existsSync(file)) {
			if (explicit) throw new UserError(`The SSH key ${file} (ssh.identityFile) does not exist. Check the path.`);
			continue;
		}
		let key: Buffer;
		try {
			key = readFileSync(file);
		} catch (error) {
			throw new UserError(`Cannot read the SSH key ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}.`);
		}
		const parsed = utils.parseKey(key);
		if (!(parsed instanceof Error)) {
			keys.push({path: file, key});
			continue;
		}
		if (!/passphrase|encrypted/i.test(parsed.message)) {
			helpers.note(`Skipping ${file}: not a private key ssh2 can read (${parsed.message}).`);
			continue;
		}
		const passphrase = await askPassphrase(file, key, helpers, env, utils.parseKey);
		if (passphrase === undefined) {
			helpers.note(`Skipping ${file}: it needs a passphrase and none was given.`);
			continue;
		}
		keys.push({path: file, key, passphrase});
	}
	return keys;
}

async function askPassphrase(
	file: string,
	key: Buffer,
	helpers: ConnectHelpers,
	env: NodeJS.ProcessEnv,
	parseKey: (data: Buffer, passphrase?: string) => unknown,
): Promise<string | undefined> {
	const fromEnv = env['REWIND_SSH_PASSPHRASE'];
	if (fromEnv !== undefined) {
		helpers.addSecret(fromEnv);
		if (!(parseKey(key, fromEnv) instanceof Error)) return fromEnv;
		throw new UserError(`REWIND_SSH_PASSPHRASE does not decrypt ${file}.`, EXIT.refused);
	}
	for (let attempt = 1; attempt <= PASSPHRASE_TRIES; attempt++) {
		const answer = await helpers.ask({kind: 'passphrase', keyPath: file});
		if (typeof answer !== 'string') return undefined;
		helpers.addSecret(answer);
		if (!(parseKey(key, answer) instanceof Error)) return answer;
		helpers.note(`Wrong passphrase for ${file} (attempt ${attempt} of ${PASSPHRASE_TRIES}).`);
	}
	return undefined;
}
