/**
 * Writes the weights of the hand-written fixtures. tiny-graph/model.json: a graph model
 * x [?, 4] → MatMul w [4, 3] → logits (no softmax: the classifier must notice), w = the first
 * 12 values of the same formula. tiny-cnn/model.json
 * (4×4×1 → conv 2 filters 2×2 relu → flatten → dense 3 softmax), without TF.js:
 * 67 float32 little-endian values from a fixed formula, in manifest order
 * (conv/kernel [2,2,1,2], conv/bias [2], out/kernel [18,3], out/bias [3]).
 * Run: npx tsx scripts/make-model-fixture.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TINY_CNN_WEIGHT_COUNT = 2 * 2 * 1 * 2 + 2 + 18 * 3 + 3;
export const TINY_GRAPH_WEIGHT_COUNT = 4 * 3;

/** The i-th weight: small values of both signs, no pattern a bug could hide behind. */
export function tinyCnnWeight(i: number): number {
  return Math.fround((((i * 37 + 11) % 23) - 11) / 10);
}

function main(): void {
  const models = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'models');
  const write = (file: string, count: number): void => {
    const buf = Buffer.alloc(count * 4);
    for (let i = 0; i < count; i++) buf.writeFloatLE(tinyCnnWeight(i), i * 4);
    writeFileSync(join(models, file), buf);
    console.log(`wrote ${file} (${buf.length} bytes)`);
  };
  write(join('tiny-cnn', 'group1-shard1of1.bin'), TINY_CNN_WEIGHT_COUNT);
  write(join('tiny-graph', 'w.bin'), TINY_GRAPH_WEIGHT_COUNT);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
