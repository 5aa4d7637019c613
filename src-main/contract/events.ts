/** Events pushed from the work side to every client. */
import type { DatasetSummary, JobFinished, JobInfo, JobProgress, WorkspaceInfo } from './types';

export interface EventPayloads {
  'job.started': JobInfo;
  'job.progress': JobProgress;
  'job.finished': JobFinished;
  'workspace.changed': WorkspaceInfo | null;
  'datasets.changed': { datasets: DatasetSummary[] };
  'models.changed': Record<string, never>;
  'scoring.changed': {
    runId: string;
    /** while a run scores: its committed count, sent with every commit so tables follow the job bar live */
    done?: number;
    count?: number;
  };
  'curation.changed': { setId: string };
  'experiments.changed': { experimentId: string };
}

export type EventName = keyof EventPayloads;
