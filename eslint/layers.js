// The runtime layers and what each one MAY import (an allow-list, as VS Code's
// `local/code-layering` does it): anything not listed here is a lint error.
//
//   layers    folders of src-main (or 'renderer') this layer may import: 'engine' the whole
//             folder, 'engine/pool' one module (and what is below it), 'services/index' a
//             folder's index module alone. A layer always lists itself.
//   packages  npm packages (by package name; subpaths follow their package).
//   builtins  whether Node built-ins (node:module's builtinModules, bare or 'node:') may be imported.
//   values    for the renderer: the contract modules it may import values from; every other
//             contract import must be `import type` (the renderer bundles what it imports).
//
// Loading code at run time (import(), require, createRequire) is a separate rule: only engine/
// and LOADER may do it (see plugin.js, no-dynamic-load).

/** The one module outside engine/ that loads an optional native dependency (sharp, libvips). */
export const LOADER = 'src-main/services/native/sharp-loader.ts';

/** @typedef {{ note: string, layers: string[], packages: string[], builtins: boolean, values?: string[] }} Layer */

/** @type {Record<string, Layer>} */
export const layers = {
  contract: {
    note: 'the contract is shared with the renderer: zod and its own modules only',
    layers: ['contract'],
    packages: ['zod'],
    builtins: false,
  },
  core: {
    note: 'core is pure: no I/O, no Electron, no TF.js, no other layer but the contract',
    layers: ['core', 'contract'],
    packages: ['fflate', 'jpeg-js'],
    builtins: false,
  },
  engine: {
    note: 'the engine (worker side) depends on core and the contract; TF.js and ONNX Runtime live here only',
    layers: ['engine', 'core', 'contract'],
    packages: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node', 'onnx-proto'],
    builtins: true,
  },
  store: {
    note: 'the store depends on core and the contract; SQLite (libsql) lives here only',
    layers: ['store', 'core', 'contract'],
    packages: ['libsql'],
    builtins: true,
  },
  services: {
    note: 'services reach the engine only through engine/pool and engine/protocol, and never touch Electron, a transport, TF.js or ONNX Runtime',
    layers: ['services', 'store', 'core', 'contract', 'engine/pool', 'engine/protocol'],
    packages: [],
    builtins: true,
  },
  transports: {
    note: 'a transport is a client of the services (and ws); it never touches Electron, the store or the engine',
    layers: ['transports', 'services', 'core', 'contract'],
    packages: ['ws'],
    builtins: true,
  },
  // The CLI is a host process like app/: it starts its own engine pool (threads or forkHost),
  // so it may use engine/hosts, engine/pool and engine/protocol and nothing else of the engine.
  // It is a client of the contract: of the services it sees only the door (services/index,
  // whose `call` every command goes through), the error classification (exit codes) and the
  // data-folder paths; never the store.
  cli: {
    note: 'the CLI is a host like app/ and a client of the contract: services only through services/index, services/errors and services/paths, the engine only through engine/hosts, engine/pool and engine/protocol, never the store or Electron',
    layers: ['cli', 'transports', 'services/index', 'services/errors', 'services/paths', 'core', 'contract', 'engine/hosts', 'engine/pool', 'engine/protocol'],
    packages: ['zod'],
    builtins: true,
  },
  app: {
    note: 'the Electron main process reaches the engine only through engine/hosts, engine/pool and engine/protocol, and the rest through the services',
    layers: ['app', 'services', 'core', 'contract', 'engine/hosts', 'engine/pool', 'engine/protocol'],
    packages: ['electron'],
    builtins: true,
  },
  preload: {
    note: 'the preload exposes the contract only (sandboxed: no Node built-ins)',
    layers: ['preload', 'contract'],
    packages: ['electron'],
    builtins: false,
  },
  renderer: {
    note: 'the renderer runs in a browser sandbox: vue, pinia, chart.js and the contract only',
    layers: ['renderer', 'contract'],
    packages: ['vue', 'pinia', 'chart.js'],
    builtins: false,
    // pure data and codecs the renderer shares with main
    values: ['contract/schemes', 'contract/validate', 'contract/frame', 'contract/index-set', 'contract/quantities'],
  },
};

/** Per-file additions to a layer's allow-list. */
export const fileExtras = {
  [LOADER]: { packages: ['sharp'] },
};
