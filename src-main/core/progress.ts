/**
 * Rate and ETA of long work, from (time, done) samples. Pure: the caller passes the clock.
 * The rate is an exponentially weighted average so a stall or a burst does not swing the ETA.
 */
export interface ProgressState {
  startMs: number;
  lastMs: number;
  lastDone: number;
  rate: number; // units per second, smoothed
}

export function startProgress(nowMs: number, done = 0): ProgressState {
  return { startMs: nowMs, lastMs: nowMs, lastDone: done, rate: 0 };
}

/** Fold a new sample in; `halfLifeMs` sets how fast old rates fade. */
export function updateProgress(state: ProgressState, nowMs: number, done: number, halfLifeMs = 3000): ProgressState {
  const dt = nowMs - state.lastMs;
  if (dt <= 0) return state;
  const instant = ((done - state.lastDone) * 1000) / dt;
  const w = state.rate === 0 ? 1 : 1 - Math.pow(0.5, dt / halfLifeMs);
  return { startMs: state.startMs, lastMs: nowMs, lastDone: done, rate: state.rate + w * (instant - state.rate) };
}

/** Milliseconds left at the current rate, or null when unknown. */
export function etaMs(state: ProgressState, done: number, total: number): number | null {
  if (done >= total) return 0;
  if (!(state.rate > 0)) return null;
  return Math.round(((total - done) / state.rate) * 1000);
}
