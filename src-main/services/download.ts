/**
 * Download the four MNIST .gz files from a mirror into `<cacheDir>/mnist/`, verifying each
 * one's SHA-256. Files already cached with the right checksum are reused without a request.
 * Each file is streamed to a temp file beside its target and renamed only once verified, so
 * the cache never holds a partial or wrong file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, InputError } from '../core/errors';

export const MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] as const;

/** SHA-256 of the published MNIST .gz files. */
export const MNIST_SHA256: Record<string, string> = {
  'train-images-idx3-ubyte.gz': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
  'train-labels-idx1-ubyte.gz': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
  't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
  't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
};

export interface DownloadOptions {
  /** base URL; each file is fetched from `${mirror}/${file}` */
  mirror: string;
  cacheDir: string;
  /** file → sha256 hex; merged over the published MNIST values */
  checksums?: Record<string, string>;
  /** per file: bytes of `file` done so far out of its size (0 when the server sends no length) */
  onProgress?: (doneBytes: number, totalBytes: number, file: string) => void;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

/** Returns the folder holding the four verified files. */
export async function downloadMnist(opts: DownloadOptions): Promise<string> {
  const folder = join(opts.cacheDir, 'mnist');
  await mkdir(folder, { recursive: true });
  const sums = { ...MNIST_SHA256, ...(opts.checksums ?? {}) };
  const fetchImpl = opts.fetchImpl ?? fetch;
  const mirror = opts.mirror.replace(/\/+$/, '');
  for (const file of MNIST_FILES) {
    if (opts.signal?.aborted) throw new CancelledError('download cancelled');
    const expected = sums[file].toLowerCase();
    const target = join(folder, file);
    const cachedSize = await sizeOf(target);
    if (cachedSize !== null && (await sha256File(target)) === expected) {
      opts.onProgress?.(cachedSize, cachedSize, file);
      continue;
    }
    await fetchVerified(`${mirror}/${file}`, file, target, expected, fetchImpl, opts);
  }
  return folder;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fetchVerified(url: string, file: string, target: string, expected: string, fetchImpl: typeof fetch, opts: DownloadOptions): Promise<void> {
  let res: Response;
  try {
    res = await fetchImpl(url, { signal: opts.signal });
  } catch (e) {
    if (opts.signal?.aborted) throw new CancelledError('download cancelled');
    throw new InputError(file, `download failed from ${url}: ${(e as Error).message}`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new InputError(file, `download failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} from ${url}`);
  }
  const total = Number(res.headers.get('content-length') ?? 0) || 0;
  const temp = `${target}.${process.pid}.${Date.now().toString(36)}.part`;
  const hash = createHash('sha256');
  const handle = await open(temp, 'w');
  let done = 0;
  let ok = false;
  try {
    const reader = res.body.getReader();
    opts.onProgress?.(0, total, file);
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (e) {
        if (opts.signal?.aborted) throw new CancelledError('download cancelled');
        throw new InputError(file, `download failed from ${url}: ${(e as Error).message}`);
      }
      if (step.done) break;
      hash.update(step.value);
      await handle.write(step.value);
      done += step.value.length;
      opts.onProgress?.(done, total, file);
    }
    await handle.close();
    if (total && done !== total) throw new InputError(file, `download failed: got ${done} of ${total} bytes from ${url}`);
    const got = hash.digest('hex');
    if (got !== expected) throw new InputError(file, `checksum mismatch: expected ${expected}, got ${got}`);
    await rename(temp, target);
    ok = true;
  } finally {
    if (!ok) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
    }
  }
}
