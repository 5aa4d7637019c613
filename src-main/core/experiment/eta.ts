/**
 * How long an experiment still needs, from what its finished stages took. Pure.
 *
 * A stage's weight is the images it touches (a training counted more than a scoring); finished
 * stages give milliseconds per weight for their kind (training or scoring), in whatever session
 * they ran. The stage in flight counts as its expected time less what it has run so far: a
 * converging training reports its epoch against the maximum epochs, which says little about how
 * soon it stops. Before any stage of a kind has finished, this session's rate of progress stands
 * in; with nothing measured yet, there is no estimate (null).
 */

export type StageKind = 'train' | 'score';

export interface EtaStage {
  key: string;
  kind: StageKind;
  weight: number;
  /** milliseconds it took, for a finished stage; undefined while pending */
  ms?: number;
}

export interface EtaInput {
  stages: EtaStage[];
  /** the stage in flight, its fraction done as it reports it, and how long it has run */
  current: { key: string; frac: number; elapsedMs: number } | null;
  /** weight finished during this session (the in-flight fraction included) and its duration */
  session: { gainedWeight: number; elapsedMs: number };
}

/** Finished stages shorter than this were reused, not computed: they say nothing about speed. */
const MIN_MEASURED_MS = 1000;

export function stageKindOf(key: string): StageKind {
  return key.endsWith('/train') || key.endsWith('/control-train') ? 'train' : 'score';
}

export function experimentEtaMs(input: EtaInput): number | null {
  const perWeight = new Map<StageKind, number>();
  for (const kind of ['train', 'score'] as const) {
    const measured = input.stages.filter((s) => s.kind === kind && s.ms !== undefined && s.ms >= MIN_MEASURED_MS && s.weight > 0);
    const w = measured.reduce((a, s) => a + s.weight, 0);
    if (w > 0) perWeight.set(kind, measured.reduce((a, s) => a + (s.ms ?? 0), 0) / w);
  }
  const { gainedWeight, elapsedMs } = input.session;
  const sessionRate = gainedWeight > 0 && elapsedMs > 2000 ? elapsedMs / gainedWeight : null;
  let eta = 0;
  for (const s of input.stages) {
    if (s.ms !== undefined) continue;
    const rate = perWeight.get(s.kind) ?? sessionRate;
    if (rate === null) return null;
    const expected = rate * s.weight;
    if (input.current?.key === s.key) {
      // measured rates: expected less time spent; the session rate: the part not yet reported
      eta += perWeight.has(s.kind) ? Math.max(0, expected - input.current.elapsedMs) : expected * (1 - input.current.frac);
    } else {
      eta += expected;
    }
  }
  return Math.round(eta);
}

/**
 * The time a stage was at work: wall time between its progress reports, each gap counted up to
 * `maxGapMs`. A stage reports many times a minute, so a longer silence is time it was not
 * running (a laptop asleep, a paused process), which would otherwise inflate its time and with
 * it every later estimate.
 */
export class ActiveClock {
  private last: number;
  private active = 0;
  constructor(
    start: number,
    private readonly maxGapMs = 120_000,
  ) {
    this.last = start;
  }
  tick(now: number): void {
    this.active += Math.min(Math.max(0, now - this.last), this.maxGapMs);
    this.last = now;
  }
  /** the active milliseconds up to `now` */
  total(now: number): number {
    this.tick(now);
    return Math.round(this.active);
  }
}
