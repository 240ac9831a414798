/** The toolchain check's reading and judgement (core/toolchain.ts): framed server answers in, stops and warnings out. */
import {describe, expect, it} from 'vitest';
import {judgeToolchain, parseToolchain, type Toolchain} from '../source/core/toolchain.js';

const frame = (name: string, status: number, text: string) => `${name} ${status} ${Buffer.from(text).toString('base64')}\n`;
const PARTS = ['node', 'login-node', 'npm', 'package', 'pins', 'modules', 'npm-ls'] as const;
const answer = (parts: Partial<Record<(typeof PARTS)[number], [number, string]>>) =>
	PARTS.map(name => frame(name, parts[name]?.[0] ?? 0, parts[name]?.[1] ?? '')).join('') + 'end\n';

const base: Toolchain = {
	node: '20.20.2',
	loginNode: '20.20.2',
	npm: '11.19.1',
	engines: {},
	pins: [],
	modules: {present: true, hiddenLock: true, lockNewer: false, leftovers: []},
};
const BUILD = ['npm ci', 'npm run build'];

describe('the toolchain the build gets', () => {
	it('reads versions, the target’s engines and pins, and what an interrupted install left in node_modules', () => {
		const toolchain = parseToolchain(
			answer({
				node: [0, 'v20.20.2\n'],
				'login-node': [0, 'v22.1.0\n'],
				npm: [0, '11.19.1\n'],
				package: [0, JSON.stringify({name: 'app', engines: {node: '>=99', npm: '>=10'}})],
				pins: [0, '.nvmrc\0v18\n\0.tool-versions\0python 3.12.1\nnodejs 18.17.0\n\0.node-version\0lts/*\0'],
				modules: [
					0,
					'present\0hidden-lock\0node_modules/.bin\0node_modules/.vite\0node_modules/.vite-Hk3sPq2\0node_modules/@scope/.pkg-a1B2c3d\0node_modules/.cache\0',
				],
			}),
		);
		expect(toolchain).toEqual({
			node: '20.20.2',
			loginNode: '22.1.0',
			npm: '11.19.1',
			engines: {node: '>=99', npm: '>=10'},
			// lts/* names no version: not a pin to check.
			pins: [
				{file: '.nvmrc', version: '18'},
				{file: '.tool-versions', version: '18.17.0'},
			],
			modules: {present: true, hiddenLock: true, lockNewer: false, leftovers: ['node_modules/.vite-Hk3sPq2', 'node_modules/@scope/.pkg-a1B2c3d']},
		});
	});

	it('no node in the build’s shell, no package.json at the target, a cut answer refused', () => {
		const toolchain = parseToolchain(answer({node: [127, 'sh: 1: node: not found\n'], 'login-node': [0, 'v22.1.0\n'], npm: [127, ''], package: [128, '']}));
		expect(toolchain).toMatchObject({node: null, loginNode: '22.1.0', npm: null, engines: {}, pins: []});
		expect(() => parseToolchain(answer({}).replace('end\n', ''))).toThrow();
	});

	it('a package.json cut at the limit or not JSON is never read as one: said, its engines unchecked; a version line with more after it is no version', () => {
		const cut = parseToolchain(answer({package: [0, `{"engines": {"node": ">=99"}, "x": "${'a'.repeat(70_000)}"}`]}));
		expect(cut).toMatchObject({engines: {}, packageProblem: "the target's package.json is over 64 KiB"});
		expect(judgeToolchain(cut, BUILD).warnings).toContain("the target's package.json is over 64 KiB: its engines were not checked.");
		expect(parseToolchain(answer({package: [0, '{"engines": {"node": ">=99"']})).packageProblem).toBe("the target's package.json is not valid JSON");
		expect(parseToolchain(answer({node: [0, 'v20.1.0\u001B]0;x\u0007\n']})).node).toBeNull();
		expect(parseToolchain(answer({node: [0, 'v22.0.0-nightly2024\n']})).node).toBe('22.0.0-nightly2024');
	});

	it('stops on a Node or npm the target does not accept, naming both versions; warns on the rest', () => {
		expect(judgeToolchain({...base, engines: {node: '>=99'}}, BUILD).stops).toEqual([
			"The target asks for Node >=99 (package.json engines.node); the build's shell has v20.20.2.",
		]);
		expect(judgeToolchain({...base, pins: [{file: '.nvmrc', version: '18'}]}, BUILD).stops[0]).toMatch(/Node 18 \(\.nvmrc\); the build's shell has v20\.20\.2/);
		expect(judgeToolchain({...base, engines: {node: '^20.11', npm: '>=10'}}, BUILD)).toEqual({stops: [], warnings: []});
		expect(judgeToolchain({...base, engines: {npm: '<9'}}, BUILD).stops[0]).toMatch(/npm <9 .*has 11\.19\.1/);
		const nvm = judgeToolchain({...base, node: null, loginNode: '22.1.0'}, BUILD);
		expect(nvm.stops[0]).toMatch(/no node; a login shell has v22\.1\.0 \(nvm or a shell profile loads it for login shells only\)/);
		expect(judgeToolchain({...base, loginNode: '22.1.0'}, BUILD).warnings[0]).toMatch(/gets Node v20\.20\.2; a login shell gets v22\.1\.0/);
	});

	it('node_modules: an interrupted install, an install by an old npm, a lockfile newer than the install', () => {
		const leftovers = judgeToolchain({...base, modules: {...base.modules, leftovers: ['node_modules/.vite-Hk3sPq2']}}, BUILD);
		expect(leftovers.warnings[0]).toMatch(/interrupted npm install left \(node_modules\/\.vite-Hk3sPq2\): node_modules is probably corrupted/);
		expect(judgeToolchain({...base, modules: {...base.modules, hiddenLock: false}}, BUILD).warnings[0]).toMatch(/no \.package-lock\.json/);
		const newer = {...base, modules: {...base.modules, lockNewer: true}};
		expect(judgeToolchain(newer, BUILD).warnings).toEqual([]);
		expect(judgeToolchain(newer, ['npm run build']).warnings[0]).toMatch(/add npm ci before the build/);
	});

	it('npm ls: missing packages are read (invalid and extraneous ones are not taken as broken); a cut or unreadable answer is no verdict', () => {
		const ls = (json: unknown) => parseToolchain(answer({'npm-ls': [0, JSON.stringify(json)]})).modules.problems;
		expect(
			ls({problems: ['missing: tiny@1.0.0, required by x@1.0.0', 'extraneous: old@2.0.0 /app/node_modules/old', 'invalid: vite@ /app/node_modules/vite']}),
			// `invalid:` is also said of trees npm built itself (overrides, legacy peer deps): not taken as broken.
		).toEqual(['missing: tiny@1.0.0, required by x@1.0.0']);
		expect(ls({name: 'x', dependencies: {}})).toEqual([]);
		expect(parseToolchain(answer({'npm-ls': [0, `{"problems": ["missing: a@1"], "x": "${'a'.repeat(4 * 1024 * 1024)}"}`]})).modules.problems).toBeUndefined();
		expect(parseToolchain(answer({'npm-ls': [0, '{"problems": ["missing: a@1"']})).modules.problems).toBeUndefined();
		expect(parseToolchain(answer({'npm-ls': [3, '']})).modules.problems).toBeUndefined();

		const broken = {...base, modules: {...base.modules, problems: ['missing: tiny@1.0.0, required by x@1.0.0', 'missing: vite@5.0.0, required by x@1.0.0']}};
		expect(judgeToolchain(broken, ['npm run build']).incomplete).toBe(
			'npm ls finds node_modules incomplete: missing: tiny@1.0.0, required by x@1.0.0 (and 1 more). build.commands install nothing, so the build would use it as it is.',
		);
		const installing = judgeToolchain(broken, BUILD);
		expect(installing.incomplete).toBeUndefined();
		expect(installing.warnings).toContain(
			'npm ls finds node_modules incomplete (missing: tiny@1.0.0, required by x@1.0.0 (and 1 more)); build.commands install it afresh.',
		);
	});
});
