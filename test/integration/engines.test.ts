// package.json's `engines.node` must say what is true: every installed package (the whole
// node_modules tree, nested copies too) supports every Node version the project declares, except
// the packages of the allow-list below, each with the reason it is only advisory for us. A new
// mismatch, or an allow-list entry that no longer mismatches, fails the test, so the list and
// the README's "Requirements" section stay true.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/paths';

// semver is npm's own range logic (installed as a dependency of several of our tools)
const semver = createRequire(join(PROJECT_ROOT, 'package.json'))('semver') as {
  subset(sub: string, dom: string): boolean;
  validRange(r: string): string | null;
  satisfies(v: string, r: string): boolean;
};

/**
 * Packages whose declared Node range is narrower than the project's, and why that is advisory
 * here. Keys are folders under node_modules.
 */
export const ADVISORY: Record<string, string> = {
  // Electron's own tools: fetching the binary (`node node_modules/electron/install.js`, or
  // `require('electron')`, which `npm start` no longer calls) and packaging (`npm run dist`).
  // Neither runs on the Node 20 build machines, which have no internet; the packaged app bundles
  // its own runtime.
  electron: "Electron's download/launch helper: needs Node >= 22.12 where the desktop app is launched from source or packaged",
  '@electron/get': 'downloads the Electron binary (electron/install.js, electron-builder): packaging machines only',
  '@electron-internal/extract-zip': 'unzips the downloaded Electron binary: packaging machines only',
  '@electron/rebuild': "electron-builder's native-module rebuild step: packaging machines only",
  'node-abi': "@electron/rebuild's ABI table: packaging machines only",
  // js-beautify's command line option parser; @vue/test-utils uses only js-beautify's library
  // (js-beautify/js/lib/cli.js is the only file requiring nopt), which the renderer tests run on Node 20
  'js-beautify/node_modules/nopt': "js-beautify's CLI only (not used by @vue/test-utils)",
  'js-beautify/node_modules/abbrev': "nopt's dependency: js-beautify's CLI only",
};

interface Installed {
  folder: string;
  version: string;
  node: string;
}

function installed(): Installed[] {
  const out: Installed[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.name.startsWith('@')) {
        walk(p);
        continue;
      }
      const pj = join(p, 'package.json');
      if (existsSync(pj)) {
        const j = JSON.parse(readFileSync(pj, 'utf8')) as { version?: string; engines?: { node?: unknown } };
        if (typeof j.engines?.node === 'string') out.push({ folder: relative(join(PROJECT_ROOT, 'node_modules'), p), version: j.version ?? '?', node: j.engines.node });
      }
      if (existsSync(join(p, 'node_modules'))) walk(join(p, 'node_modules'));
    }
  };
  walk(join(PROJECT_ROOT, 'node_modules'));
  return out;
}

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const declared = pkg.engines.node;

describe("package.json's engines", () => {
  it('declares a valid range that includes the Node running the tests (the build machines run Node 20)', () => {
    expect(semver.validRange(declared)).not.toBeNull();
    expect(semver.satisfies(process.versions.node, declared)).toBe(true);
    expect(semver.satisfies('20.19.0', declared)).toBe(true);
  });

  it('every installed package supports every Node version the project declares, or is on the advisory list', () => {
    const all = installed();
    expect(all.length).toBeGreaterThan(100);
    const mismatches = all.filter((p) => semver.validRange(p.node) && !semver.subset(declared, p.node));
    const unexplained = mismatches.filter((p) => !(p.folder in ADVISORY)).map((p) => `${p.folder}@${p.version} wants node ${p.node}`);
    expect(unexplained, `packages whose engines exclude part of "${declared}"`).toEqual([]);
    const stale = Object.keys(ADVISORY).filter((f) => !mismatches.some((m) => m.folder === f));
    expect(stale, 'advisory entries that are not installed or no longer mismatch: remove them (and from the README)').toEqual([]);
  });

  it('the README says which Node versions users and developers need, and names the advisory packages', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const section = readme.split(/^## /m).find((s) => s.startsWith('Requirements'));
    expect(section, 'README.md has a "## Requirements" section').toBeDefined();
    expect(section).toContain(declared);
    expect(section).toMatch(/bundles its own/);
    for (const name of ['electron', '@electron/get', '@electron/rebuild', 'node-abi', 'js-beautify']) expect(section).toContain(name);
  });
});
