// Layering is enforced here as an allow-list: eslint/layers.js lists what each runtime layer may
// import (layers, npm packages, Node built-ins), so fs, SQLite, TF.js or Electron can never creep
// into pure code or the renderer; eslint/plugin.js enforces it on every import form.
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';
import layers from './eslint/plugin.js';

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
  // the layers: every file of src-main and src-renderer imports only what eslint/layers.js allows
  // its layer (an allow-list), and loads code at run time only in engine/ and the native loader
  {
    files: ['src-main/**/*.ts', 'src-renderer/**/*.ts', 'src-renderer/**/*.vue'],
    plugins: { layers },
    rules: {
      'layers/allowed-imports': 'error',
      'layers/no-dynamic-load': 'error',
    },
  },
);
