/**
 * `npm run bench -- grid-queries` (also run by the `grid` stage): the renderer's GridIndex over
 * 70,000 synthetic rows (60k train + 10k scored test, the rows test/renderer/gridIndex.test.ts
 * checks against its reference), each query timed once cold and as the median of 20 repeats.
 * Figures, not asserts: the tests check the answers, this prints how long they take.
 */
import { GridIndex, defaultQuery } from '../../src-renderer/src/lib/gridIndex';
import { BIG_QUERIES, synth } from '../../test/helpers/grid-synth';

export interface GridQueryFigures {
  rows: number;
  queries: { name: string; rows: number; firstMs: number; medianMs: number }[];
  worstFirstMs: number;
}

export function gridQueriesBench(): GridQueryFigures {
  const big = synth(60000, 10000, 3);
  const ix = new GridIndex(big.cols, 10);
  ix.setScores(big.sc, 'test', 250);
  const queries: GridQueryFigures['queries'] = [];
  for (const [name, partial] of BIG_QUERIES) {
    const q = { ...defaultQuery(), ...partial };
    const t0 = performance.now();
    const rows = ix.query(q).length;
    const firstMs = performance.now() - t0;
    const reps: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      ix.query(q);
      reps.push(performance.now() - t);
    }
    reps.sort((a, b) => a - b);
    queries.push({ name, rows, firstMs, medianMs: reps[10] });
  }
  const worstFirstMs = Math.max(...queries.map((q) => q.firstMs));
  console.log(`grid queries over ${ix.n} rows (first / median of 20):`);
  for (const q of queries) console.log(`  ${q.name.padEnd(40)} ${q.firstMs.toFixed(2).padStart(8)} ms ${q.medianMs.toFixed(2).padStart(8)} ms  (${q.rows} rows)`);
  console.log(`  worst first query: ${worstFirstMs.toFixed(2)} ms`);
  return { rows: ix.n, queries, worstFirstMs };
}
