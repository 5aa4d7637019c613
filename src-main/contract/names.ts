import type { ArchName } from './types';

/** The model zoo's architectures, once: the doors (calls.ts, experiments.ts), the CLI and engine/zoo.ts read it. */
export const ARCH_NAMES = ['paper-cnn', 'classic-cnn', 'mlp'] as const satisfies readonly ArchName[];

/**
 * Split names: the one rule, read by the contract's door (calls.ts), the store
 * (store/datasets.ts), the CSV importer and parser (services/importers/csv.ts, core/csv.ts) and
 * the scores CSV (core/scores-csv.ts). Split names become file and folder names in the
 * workspace and in exports, so they are 1 to 64 letters, digits, _ and -.
 *
 * Pure (types only): every layer of src-main may import it. The renderer does not use it (its
 * lint allow-list names the contract modules it may value-import: schemes, validate, frame, index-set).
 */

export const SPLIT_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** the rule in words, for messages */
export const SPLIT_NAME_RULE = 'letters, digits, _ and -';

export function isSplitName(name: string): boolean {
  return SPLIT_NAME_RE.test(name);
}

/** Null when `name` is a valid split name; else one sentence saying why not. */
export function splitNameProblem(name: string): string | null {
  return isSplitName(name) ? null : `split name "${name}" must be ${SPLIT_NAME_RULE}`;
}

/**
 * CSV imports take split names in lowercase only, on purpose: a folder of CSV files gives one
 * split per file name, lowercased (Train.csv and train.csv are the same split, as they are on
 * case-insensitive file systems), so the split a single file goes to and the values of a
 * `split` column are held to the same lowercase form. The same rule otherwise.
 */
export const CSV_SPLIT_NAME_RULE = '[a-z0-9_-]{1,64}';

export function isCsvSplitName(name: string): boolean {
  return isSplitName(name) && name === name.toLowerCase();
}
