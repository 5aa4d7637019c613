/**
 * A call's error as the renderer sees it (contract/client.ts WireError): the server's message,
 * and its error name as `kind`; `status` is the server's classification (4xx the caller's
 * mistake, 5xx a fault of the app; absent when unknown).
 */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly kind: string = 'Error',
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
