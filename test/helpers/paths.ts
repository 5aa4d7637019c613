/** Where tests find the shared datasets: ../shared/datasets beside the project (RPR_DATASETS overrides). */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DATASETS = process.env.RPR_DATASETS ?? resolve(PROJECT_ROOT, '../shared/datasets');
export const MNIST_SMALL = resolve(DATASETS, 'mnist-small');
export const MNIST_FULL = resolve(DATASETS, 'mnist');
