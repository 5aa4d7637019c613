// `npm start` on a machine without Electron's binary (this one: it cannot be downloaded here)
// must end in one paragraph of advice and a non-zero exit, never a stack trace or a download
// attempt; with a binary that starts, the launcher runs it on the app folder.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/paths';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** What `npm start` runs after the build. */
function launcherCommand(): string[] {
  const parts = pkg.scripts.start.split('&&').map((s) => s.trim());
  expect(parts[0]).toBe('electron-vite build');
  const launch = parts[parts.length - 1].split(/\s+/);
  expect(launch[0]).toBe('node');
  return launch.slice(1);
}

function runLauncher(env: Record<string, string | undefined>) {
  const { ELECTRON_OVERRIDE_DIST_PATH: _ignored, ...base } = process.env;
  return spawnSync(process.execPath, launcherCommand(), { cwd: PROJECT_ROOT, env: { ...base, ...env } as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 60_000 });
}

function fakeElectron(script: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rpr-fake-electron-'));
  const bin = join(dir, 'electron');
  writeFileSync(bin, `#!/bin/sh\n${script}\n`);
  chmodSync(bin, 0o755);
  return dir;
}

describe('npm start without a launchable Electron binary', () => {
  it('npm start builds, then runs the launcher (not `electron .`, which tries to download the binary)', () => {
    expect(pkg.scripts.start).toMatch(/^electron-vite build && node scripts\/start\.mjs$/);
  });

  it('prints one paragraph with the two ways on and exits non-zero, with no stack trace and no download', () => {
    const r = runLauncher({});
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const text = r.stderr.trim();
    expect(text.split('\n')).toHaveLength(1); // one paragraph
    expect(text).toMatch(/cannot start the desktop app: Electron's binary is not installed/);
    expect(text).toContain('node node_modules/electron/install.js'); // install the binary when online
    expect(text).toContain('npx rpr serve'); // or the same app in a browser
    expect(text).not.toMatch(/^\s+at /m);
    expect(text).not.toMatch(/Downloading Electron|install-electron --no|RequestError|ENOTFOUND/);
  });

  it('says so when a binary is there but does not start', () => {
    const dir = fakeElectron('echo "error while loading shared libraries: libgtk-3.so.0" >&2; exit 127');
    const r = runLauncher({ ELECTRON_OVERRIDE_DIST_PATH: dir });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Electron's binary did not start \(.*electron exited with 127: error while loading shared libraries: libgtk-3\.so\.0\)/);
    expect(r.stderr).toContain('npx rpr serve');
  });

  it('launches a binary that starts on the app folder and passes its exit code on', () => {
    const dir = fakeElectron(`if [ "$1" = "--version" ]; then echo v42.0.0; exit 0; fi\necho "launched $*" > "${'$'}(dirname "$0")/args.txt"\nexit 3`);
    const r = runLauncher({ ELECTRON_OVERRIDE_DIST_PATH: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
    expect(readFileSync(join(dir, 'args.txt'), 'utf8').trim()).toBe(`launched ${PROJECT_ROOT}`);
  });
});
