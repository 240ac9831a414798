/**
 * A database password reaches mysqldump in a MySQL option file, which MariaDB and MySQL read 4 KB a
 * line: the rest of a longer line is read as another option. A password the file cannot carry
 * whole (a line break, NUL, or over 1024 bytes) is refused when the config is loaded, with exit 2
 * and one paragraph naming the field; one it can carry reaches the reader as it is.
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {configSchema} from '../source/core/config/schema.js';
import {OPTION_FILE_MAX_PASSWORD_BYTES, optionFileText} from '../source/core/database.js';
import {UserError} from '../source/core/errors.js';
import {checkSecrets} from '../source/core/setup.js';
import {runCli} from './helpers/cli.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'rewind-secrets-length-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const ENV = 'REWIND_TEST_DB_PASSWORD';
const base = {app: {dir: '/srv/app'}, ssh: {host: 'example.com'}, site: {url: 'http://example.com/'}, reload: {method: 'none'}};
const config = (database: Record<string, unknown>) => configSchema.parse({...base, database: {host: 'localhost', user: 'app', name: 'shop', ...database}});

/** The message checkSecrets refuses with (a bad-input error, exit 2), or undefined when it accepts. */
function refusal(password: string, source: 'env' | 'file' = 'env'): string | undefined {
	const file = path.join(scratch, 'password');
	writeFileSync(file, `${password}\n`);
	try {
		checkSecrets(config(source === 'env' ? {passwordEnv: ENV} : {passwordFile: file}), source === 'env' ? {[ENV]: password} : {});
		return undefined;
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		expect((error as UserError).exitCode).toBe(2);
		return (error as Error).message;
	}
}

/** The password the MariaDB option-file reader takes from this file, as mysqldump would. */
function passwordRead(text: string): string[] {
	const file = path.join(scratch, 'client.cnf');
	writeFileSync(file, text);
	return execFileSync('my_print_defaults', [`--defaults-file=${file}`, 'client'], {encoding: 'utf8'})
		.trimEnd()
		.split('\n');
}
const hasReader = (() => {
	try {
		execFileSync('my_print_defaults', ['--help'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
})();

describe('a database password for the MySQL option file', () => {
	it('is refused over 1024 bytes, naming the field, its size and the limit, in one paragraph', () => {
		const message = refusal('x'.repeat(5000));
		expect(message).toMatch(
			new RegExp(`^database\\.passwordEnv \\(${ENV}\\): the database password is 5000 bytes long, and a MySQL option file carries at most 1024 `),
		);
		expect(message).not.toContain('\n');
		expect(message).not.toContain('xxxxxxxx');
		expect(refusal('x'.repeat(2000), 'file')).toMatch(/^database\.passwordFile \(.*\): the database password is 2000 bytes long/);
		expect(refusal('x'.repeat(OPTION_FILE_MAX_PASSWORD_BYTES + 1))).toContain('is 1025 bytes long');
		// Bytes, not characters: 342 three-byte characters are 1026 bytes.
		expect(refusal('€'.repeat(342))).toContain('is 1026 bytes long');
		expect(refusal('x'.repeat(OPTION_FILE_MAX_PASSWORD_BYTES))).toBeUndefined();
		expect(refusal('line\nbreak')).toMatch(/^database\.passwordEnv \(.*\): the database password contains a line break/);
		expect(() => optionFileText('x'.repeat(5000))).toThrow('the database password is 5000 bytes long');
	});

	it('is refused by the CLI before it connects: exit 2, one paragraph, no stack trace', async () => {
		const file = path.join(scratch, 'rewind.config.json');
		writeFileSync(
			file,
			JSON.stringify({...base, runsDir: path.join(scratch, 'runs'), database: {host: 'localhost', user: 'app', name: 'shop', passwordEnv: ENV}}),
		);
		const result = await runCli(['--config', file, '--target', 'HEAD~1', '--yes'], {env: {[ENV]: 'y'.repeat(5000)}});
		expect(result.code, result.stderr).toBe(2);
		expect(result.stderr).toMatch(new RegExp(`^rewind: database\\.passwordEnv \\(${ENV}\\): the database password is 5000 bytes long`));
		expect(result.stderr.trimEnd()).not.toContain('\n');
		expect(result.stderr).not.toMatch(/\n\s+at |yyyyyyyy/);
	});

	it.runIf(hasReader)('of up to 1024 bytes reaches MariaDB’s option-file reader whole, the worst cases for escaping included', () => {
		for (const password of ['"\\'.repeat(512), `${'€'.repeat(341)}x`, 'x'.repeat(OPTION_FILE_MAX_PASSWORD_BYTES)])
			expect(passwordRead(optionFileText(password))).toEqual([`--password=${password}`]);
		// What the limit prevents: past 4 KB the reader takes the rest of the line as another option.
		expect(passwordRead(`[client]\npassword="${'x'.repeat(4084)}host=evil.example #"\n`)).toContain('--host=evil.example');
	});
});
