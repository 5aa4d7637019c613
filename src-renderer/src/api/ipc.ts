import type { CallInput, CallName, CallResults, EventName, EventPayloads, PreloadApi, RprClient } from '../../../src-main/contract';
import { ClientError } from './errors';
import { decodeTyped } from '../../../src-main/contract/frame';

/** The Electron transport: window.rpr from the preload; Uint8Array values arrive natively. */
export function createIpcClient(api: PreloadApi): RprClient {
  return {
    transport: 'ipc',
    async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResults[N]> {
      const res = await api.invoke(name, input);
      if (!res.ok) throw new ClientError(res.error.message, res.error.name, res.error.status);
      if ('frame' in res) return decodeTyped(res.frame) as CallResults[N];
      return res.value as CallResults[N];
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
      return api.on(event, listener as (p: unknown) => void);
    },
  };
}
