/**
 * One Pinia store per domain, seeded by a call and kept live by subscriptions (the shape of
 * Zettlr's stores): `liveInit` makes a store's `init`, which subscribes on its first run only
 * (the store lives as long as the app) and seeds on every run (an open workspace, a reconnect).
 */

/** What `client.on` and `jobs.onJobFinished` return. */
export type Unsubscribe = () => void;

/**
 * The store's `init`: `subscribe` runs once, on the first call; `seed` (e.g. a `*.list` call)
 * runs on every call, after the subscriptions, so no change between the two is missed.
 */
export function liveInit(subscribe: () => Unsubscribe[], seed: () => Promise<unknown>): () => Promise<void> {
  let subscribed = false;
  return async () => {
    if (!subscribed) {
      subscribed = true;
      subscribe();
    }
    await seed();
  };
}
