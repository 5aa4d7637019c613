import type { RprClient } from '../../../src-main/contract';
import { createIpcClient } from './ipc';
import { createLoopbackClient } from './loopback';

export { ClientError, errorMessage } from './errors';

let current: RprClient | null = null;

/** The client every store uses; set once at start (or by a test). */
export function useClient(): RprClient {
  if (!current) throw new Error('no RPR client: call setClient() first');
  return current;
}

export function setClient(c: RprClient | null): void {
  current = c;
}

const TOKEN_KEY = 'rpr.token';

/**
 * Pick the transport: Electron IPC when the preload exposed window.rpr, otherwise the loopback
 * server that served this page (token from ?token=, then kept in sessionStorage and removed
 * from the address bar).
 */
export function createDefaultClient(win: Window = window): RprClient {
  if (win.rpr) return createIpcClient(win.rpr);
  const url = new URL(win.location.href);
  let token = url.searchParams.get('token');
  if (token) {
    try {
      win.sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      /* storage disabled: keep it in memory only */
    }
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', url.pathname + (url.search === '?' ? '' : url.search) + url.hash);
  } else {
    token = win.sessionStorage.getItem(TOKEN_KEY);
  }
  return createLoopbackClient({ baseUrl: url.origin, token: token ?? '' });
}

/**
 * Can this page call the server? Over IPC always. Over the loopback only with the token `rpr
 * serve` printed: 'missing' when the page has none (no call is made), 'refused' when the server
 * turns it down (a token of an earlier run, say). The app starts only on 'ok'.
 */
export async function checkAccess(client: RprClient, win: Window = window): Promise<'ok' | 'missing' | 'refused'> {
  if (client.transport !== 'loopback') return 'ok';
  if (!(client as { hasToken?: boolean }).hasToken) return 'missing';
  try {
    await client.call('workspace.current', {});
    return 'ok';
  } catch (e) {
    if ((e as { status?: number }).status !== 401) return 'ok'; // any other failure is the app's to show
    try {
      win.sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      /* storage disabled */
    }
    return 'refused';
  }
}
