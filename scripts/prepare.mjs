// `npm install` builds the app once so `npx rpr ...` works right away. A failed build
// never fails the install: `rpr` then says to run `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (process.env.RPR_SKIP_BUILD === '1' || !existsSync('electron.vite.config.ts')) process.exit(0);
const r = spawnSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], { stdio: 'inherit' });
if (r.status !== 0) console.warn('rpr-curator: the build did not finish; run `npm run build` to see why');
