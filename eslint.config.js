// Layering is enforced here: each runtime folder lists what it may not import, so fs,
// SQLite, TF.js or Electron can never creep into pure code or the renderer.
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

// bare names are anchored ('/fs') so a local './events' module is not mistaken for a built-in
const nodeBuiltins = ['node:*', '/fs', '/fs/*', '/path', '/os', '/child_process', '/worker_threads', '/http', '/https', '/net', '/zlib', '/crypto', '/stream', '/url', '/util', '/events', '/process'];
const native = ['libsql', 'better-sqlite3', '@tensorflow/*', 'ws', 'electron', 'sharp'];
// sharp (libvips) loads in one module only: src-main/services/native/sharp-loader.ts
const SHARP_LOADER = 'src-main/services/native/sharp-loader.ts';

/** @param {string[]} groups @param {string} message */
const forbid = (groups, message) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }],
});

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'coverage/**', 'test-results/**', 'bench-results/**', '**/*.d.ts'],
  },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  // contract: types and zod schemas only
  {
    files: ['src-main/contract/**/*.ts'],
    rules: forbid([...nodeBuiltins, ...native, '**/core/**', '**/engine/**', '**/store/**', '**/services/**', '**/transports/**', '**/app/**', '**/cli/**'], 'the contract is shared with the renderer: zod and its own types only'),
  },
  // core: pure functions, no I/O, no electron, no TF.js
  {
    files: ['src-main/core/**/*.ts'],
    rules: forbid([...nodeBuiltins, ...native, '**/engine/**', '**/store/**', '**/services/**', '**/transports/**', '**/app/**', '**/cli/**', '**/preload/**'], 'core is pure: no I/O, no Electron, no TF.js, no other layer'),
  },
  {
    files: ['src-main/engine/**/*.ts'],
    rules: forbid(['electron', 'libsql', 'ws', 'sharp', '**/store/**', '**/services/**', '**/transports/**', '**/app/**', '**/cli/**', '**/preload/**'], 'the engine depends on core and the contract only'),
  },
  {
    files: ['src-main/store/**/*.ts'],
    rules: forbid(['electron', '@tensorflow/*', 'ws', 'sharp', '**/engine/**', '**/services/**', '**/transports/**', '**/app/**', '**/cli/**', '**/preload/**'], 'the store depends on core and the contract only'),
  },
  {
    files: ['src-main/services/**/*.ts'],
    ignores: [SHARP_LOADER],
    rules: forbid(['electron', 'ws', 'sharp', '**/transports/**', '**/app/**', '**/cli/**', '**/preload/**'], 'services never touch Electron or a transport; sharp loads only in services/native/sharp-loader.ts'),
  },
  // the sharp loader: the one file that may name the native image library (a type import and a require)
  {
    files: [SHARP_LOADER],
    rules: forbid(['electron', 'ws', '**/transports/**', '**/app/**', '**/cli/**', '**/preload/**'], 'services never touch Electron or a transport'),
  },
  // sharp is required nowhere but its loader, not even dynamically
  {
    files: ['src-main/**/*.ts'],
    ignores: [SHARP_LOADER],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[arguments.0.value='sharp']", message: 'load sharp through src-main/services/native/sharp-loader.ts (loadSharp)' },
        { selector: "ImportExpression[source.value='sharp']", message: 'load sharp through src-main/services/native/sharp-loader.ts (loadSharp)' },
      ],
    },
  },
  {
    files: ['src-main/transports/**/*.ts', 'src-main/cli/**/*.ts'],
    rules: forbid(['electron', 'sharp', '**/app/**', '**/preload/**'], 'the CLI and loopback transport run without Electron; sharp loads only in services/native/sharp-loader.ts'),
  },
  {
    files: ['src-main/preload/**/*.ts'],
    rules: forbid([...nodeBuiltins, 'libsql', '@tensorflow/*', 'ws', '**/core/**', '**/engine/**', '**/store/**', '**/services/**', '**/transports/**', '**/app/**', '**/cli/**'], 'the preload exposes the contract only'),
  },
  // renderer: vue, pinia, chart.js and the contract's types; nothing else from src-main
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.vue'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: [...nodeBuiltins, ...native], message: 'the renderer runs in a browser sandbox' },
            { group: ['**/src-main/**', '!**/src-main/contract', '!**/src-main/contract/**'], message: 'the renderer may import only the contract from src-main' },
            // schemes.ts, validate.ts, frame.ts and index-set.ts are pure data and codecs the renderer shares with main
            { regex: 'src-main/contract(/(?!(schemes|validate|frame|index-set)$).*)?$', allowTypeImports: true, message: 'import only types from the contract (import type)' },
          ],
        },
      ],
    },
  },
);
