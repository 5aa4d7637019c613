/**
 * electron-builder.yml, validated as far as this machine allows (no Electron binary, no
 * downloads): electron-builder's own loader and schema validation, its own file matcher applied
 * to the real bundle and to native files, the icons, and package.json's packaging metadata.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../src-main/core/png';
import { PRODUCT_NAME } from '../../src-main/services/paths';
import { renderIcon } from '../../scripts/make-icon';
import { PROJECT_ROOT } from '../helpers/paths';
import { ensureBuilt } from '../helpers/serve';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string, opts?: { filename?: string }): unknown };
const configLib = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<Record<string, unknown>>;
  validateConfiguration(config: Record<string, unknown>, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const { FileMatcher } = require('app-builder-lib/out/fileMatcher') as {
  FileMatcher: new (from: string, to: string, expand: (p: string) => string, patterns: string[]) => { createFilter(): (file: string, stat: { isDirectory(): boolean }) => boolean };
};

interface PlatformConfig {
  target: Array<string | { target: string }>;
  icon?: string;
  [k: string]: unknown;
}
interface BuilderConfig {
  appId?: string;
  productName?: string;
  directories?: { output?: string; buildResources?: string };
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild?: boolean;
  buildDependenciesFromSource?: boolean;
  extraMetadata?: { main?: string; productName?: string };
  electronFuses?: Record<string, boolean>;
  linux: PlatformConfig;
  win: PlatformConfig;
  mac: PlatformConfig & { entitlements?: string; entitlementsInherit?: string; hardenedRuntime?: boolean };
  [k: string]: unknown;
}
interface PackageJson {
  main: string;
  name: string;
  productName?: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

const CONFIG_FILE = join(PROJECT_ROOT, 'electron-builder.yml');
const config = yaml.load(readFileSync(CONFIG_FILE, 'utf8'), { filename: CONFIG_FILE }) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as PackageJson;

const FILE = { isDirectory: () => false };
function matcher(patterns: string[]): (rel: string) => boolean {
  const filter = new FileMatcher(PROJECT_ROOT, '', (p) => p, [...patterns]).createFilter();
  return (rel) => filter(join(PROJECT_ROOT, rel), FILE);
}
const targets = (p: PlatformConfig): string[] => p.target.map((t) => (typeof t === 'string' ? t : t.target));
const norm = (p: string): string => p.replace(/^\.\//, '');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('electron-builder.yml against electron-builder itself', () => {
  it('loads through electron-builder and passes its schema validation (scheme.json)', async () => {
    const loaded = await configLib.getConfig(PROJECT_ROOT, 'electron-builder.yml', null);
    expect(loaded.appId).toBe(config.appId);
    await expect(configLib.validateConfiguration(loaded, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('the same validation rejects a misspelt or misplaced option (the check can fail)', async () => {
    const loaded = await configLib.getConfig(PROJECT_ROOT, 'electron-builder.yml', null);
    await expect(configLib.validateConfiguration({ ...loaded, asarUnpak: ['**/*.node'] }, new DebugLogger(false))).rejects.toThrow(/asarUnpak/);
    await expect(configLib.validateConfiguration({ ...loaded, linux: { ...(loaded.linux as object), title: 'x' } }, new DebugLogger(false))).rejects.toThrow(/configuration\.linux/);
  });
});

