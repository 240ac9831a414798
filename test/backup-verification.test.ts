/** The backup's verdict, read from what the server command prints. */
import {describe, expect, it} from 'vitest';
import {parseVerification, verificationProblems} from '../source/core/steps/backup.js';

const SHA = 'a'.repeat(64);
const output = (fields: Record<string, string>, stderr = '') =>
	`partial=/b/x.sql.gz.partial.42\nbytes=9\n${Object.entries({dump_exit: '0', size: '1234', write_exit: '0', sha256: SHA, gzip_exit: '0', trailer: 'yes', kept: 'yes', ...fields})
		.map(([key, value]) => `${key}=${value}`)
		.join('\n')}\n--stderr--\n${stderr}`;

describe('backup verification', () => {
	it('accepts a dump that passed every check', () => {
		const verification = parseVerification(output({}));
		expect(verification).toMatchObject({exit: '0', size: 1234, writeExit: '0', gzipExit: '0', trailer: true, sha256: SHA, kept: true, stderr: ''});
		expect(verificationProblems(verification)).toEqual([]);
	});

	it('rejects an exit-0 dump whose stderr has the PROCESS-privilege error', () => {
		const stderr = 'mysqldump: Error: \'Access denied; you need (at least one of) the PROCESS privilege(s) for this operation\' when trying to dump tablespaces';
		expect(verificationProblems(parseVerification(output({kept: 'no'}, stderr)))).toEqual([`mysqldump printed errors: ${stderr}`]);
	});

	it('names the root cause first: a failed mysqldump explains a missing trailer', () => {
		const problems = verificationProblems(parseVerification(output({dump_exit: '2', trailer: 'no'}, "mysqldump: Got error: 2002: Can't connect to local MySQL server through socket")));
		expect(problems[0]).toBe('mysqldump exited 2');
		expect(problems).toHaveLength(2);
	});

	it('rejects a file that could not be written, a broken gzip stream, a cut dump, an empty file', () => {
		expect(verificationProblems(parseVerification(output({write_exit: '1'})))).toEqual(['writing the file on the server failed (tee exited 1: disk full?)']);
		expect(verificationProblems(parseVerification(output({gzip_exit: '1'})))).toEqual(['gzip -t failed: unexpected end of file or crc error']);
		expect(verificationProblems(parseVerification(output({trailer: 'no'})))).toEqual(['the dump has no "-- Dump completed" trailer (cut short?)']);
		expect(verificationProblems(parseVerification(output({size: '0'})))).toEqual(['the file is empty']);
	});

	it('treats missing status lines (a command cut short) as failures, never as passes', () => {
		const problems = verificationProblems(parseVerification('partial=/b/x.partial.42\nbytes=100\n'));
		expect(problems[0]).toBe('mysqldump exited without a status');
	});
});
