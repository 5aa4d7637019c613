/** A fresh Pinia over a fake workspace client, and the stores a view needs seeded from it (views and ux tests). */
import { createPinia, setActivePinia } from 'pinia';
import { setClient } from '../../src-renderer/src/api';
import { useCuration } from '../../src-renderer/src/stores/curation';
import { useDatasets } from '../../src-renderer/src/stores/datasets';
import { useJobs } from '../../src-renderer/src/stores/jobs';
import { useModels } from '../../src-renderer/src/stores/models';
import { useScoring } from '../../src-renderer/src/stores/scoring';
import { fakeWorkspaceClient } from './fakes';

export async function setup(opts: Parameters<typeof fakeWorkspaceClient>[0] = {}) {
  const pinia = createPinia();
  setActivePinia(pinia);
  const client = fakeWorkspaceClient(opts);
  setClient(client);
  return { pinia, client };
}

export async function seed(): Promise<void> {
  await useJobs().init();
  await Promise.all([useDatasets().init(), useModels().init(), useScoring().init(), useCuration().init()]);
}
