import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

// Native / wasm-backed packages stay external in the main bundle: they are loaded from
// node_modules at run time (and unpacked from the asar by electron-builder).
const external = [
  'electron',
  'libsql',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-backend-wasm',
  'ws',
  'zod',
  'fflate',
  'jpeg-js',
  // experiments: charts rasterized to PNG (libvips)
  'sharp',
  // ONNX: the native runtime and the protobuf schema load from node_modules
  'onnxruntime-node',
  'onnx-proto',
];

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'src-main/app/main.ts'),
          cli: resolve(__dirname, 'src-main/cli/main.ts'),
          worker: resolve(__dirname, 'src-main/engine/worker-entry.ts'),
        },
        external,
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src-main/preload/index.ts') },
        external: ['electron'],
        // sandboxed preloads must be CommonJS
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [vue()],
    base: './',
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src-renderer/index.html') },
      },
    },
  },
});
