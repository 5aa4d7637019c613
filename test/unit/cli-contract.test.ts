/**
 * Issue 13, item 3: the CLI is a client of the contract. Its files parse arguments and print;
 * they reach the work only through `services.call` (and a job's typed end), never through a
 * service's internals or the store.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/paths';

const CLI = join(PROJECT_ROOT, 'src-main/cli');
/** what the CLI may take from services/: the services' factory and interface, exit codes, the data folder */
const ALLOWED_SERVICES = ['src-main/services/index.ts', 'src-main/services/errors.ts', 'src-main/services/paths.ts'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));
}

/** relative imports of a file, as project paths ('src-main/services/index.ts') */
function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g)) out.push(relative(PROJECT_ROOT, resolve(dirname(file), m[1])) + '.ts');
  for (const m of text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) out.push(relative(PROJECT_ROOT, resolve(dirname(file), m[1])) + '.ts');
  return out;
}

describe('the CLI is a client of the contract', () => {
  const sources = files(CLI).map((f) => ({ file: relative(PROJECT_ROOT, f), text: readFileSync(f, 'utf8'), imports: importsOf(f, readFileSync(f, 'utf8')) }));

  it('finds the CLI files and their imports (the check below can fail)', () => {
    expect(sources.length).toBeGreaterThan(8);
    expect(importsOf(join(CLI, 'commands/probe.ts'), "import { saveCuratedSet } from '../../services/curation-service';\nimport type { X } from '../../store/runs';")).toEqual(['src-main/services/curation-service.ts', 'src-main/store/runs.ts']);
  });

  it('imports nothing of the store, and of the services only their factory, exit codes and data folder', () => {
    const bad = sources.flatMap((s) => s.imports.filter((i) => i.startsWith('src-main/store/') || (i.startsWith('src-main/services/') && !ALLOWED_SERVICES.includes(i))).map((i) => `${s.file} imports ${i}`));
    expect(bad).toEqual([]);
  });

  it('never reaches into the services state, except to wire the loopback to the event bus as the desktop app wires IPC', () => {
    const uses = sources.flatMap((s) => [...s.text.matchAll(/services\.app\.[A-Za-z]+/g)].map((m) => `${s.file}: ${m[0]}`));
    expect(uses).toEqual(['src-main/cli/commands/serve.ts: services.app.events']);
  });
});
