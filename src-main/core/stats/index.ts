/** Statistics: incomplete beta, binomial intervals, McNemar, per-run summaries. */
export { betainc, betaincInv, lnGamma } from './beta';
export { binomialHalfCdf, clopperPearson, clopperPearsonUpper, mcnemar, wilson } from './intervals';
export { runStats } from './run';
export { formatP, pairedDifference, seedFigure, tQuantile, type SeedFigure } from './seeds';
