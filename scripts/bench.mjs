// `npm run bench [-- <names...>]`: benchmarks on full MNIST (../shared/datasets/mnist or
// $RPR_DATASETS/mnist), each printing its figures; results also land in bench-results/.
// Names: import grid kernels engine score reproduce onnx (default: all but reproduce and onnx; `all` adds them).
import { spawnSync } from 'node:child_process';

const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
