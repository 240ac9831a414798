#!/usr/bin/env node
// Bundles source/ into dist/ with esbuild: one fast-loading file for the CLI, the Ink UI in a
// chunk loaded only when a terminal is attached, ssh2 in a bundle of its own (below), mysql2 and
// simple-git left in node_modules; each imported only when first needed.
import {build} from 'esbuild';
import {rmSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
rmSync(path.join(root, 'dist'), {recursive: true, force: true});

await build({
	absWorkingDir: root,
	entryPoints: {cli: 'source/cli.ts', help: 'source/help.ts'},
	outdir: 'dist',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	minify: true,
	sourcemap: 'linked',
	legalComments: 'linked',
	jsx: 'automatic',
	// React's development build is several times slower to load and render.
	define: {'process.env.NODE_ENV': '"production"'},
	external: ['ssh2', 'mysql2', 'mysql2/promise', 'simple-git', 'cpu-features'],
	// Ink imports react-devtools-core only when DEV is set; it is not a dependency.
	alias: {'react-devtools-core': './scripts/devtools-stub.js'},
	banner: {js: "import {createRequire as __rewindCreateRequire} from 'node:module'; const require = __rewindCreateRequire(import.meta.url);"},
	logLevel: 'warning',
});

// ssh2 as one CommonJS file (dist/ssh2.cjs), loaded through V8's code cache (source/core/code-cache.ts).
// Its optional native parts stay where npm installed them: the crypto binding is required from
// ssh2's own folder, cpu-features from node_modules (both are tried in a try/catch by ssh2).
await build({
	absWorkingDir: root,
	entryPoints: {ssh2: 'node_modules/ssh2/lib/index.js'},
	outdir: 'dist',
	outExtension: {'.js': '.cjs'},
	bundle: true,
	format: 'cjs',
	platform: 'node',
	target: 'node20',
	minify: true,
	legalComments: 'linked',
	external: ['cpu-features'],
	plugins: [
		{
			name: 'ssh2-native-binding',
			setup(plugin) {
				plugin.onResolve({filter: /\.node$/}, args => ({
					path: `ssh2/lib/protocol/${path.relative(path.join(root, 'node_modules/ssh2/lib/protocol'), path.join(args.resolveDir, args.path))}`,
					external: true,
				}));
			},
		},
	],
	logLevel: 'warning',
});
