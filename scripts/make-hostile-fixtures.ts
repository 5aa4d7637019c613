/**
 * The hostile-input corpus in test/fixtures/hostile/: every bad input the issues name (IDX,
 * gzip, ImageFolder, CSV, scores CSV, model.json + shards), each with the error it must give,
 * plus small valid seeds that test/integration/fuzz.test.ts mutates. Deterministic: the same
 * bytes on every run, so the committed corpus can be checked against this script.
 *
 * Run: npx tsx scripts/make-hostile-fixtures.ts  (rewrites test/fixtures/hostile/)
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zlibSync } from 'fflate';
import jpeg from 'jpeg-js';
import { gzip } from '../src-main/core/gzip';
import { encodeIdx } from '../src-main/core/idx';
import { PNG_SIGNATURE, encodePng, pngChunk } from '../src-main/core/png';
import { SCORES_CSV_HEADER } from '../src-main/core/scores-csv';
import { encodeModel } from '../src-main/engine/onnx/proto';
import { onnxCases, tinyOnnx } from './hostile-onnx';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HOSTILE_DIR = join(ROOT, 'test', 'fixtures', 'hostile');
const MODELS_DIR = join(ROOT, 'test', 'fixtures', 'models');

/** How a case is fed to the code under test. */
export type CaseVia = 'import' | 'model' | 'scores' | 'onnx';

export interface HostileCase {
  /** folder or file under test/fixtures/hostile/ that is handed over */
  path: string;
  via: CaseVia;
  /** regular expression (source) the error message must match */
  expect: string;
  /** the file the message must name (relative to `path` when a folder; '' = `path` itself) */
  names: string;
  /** what the input is, for the README */
  what: string;
  /** model cases: the dataset the model is checked against (default 4x4x1, 3 classes) */
  dataset?: { height: number; width: number; channels: 1 | 3; numClasses: number };
}

export interface Corpus {
  files: Map<string, Uint8Array>;
  cases: HostileCase[];
  seeds: { path: string; what: string }[];
}

// ---------------------------------------------------------------- small deterministic helpers

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 37 + seed * 101 + ((i * i) >> 3)) & 0xff;
  return out;
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function idxHeader(dims: number[], type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d >>> 0, false));
  return out;
}

function idxImages(count: number, h: number, w: number, seed = 1): Uint8Array {
  return encodeIdx([count, h, w], pattern(count * h * w, seed));
}

function idxLabels(labels: number[]): Uint8Array {
  return encodeIdx([labels.length], Uint8Array.from(labels));
}



interface RawPng {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlace?: number;
  /** filtered scanlines (filter byte + stride bytes per row) before zlib */
  raw: Uint8Array;
  palette?: Uint8Array;
  /** override the zlib stream */
  idat?: Uint8Array;
}

/** A PNG from explicit IHDR fields and pre-filtered scanlines (valid CRCs). */
function rawPng(p: RawPng): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, p.width >>> 0, false);
  v.setUint32(4, p.height >>> 0, false);
  ihdr[8] = p.depth;
  ihdr[9] = p.colorType;
  ihdr[12] = p.interlace ?? 0;
  const chunks = [pngChunk('IHDR', ihdr)];
  if (p.palette) chunks.push(pngChunk('PLTE', p.palette));
  chunks.push(pngChunk('tEXt', text('Comment\0hostile corpus')));
  chunks.push(pngChunk('IDAT', p.idat ?? zlibSync(p.raw)));
  chunks.push(pngChunk('IEND', new Uint8Array(0)));
  return concat(PNG_SIGNATURE, ...chunks);
}

/** Scanlines of `rows` (stride bytes each) with filter `filters[r % filters.length]` stored as-is. */
function scanlines(stride: number, height: number, filters: number[], seed: number): Uint8Array {
  const out = new Uint8Array((stride + 1) * height);
  const px = pattern(stride * height, seed);
  for (let r = 0; r < height; r++) {
    out[r * (stride + 1)] = filters[r % filters.length];
    out.set(px.subarray(r * stride, (r + 1) * stride), r * (stride + 1) + 1);
  }
  return out;
}

function gray8(width: number, height: number, seed: number): Uint8Array {
  return encodePng({ width, height, channels: 1, data: pattern(width * height, seed) });
}

function jpegRgb(width: number, height: number, seed: number, quality = 90): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const px = pattern(width * height * 3, seed);
  for (let p = 0; p < width * height; p++) {
    rgba[4 * p] = px[3 * p];
    rgba[4 * p + 1] = px[3 * p + 1];
    rgba[4 * p + 2] = px[3 * p + 2];
    rgba[4 * p + 3] = 255;
  }
  const enc = jpeg.encode({ width, height, data: rgba }, quality);
  return new Uint8Array(enc.data.buffer, enc.data.byteOffset, enc.data.byteLength).slice();
}

/** Offset of the SOF0 marker (ff c0) in a baseline JPEG. */
export function sofOffset(bytes: Uint8Array): number {
  for (let i = 2; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === 0xc0) return i;
  return -1;
}

function withJpegSize(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const out = bytes.slice();
  const sof = sofOffset(out);
  out[sof + 5] = height >> 8;
  out[sof + 6] = height & 0xff;
  out[sof + 7] = width >> 8;
  out[sof + 8] = width & 0xff;
  return out;
}

