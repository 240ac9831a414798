// Lint: TypeScript-aware rules (typescript-eslint, with types), react-hooks for the UI, and the
// layering rules of docs/architecture.md (core imports nothing from the UI; only the SSH host
// touches ssh2; no console output from the UI).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['dist/', 'node_modules/', '.scratch/', 'scripts/devtools-stub.js']},
	js.configs.recommended,
	...tseslint.configs.recommendedTypeChecked,
	{
		languageOptions: {
			globals: {...globals.node},
			parserOptions: {projectService: {allowDefaultProject: ['*.js', 'bin/*.js', 'scripts/*.js']}, tsconfigRootDir: import.meta.dirname},
		},
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_'}],
			'@typescript-eslint/no-floating-promises': 'error',
			'@typescript-eslint/no-misused-promises': ['error', {checksVoidReturn: false}],
			// The code validates at its edges (zod, parsers); these flag the deliberate casts around them.
			'@typescript-eslint/no-unsafe-assignment': 'off',
			'@typescript-eslint/no-unsafe-member-access': 'off',
			'@typescript-eslint/no-unsafe-argument': 'off',
			'@typescript-eslint/no-unsafe-return': 'off',
			'@typescript-eslint/no-unsafe-call': 'off',
			'@typescript-eslint/restrict-template-expressions': ['error', {allowNumber: true, allowBoolean: true, allowNullish: true}],
			'@typescript-eslint/no-base-to-string': 'off',
			'@typescript-eslint/require-await': 'off',
			'@typescript-eslint/only-throw-error': 'off',
			'@typescript-eslint/prefer-promise-reject-errors': 'off',
			// A union's every member handled where it is switched on (a new question kind or reload method
			// that one of the operators forgot would compile, then hang the run); a default does not count.
			'@typescript-eslint/switch-exhaustiveness-check': ['error', {considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false}],
			'no-empty': ['error', {allowEmptyCatch: true}],
			'no-control-regex': 'off',
		},
	},
	{
		files: ['source/**/*.tsx', 'source/ui/**/*.ts', 'test/**/*.tsx'],
		plugins: {'react-hooks': reactHooks},
		rules: {
			'react-hooks/rules-of-hooks': 'error',
			'react-hooks/exhaustive-deps': 'off',
			'no-console': 'error',
		},
	},
	{
		files: ['source/core/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{group: ['react', 'ink', '@inkjs/ui', 'ink-*'], message: 'core/ imports nothing from React or Ink: it emits events.'},
						{
							group: ['**/ui/*', '**/ui/**', '**/session.js', '**/cli*.js', '**/commands.js', '**/rehearsal/**'],
							message: 'core/ does not import the layers above it.',
						},
					],
				},
			],
		},
	},
	{
		files: ['source/**/*.ts', 'source/**/*.tsx'],
		ignores: ['source/core/remote/**', 'source/rehearsal/**'],
		rules: {'no-restricted-imports': ['error', {patterns: [{group: ['ssh2'], message: 'Only the SSH host (core/remote/) touches ssh2.'}]}]},
	},
	{
		files: ['test/**', 'bench/**', 'scripts/**'],
		rules: {'@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/unbound-method': 'off'},
	},
);