describe('electron-builder.yml content', () => {
  it('names the app and keeps it consistent with the data folder the CLI uses', () => {
    expect(config.appId).toMatch(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/);
    expect(config.productName).toBe('RPR Curator');
    // Electron names userData after the packaged package.json's productName
    expect(config.extraMetadata?.productName).toBe(PRODUCT_NAME);
    if (pkg.productName !== undefined) expect(pkg.productName).toBe(PRODUCT_NAME);
  });

  it('has Linux AppImage and deb, Windows and macOS targets', () => {
    expect(targets(config.linux)).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(targets(config.win)).toContain('nsis');
    expect(targets(config.mac)).toContain('dmg');
    expect(config.publish).toBeNull();
  });

  it('packs into an asar and unpacks native addons, wasm, tfjs-node and libsql', () => {
    expect(config.asar).toBe(true);
    for (const p of ['**/*.node', '**/*.wasm', 'node_modules/@tensorflow/tfjs-node/**', 'node_modules/@tensorflow/tfjs-node-gpu/**', 'node_modules/libsql/**', 'node_modules/@libsql/**']) expect(config.asarUnpack).toContain(p);
    const unpacked = matcher(config.asarUnpack);
    for (const f of [
      'node_modules/@libsql/linux-x64-gnu/index.node',
      'node_modules/@libsql/darwin-arm64/index.node',
      'node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node',
      'node_modules/@tensorflow/tfjs-node/deps/lib/libtensorflow.so.2',
      'node_modules/@tensorflow/tfjs-node/deps/lib/tensorflow.dll',
      'node_modules/@tensorflow/tfjs-node-gpu/deps/lib/libtensorflow.so.2',
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
    ])
      expect(unpacked(f), f).toBe(true);
    // ONNX Runtime's addon and shared library, sharp's addon and libvips (every platform's layout)
    for (const p of ['node_modules/onnxruntime-node/bin/**', 'node_modules/@img/**']) expect(config.asarUnpack).toContain(p);
    for (const f of [
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/libonnxruntime.1.30.0.dylib',
      'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll',
      'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/DirectML.dll',
      'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64-0.35.5.node',
      'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.7',
      'node_modules/@img/sharp-win32-x64/lib/libvips-42.dll',
    ])
      expect(unpacked(f), f).toBe(true);
    // their JavaScript stays inside the archive
    expect(unpacked('node_modules/onnxruntime-node/dist/index.js')).toBe(false);
    expect(unpacked('node_modules/onnx-proto/dist/onnx.js')).toBe(false);
    // every native file of onnxruntime-node and @img installed here is covered
    const nativeHere = [...walk(join(PROJECT_ROOT, 'node_modules/onnxruntime-node/bin')), ...walk(join(PROJECT_ROOT, 'node_modules/@img'))]
      .map((f) => relative(PROJECT_ROOT, f).split('\\').join('/'))
      .filter((f) => /\.(node|so(\.\d+)*|dylib|dll)$/.test(f));
    expect(nativeHere.length).toBeGreaterThanOrEqual(4);
    for (const f of nativeHere) expect(unpacked(f), f).toBe(true);
    // plain JavaScript stays inside the archive
    expect(unpacked('node_modules/@tensorflow/tfjs/dist/tf.node.js')).toBe(false);
    expect(unpacked('out/main/index.js')).toBe(false);
    // every native addon and wasm binary actually installed here is covered
    const installed = [...walk(join(PROJECT_ROOT, 'node_modules/@libsql')), ...walk(join(PROJECT_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'))]
      .map((f) => relative(PROJECT_ROOT, f).split('\\').join('/'))
      .filter((f) => /\.(node|wasm)$/.test(f));
    expect(installed.length).toBeGreaterThanOrEqual(4);
    for (const f of installed) expect(unpacked(f), f).toBe(true);
  });

  it('unpacks sharp\'s native files (the addon and libvips beside it)', () => {
    expect(config.asarUnpack).toContain('node_modules/@img/**');
    const unpacked = matcher(config.asarUnpack);
    for (const f of ['node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64-0.35.5.node', 'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.17.3', 'node_modules/@img/sharp-darwin-arm64/lib/sharp-darwin-arm64.node', 'node_modules/@img/sharp-win32-x64/lib/libvips-42.dll'])
      expect(unpacked(f), f).toBe(true);
    const installed = walk(join(PROJECT_ROOT, 'node_modules/@img')).map((f) => relative(PROJECT_ROOT, f).split('\\').join('/'));
    expect(installed.some((f) => f.endsWith('.node'))).toBe(true);
    for (const f of installed) expect(unpacked(f), f).toBe(true);
  });

  it('rebuilds native dependencies for Electron from prebuilt binaries, never from source', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(false);
  });

  it('hardens the Electron binary with fuses the app does not rely on', () => {
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true });
  });

  describe('files', () => {
    beforeAll(() => ensureBuilt());

    it('ships the whole electron-vite bundle and package.json', () => {
      expect(config.files).toContain('out/**');
      const included = matcher(config.files);
      const out = walk(join(PROJECT_ROOT, 'out')).map((f) => relative(PROJECT_ROOT, f).split('\\').join('/'));
      for (const f of ['out/main/index.js', 'out/main/cli.js', 'out/main/worker.js', 'out/preload/index.cjs', 'out/renderer/index.html']) expect(out).toContain(f);
      expect(out.some((f) => f.startsWith('out/main/chunks/'))).toBe(true);
      expect(out.some((f) => f.startsWith('out/renderer/assets/'))).toBe(true);
      for (const f of out.filter((f) => !f.endsWith('.map'))) expect(included(f), f).toBe(true);
      expect(included('package.json')).toBe(true);
    });

    it('leaves out sources, tests, scripts, docs, deploy files and source maps', () => {
      const included = matcher(config.files);
      for (const f of ['src-main/app/main.ts', 'src-main/core/png.ts', 'src-renderer/src/App.vue', 'src-renderer/index.html', 'test/unit/packaging.test.ts', 'test/fixtures/models/tiny-cnn/model.json', 'scripts/make-icon.ts', 'docs/ARCHITECTURE.md', 'deploy/Dockerfile', 'out/main/index.js.map'])
        expect(included(f), f).toBe(false);
      // the real source tree, checked file by file
      for (const f of walk(join(PROJECT_ROOT, 'src-main')).slice(0, 500)) expect(included(relative(PROJECT_ROOT, f).split('\\').join('/')), f).toBe(false);
    });
  });
});

