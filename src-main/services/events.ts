/** A typed event bus: services emit, transports forward to their clients. */
import type { EventName, EventPayloads } from '../contract/events';

export type AnyEventListener = (event: EventName, payload: unknown) => void;

export class EventBus {
  private readonly listeners = new Set<AnyEventListener>();

  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const l of [...this.listeners]) {
      try {
        l(event, payload);
      } catch {
        // a broken client must not break the work
      }
    }
  }

  /** Listen to every event; returns the unsubscribe function. */
  onAny(listener: AnyEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    return this.onAny((name, payload) => {
      if (name === event) listener(payload as EventPayloads[E]);
    });
  }
}
