/**
 * Training budgets, so a comparison of models trained on sets of different sizes is fair:
 * - `converge`: early stopping on a class-stratified validation carve of the training images
 *   (patience, max epochs), the best weights restored;
 * - `equal-steps`: the reference model M trains as under converge; every other model gets
 *   exactly the gradient updates M took;
 * - `epochs:N`: N epochs, no early stopping, and the original seeded random validation carve:
 *   the original behaviour exactly (the paper's literal reading; earlier versions' numbers).
 * `converge` and `equal-steps` carve their validation images class-stratified, so a curated set
 * and its matched control (identical per-class counts) also train on identical per-class
 * counts; under `epochs:N` they match in what they are given, and the random carve leaves them
 * a few images apart per class.
 */
export type BudgetName = 'converge' | 'equal-steps' | `epochs:${number}`;

export interface BudgetSpec {
  kind: 'converge' | 'equal-steps' | 'epochs';
  /** epochs (epochs:N) or the max epochs (converge, and M under equal-steps) */
  epochs: number;
  patience: number;
}

export const DEFAULT_PATIENCE = 3;
export const DEFAULT_MAX_EPOCHS = 30;

/** Parse "converge", "equal-steps" or "epochs:N"; null when the text is none of them. */
export function parseBudget(text: string, opts: { patience?: number; maxEpochs?: number } = {}): BudgetSpec | null {
  const patience = opts.patience ?? DEFAULT_PATIENCE;
  const maxEpochs = opts.maxEpochs ?? DEFAULT_MAX_EPOCHS;
  if (text === 'converge') return { kind: 'converge', epochs: maxEpochs, patience };
  if (text === 'equal-steps') return { kind: 'equal-steps', epochs: maxEpochs, patience };
  const m = /^epochs:(\d{1,4})$/.exec(text);
  if (m && Number(m[1]) >= 1) return { kind: 'epochs', epochs: Number(m[1]), patience: 0 };
  return null;
}

export function budgetName(b: BudgetSpec): BudgetName {
  return b.kind === 'epochs' ? `epochs:${b.epochs}` : b.kind;
}

/** What the trainer does under a budget. `referenceUpdates`: M's updates, for equal-steps models other than M. */
export interface TrainerSettings {
  epochs: number;
  earlyStoppingPatience: number;
  validationMethod: 'random' | 'stratified';
  restoreBest: boolean;
  maxUpdates?: number;
}

export function trainerSettings(b: BudgetSpec, referenceUpdates?: number): TrainerSettings {
  if (b.kind === 'epochs') return { epochs: b.epochs, earlyStoppingPatience: b.patience, validationMethod: 'random', restoreBest: false };
  if (b.kind === 'equal-steps' && referenceUpdates !== undefined) return { epochs: b.epochs, earlyStoppingPatience: 0, validationMethod: 'stratified', restoreBest: false, maxUpdates: referenceUpdates };
  return { epochs: b.epochs, earlyStoppingPatience: b.patience, validationMethod: 'stratified', restoreBest: true };
}
