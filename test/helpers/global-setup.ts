/** Once before the tests: make sure the CLI and renderer in out/ are built from the current sources. */
import { ensureBuilt } from './serve';

export default function setup(): void {
  ensureBuilt({ ifStale: true });
}
