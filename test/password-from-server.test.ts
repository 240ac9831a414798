/**
 * `database.passwordFrom: server`: the settings line is read by the command rewind sends (run here
 * in a real sh against real files), the password taken from the value or a URL's password part,
 * and the config refuses combinations that would say two things.
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {configSchema} from '../source/core/config/schema.js';
import {readCredentials} from '../source/core/database.js';
import {passwordFromSetting, settingsKeyCommand, settingValue} from '../source/core/settings-password.js';
import {databaseFromUrl} from '../source/init/database-answer.js';
import type {ServerCommand} from '../source/core/types.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-password-key-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const config = (database: Record<string, unknown>) =>
	configSchema.parse({
		app: {dir},
		ssh: {host: 'example.com'},
		site: {url: 'https://example.com/'},
		reload: {method: 'none'},
		database: {host: 'db', user: 'alice', name: 'alice$shop', ...database},
	});

/** Runs rewind's command in sh here, as the server would. */
const runHere = async (planned: ServerCommand) => {
	try {
		return {stdout: execFileSync('sh', ['-c', planned.command.script()], {encoding: 'utf8'}), exitCode: 0};
	} catch (error) {
		return {stdout: '', exitCode: (error as {status: number}).status};
	}
};

describe('passwordFrom: server', () => {
	it('reads the key’s line from the settings file and takes the password from a URL or the bare value', async () => {
		writeFileSync(
			path.join(dir, '.env'),
			[
				'# DATABASE_URL=mysql://commented:out@x/y',
				'OTHER_DATABASE_URL=mysql://wrong:key@x/y',
				`export DATABASE_URL = "mysql+pymysql://alice:p%40ss%3Aw%24rd@alice.mysql.pythonanywhere-services.com:3306/alice$shop?charset=utf8mb4"`,
				"DB_PASSWORD='it''s # not a comment'",
				'PLAIN=first',
				'PLAIN=s3cret # a comment (the last of a repeated key is the one the app reads)',
				'',
			].join('\n'),
		);
		const fromUrl = await readCredentials(config({passwordFrom: 'server', passwordKey: 'DATABASE_URL'}), runHere, {});
		expect(fromUrl).toEqual({password: 'p@ss:w$rd', source: 'server-settings', alsoSecret: 'p%40ss%3Aw%24rd'});
		const plain = await readCredentials(config({passwordFrom: 'server', passwordKey: 'PLAIN'}), runHere, {});
		expect(plain.password).toBe('s3cret');
		// As python-dotenv reads a line, and SQLAlchemy a URL.
		expect(settingValue(`'pa ss # not a comment'\n`)).toBe('pa ss # not a comment');
		expect(settingValue(`"mysql://u:pw@h/db"  # production\n`)).toBe('mysql://u:pw@h/db');
		expect(settingValue(`"say \\"hi\\""\n`)).toBe('say "hi"');
		expect(settingValue('#not-a-comment\n')).toBe('#not-a-comment');
		expect(settingValue('  \n')).toBeUndefined();
		expect(passwordFromSetting('mysql://alice@host/db')).toBeUndefined();
		expect(passwordFromSetting('mysql+pymysql://alice:p/a#s?s%@host:3306/db')).toBe('p/a#s?s%');
		expect(passwordFromSetting('mysql://alice:%E2%9C%93%zz@host/db')).toBe('✓%zz');
	});

	it('says which field to fix when the file or the key is missing', async () => {
		await expect(readCredentials(config({passwordFrom: 'server', passwordKey: 'NOT_THERE'}), runHere, {})).rejects.toThrow(
			/database.passwordKey: NOT_THERE holds no password in \.env in .* on the server/,
		);
		await expect(readCredentials(config({passwordFrom: 'server', passwordKey: 'DATABASE_URL', passwordKeyFile: 'missing.env'}), runHere, {})).rejects.toThrow(
			/database.passwordKeyFile: missing.env in .* cannot be read on the server/,
		);
		// A key is a name: nothing else reaches the sed script.
		expect(settingsKeyCommand(config({passwordFrom: 'server', passwordKey: 'DATABASE_URL'})).display).toContain('DATABASE_URL');
	});

	it('refuses passwordFrom: server beside a password source on this machine, and passwordKey without it', () => {
		expect(() => config({passwordFrom: 'server', passwordEnv: 'DB_PASSWORD'})).toThrow(/passwordFrom/);
		expect(() => config({passwordKey: 'DATABASE_URL'})).toThrow(/add passwordFrom: server/);
	});

	it('init reads host, port, user and name from a URL (never its password)', () => {
		expect(databaseFromUrl('"mysql://alice:@alice.mysql.pythonanywhere-services.com:3307/alice%24shop"')).toEqual({
			host: 'alice.mysql.pythonanywhere-services.com',
			port: 3307,
			user: 'alice',
			name: 'alice$shop',
		});
		expect(databaseFromUrl('postgres://alice@db/shop')).toBeUndefined();
		expect(databaseFromUrl('mysql://db/shop')).toBeUndefined();
	});
});
