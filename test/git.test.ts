import {describe, expect, it} from 'vitest';
import {classifyPath, isMerge, parseGitLog, parseNumstatZ, parseStatusZ} from '../source/core/git.js';

const Z = '\u0000';
const record = (hash: string, parents: string, subject: string, author = 'Ada') =>
	[hash, hash.slice(0, 7), parents, '2026-11-20T10:00:00+01:00', author, subject, ''].join(Z);
const H1 = 'a'.repeat(40);
const H2 = 'b'.repeat(40);
const H3 = 'c'.repeat(40);

describe('parseGitLog', () => {
	it('parses hash, short hash, parents, date, author and subject', () => {
		const [commit] = parseGitLog(record(H1, H2, 'Fix rounding'));
		expect(commit).toEqual({hash: H1, shortHash: 'aaaaaaa', parents: [H2], date: '2026-11-20T10:00:00+01:00', author: 'Ada', subject: 'Fix rounding'});
	});

	it('keeps subjects with separators, pipes, quotes and tabs whole', () => {
		const subject = `Revert "x | y"; a\tb \u001f\u001e\u001d\u001d still subject`;
		const [commit] = parseGitLog(record(H1, H2, subject));
		expect(commit?.subject).toBe(subject);
	});

	it('keeps unicode subjects and authors', () => {
		const [commit] = parseGitLog(record(H1, H2, 'Corrige l’arrondi — ünïcødé 🚀', 'Zoë Ångström'));
		expect(commit?.subject).toBe('Corrige l’arrondi — ünïcødé 🚀');
		expect(commit?.author).toBe('Zoë Ångström');
	});

	it('recognises merge commits and root commits', () => {
		const [merge, root] = parseGitLog(record(H1, `${H2} ${H3}`, 'Merge branch x') + record(H2, '', 'Initial'));
		expect(merge?.parents).toEqual([H2, H3]);
		expect(isMerge(merge!)).toBe(true);
		expect(root?.parents).toEqual([]);
		expect(isMerge(root!)).toBe(false);
	});

	it('parses several records, empty subjects included', () => {
		const commits = parseGitLog(`${record(H1, H2, 'one')}${record(H2, H3, '')}`);
		expect(commits.map(commit => commit.subject)).toEqual(['one', '']);
	});

	it('refuses noise instead of skipping it: a record that is not what git writes, or a field count that does not divide', () => {
		expect(() => parseGitLog(`${record(H1, H2, 'one')}garbage without fields\0`)).toThrow(/could not be read/);
		expect(() => parseGitLog(`${record(H1, H2, 'one')}${'x\0'.repeat(6)}`)).toThrow(/not what git writes/);
		expect(() => parseGitLog(record(H1, 'not-a-hash', 'one'))).toThrow(/not what git writes/);
	});

	it('returns nothing for empty output', () => {
		expect(parseGitLog('')).toEqual([]);
	});
});

describe('parseStatusZ', () => {
	it('reads modified, untracked and renamed entries', () => {
		const entries = parseStatusZ(' M app.py\0?? new file.txt\0R  new.py\0old.py\0');
		expect(entries).toEqual([
			{code: ' M', path: 'app.py', untracked: false},
			{code: '??', path: 'new file.txt', untracked: true},
			{code: 'R ', path: 'new.py', untracked: false},
		]);
	});
	it('is empty for a clean tree', () => {
		expect(parseStatusZ('')).toEqual([]);
	});
});

describe('parseNumstatZ and classifyPath', () => {
	it('reads counts, binary files and renames, and flags risky paths', () => {
		const files = parseNumstatZ('3\t1\tmigrations/003_add.sql\0-\t-\tlogo.png\0' + '2\t0\t\0vite.config.js\0vite.config.ts\0' + '10\t4\tpackage-lock.json\0');
		expect(files).toEqual([
			{path: 'migrations/003_add.sql', added: 3, removed: 1, flags: ['migration']},
			{path: 'logo.png', added: undefined, removed: undefined, flags: []},
			{path: 'vite.config.js → vite.config.ts', added: 2, removed: 0, flags: ['frontend-config']},
			{path: 'package-lock.json', added: 10, removed: 4, flags: ['lockfile']},
		]);
	});
	it('flags alembic versions, requirements and tsconfig', () => {
		expect(classifyPath('alembic/versions/1a2b_add.py')).toContain('migration');
		expect(classifyPath('requirements.txt')).toEqual(['dependency-manifest']);
		expect(classifyPath('frontend/tsconfig.app.json')).toEqual(['frontend-config']);
		expect(classifyPath('src/app.py')).toEqual([]);
	});
});
