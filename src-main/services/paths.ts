/** Where the app keeps its own files, the same for the desktop app and the CLI. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'RPR Curator';

/** Electron's userData folder for this app on each platform. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.RPR_DATA_DIR) return env.RPR_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME);
}

export function defaultWorkspace(dataDir: string): string {
  return join(dataDir, 'workspace');
}
