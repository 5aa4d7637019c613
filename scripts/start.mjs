// `npm start` runs this after the build: it launches the desktop app with the Electron binary,
// after checking that the binary is there and can start. Electron's own launcher
// (`require('electron')`) tries to download a missing binary and ends in a stack trace when it
// cannot; here a missing or broken binary gets one paragraph saying what happened and the two
// ways on, and a non-zero exit.
//
// `node scripts/start.mjs [electron args...]`; ELECTRON_OVERRIDE_DIST_PATH (Electron's own
// variable) names a folder holding the binary, as with `electron .`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where Electron's binary should be (never downloads), or why it cannot be told. */
export function electronBinary(root = appDir, env = process.env) {
  const pkgDir = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkgDir, 'package.json'))) return { path: null, why: 'the electron package is not installed (node_modules/electron is missing)' };
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  if (env.ELECTRON_OVERRIDE_DIST_PATH) return { path: join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron'), why: null };
  if (!relative) return { path: null, why: "Electron's binary is not installed (node_modules/electron/dist is missing; Electron fetches it from the internet on first use)" };
  return { path: join(pkgDir, 'dist', relative), why: null };
}

/** null when the binary starts (`--version` as plain Node), else why not. */
export function cannotLaunch(bin) {
  if (!existsSync(bin)) return `Electron's binary is missing (${bin})`;
  const r = spawnSync(bin, ['--version'], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8', timeout: 60_000 });
  if (r.error) return `Electron's binary did not start (${bin}: ${r.error.message})`;
  if (r.status !== 0) {
    const said = `${r.stderr ?? ''}`.trim().split('\n')[0];
    return `Electron's binary did not start (${bin} exited with ${r.status ?? r.signal}${said ? `: ${said}` : ''})`;
  }
  return null;
}

export function advice(what) {
  return [
    `rpr-curator: cannot start the desktop app: ${what}.`,
    'There are two ways on.',
    'On a machine with internet access, install the binary with `node node_modules/electron/install.js`',
    '(it downloads Electron from GitHub, or from the mirror in ELECTRON_MIRROR), then run `npm start` again.',
    'Or run the same app in a browser, with no Electron at all: `npx rpr serve` prints a URL',
    '(http://127.0.0.1:PORT/?token=…) to open.',
  ].join(' ');
}

function main() {
  const found = electronBinary();
  const why = found.path ? cannotLaunch(found.path) : found.why;
  if (why) {
    process.stderr.write(advice(why) + '\n');
    return process.exit(1);
  }
  const child = spawn(found.path, [appDir, ...process.argv.slice(2)], { stdio: 'inherit', windowsHide: false });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(advice(`Electron's binary did not start (${err.message})`) + '\n');
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
