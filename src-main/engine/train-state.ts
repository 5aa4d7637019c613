/**
 * The state a training run carries from batch to batch and epoch to epoch (engine/train.ts):
 * how far it has come (`Pace`: updates, samples, rate and ETA) and the best validation loss
 * with its weights (`BestWeights`: early stopping and restore-best).
 */
import type * as tf from '@tensorflow/tfjs';

/** Updates and samples done, and the rate and ETA they give. */
export class Pace {
  updates = 0;
  samplesDone = 0;
  private readonly start = performance.now();

  constructor(private readonly samplesTotal: number) {}

  /** One applied batch of `samples` images. */
  step(samples: number): void {
    this.samplesDone += samples;
    this.updates++;
  }

  rate(): { samplesPerSec: number; etaMs: number } {
    const el = performance.now() - this.start;
    const sps = el > 0 ? (this.samplesDone / el) * 1000 : 0;
    return { samplesPerSec: sps, etaMs: sps > 0 ? ((this.samplesTotal - this.samplesDone) / sps) * 1000 : 0 };
  }
}

/**
 * The best validation loss seen, its accuracy, epoch and a copy of its weights. Tracks only when
 * asked (patience > 0 or restore-best); `dispose` frees the copy and keeps the figures.
 */
export class BestWeights {
  private best: { loss: number; acc: number; weights: tf.Tensor[] } | null = null;
  private sinceBest = 0;
  /** the epoch of the best validation loss (0 before any) */
  epoch = 0;

  constructor(
    private readonly patience: number,
    private readonly restoreBest: boolean,
  ) {}

  /**
   * An epoch's validation: keeps the weights when the loss is the best yet; true when `patience`
   * epochs have passed without a better one (the best weights are then back in the model).
   */
  observe(model: tf.LayersModel, epoch: number, v: { loss: number; acc: number }): boolean {
    if (!(this.patience > 0 || this.restoreBest)) return false;
    if (!this.best || v.loss < this.best.loss) {
      this.best?.weights.forEach((w) => w.dispose());
      this.best = { loss: v.loss, acc: v.acc, weights: model.getWeights().map((w) => w.clone()) };
      this.epoch = epoch;
      this.sinceBest = 0;
      return false;
    }
    if (this.patience > 0 && ++this.sinceBest >= this.patience) {
      model.setWeights(this.best.weights);
      return true;
    }
    return false;
  }

  /** Whether any epoch was observed. */
  get any(): boolean {
    return this.best !== null;
  }

  /** The best epoch's validation accuracy, or null before any. */
  get acc(): number | null {
    return this.best ? this.best.acc : null;
  }

  /** Put the best weights back in the model (nothing before any epoch was observed). */
  restore(model: tf.LayersModel): void {
    if (this.best) model.setWeights(this.best.weights);
  }

  /** Free the copied weights; the loss, accuracy and epoch stay readable. */
  dispose(): void {
    this.best?.weights.forEach((w) => w.dispose());
    if (this.best) this.best = { ...this.best, weights: [] };
  }
}
