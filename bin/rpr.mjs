#!/usr/bin/env node
// The `rpr` command: runs the bundled CLI (out/main/cli.js), built by `npm run build`
// (and by `npm install`, through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('rpr: the CLI is not built yet: run `npm run build` in the rpr-curator folder\n');
  process.exit(1);
}
process.env.RPR_CLI_MAIN = '1';
await import(pathToFileURL(cli).href);
