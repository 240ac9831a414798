/** The backup's verdict, read from the `rewind:` lines the server command prints on stderr. */
import {describe, expect, it} from 'vitest';
import {parseVerification, verificationProblems} from '../source/core/backup-script.js';

const SHA = 'a'.repeat(64);
const report = (fields: Record<string, string>, stderr: string[] = [], writeErrors: string[] = []) => [
	'rewind: work=/b/.rewind-backup.x1',
	'rewind: pgid=42',
	'rewind: bytes=9',
	...Object.entries({
		dump_exit: '0',
		size: '1234',
		write_exit: '0',
		sha256: SHA,
		gzip_exit: '0',
		trailer: 'yes',
		free_kb: '2048',
		fs: '/srv',
		done: '',
		...fields,
	}).map(([key, value]) => `rewind: ${key}=${value}`),
	...stderr.map(line => `rewind: stderr: ${line}`),
	...writeErrors.map(line => `rewind: write_error: ${line}`),
];

describe('backup verification', () => {
	it('accepts a dump that passed every check', () => {
		const verification = parseVerification(report({}));
		expect(verification).toMatchObject({exit: '0', size: 1234, writeExit: '0', gzipExit: '0', trailer: true, sha256: SHA, stderr: '', done: true});
		expect(verificationProblems(verification)).toEqual([]);
	});

	it('rejects an exit-0 dump whose stderr has the PROCESS-privilege error', () => {
		const stderr = "mysqldump: Error: 'Access denied; you need (at least one of) the PROCESS privilege(s) for this operation' when trying to dump tablespaces";
		expect(verificationProblems(parseVerification(report({}, [stderr])))).toEqual([`mysqldump printed errors: ${stderr}`]);
	});

	it('names the root cause first: a failed mysqldump explains a missing trailer', () => {
		const problems = verificationProblems(
			parseVerification(report({dump_exit: '2', trailer: 'no'}, ["mysqldump: Got error: 2002: Can't connect to local MySQL server through socket"])),
		);
		expect(problems[0]).toBe('mysqldump exited 2');
		expect(problems).toHaveLength(2);
	});

	it('names a full disk with the free space and the filesystem, whatever else failed with it', () => {
		const problems = verificationProblems(
			parseVerification(
				report(
					{write_exit: '1', trailer: 'yes', free_kb: '0', fs: '/mnt/small'},
					[],
					['tee: /mnt/small/.rewind-backup.x1/dump.sql.gz: No space left on device'],
				),
			),
		);
		expect(problems).toEqual(['disk full: 0.0 MiB free on /mnt/small (tee: /mnt/small/.rewind-backup.x1/dump.sql.gz: No space left on device)']);
	});

	it('rejects a file that could not be written, a broken gzip stream, a cut dump, an empty file', () => {
		expect(verificationProblems(parseVerification(report({write_exit: '1'}, [], ['tee: x: Input/output error'])))).toEqual([
			'writing the file on the server failed (tee: x: Input/output error)',
		]);
		expect(verificationProblems(parseVerification(report({gzip_exit: '1'})))).toEqual(['gzip -t failed: unexpected end of file or crc error']);
		expect(verificationProblems(parseVerification(report({trailer: 'no'})))).toEqual(['the dump has no "-- Dump completed" trailer (cut short?)']);
		expect(verificationProblems(parseVerification(report({size: '0'})))).toEqual(['the file is empty']);
	});

	it('treats missing status lines (a command cut short) as failures, never as passes', () => {
		const verification = parseVerification(['rewind: work=/b/x', 'rewind: bytes=100']);
		expect(verification.done).toBe(false);
		expect(verificationProblems(verification)[0]).toBe('mysqldump exited without a status (the backup command was cut short)');
	});
});
