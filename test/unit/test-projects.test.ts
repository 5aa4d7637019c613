/** Issue 13, item 4: each vitest project's name says what it runs (test/<name>/), and together they run every test folder. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../../vitest.config';
import { PROJECT_ROOT } from '../helpers/paths';

interface Project {
  test: { name: string; include: string[] };
}

describe('vitest projects', () => {
  const projects = (config as { test: { projects: Project[] } }).test.projects;

  it('each project runs only the folder it is named after', () => {
    for (const p of projects) {
      expect(p.test.include.length, p.test.name).toBeGreaterThan(0);
      for (const glob of p.test.include) expect(glob, p.test.name).toMatch(new RegExp(`^test/${p.test.name}/`));
    }
  });

  it('every test folder has its project', () => {
    const folders = readdirSync(join(PROJECT_ROOT, 'test'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && readdirSync(join(PROJECT_ROOT, 'test', d.name)).some((f) => f.endsWith('.test.ts')))
      .map((d) => d.name);
    expect(projects.map((p) => p.test.name).sort()).toEqual(folders.sort());
  });
});
