/**
 * known_hosts as OpenSSH reads it: plain and hashed (`|1|salt|hash`) host fields, `[host]:port`
 * for ports other than 22, wildcard and negated patterns, and the @revoked marker.
 */
import {createHash, createHmac} from 'node:crypto';
import {appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {matchesPatternList} from './glob.js';

export type KnownHostEntry = {
	readonly marker: '' | '@revoked' | '@cert-authority';
	readonly hosts: string;
	readonly keyType: string;
	readonly keyBase64: string;
	readonly line: number;
};

export type HostKeyVerdict =
	| {readonly status: 'known'; readonly line: number}
	/** No key of the presented type is recorded; `otherTypes` are the types that are (OpenSSH asks, as for a new host). */
	| {readonly status: 'unknown'; readonly otherTypes: readonly string[]}
	| {readonly status: 'changed'; readonly line: number; readonly knownType: string}
	| {readonly status: 'revoked'; readonly line: number}
	/** Only a `@cert-authority` line names the host: host certificates, which rewind does not verify. */
	| {readonly status: 'cert-authority'; readonly line: number};

export function parseKnownHosts(text: string): KnownHostEntry[] {
	const entries: KnownHostEntry[] = [];
	const lines = text.split(/\r?\n/);
	for (const [index, rawLine] of lines.entries()) {
		const line = rawLine.trim();
		if (line === '' || line.startsWith('#')) continue;
		const fields = line.split(/\s+/);
		let marker: KnownHostEntry['marker'] = '';
		if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker'];
		const [hosts, keyType, keyBase64] = fields;
		if (!hosts || !keyType || !keyBase64) continue;
		entries.push({marker, hosts, keyType, keyBase64, line: index + 1});
	}
	return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostToken(host: string, port: number): string {
	return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether an entry's host field names this host (plain list with patterns, or one hashed name). */
export function hostFieldMatches(field: string, token: string): boolean {
	if (field.startsWith('|1|')) {
		const [, , salt, hash] = field.split('|');
		if (!salt || !hash) return false;
		const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest('base64');
		return digest === hash;
	}
	return matchesPatternList(field.split(','), token);
}

/** The SSH wire-format key type: the first string of the key blob. */
export function keyTypeOf(blob: Buffer): string {
	if (blob.length < 4) return 'unknown';
	const length = blob.readUInt32BE(0);
	return blob.subarray(4, 4 + length).toString('latin1');
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(blob: Buffer): string {
	return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * OpenSSH's verdict: `changed` only when a key of the presented type is recorded for the host and
 * differs; a type not recorded is a new key (with the recorded types named), as OpenSSH treats it.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, blob: Buffer): HostKeyVerdict {
	const token = hostToken(host, port);
	const keyType = keyTypeOf(blob);
	const keyBase64 = blob.toString('base64');
	const forHost = entries.filter(entry => entry.marker === '' && hostFieldMatches(entry.hosts, token));
	const revoked = entries.find(entry => entry.marker === '@revoked' && entry.keyBase64 === keyBase64);
	if (revoked) return {status: 'revoked', line: revoked.line};
	const sameType = forHost.filter(entry => entry.keyType === keyType);
	const same = sameType.find(entry => entry.keyBase64 === keyBase64);
	if (same) return {status: 'known', line: same.line};
	if (sameType.length > 0) return {status: 'changed', line: sameType[0]!.line, knownType: keyType};
	const authority = entries.find(entry => entry.marker === '@cert-authority' && hostFieldMatches(entry.hosts, token));
	if (forHost.length === 0 && authority) return {status: 'cert-authority', line: authority.line};
	return {status: 'unknown', otherTypes: [...new Set(forHost.map(entry => entry.keyType))]};
}

/** Key types already recorded for the host, to ask the server for one of them first. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
	const token = hostToken(host, port);
	return [...new Set(entries.filter(entry => entry.marker === '' && hostFieldMatches(entry.hosts, token)).map(entry => entry.keyType))];
}

/**
 * The host key algorithms to ask for first: those of the recorded keys. An RSA key is verified with
 * rsa-sha2-512 or rsa-sha2-256 (OpenSSH 8.8 and later no longer offer ssh-rsa signatures).
 */
export function hostKeyAlgorithmsFor(types: readonly string[]): string[] {
	return [...new Set(types.flatMap(type => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type])))];
}

export function readKnownHosts(file: string): KnownHostEntry[] {
	if (!existsSync(file)) return [];
	return parseKnownHosts(readFileSync(file, 'utf8'));
}

/** Records an accepted key, creating the file (0600) and its folder (0700) when missing. */
export function appendKnownHost(file: string, host: string, port: number, blob: Buffer): void {
	const dir = path.dirname(file);
	if (!existsSync(dir)) mkdirSync(dir, {recursive: true, mode: 0o700});
	const existed = existsSync(file);
	const needsNewline = existed && !readFileSync(file, 'utf8').endsWith('\n') && readFileSync(file).length > 0;
	appendFileSync(file, `${needsNewline ? '\n' : ''}${hostToken(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`, {mode: 0o600});
	if (!existed) chmodSync(file, 0o600);
}
