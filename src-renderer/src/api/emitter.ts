import type { EventName, EventPayloads } from '../../../src-main/contract';

type Listener = (payload: never) => void;

/** A tiny typed event hub shared by the transports. */
export class Emitter {
  private readonly listeners = new Map<string, Set<Listener>>();

  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener);
    return () => {
      set.delete(listener as Listener);
    };
  }

  emit(event: string, payload: unknown): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (p: unknown) => void)(payload);
      } catch (e) {
        console.error(`listener for ${event} failed`, e);
      }
    }
  }

  count(event: string): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
