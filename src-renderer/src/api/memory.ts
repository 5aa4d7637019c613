import type { CallInput, CallName, CallResults, EventName, EventPayloads, RprClient } from '../../../src-main/contract';
import { Emitter } from './emitter';
import { ClientError } from './errors';

export type MemoryHandlers = {
  [N in CallName]?: (input: CallInput<N>) => CallResults[N] | Promise<CallResults[N]>;
};

export interface MemoryClient extends RprClient {
  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  /** every call made, in order */
  readonly calls: { name: CallName; input: unknown }[];
  handlers: MemoryHandlers;
}

/** An in-memory client over fake services, for tests and previews. */
export function createMemoryClient(handlers: MemoryHandlers = {}): MemoryClient {
  const emitter = new Emitter();
  const calls: { name: CallName; input: unknown }[] = [];
  const client: MemoryClient = {
    transport: 'memory',
    calls,
    handlers,
    async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResults[N]> {
      calls.push({ name, input });
      const h = client.handlers[name] as ((i: CallInput<N>) => CallResults[N] | Promise<CallResults[N]>) | undefined;
      if (!h) throw new ClientError(`no handler for ${name}`, 'NotImplemented');
      try {
        return await h(input);
      } catch (e) {
        if (e instanceof ClientError) throw e;
        throw new ClientError(e instanceof Error ? e.message : String(e), e instanceof Error ? e.name : 'Error');
      }
    },
    on: (event, listener) => emitter.on(event, listener),
    emit: (event, payload) => emitter.emit(event, payload),
  };
  return client;
}
