/**
 * The services behind the contract: one handler per call, validated at the door. Transports
 * (IPC, loopback) and the CLI all go through `dispatch`.
 */
import { parseCall, type CallArgs, type CallName, type CallResults } from '../contract/calls';
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

export type Handlers = { [N in CallName]: (args: CallArgs<N>) => Promise<CallResults[N]> | CallResults[N] };

export interface Services {
  app: AppState;
  dispatch(name: string, input: unknown): Promise<unknown>;
  call<N extends CallName>(name: N, input: unknown): Promise<CallResults[N]>;
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
  };
  return {
    app,
    dispatch,
    call: <N extends CallName>(name: N, input: unknown) => dispatch(name, input) as Promise<CallResults[N]>,
  };
}
