/** Once before the tests: make sure the CLI and renderer in out/ are built from the current sources. */
import { ensureBuilt } from './serve';

export default function setup(): void {
  // the ONNX Runtime calibration (a few seconds of benchmarks at first use) is tested on its own;
  // every other test runs the engine's default workers × threads
  process.env.RPR_CALIBRATE ??= '0';
  ensureBuilt({ ifStale: true });
}
