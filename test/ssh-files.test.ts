import {createHmac, randomBytes} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {checkHostKey, fingerprintOf, hostKeyAlgorithmsFor, hostToken, knownKeyTypes, parseKnownHosts} from '../source/core/remote/known-hosts.js';
import {expandSshTokens, resolveSshHost} from '../source/core/remote/ssh-config.js';

function keyBlob(type: string, body: string): Buffer {
	const name = Buffer.from(type);
	const length = Buffer.alloc(4);
	length.writeUInt32BE(name.length);
	return Buffer.concat([length, name, Buffer.from(body)]);
}

const KEY_A = keyBlob('ssh-ed25519', 'key-a');
const KEY_B = keyBlob('ssh-ed25519', 'key-b');
const RSA = keyBlob('ssh-rsa', 'rsa-key');

function hashed(token: string): string {
	const salt = randomBytes(20);
	return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(token).digest('base64')}`;
}

describe('known_hosts', () => {
	it('uses [host]:port for ports other than 22', () => {
		expect(hostToken('example.com', 22)).toBe('example.com');
		expect(hostToken('example.com', 2222)).toBe('[example.com]:2222');
	});

	it('finds plain, listed and wildcard entries', () => {
		const entries = parseKnownHosts(
			`# comment\nother.com,example.com ssh-ed25519 ${KEY_A.toString('base64')}\n*.internal ssh-ed25519 ${KEY_B.toString('base64')}\n`,
		);
		expect(checkHostKey(entries, 'example.com', 22, KEY_A).status).toBe('known');
		expect(checkHostKey(entries, 'db.internal', 22, KEY_B).status).toBe('known');
		expect(checkHostKey(entries, 'new.com', 22, KEY_A).status).toBe('unknown');
	});

	it('matches hashed entries, including [host]:port', () => {
		const entries = parseKnownHosts(`${hashed('[127.0.0.1]:2222')} ssh-ed25519 ${KEY_A.toString('base64')}\n`);
		expect(checkHostKey(entries, '127.0.0.1', 2222, KEY_A).status).toBe('known');
		expect(checkHostKey(entries, '127.0.0.1', 22, KEY_A).status).toBe('unknown');
	});

	it('reports a changed key with the line that holds the old one', () => {
		const entries = parseKnownHosts(`example.com ssh-ed25519 ${KEY_A.toString('base64')}\n`);
		expect(checkHostKey(entries, 'example.com', 22, KEY_B)).toEqual({status: 'changed', line: 1, knownType: 'ssh-ed25519'});
	});

	it('honours @revoked and negated patterns', () => {
		const entries = parseKnownHosts(`@revoked * ssh-ed25519 ${KEY_B.toString('base64')}\n*.com,!evil.com ssh-ed25519 ${KEY_A.toString('base64')}\n`);
		expect(checkHostKey(entries, 'example.com', 22, KEY_B).status).toBe('revoked');
		expect(checkHostKey(entries, 'evil.com', 22, KEY_A).status).toBe('unknown');
		expect(knownKeyTypes(entries, 'example.com', 22)).toEqual(['ssh-ed25519']);
	});

	it('says "changed" only for a different key of the type the server presented; another type is a new key, as OpenSSH treats it', () => {
		const entries = parseKnownHosts(`example.com ssh-rsa ${RSA.toString('base64')}\n`);
		expect(checkHostKey(entries, 'example.com', 22, KEY_A)).toEqual({status: 'unknown', otherTypes: ['ssh-rsa']});
		expect(checkHostKey(entries, 'example.com', 22, RSA)).toEqual({status: 'known', line: 1});
		expect(checkHostKey(entries, 'example.com', 22, keyBlob('ssh-rsa', 'other'))).toEqual({status: 'changed', line: 1, knownType: 'ssh-rsa'});
	});

	it('asks for the recorded key types first, an RSA key with rsa-sha2 signatures', () => {
		expect(hostKeyAlgorithmsFor(['ssh-rsa'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
		expect(hostKeyAlgorithmsFor(['ssh-ed25519', 'ssh-rsa'])).toEqual(['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
	});

	it('names @cert-authority lines as not supported rather than taking them for a plain key', () => {
		const entries = parseKnownHosts(`@cert-authority *.example.com ssh-ed25519 ${KEY_B.toString('base64')}\n`);
		expect(checkHostKey(entries, 'db.example.com', 22, KEY_A)).toEqual({status: 'cert-authority', line: 1});
	});

	it('prints fingerprints as ssh-keygen does', () => {
		expect(fingerprintOf(KEY_A)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
	});
});

describe('~/.ssh/config', () => {
	const config = `
Host *
  ServerAliveInterval 30
  User fallback

Host prod
  HostName ssh.pythonanywhere.com
  User pythonpydev
  Port 2222
  IdentityFile ~/.ssh/pa_%r
  IdentityFile ~/.ssh/id_ed25519

Host *.example.com !bastion.example.com
  User ops

Match host foo
  User never
`;
	it('takes the first value for each setting and collects identity files', () => {
		const settings = resolveSshHost(config, 'prod', '/nonexistent');
		expect(settings.hostName).toBe('ssh.pythonanywhere.com');
		// "Host *" came first, so its User wins, as in OpenSSH.
		expect(settings.user).toBe('fallback');
		expect(settings.port).toBe(2222);
		expect(settings.identityFiles).toEqual(['~/.ssh/pa_%r', '~/.ssh/id_ed25519']);
	});

	it('honours negated patterns and skips Match blocks', () => {
		expect(resolveSshHost(config.replace('  User fallback\n', ''), 'web.example.com', '/x').user).toBe('ops');
		expect(resolveSshHost(config.replace('  User fallback\n', ''), 'bastion.example.com', '/x').user).toBeUndefined();
		expect(resolveSshHost(config.replace('  User fallback\n', ''), 'foo', '/x').user).toBeUndefined();
	});

	it('reports ProxyJump as unsupported rather than ignoring it', () => {
		expect(resolveSshHost('Host x\n  ProxyJump bastion\n', 'x', '/x').unsupported).toEqual(['proxyjump']);
	});

	it('expands %h %r %u %d and ~', () => {
		expect(expandSshTokens('~/.ssh/%r@%h-%u', {host: 'h', remoteUser: 'r', localUser: 'u', home: '/home/u'})).toBe('/home/u/.ssh/r@h-u');
	});
});
