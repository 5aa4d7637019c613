/**
 * Bad input: names the file (or thing) and the problem, e.g.
 * `train-images-idx3-ubyte.gz: truncated: header declares 60000 images of 28x28 (47040000 bytes) but only 1000 bytes follow`.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** The user cancelled a long job. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message);
  }
}

/**
 * A request the work refuses on principle (e.g. evaluating a model on images it was trained
 * on, retraining on the evaluation split): the user's mistake, a 4xx over the loopback.
 */
export class RefusedError extends Error {
  override name = 'RefusedError';
}
