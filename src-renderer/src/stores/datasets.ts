import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { DatasetSummary } from '../../../src-main/contract';
import { useClient } from '../api';
import { useJobs } from './jobs';
import { liveInit } from './live';
import { useNotify } from './notify';

export type ImportFormat = 'auto' | 'idx' | 'imagefolder' | 'csv' | 'cifar';
/** ImageFolder decoding options of datasets.import */
export interface ImageImportOptions {
  size?: { width: number; height: number };
  fit?: 'resize' | 'crop' | 'pad';
  color?: 'auto' | 'rgb' | 'gray';
}

/** Datasets of the open workspace: seeded by datasets.list, kept live by datasets.changed. */
export const useDatasets = defineStore('datasets', () => {
  const list = ref<DatasetSummary[]>([]);
  const selectedId = ref<string | null>(null);
  const notify = useNotify();
  const jobs = useJobs();

  const selected = computed(() => list.value.find((d) => d.id === selectedId.value) ?? null);

  function setList(ds: DatasetSummary[]): void {
    list.value = ds;
    if (!ds.some((d) => d.id === selectedId.value)) selectedId.value = ds[0]?.id ?? null;
  }

  const init = liveInit(
    () => [
      useClient().on('datasets.changed', (p) => setList(p.datasets)),
      // the dataset an import or download just made is the one the user wants next (issue 12, item 16)
      jobs.onJobFinished((f) => {
        if ((f.kind === 'import' || f.kind === 'download') && f.status === 'done' && f.result) selectImported(f.result);
      }),
    ],
    () => refresh(),
  );
  async function refresh(): Promise<void> {
    const ds = await notify.guard('datasets', () => useClient().call('datasets.list', {}));
    if (ds) setList(ds);
  }
  function select(id: string | null): void {
    selectedId.value = id;
  }
  function selectImported(d: DatasetSummary): void {
    if (!list.value.some((x) => x.id === d.id)) list.value = [...list.value, d];
    selectedId.value = d.id;
  }

  async function importPath(input: { path: string; format: ImportFormat; name?: string; split?: string; image?: ImageImportOptions }): Promise<string | undefined> {
    if (!input.path.trim()) {
      notify.push('error', 'import: enter the path of a dataset folder or file');
      return undefined;
    }
    const req: { path: string; format: ImportFormat; name?: string; split?: string } & ImageImportOptions = { path: input.path.trim(), format: input.format, ...(input.image ?? {}) };
    if (input.name?.trim()) req.name = input.name.trim();
    if (input.split?.trim()) req.split = input.split.trim();
    const r = await notify.guard('import', () => useClient().call('datasets.import', req));
    if (!r) return undefined;
    jobs.track(r.jobId, 'import', `Import ${req.path}`);
    return r.jobId;
  }

  async function download(mirror?: string, name?: string): Promise<string | undefined> {
    const req: { mirror?: string; name?: string } = {};
    if (mirror?.trim()) req.mirror = mirror.trim();
    if (name?.trim()) req.name = name.trim();
    const r = await notify.guard('download MNIST', () => useClient().call('datasets.download', req));
    if (!r) return undefined;
    jobs.track(r.jobId, 'download', 'Download MNIST');
    return r.jobId;
  }

  async function remove(datasetId: string): Promise<void> {
    const r = await notify.guard('remove dataset', () => useClient().call('datasets.remove', { datasetId }));
    if (r?.removed) await refresh();
  }

  async function pickPath(kind: 'folder' | 'file'): Promise<string | null> {
    return (await notify.guard('choose path', () => useClient().call('datasets.pickPath', { kind }))) ?? null;
  }

  return { list, selectedId, selected, init, refresh, select, importPath, download, remove, pickPath };
});
