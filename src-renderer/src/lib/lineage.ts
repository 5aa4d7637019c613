/**
 * A model's lineage as readable fields (issue 12, item 16), never raw JSON: what it was trained
 * on (dataset, split, images), its role in a curation experiment, and the curated set and
 * scoring run it came from, each with the id a link needs.
 */
import type { CuratedSetInfo, DatasetSummary, ModelInfo, ScoringRunSummary } from '../../../src-main/contract';

export interface LineageField {
  label: string;
  text: string;
  link?: { kind: 'dataset' | 'set' | 'run' | 'model'; id: string };
  testid: string;
}

const ROLES: Record<string, string> = {
  M: 'M: the original model',
  M_R: 'M_R: retrained on a curated set',
  M_C: 'M_C: control, retrained on a random class-balanced subset of the same size',
};

export function lineageFields(
  m: Pick<ModelInfo, 'lineage' | 'datasetId'>,
  ctx: { datasets: DatasetSummary[]; sets: CuratedSetInfo[]; models: Pick<ModelInfo, 'id' | 'name'>[]; runs: ScoringRunSummary[] },
): LineageField[] {
  const l = (m.lineage ?? {}) as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof l[k] === 'string' ? (l[k] as string) : undefined);
  const num = (k: string): number | undefined => (typeof l[k] === 'number' ? (l[k] as number) : undefined);
  const out: LineageField[] = [];
  const role = str('role');
  if (role) out.push({ label: 'Role', text: ROLES[role] ?? role, testid: 'lineage-role' });
  const dsId = str('datasetId') ?? m.datasetId;
  const ds = ctx.datasets.find((d) => d.id === dsId);
  if (dsId) {
    const split = str('split');
    out.push({ label: 'Dataset', text: `${ds?.name ?? str('dataset') ?? dsId}${split ? `, ${split} split` : ''}`, link: ds ? { kind: 'dataset', id: ds.id } : undefined, testid: 'lineage-dataset' });
  }
  const train = num('trainCount');
  const val = num('valCount');
  const count = num('count');
  if (train !== undefined) out.push({ label: 'Trained on', text: `${train.toLocaleString('en-US')} images${val ? ` (+ ${val.toLocaleString('en-US')} held out for validation)` : ''}`, testid: 'lineage-count' });
  else if (count !== undefined) out.push({ label: 'Trained on', text: `${count.toLocaleString('en-US')} images`, testid: 'lineage-count' });
  const setId = str('curatedSetId') ?? str('controlFor');
  if (setId) {
    const set = ctx.sets.find((s) => s.id === setId);
    const name = set ? `${set.name} v${set.version}` : str('curatedSet') ?? setId;
    out.push({ label: str('curatedSetId') ? 'Curated set' : 'Control for set', text: name, link: set ? { kind: 'set', id: set.id } : undefined, testid: 'lineage-set' });
    if (set) {
      const r = ctx.runs.find((x) => x.id === set.runId);
      const text = r ? `${r.split} split · ${r.scheme.name} · seed ${r.seed} · ${r.maxSteps} steps` : set.runId;
      out.push({ label: 'Scoring run', text, link: { kind: 'run', id: set.runId }, testid: 'lineage-run' });
    }
  }
  const source = str('sourceModelId');
  if (source) {
    const sm = ctx.models.find((x) => x.id === source);
    out.push({ label: 'Source model', text: sm?.name ?? source, link: sm ? { kind: 'model', id: sm.id } : undefined, testid: 'lineage-source' });
  }
  const imported = str('importedFrom');
  if (imported) out.push({ label: 'Imported from', text: imported, testid: 'lineage-imported' });
  return out;
}