function csvRows(rows: (number | string)[][], header?: string[]): Uint8Array {
  const lines = header ? [header.join(',')] : [];
  for (const r of rows) lines.push(r.join(','));
  return text(lines.join('\n') + '\n');
}

function csvImages(n: number, npix: number, seed: number): (number | string)[][] {
  return Array.from({ length: n }, (_, i) => [i % 3, ...pattern(npix, seed + i)]);
}

function scoreLine(split: string, index: number, label: number, steps: number, robust: 0 | 1, clean: number, fool: number | ''): string {
  return `${split}/${index},${split},${index},${label},${steps},${robust},${clean},${fool}`;
}

// ---------------------------------------------------------------- the corpus

export function buildCorpus(): Corpus {
  const files = new Map<string, Uint8Array>();
  const cases: HostileCase[] = [];
  const seeds: { path: string; what: string }[] = [];
  const put = (rel: string, bytes: Uint8Array | string) => files.set(rel, typeof bytes === 'string' ? text(bytes) : bytes);
  const hostile = (c: HostileCase, content: Record<string, Uint8Array | string>) => {
    for (const [rel, bytes] of Object.entries(content)) put(rel === '' ? c.path : `${c.path}/${rel}`, bytes);
    cases.push(c);
  };
  const seed = (rel: string, bytes: Uint8Array | string, what: string) => {
    put(`seeds/${rel}`, bytes);
    seeds.push({ path: `seeds/${rel}`, what });
  };

  const IMG = 'train-images-idx3-ubyte';
  const LAB = 'train-labels-idx1-ubyte';
  const labels5 = idxLabels([0, 1, 2, 1, 0]);
  const images5 = idxImages(5, 6, 4);

  // ---- IDX
  hostile({ path: 'import/idx-truncated-data', via: 'import', names: IMG, expect: 'truncated: header declares 5x6x4 u8 \\(120 bytes\\) but only 70 bytes follow', what: 'images file cut off in the middle of the pixel data' }, {
    [IMG]: images5.subarray(0, 16 + 70),
    [LAB]: labels5,
  });
  hostile({ path: 'import/idx-truncated-header', via: 'import', names: IMG, expect: 'truncated: the header of 3 dimensions needs 16 bytes, the file has 9', what: 'images file cut off inside its header' }, {
    [IMG]: images5.subarray(0, 9),
    [LAB]: labels5,
  });
  hostile({ path: 'import/idx-empty-file', via: 'import', names: IMG, expect: 'truncated: 0 bytes', what: 'an empty (0-byte) images file' }, { [IMG]: new Uint8Array(0), [LAB]: labels5 });
  hostile({ path: 'import/idx-wrong-magic', via: 'import', names: IMG, expect: 'wrong magic: an IDX file starts with 00 00 <type> <dims>, this one with 50 4b 03 04', what: 'a ZIP file under the images name' }, {
    [IMG]: concat(text('PK\x03\x04'), pattern(60, 3)),
    [LAB]: labels5,
  });
  hostile({ path: 'import/idx-unknown-type', via: 'import', names: IMG, expect: 'unknown IDX data type 0x0a', what: 'magic with data type 0x0a' }, {
    [IMG]: concat(idxHeader([5, 6, 4], 0x0a), pattern(120, 1)),
    [LAB]: labels5,
  });
  hostile({ path: 'import/idx-zero-dims', via: 'import', names: IMG, expect: 'wrong magic: 0 dimensions', what: 'magic declaring 0 dimensions' }, { [IMG]: new Uint8Array([0, 0, 8, 0, 1, 2, 3, 4]), [LAB]: labels5 });
  hostile({ path: 'import/idx-count-mismatch', via: 'import', names: IMG, expect: 'images/labels count mismatch: 5 images but .*train-labels-idx1-ubyte has 4 labels', what: '5 images, 4 labels' }, {
    [IMG]: images5,
    [LAB]: idxLabels([0, 1, 2, 1]),
  });
  hostile({ path: 'import/idx-huge-dims', via: 'import', names: IMG, expect: 'declared dimensions 60000x65535x65535 of u8 need \\d+ bytes, over the limit', what: 'header declaring 60000x65535x65535 (257 TB) over 64 bytes of data' }, {
    [IMG]: concat(idxHeader([60000, 65535, 65535]), pattern(64, 1)),
    [LAB]: labels5,
  });
  hostile({ path: 'import/idx-max-dims', via: 'import', names: IMG, expect: 'over the limit', what: 'header declaring 4294967295 in every dimension (past 2^53 when multiplied)' }, {
    [IMG]: concat(idxHeader([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]), pattern(64, 1)),
    [LAB]: labels5,
  });
  hostile({ path: 'import/idx-big-dims-small-file', via: 'import', names: IMG, expect: 'truncated: header declares 1000x1000x1000 u8 \\(1000000000 bytes\\) but only 64 bytes follow', what: '1 GB declared (under the 2 GiB limit) over 64 bytes: refused before allocating' }, {
    [IMG]: concat(idxHeader([1000, 1000, 1000]), pattern(64, 1)),
    [LAB]: labels5,
  });
  hostile({ path: 'import/idx-trailing-garbage', via: 'import', names: IMG, expect: 'trailing garbage: .* \\(7 extra\\)', what: '7 bytes after the declared data' }, {
    [IMG]: concat(images5, pattern(7, 9)),
    [LAB]: labels5,
  });
  hostile({ path: 'import/idx-labels-2d', via: 'import', names: LAB, expect: 'labels must be a 1-dimensional IDX of unsigned bytes', what: 'labels stored as a 5x1 matrix' }, {
    [IMG]: images5,
    [LAB]: encodeIdx([5, 1], Uint8Array.from([0, 1, 2, 1, 0])),
  });
  hostile({ path: 'import/idx-images-int32', via: 'import', names: IMG, expect: 'images must be unsigned bytes \\(IDX type 08\\), this file holds i32', what: 'images of IDX type 0x0c (int32)' }, {
    [IMG]: concat(idxHeader([5, 2, 2], 0x0c), pattern(80, 2)),
    [LAB]: labels5,
  });
  hostile({ path: 'import/idx-images-2d', via: 'import', names: IMG, expect: 'images must be N x H x W \\(idx3\\)', what: 'an images file with 2 dimensions (5x24)' }, {
    [IMG]: encodeIdx([5, 24], pattern(120, 4)),
    [LAB]: labels5,
  });
  hostile({ path: 'import/idx-empty-images', via: 'import', names: IMG, expect: 'empty images: 5x0x4', what: 'images of height 0' }, { [IMG]: idxHeader([5, 0, 4]), [LAB]: labels5 });
  hostile({ path: 'import/idx-missing-labels', via: 'import', names: IMG, expect: 'no matching labels file', what: 'images file without its labels file' }, { [IMG]: images5 });
  hostile({ path: 'import/idx-shape-mismatch', via: 'import', names: 't10k-images-idx3-ubyte', expect: 'images are 5x5x1 but .*train-images-idx3-ubyte has 6x4x1', what: 'train 6x4 images, test 5x5 images' }, {
    [IMG]: images5,
    [LAB]: labels5,
    't10k-images-idx3-ubyte': idxImages(2, 5, 5, 7),
    't10k-labels-idx1-ubyte': idxLabels([1, 2]),
  });
  hostile({ path: 'import/gz-not-gzip', via: 'import', names: `${IMG}.gz`, expect: 'not gzip: the name ends in .gz but the file does not start with the gzip magic 1f 8b \\(it starts with 00 00 08 03\\)', what: 'uncompressed IDX named .gz' }, {
    [`${IMG}.gz`]: images5,
    [`${LAB}.gz`]: gzip(labels5),
  });
  const gzImages = gzip(idxImages(20, 8, 8, 5));
  const flipped = gzImages.slice();
  flipped[20] ^= 0x55;
  hostile({ path: 'import/gz-corrupt', via: 'import', names: `${IMG}.gz`, expect: 'corrupt gzip', what: 'gzip with damaged deflate data' }, { [`${IMG}.gz`]: flipped, [`${LAB}.gz`]: gzip(idxLabels(Array(20).fill(1))) });
  hostile({ path: 'import/gz-truncated', via: 'import', names: `${IMG}.gz`, expect: 'corrupt gzip', what: 'gzip cut off after 40% of its bytes' }, {
    [`${IMG}.gz`]: gzImages.subarray(0, Math.floor(gzImages.length * 0.4)),
    [`${LAB}.gz`]: gzip(idxLabels(Array(20).fill(1))),
  });
  const hugeIsize = gzImages.slice();
  new DataView(hugeIsize.buffer).setUint32(hugeIsize.length - 4, 0xfffffff0, true);
  hostile({ path: 'import/gz-huge-isize', via: 'import', names: `${IMG}.gz`, expect: 'corrupt gzip: truncated or damaged \\(the trailer declares 4294967280 bytes', what: 'gzip trailer ISIZE set to 4 GB' }, {
    [`${IMG}.gz`]: hugeIsize,
    [`${LAB}.gz`]: gzip(idxLabels(Array(20).fill(1))),
  });
  const badCrc = gzImages.slice();
  badCrc[badCrc.length - 8] ^= 0xff;
  hostile({ path: 'import/gz-bad-crc', via: 'import', names: `${IMG}.gz`, expect: 'corrupt gzip: CRC mismatch', what: 'gzip whose CRC-32 trailer does not match' }, { [`${IMG}.gz`]: badCrc, [`${LAB}.gz`]: gzip(idxLabels(Array(20).fill(1))) });
  hostile({ path: 'import/gz-huge-declared-idx', via: 'import', names: `${IMG}.gz`, expect: 'truncated: header declares 60000x28x28 u8', what: 'valid gzip of an IDX header declaring 60000x28x28 with 100 bytes of data' }, {
    [`${IMG}.gz`]: gzip(concat(idxHeader([60000, 28, 28]), pattern(100, 1))),
    [`${LAB}.gz`]: gzip(labels5),
  });

  // ---- ImageFolder
  const png8 = (seedN: number) => gray8(8, 8, seedN);
  hostile({ path: 'import/if-non-image', via: 'import', names: 'cat/notes.txt', expect: '2 files are not PNG, JPEG, WebP, TIFF, GIF or AVIF images: cat/notes.txt, dog/data.bin', what: 'class folders holding a .txt and a .bin beside PNGs' }, {
    'cat/a.png': png8(1),
    'cat/notes.txt': 'not an image\n',
    'dog/b.png': png8(2),
    'dog/data.bin': pattern(50, 3),
  });
  hostile({ path: 'import/if-mixed-sizes', via: 'import', names: 'dog/odd.png', expect: 'mixed image sizes: expected 8x8 .* 1 file differs: dog/odd.png \\(10x8\\)', what: 'three 8x8 PNGs and one 10x8' }, {
    'cat/a.png': png8(1),
    'cat/b.png': png8(2),
    'dog/c.png': png8(3),
    'dog/odd.png': gray8(10, 8, 4),
  });
  const corruptPng = png8(5).slice();
  corruptPng[45] ^= 0x01; // inside IDAT's data: CRC mismatch
  hostile({ path: 'import/if-png-bad-crc', via: 'import', names: 'dog/bad.png', expect: 'dog/bad.png: corrupt PNG: CRC mismatch in chunk IDAT', what: 'a PNG with one flipped bit in IDAT' }, {
    'cat/a.png': png8(1),
    'dog/bad.png': corruptPng,
  });
  const fullPng = png8(6);
  hostile({ path: 'import/if-png-truncated', via: 'import', names: 'dog/cut.png', expect: 'dog/cut.png: truncated PNG', what: 'a PNG cut off inside IDAT' }, { 'cat/a.png': png8(1), 'dog/cut.png': fullPng.subarray(0, 50) });
  hostile({ path: 'import/if-png-huge-dims', via: 'import', names: 'dog/huge.png', expect: 'dog/huge.png: image too large: 100000x100000 pixels', what: 'a PNG whose IHDR declares 100000x100000' }, {
    'cat/a.png': png8(1),
    'dog/huge.png': rawPng({ width: 100000, height: 100000, depth: 8, colorType: 0, raw: new Uint8Array(9) }),
  });
  hostile({ path: 'import/if-png-big-dims-tiny-data', via: 'import', names: 'dog/big.png', expect: 'dog/big.png: truncated PNG: 16000x16000 needs 2048016000 bytes of image data but the IDAT chunks hold only \\d+ compressed bytes', what: 'IHDR 16000x16000 RGBA 16-bit (under the pixel limit) with 20 bytes of IDAT: refused before allocating 2 GB' }, {
    'cat/a.png': png8(1),
    'dog/big.png': rawPng({ width: 16000, height: 16000, depth: 16, colorType: 6, raw: new Uint8Array(9) }),
  });
  hostile({ path: 'import/if-png-interlaced', via: 'import', names: 'dog/adam7.png', expect: 'dog/adam7.png: unsupported PNG: interlaced', what: 'an Adam7-interlaced PNG' }, {
    'cat/a.png': png8(1),
    'dog/adam7.png': rawPng({ width: 8, height: 8, depth: 8, colorType: 0, interlace: 1, raw: scanlines(8, 8, [0], 3) }),
  });
  hostile({ path: 'import/if-png-bad-filter', via: 'import', names: 'dog/filter.png', expect: 'dog/filter.png: corrupt PNG: unknown filter type 7 on row 0', what: 'a PNG whose first scanline has filter type 7' }, {
    'cat/a.png': png8(1),
    'dog/filter.png': rawPng({ width: 8, height: 8, depth: 8, colorType: 0, raw: scanlines(8, 8, [7], 3) }),
  });
  hostile({ path: 'import/if-png-palette-index', via: 'import', names: 'dog/pal.png', expect: 'dog/pal.png: corrupt PNG: palette index \\d+ beyond the 2 palette entries', what: 'a palette PNG indexing past its 2-entry palette' }, {
    'cat/a.png': png8(1),
    'dog/pal.png': rawPng({ width: 8, height: 8, depth: 8, colorType: 3, palette: Uint8Array.from([0, 0, 0, 255, 255, 255]), raw: scanlines(8, 8, [0], 9) }),
  });
  const jpg = jpegRgb(16, 16, 3);
  hostile({ path: 'import/if-jpeg-truncated', via: 'import', names: 'dog/cut.jpg', expect: 'dog/cut.jpg: corrupt JPEG', what: 'a JPEG cut off before its scan data' }, {
    'cat/a.jpg': jpg,
    'dog/cut.jpg': jpg.subarray(0, sofOffset(jpg) + 12),
  });
  hostile({ path: 'import/if-jpeg-huge-dims', via: 'import', names: 'dog/huge.jpg', expect: 'dog/huge.jpg: (image too large|corrupt JPEG)', what: 'a JPEG whose frame header declares 65000x65000' }, {
    'cat/a.jpg': jpg,
    'dog/huge.jpg': withJpegSize(jpg, 65000, 65000),
  });
  hostile({ path: 'import/if-jpeg-big-dims-tiny-data', via: 'import', names: 'dog/big.jpg', expect: 'dog/big.jpg: (image too large|corrupt JPEG)', what: 'a 16x16 JPEG whose frame header claims 12000x12000 (under the 256 MP limit): refused before allocating' }, {
    'cat/a.jpg': jpg,
    'dog/big.jpg': withJpegSize(jpg, 12000, 12000),
  });
  hostile({ path: 'import/if-empty-file', via: 'import', names: 'dog/empty.png', expect: '1 file is not PNG, JPEG, WebP, TIFF, GIF or AVIF images: dog/empty.png', what: 'a 0-byte .png' }, { 'cat/a.png': png8(1), 'dog/empty.png': new Uint8Array(0) });
  hostile({ path: 'import/if-no-images', via: 'import', names: '', expect: 'no image files in the class folders', what: 'class folders holding only hidden files' }, { 'cat/.keep': '', 'dog/.keep': '' });

  // ---- CSV
  const px4 = csvImages(4, 4, 1);
  hostile({ path: 'import/csv-ragged.csv', via: 'import', names: '', expect: 'line 3: ragged row: 4 columns, expected 5', what: 'third row one pixel short' }, {
    '': csvRows([px4[0], px4[1], px4[2].slice(0, 4), px4[3]]),
  });
  hostile({ path: 'import/csv-giant-row.csv', via: 'import', names: '', expect: 'line 2: ragged row: 50001 columns, expected 5', what: 'second row of 50001 cells (100 KB)' }, {
    '': csvRows([px4[0], Array(50001).fill(1), px4[2]]),
  });
  hostile({ path: 'import/csv-non-numeric.csv', via: 'import', names: '', expect: 'line 4, column 4 \\(pixel2\\): non-numeric pixel value "abc"', what: 'a pixel cell "abc"' }, {
    '': csvRows([px4[0], px4[1], [1, 2, 3, 'abc', 5]], ['label', 'pixel0', 'pixel1', 'pixel2', 'pixel3']),
  });
  hostile({ path: 'import/csv-nan.csv', via: 'import', names: '', expect: 'line 2, column 3: non-numeric pixel value "NaN"', what: 'a pixel cell NaN' }, { '': csvRows([px4[0], [1, 2, 'NaN', 3, 4]]) });
  hostile({ path: 'import/csv-bad-label.csv', via: 'import', names: '', expect: 'line 2, column 1 \\(label\\): label "cat" is not an integer 0..255', what: 'label "cat"' }, {
    '': csvRows([['cat', 1, 2, 3, 4]], ['label', 'a', 'b', 'c', 'd']),
  });
  hostile({ path: 'import/csv-out-of-range.csv', via: 'import', names: '', expect: 'line 1, column 3: pixel value 256 is not an integer 0..255', what: 'a pixel value 256' }, { '': csvRows([[1, 2, 256, 3, 4], px4[1]]) });
  hostile({ path: 'import/csv-negative.csv', via: 'import', names: '', expect: 'pixel value -3 is not an integer 0..255', what: 'a pixel value -3' }, { '': csvRows([[1, 2, 200, -3, 4]]) });
  hostile({ path: 'import/csv-not-square.csv', via: 'import', names: '', expect: '5 pixel columns do not make a square image', what: 'rows of 5 pixels' }, { '': csvRows([[1, 2, 3, 4, 5, 6]]) });
  hostile({ path: 'import/csv-empty.csv', via: 'import', names: '', expect: 'empty CSV: no rows', what: 'an empty file' }, { '': '' });
  // CIFAR-10/100 binary: label byte(s) + 3072 planar RGB bytes per record
  const cifarRec = (labels: number[], seed: number) => concat(Uint8Array.from(labels), pattern(3072, seed));
  hostile({ path: 'import/cifar-truncated', via: 'import', names: 'data_batch_1.bin', expect: 'truncated: 5119 bytes is not a whole number of 3073-byte records \\(CIFAR-10: 1 label byte \\+ 3072 pixel bytes\\); the last record has only 2046 bytes', what: 'a CIFAR-10 batch cut off inside its second record' }, {
    'data_batch_1.bin': concat(cifarRec([3], 1), cifarRec([4], 2)).subarray(0, 5119),
  });
  hostile({ path: 'import/cifar-wrong-record-size', via: 'import', names: 'test_batch.bin', expect: 'wrong record size: 6148 bytes is a whole number of 3074-byte records but not of 3073-byte records .*is this a CIFAR-100 file\\?', what: 'CIFAR-100 records (2 label bytes) named like a CIFAR-10 batch' }, {
    'test_batch.bin': concat(cifarRec([1, 11], 1), cifarRec([2, 22], 2)),
  });
  hostile({ path: 'import/cifar-label-out-of-range', via: 'import', names: 'data_batch_1.bin', expect: 'record 1: label byte 10 is out of range \\(0\\.\\.9\\)', what: 'a CIFAR-10 record with label byte 10' }, {
    'data_batch_1.bin': concat(cifarRec([9], 1), cifarRec([10], 2)),
  });
  hostile({ path: 'import/cifar100-fine-out-of-range', via: 'import', names: 'train.bin', expect: 'record 0: fine label byte 100 is out of range \\(0\\.\\.99\\)', what: 'a CIFAR-100 record with fine label 100' }, {
    'train.bin': cifarRec([3, 100], 1),
  });
  hostile({ path: 'import/cifar100-coarse-out-of-range', via: 'import', names: 'test.bin', expect: 'record 0: coarse label byte 20 is out of range \\(0\\.\\.19\\)', what: 'a CIFAR-100 record with coarse label 20' }, {
    'test.bin': cifarRec([20, 5], 1),
  });
  hostile({ path: 'import/cifar-empty', via: 'import', names: 'data_batch_1.bin', expect: 'empty file: no records', what: 'a 0-byte CIFAR-10 batch' }, { 'data_batch_1.bin': new Uint8Array(0) });
  hostile({ path: 'import/csv-header-only.csv', via: 'import', names: '', expect: 'no data rows after the header', what: 'a header and nothing else' }, { '': 'label,a,b,c,d\n' });
  hostile({ path: 'import/csv-binary.csv', via: 'import', names: '', expect: '.', what: '300 bytes of binary noise named .csv' }, { '': pattern(300, 77) });
  hostile({ path: 'import/csv-bad-split.csv', via: 'import', names: '', expect: 'split name "Train!" must match', what: 'a split column holding "Train!"' }, {
    '': csvRows([[1, 2, 3, 4, 5, 'Train!']], ['label', 'a', 'b', 'c', 'd', 'split']),
  });
  hostile({ path: 'import/csv-not-gzip.csv.gz', via: 'import', names: '', expect: 'not gzip', what: 'plain CSV named .csv.gz' }, { '': csvRows(px4) });
  hostile({ path: 'import/csv-dir-shape-mismatch', via: 'import', names: 'train.csv', expect: 'train.csv: images are 2x2x1 but .*test.csv has 3x3x1', what: 'train.csv of 2x2 images, test.csv of 3x3' }, {
    'train.csv': csvRows(px4),
    'test.csv': csvRows(csvImages(2, 9, 4)),
  });

  // ---- scores CSV
  const goodScores = [SCORES_CSV_HEADER, scoreLine('test', 0, 7, 250, 1, 7, ''), scoreLine('test', 1, 2, 3, 0, 2, 5)];
  hostile({ path: 'scores/wrong-header.csv', via: 'scores', names: '', expect: 'line 1: header must be exactly', what: 'header of another CSV' }, { '': 'label,p0,p1\n1,2,3\n' });
  hostile({ path: 'scores/empty.csv', via: 'scores', names: '', expect: 'empty file', what: 'an empty file' }, { '': '' });
  hostile({ path: 'scores/duplicate.csv', via: 'scores', names: '', expect: 'line 4: image test/1 already appears on line 3', what: 'the same image twice' }, { '': [...goodScores, goodScores[2]].join('\n') + '\n' });
  hostile({ path: 'scores/ragged.csv', via: 'scores', names: '', expect: 'line 3: expected 8 fields, found 7', what: 'a row with 7 fields' }, { '': [goodScores[0], goodScores[1], 'test/1,test,1,2,3,0,2'].join('\n') + '\n' });
  hostile({ path: 'scores/bad-robust.csv', via: 'scores', names: '', expect: 'line 2: robust must be 0 or 1, got 2', what: 'robust = 2' }, { '': [SCORES_CSV_HEADER, scoreLine('test', 0, 7, 250, 1, 7, '').replace(',250,1,', ',250,2,')].join('\n') + '\n' });
  hostile({ path: 'scores/bad-id.csv', via: 'scores', names: '', expect: 'line 2: id "test/9" must be "test/0"', what: 'an id that does not match split/index' }, { '': [SCORES_CSV_HEADER, 'test/9,test,0,7,250,1,7,'].join('\n') + '\n' });
  hostile({ path: 'scores/negative.csv', via: 'scores', names: '', expect: 'steps must be a non-negative integer, got "-4"', what: 'steps = -4' }, { '': [SCORES_CSV_HEADER, 'test/0,test,0,7,-4,0,7,1'].join('\n') + '\n' });
  hostile({ path: 'scores/robust-but-fooled.csv', via: 'scores', names: '', expect: 'a robust image needs steps > 0 and an empty foolPred', what: 'robust = 1 with a foolPred' }, { '': [SCORES_CSV_HEADER, scoreLine('test', 0, 7, 250, 1, 7, 3)].join('\n') + '\n' });

  // ---- models (checked against a 4x4x1, 3-class dataset unless `dataset` says otherwise)
  const cnnJson = readFileSync(join(MODELS_DIR, 'tiny-cnn', 'model.json'), 'utf8');
  const cnnShard = new Uint8Array(readFileSync(join(MODELS_DIR, 'tiny-cnn', 'group1-shard1of1.bin')));
  const SHARD = 'group1-shard1of1.bin';
  const cnn = () => JSON.parse(cnnJson) as { modelTopology: Record<string, unknown>; weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] };
  const json = (o: unknown) => JSON.stringify(o, null, 1);
  hostile({ path: 'model/missing-model-json', via: 'model', names: '', expect: 'model.json not found in this folder', what: 'a folder with the weights but no model.json' }, { [SHARD]: cnnShard });
  hostile({ path: 'model/corrupt-json', via: 'model', names: 'model.json', expect: 'model.json: corrupt model.json: not valid JSON', what: 'model.json cut off in the middle' }, { 'model.json': cnnJson.slice(0, 700), [SHARD]: cnnShard });
  hostile({ path: 'model/not-an-object', via: 'model', names: 'model.json', expect: 'corrupt model.json: expected a JSON object', what: 'model.json holding a JSON array' }, { 'model.json': '[1, 2, 3]\n', [SHARD]: cnnShard });
  hostile({ path: 'model/no-topology', via: 'model', names: 'model.json', expect: 'corrupt model.json: no modelTopology', what: 'model.json without modelTopology' }, { 'model.json': json({ format: 'layers-model', weightsManifest: cnn().weightsManifest }), [SHARD]: cnnShard });
  hostile({ path: 'model/bad-manifest', via: 'model', names: 'model.json', expect: 'each weightsManifest group needs paths and weights lists', what: 'a weightsManifest group without paths' }, {
    'model.json': json({ ...cnn(), weightsManifest: [{ weights: cnn().weightsManifest[0].weights }] }),
    [SHARD]: cnnShard,
  });
  hostile({ path: 'model/shard-missing', via: 'model', names: SHARD, expect: `weight shard ${SHARD} named in model.json is missing`, what: 'model.json whose weight shard is absent' }, { 'model.json': cnnJson });
  hostile({ path: 'model/shard-short', via: 'model', names: SHARD, expect: 'weight shard of the wrong size: expected 268 bytes \\(from model.json\\), found 200 bytes', what: 'shard 68 bytes short' }, {
    'model.json': cnnJson,
    [SHARD]: cnnShard.subarray(0, 200),
  });
  hostile({ path: 'model/shard-long', via: 'model', names: SHARD, expect: 'weight shard of the wrong size: expected 268 bytes \\(from model.json\\), found 300 bytes', what: 'shard 32 bytes long' }, {
    'model.json': cnnJson,
    [SHARD]: concat(cnnShard, new Uint8Array(32)),
  });
  const hugeWeights = cnn();
  hugeWeights.weightsManifest[0].weights[2].shape = [100000, 100000];
  hostile({ path: 'model/huge-weight-shape', via: 'model', names: SHARD, expect: 'wrong size: expected 40000000052 bytes', what: 'manifest declaring a 100000x100000 kernel over a 268-byte shard' }, { 'model.json': json(hugeWeights), [SHARD]: cnnShard });
  const badDtype = cnn();
  badDtype.weightsManifest[0].weights[0].dtype = 'float128';
  hostile({ path: 'model/bad-dtype', via: 'model', names: 'model.json', expect: 'weight conv/kernel: unknown dtype float128', what: 'a weight of dtype float128' }, { 'model.json': json(badDtype), [SHARD]: cnnShard });
  const unknownLayer = cnnJson.replace('"class_name": "Conv2D"', '"class_name": "Conv7D"');
  hostile({ path: 'model/unknown-layer', via: 'model', names: 'model.json', expect: 'cannot build the layers model', what: 'a layer class Conv7D' }, { 'model.json': unknownLayer, [SHARD]: cnnShard });
  const hugeLayer = JSON.parse(cnnJson) as { modelTopology: { model_config: { config: { layers: { config: Record<string, unknown> }[] } } } };
  hugeLayer.modelTopology.model_config.config.layers[0].config.filters = 2_000_000_000;
  hostile({ path: 'model/huge-layer', via: 'model', names: 'model.json', expect: '(cannot build the layers model|too large|declare)', what: 'a Conv2D layer of 2e9 filters: refused without allocating its kernel' }, { 'model.json': json(hugeLayer), [SHARD]: cnnShard });
  hostile({ path: 'model/input-shape-mismatch', via: 'model', names: 'model.json', expect: '4x4x1|\\[4,4,1\\]|28', what: 'the valid 4x4x1 model against a 28x28x1 dataset', dataset: { height: 28, width: 28, channels: 1, numClasses: 3 } }, {
    'model.json': cnnJson,
    [SHARD]: cnnShard,
  });
  hostile({ path: 'model/class-count-mismatch', via: 'model', names: 'model.json', expect: 'the model predicts 3 classes but the dataset has 10 classes', what: 'the valid 3-class model against a 10-class dataset', dataset: { height: 4, width: 4, channels: 1, numClasses: 10 } }, {
    'model.json': cnnJson,
    [SHARD]: cnnShard,
  });
  hostile({ path: 'model/bad-rpr-json', via: 'model', names: 'rpr.json', expect: 'rpr.json: corrupt rpr.json', what: 'the valid model with an rpr.json that is not JSON' }, { 'model.json': cnnJson, [SHARD]: cnnShard, 'rpr.json': '{"input": {"scale": ' });

  // ---- ONNX models (via 'onnx': <path>/model.onnx against a 4x4x1 dataset of 3 classes unless noted)
  for (const [c, content] of onnxCases()) hostile(c, content);

  // ---- seeds for fuzzing (all valid)
  seed('idx/train-images-idx3-ubyte', images5, 'IDX u8 5x6x4 images');
  seed('idx/train-labels-idx1-ubyte', labels5, 'IDX u8 labels 0,1,2,1,0');
  seed('idx/images-idx4-rgb', encodeIdx([3, 4, 4, 3], pattern(144, 8)), 'IDX u8 3x4x4x3 (RGB)');
  seed('idx/floats-idx2-f32', concat(idxHeader([2, 3], 0x0d), pattern(24, 5)), 'IDX f32 2x3 (big-endian floats)');
  seed('idx/shorts-idx1-i16', concat(idxHeader([6], 0x0b), pattern(12, 6)), 'IDX i16 of 6');
  seed('idx/train-images-idx3-ubyte.gz', gzip(images5), 'the 5x6x4 images, gzipped');
  seed('png/gray8.png', gray8(6, 5, 1), '8-bit gray 6x5 (filter 0)');
  seed('png/rgb8.png', encodePng({ width: 5, height: 4, channels: 3, data: pattern(60, 2) }), '8-bit RGB 5x4');
  seed('png/filters-rgba8.png', rawPng({ width: 5, height: 5, depth: 8, colorType: 6, raw: scanlines(20, 5, [0, 1, 2, 3, 4], 3) }), '8-bit RGBA 5x5, rows using filters 0..4');
  seed('png/graya16.png', rawPng({ width: 4, height: 3, depth: 16, colorType: 4, raw: scanlines(16, 3, [4, 2, 1], 4) }), '16-bit gray+alpha 4x3, filters 4, 2, 1');
  seed('png/gray2.png', rawPng({ width: 7, height: 3, depth: 2, colorType: 0, raw: scanlines(2, 3, [0, 3], 5) }), '2-bit gray 7x3');
  seed('png/palette4.png', rawPng({ width: 5, height: 4, depth: 4, colorType: 3, palette: pattern(48, 6), raw: scanlines(3, 4, [0], 0) }), '4-bit palette of 16 colours 5x4');
  seed('jpeg/rgb16.jpg', jpg, 'baseline JPEG 16x16 RGB, quality 90');
  seed('jpeg/rgb8-q50.jpg', jpegRgb(8, 8, 9, 50), 'baseline JPEG 8x8 RGB, quality 50');
  seed('cifar/data_batch_1.bin', concat(...[3, 0, 9].map((l, i) => concat(Uint8Array.of(l), pattern(3072, 20 + i)))), 'CIFAR-10 binary: 3 records (label byte + 3072 planar RGB bytes)');
  seed('cifar/train.bin', concat(...[[1, 42], [19, 99]].map((l, i) => concat(Uint8Array.from(l), pattern(3072, 30 + i)))), 'CIFAR-100 binary: 2 records (coarse, fine label bytes + 3072 planar RGB bytes)');
  seed('csv/plain.csv', csvRows(px4), '4 rows of label + 4 pixels, no header');
  seed('csv/header-split.csv', csvRows([...csvImages(3, 9, 2).map((r, i) => [...r, i === 2 ? 'test' : 'train'])], ['label', ...Array.from({ length: 9 }, (_, i) => `pixel${i}`), 'split']), 'header, 3x3 gray, split column');
  seed('csv/unit-rgb.csv', csvRows([[1, ...Array.from({ length: 12 }, (_, i) => (i % 5) / 4)], [0, ...Array.from({ length: 12 }, (_, i) => (i % 3) / 2)]]), '[0,1] values, 2x2 RGB');
  seed('scores/scores.csv', goodScores.join('\n') + '\n', 'a valid per-image scores CSV of 2 rows');
  seed('model/tiny-cnn/model.json', cnnJson, 'the tiny-cnn layers model (4x4x1 → 3 classes)');
  seed(`model/tiny-cnn/${SHARD}`, cnnShard, 'its 268-byte weight shard');
  seed('model/tiny-graph/model.json', readFileSync(join(MODELS_DIR, 'tiny-graph', 'model.json'), 'utf8'), 'the tiny-graph graph model ([?,4] → 3)');
  seed('onnx/tiny.onnx', encodeModel(tinyOnnx()), 'a valid ONNX graph: flat [N, 16] → Gemm → Softmax, 3 classes (4x4x1 images)');
  seed('model/tiny-graph/w.bin', new Uint8Array(readFileSync(join(MODELS_DIR, 'tiny-graph', 'w.bin'))), 'its 48-byte weights');

  files.set('manifest.json', text(JSON.stringify({ cases, seeds }, null, 1) + '\n'));
  files.set('README.md', text(readme(cases, seeds)));
  return { files, cases, seeds };
}