describe('icons and resources', () => {
  const iconRefs = (): string[] => [...new Set([config.linux.icon, config.win.icon, config.mac.icon].filter((x): x is string => typeof x === 'string'))];

  it('every referenced icon exists and is a valid PNG of at least 512×512', () => {
    expect(iconRefs().length).toBeGreaterThan(0);
    for (const ref of iconRefs()) {
      const file = resolve(PROJECT_ROOT, ref);
      expect(existsSync(file), file).toBe(true);
      const img = decodePng(new Uint8Array(readFileSync(file)), file);
      expect(img.width).toBeGreaterThanOrEqual(512);
      expect(img.height).toBeGreaterThanOrEqual(512);
      expect(img.width).toBe(img.height);
    }
  });

  it('the icon in resources/ is the one scripts/make-icon.ts draws', () => {
    const file = join(PROJECT_ROOT, 'resources/icon.png');
    const img = decodePng(new Uint8Array(readFileSync(file)), file);
    const drawn = renderIcon();
    expect(img.channels).toBe(drawn.channels);
    expect(Buffer.from(img.data).equals(Buffer.from(drawn.data))).toBe(true);
    // not a blank square: the digit, the grid and the perturbed (orange) pixels are all there
    const colours = new Set<number>();
    for (let i = 0; i < img.data.length; i += 3) colours.add((img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2]);
    expect(colours.size).toBeGreaterThan(50);
    expect(readFileSync(join(PROJECT_ROOT, 'resources/icon.svg'), 'utf8')).toMatch(/^<svg [^>]*viewBox="0 0 512 512"/);
  });

  it('the macOS entitlements exist and allow JIT (V8, WebAssembly)', () => {
    for (const ref of [config.mac.entitlements, config.mac.entitlementsInherit]) {
      expect(typeof ref).toBe('string');
      const text = readFileSync(resolve(PROJECT_ROOT, ref as string), 'utf8');
      expect(text).toMatch(/^<\?xml[^>]*\?>\s*<!DOCTYPE plist/);
      expect(text).toMatch(/<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
    }
    expect(config.mac.hardenedRuntime).toBe(true);
  });
});

describe('package.json packaging metadata', () => {
  it('main is the bundled out/main/index.js, the same as the packaged entry', () => {
    expect(norm(pkg.main)).toBe('out/main/index.js');
    expect(norm(config.extraMetadata?.main ?? pkg.main)).toBe(norm(pkg.main));
    expect(pkg.scripts.dist).toMatch(/electron-vite build && electron-builder/);
    expect(pkg.scripts.dist).toContain('electron-builder.yml');
  });

  it('electron and electron-builder are devDependencies only; tfjs-node is optional', () => {
    expect(pkg.devDependencies.electron).toBeDefined();
    expect(pkg.devDependencies['electron-builder']).toBeDefined();
    for (const deps of [pkg.dependencies, pkg.optionalDependencies ?? {}]) {
      expect(deps.electron).toBeUndefined();
      expect(deps['electron-builder']).toBeUndefined();
    }
    expect(pkg.optionalDependencies?.['@tensorflow/tfjs-node']).toBeDefined();
    expect(pkg.dependencies['@tensorflow/tfjs-node']).toBeUndefined();
    expect(pkg.dependencies.libsql).toBeDefined();
    // ONNX Runtime (inference), its protobuf schema (TF.js → ONNX), sharp (image decoding) ship with the app
    for (const d of ['onnxruntime-node', 'onnx-proto', 'sharp']) expect(pkg.dependencies[d], d).toBeDefined();
  });

  it('no install-time scripts of our own; allowScripts decides on every dependency that has one', () => {
    for (const s of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts[s]).toBeUndefined();
    const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([path, meta]) => path !== '' && meta.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('@tensorflow/tfjs-node');
    const allowed = pkg.allowScripts ?? {};
    for (const name of withScripts) expect(Object.keys(allowed), `allowScripts has no entry for ${name}`).toContain(name);
    // offline-safe install: onnxruntime-node's postinstall (which would fetch GPU files) and
    // protobufjs's never run; .npmrc tells onnxruntime-node to skip the download as well
    expect(allowed['onnxruntime-node']).toBe(false);
    expect(allowed.protobufjs).toBe(false);
    expect(readFileSync(join(PROJECT_ROOT, '.npmrc'), 'utf8')).toMatch(/^onnxruntime-node-install\s*=\s*skip\s*$/m);
  });

  it('the icon and entitlements live under directories.buildResources', () => {
    const res = config.directories?.buildResources ?? 'build';
    expect(statSync(join(PROJECT_ROOT, res)).isDirectory()).toBe(true);
    for (const ref of [config.linux.icon, config.mac.entitlements]) expect(norm(ref as string).startsWith(`${res}/`)).toBe(true);
  });
});
