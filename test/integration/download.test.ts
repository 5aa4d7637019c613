import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src-main/core/errors';
import { MNIST_FILES, MNIST_SHA256, downloadMnist } from '../../src-main/services/download';
import { importDataset } from '../../src-main/services/importers/index';
import { makeTmpDir, removeDir } from '../helpers/fixtures';
import { MNIST_SMALL } from '../helpers/paths';

/** file → sha256 of mnist-small's .gz files, from its SHA256SUMS */
const SMALL_SUMS: Record<string, string> = Object.fromEntries(
  readFileSync(join(MNIST_SMALL, 'SHA256SUMS'), 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length === 2 && p[1].endsWith('.gz'))
    .map(([sum, file]) => [file, sum]),
);

let server: Server;
let mirror: string;
const requests: string[] = [];
let tmp: string;

beforeAll(async () => {
  tmp = await makeTmpDir('rpr-download-');
  server = createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/mnist\//, '');
    requests.push(name);
    if (!req.url?.startsWith('/mnist/') || !(MNIST_FILES as readonly string[]).includes(name)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = readFileSync(join(MNIST_SMALL, name));
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mnist`;
});

afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  await removeDir(tmp);
});

describe('downloadMnist', () => {
  it('has the published MNIST checksums by default', () => {
    expect(SMALL_SUMS['train-images-idx3-ubyte.gz']).toBe('3f30c78ddf7d01504c878c11d3efde1de473afa077a191b320bcf992f8071bde');
    expect(MNIST_SHA256['train-images-idx3-ubyte.gz']).toBe('440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609');
  });

  it('fetches and verifies the four files, reports progress, then reuses the cache without refetching', async () => {
    const cacheDir = join(tmp, 'ok');
    const progress: [number, number, string][] = [];
    requests.length = 0;
    const folder = await downloadMnist({ mirror: mirror + '/', cacheDir, checksums: SMALL_SUMS, onProgress: (d, t, f) => progress.push([d, t, f]) });
    expect(folder).toBe(join(cacheDir, 'mnist'));
    expect(requests.sort()).toEqual([...MNIST_FILES].sort());
    expect((await readdir(folder)).sort()).toEqual([...MNIST_FILES].sort());
    for (const f of MNIST_FILES) expect((await readFile(join(folder, f))).equals(await readFile(join(MNIST_SMALL, f)))).toBe(true);
    const size = (await readFile(join(MNIST_SMALL, 'train-images-idx3-ubyte.gz'))).length;
    const train = progress.filter((p) => p[2] === 'train-images-idx3-ubyte.gz');
    expect(train.at(-1)).toEqual([size, size, 'train-images-idx3-ubyte.gz']);
    expect(train.every((p, i) => i === 0 || p[0] >= train[i - 1][0])).toBe(true);
    const ds = await importDataset(folder);
    expect(ds.splits.map((s) => s.images.count)).toEqual([1000, 500]);

    requests.length = 0;
    progress.length = 0;
    await downloadMnist({ mirror, cacheDir, checksums: SMALL_SUMS, onProgress: (d, t, f) => progress.push([d, t, f]) });
    expect(requests).toEqual([]);
    expect(progress.map((p) => p[2])).toEqual([...MNIST_FILES]);
  });

  it('checksum mismatch → clear error and no file left behind', async () => {
    const cacheDir = join(tmp, 'bad');
    const wrong = '0'.repeat(64);
    const e = await downloadMnist({ mirror, cacheDir, checksums: { ...SMALL_SUMS, 'train-images-idx3-ubyte.gz': wrong } }).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe(`train-images-idx3-ubyte.gz: checksum mismatch: expected ${wrong}, got ${SMALL_SUMS['train-images-idx3-ubyte.gz']}`);
    expect(await readdir(join(cacheDir, 'mnist'))).toEqual([]);
  });

  it('a cached file with the wrong checksum is fetched again', async () => {
    const cacheDir = join(tmp, 'stale');
    await downloadMnist({ mirror, cacheDir, checksums: SMALL_SUMS });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(cacheDir, 'mnist', 't10k-labels-idx1-ubyte.gz'), 'stale');
    requests.length = 0;
    await downloadMnist({ mirror, cacheDir, checksums: SMALL_SUMS });
    expect(requests).toEqual(['t10k-labels-idx1-ubyte.gz']);
    expect((await readFile(join(cacheDir, 'mnist', 't10k-labels-idx1-ubyte.gz'))).equals(await readFile(join(MNIST_SMALL, 't10k-labels-idx1-ubyte.gz')))).toBe(true);
  });

  it('HTTP 404 → clear error naming the file and the status, nothing written', async () => {
    const cacheDir = join(tmp, '404');
    const e = await downloadMnist({ mirror: mirror.replace('/mnist', '/missing'), cacheDir, checksums: SMALL_SUMS }).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(/^train-images-idx3-ubyte\.gz: download failed: HTTP 404 Not Found from http:\/\/127\.0\.0\.1:\d+\/missing\/train-images-idx3-ubyte\.gz$/);
    expect(await readdir(join(cacheDir, 'mnist'))).toEqual([]);
  });
});