function readme(cases: HostileCase[], seeds: { path: string; what: string }[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '# Hostile-input corpus',
    '',
    'Generated by `npx tsx scripts/make-hostile-fixtures.ts` (do not edit by hand; the fuzz test',
    'fails when these files differ from what the script builds). Used by',
    '`test/integration/fuzz.test.ts`: every case below must fail with an `InputError` whose',
    'message names the file and matches the pattern, through the importers / `loadModel` /',
    '`parseScoresCsv` and (imports) through `datasets.import` without changing the workspace;',
    'the seeds are valid inputs the fuzzer mutates.',
    '',
    '`via`: `import` = `importDataset(path)` and the `datasets.import` service call; `model` =',
    '`loadModel(path, { expect: 4x4x1, 3 classes })` unless noted; `scores` = `parseScoresCsv`;',
    '`onnx` = `<path>/model.onnx` through `loadOnnxModel` and the `models.import` service call',
    '(4x4x1 images, 3 classes unless noted), leaving the workspace unchanged.',
    '',
    '| path | via | input | the error must match | and name |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const c of cases) {
    const ds = c.dataset ? ` (dataset ${c.dataset.height}x${c.dataset.width}x${c.dataset.channels}, ${c.dataset.numClasses} classes)` : '';
    lines.push(`| \`${c.path}\` | ${c.via} | ${esc(c.what)}${ds} | \`${esc(c.expect)}\` | \`${c.names || '(the path)'}\` |`);
  }
  lines.push('', '## Seeds (valid; the fuzzer mutates them)', '', '| file | what |', '| --- | --- |');
  for (const s of seeds) lines.push(`| \`${s.path}\` | ${esc(s.what)} |`);
  lines.push('');
  return lines.join('\n');
}

function main(): void {
  const { files, cases, seeds } = buildCorpus();
  rmSync(HOSTILE_DIR, { recursive: true, force: true });
  let total = 0;
  for (const [rel, bytes] of files) {
    const p = join(HOSTILE_DIR, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytes);
    total += bytes.length;
  }
  console.log(`wrote ${files.size} files (${total} bytes): ${cases.length} hostile cases, ${seeds.length} seeds, in ${HOSTILE_DIR}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
