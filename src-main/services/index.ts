/**
 * The services behind the contract: one handler per call, validated at the door. Transports
 * (IPC, loopback) and the CLI all go through `dispatch`.
 */
import { parseCall, type CallArgs, type CallInput, type CallName, type CallResults } from '../contract/calls';
import type { EventName, EventPayloads } from '../contract/events';
import type { JobResultOf } from '../contract/job-results';
import type { JobKind } from '../contract/types';
import { AppState } from './app-state';
import type { ServiceHost } from './context';
import { browseHandlers } from './browse-service';
import { curationHandlers } from './curation-service';
import { datasetHandlers } from './datasets-service';
import { experimentHandlers } from './experiments/service';
import { modelHandlers } from './models-service';
import { removalHandlers } from './removal-service';
import { onnxModelHandlers } from './onnx-models';
import { scoringHandlers } from './scoring-service';
import { workspaceHandlers } from './workspace-service';
import { headlessHandlers } from './headless-service';

export type Handlers = { [N in CallName]: (args: CallArgs<N>) => Promise<CallResults[N]> | CallResults[N] };

export interface Services {
  app: AppState;
  dispatch(name: string, input: unknown): Promise<unknown>;
  /** One call of the contract, its input typed and validated at the door like every transport's. */
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResults[N]>;
  // for in-process clients (the CLI): the contract's events, a job's typed end, closing
  /** Subscribe to an event of the contract; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
  /** Wait for a job of `kind`: its result, or the error its work threw (class kept), or CancelledError. */
  outcome<K extends JobKind>(jobId: string, kind: K): Promise<JobResultOf<K>>;
  /** Stop the jobs and the engine, close the workspace. */
  close(): Promise<void>;
}

export function createServices(host: ServiceHost): Services {
  const app = new AppState(host);
  // eslint-disable-next-line prefer-const -- handlers and dispatch refer to each other
  let handlers: Handlers;
  const dispatch = async (name: string, input: unknown): Promise<unknown> => {
    const { args } = parseCall(name, input);
    // parseCall refused unknown names, and Handlers has one handler per call
    return (handlers[name as CallName] as (a: unknown) => unknown)(args);
  };
  handlers = {
    ...workspaceHandlers(app, dispatch),
    ...datasetHandlers(app),
    ...modelHandlers(app),
    ...onnxModelHandlers(app),
    ...scoringHandlers(app),
    ...curationHandlers(app),
    ...removalHandlers(app),
    ...experimentHandlers(app),
    ...browseHandlers(app),
    ...headlessHandlers(app, dispatch),
  };
  return {
    app,
    dispatch,
    call: <N extends CallName>(name: N, input: CallInput<N>) => dispatch(name, input) as Promise<CallResults[N]>,
    on: (event, listener) => app.events.on(event, listener),
    outcome: (jobId, kind) => app.jobs.outcome(jobId, kind),
    close: () => app.close(),
  };
}
