/**
 * The caller's mistakes, by kind: each kind is one answer over every door (HTTP status on the
 * loopback, `status` in an IPC error, the CLI's exit code; see services/errors.ts). Anything
 * else that is thrown is a fault of the app.
 *
 * - invalid: the request itself is wrong (400), e.g. rules that keep no image
 * - not-found: an unknown id, or a file or folder that is not there (404)
 * - conflict: the request clashes with what is there now (409), e.g. a non-empty export target,
 *   a busy engine, a run that is already complete
 * - unreadable: data that cannot be read or is not supported (422), e.g. a corrupt file
 */
export type MistakeKind = 'invalid' | 'not-found' | 'conflict' | 'unreadable';

/**
 * Bad input: names the file (or thing) and the problem, e.g.
 * `train-images-idx3-ubyte.gz: truncated: header declares 60000 images of 28x28 (47040000 bytes) but only 1000 bytes follow`.
 * By default the data is unreadable (422); `kind` says otherwise (a missing file is not-found,
 * an occupied target a conflict).
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly kind: MistakeKind = 'unreadable',
  ) {
    super(`${file}: ${problem}`);
  }
}

/** A request that makes no sense as asked (400): the message says what to change. */
export class RequestError extends Error {
  override name = 'RequestError';
  readonly kind = 'invalid' as const;
}

/** An unknown id, or a thing that is not there (404). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  readonly kind = 'not-found' as const;
}

/** A request that clashes with the present state (409): busy, already done, occupied. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  readonly kind = 'conflict' as const;
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
