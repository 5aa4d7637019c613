/**
 * The only thing scoring knows about a model: a batch of raw images in, class ids and
 * confidences out. TF.js is one implementation (engine/); a stub, another runtime or an
 * external process plugs in here without touching the scheduler.
 */
import type { ImageShape } from '../contract/types';

export interface Classification {
  /** predicted class id per image */
  classes: Int32Array;
  /** probability of the predicted class per image */
  confidence: Float32Array;
}

export interface Classifier {
  readonly shape: ImageShape;
  readonly numClasses: number;
  /**
   * Classify `count` raw uint8 images (HWC, 0..255, count * H*W*C bytes). Scaling to the
   * model's input range is the classifier's job.
   */
  classify(images: Uint8Array, count: number): Promise<Classification>;
}
