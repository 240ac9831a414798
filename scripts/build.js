#!/usr/bin/env node
// Bundles source/ into dist/ with esbuild:
//
// - dist/cli.cjs: the whole program (ssh2 and the Ink UI included) as one CommonJS file, which
//   bin/rewind.js loads through V8's code cache (source/core/code-cache.ts). Node 20 has no compile
//   cache for ES modules (22 has): compiling ~1.3 MB of JavaScript on every start cost the first
//   frame ~60–130 ms. Modules loaded with `import()` are still evaluated only when first needed.
// - dist/help.js and dist/code-cache.js: small ES modules the launcher loads first.
//
// CommonJS has no top-level await. Two dependencies use one: yoga-layout (its entry awaits its
// WASM; scripts/yoga-shim.js loads it instead, and source/terminal.ts waits for it) and Ink's
// reconciler (only in its DEV-mode paths, which load React devtools; removed below, loudly if
// Ink's source no longer matches). string-width gets a fast path for rewind's own text
// (source/ui/narrow-width.ts). mysql2 and simple-git stay in node_modules.
import {build} from 'esbuild';
import {readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
rmSync(path.join(root, 'dist'), {recursive: true, force: true});

const common = {
	absWorkingDir: root,
	outdir: 'dist',
	bundle: true,
	platform: 'node',
	target: 'node20',
	minify: true,
	sourcemap: 'linked',
	legalComments: 'linked',
	logLevel: 'warning',
};

await build({...common, entryPoints: {help: 'source/help.ts', 'code-cache': 'source/core/code-cache.ts'}, format: 'esm'});

/** A dependency's source no longer has the code this build patches: stop rather than ship it unpatched. */
function patchTargetMissing(file) {
	return new Error(`build: ${file} no longer contains the code this build patches; check the patch against the new version.`);
}

/** Replaces one exact piece of a dependency's source; fails the build if it is not there. */
function replaceExactly(text, from, to, file) {
	if (!text.includes(from)) throw patchTargetMissing(file);
	return text.replace(from, to);
}

await build({
	...common,
	entryPoints: {cli: 'source/cli.ts'},
	outExtension: {'.js': '.cjs'},
	format: 'cjs',
	// Loaded by vm.Script (for its code cache), which has no loader for import(): mysql2 and
	// simple-git (CommonJS packages) are required instead.
	supported: {'dynamic-import': false},
	jsx: 'automatic',
	// React's development build is several times slower to load and render.
	define: {'process.env.NODE_ENV': '"production"', 'import.meta.url': '__rewindImportMetaUrl'},
	banner: {js: "var __rewindImportMetaUrl = require('node:url').pathToFileURL(__filename).href;"},
	external: ['mysql2', 'mysql2/promise', 'simple-git', 'cpu-features'],
	alias: {'react-devtools-core': './scripts/devtools-stub.js'},
	plugins: [
		{
			name: 'rewind-cjs',
			setup(plugin) {
				plugin.onResolve({filter: /^yoga-layout$/}, () => ({path: path.join(root, 'scripts/yoga-shim.js')}));
				// Every string-width behind the fast path of source/ui/narrow-width.ts, loaded when first needed.
				plugin.onResolve({filter: /^string-width$/}, async args => {
					if (args.pluginData === 'real') return undefined;
					const real = await plugin.resolve('string-width', {kind: args.kind, resolveDir: args.resolveDir, pluginData: 'real'});
					return real.errors.length > 0 ? real : {path: real.path, namespace: 'narrow-width'};
				});
				plugin.onLoad({filter: /.*/, namespace: 'narrow-width'}, args => ({
					contents: [
						`import {narrowWidth} from ${JSON.stringify(path.join(root, 'source/ui/narrow-width.ts'))};`,
						'let stringWidth;',
						`export default (input, options) => narrowWidth(input, options) ?? (stringWidth ??= require(${JSON.stringify(args.path)}).default)(input, options);`,
					].join('\n'),
					resolveDir: root,
					loader: 'js',
				}));
				// ssh2's optional native crypto binding stays where npm built it (ssh2 tries it in a try/catch).
				plugin.onResolve({filter: /\.node$/}, args => ({
					path: `ssh2/lib/protocol/${path.relative(path.join(root, 'node_modules/ssh2/lib/protocol'), path.join(args.resolveDir, args.path))}`,
					external: true,
				}));
				// Ink's reconciler awaits at the top level only to load React devtools in DEV mode.
				plugin.onLoad({filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/}, args => {
					let text = readFileSync(args.path, 'utf8');
					const devtools = text.indexOf("if (isDev()) {\n    try {\n        await import('./devtools.js');");
					const after = text.indexOf('const diff = ');
					if (devtools === -1 || after < devtools) throw patchTargetMissing(args.path);
					text = text.slice(0, devtools) + text.slice(after);
					text = replaceExactly(
						text,
						'const packageJson = isDev()\n    ? await loadPackageJson()\n    : { name: undefined, version: undefined };',
						'const packageJson = { name: undefined, version: undefined };',
						args.path,
					);
					return {contents: text, loader: 'js'};
				});
			},
		},
	],
});
