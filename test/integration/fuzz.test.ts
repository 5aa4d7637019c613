/**
 * Hostile input: the corpus in test/fixtures/hostile (every bad input the issues name) and a
 * seeded fuzzer over the codecs, model loading and the importers. For every case: only an
 * InputError (naming the file, in a message of sane length) may come out, no case takes
 * long, and no declared size makes anything allocate a big buffer (a guard on the typed-array
 * constructors records any allocation over 64 MiB: the inputs are all far smaller). Then the
 * hostile imports go through `datasets.import` and the workspace must be byte-for-byte the same.
 *
 * Reproduce: FUZZ_SEED=<the printed seed> npx vitest run --project unit test/integration/fuzz.test.ts
 * More cases: FUZZ_SCALE=10. One case: FUZZ_CASE=<group>:<index> (printed with each failure).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { unzlibSync, zlibSync } from 'fflate';
import * as tf from '@tensorflow/tfjs';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src-main/core/csv';
import type { ImportedDataset } from '../../src-main/core/dataset';
import { InputError } from '../../src-main/core/errors';
import { crc32, gzip, maybeGunzip } from '../../src-main/core/gzip';
import { decodeIdx } from '../../src-main/core/idx';
import { decodeJpeg } from '../../src-main/core/jpeg';
import { decodePng } from '../../src-main/core/png';
import { parseScoresCsv } from '../../src-main/core/scores-csv';
import { initBackend } from '../../src-main/engine/backend';
import { loadModel } from '../../src-main/engine/model-io';
import { createServices } from '../../src-main/services/index';
import { importDataset } from '../../src-main/services/importers/index';
import { openWorkspace } from '../../src-main/store/index';
import { buildCorpus, HOSTILE_DIR, type HostileCase } from '../../scripts/make-hostile-fixtures';
import { makeTmpDir, removeDir } from '../helpers/fixtures';
import { MNIST_SMALL } from '../helpers/paths';

// ------------------------------------------------------------------ seed, scale, one case

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : 0x5eed2020;
const SCALE = Math.max(0.01, Number(process.env.FUZZ_SCALE ?? 1));
const ONLY = process.env.FUZZ_CASE ?? null;
const n = (base: number) => Math.max(1, Math.round(base * SCALE));
console.log(`[fuzz] seed ${SEED} (reproduce with FUZZ_SEED=${SEED}), scale ${SCALE}`);

/** ms a single codec case may take (a mutated 200-byte file); generous for 2 slow cores */
const CODEC_CASE_MS = 2_000;
const SLOW_CASE_MS = 15_000;
/** any single allocation above this while a case runs is a declared size obeyed */
const ALLOC_LIMIT = 64 * 2 ** 20;
const MAX_MESSAGE = 1_000;

// ------------------------------------------------------------------ rng

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

function caseRng(group: string, index: number): Rng {
  let h = SEED ^ 0x9e3779b9;
  for (let i = 0; i < group.length; i++) h = Math.imul(h ^ group.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ index, 0x85ebca6b);
  h ^= h >>> 13;
  return new Rng(Math.imul(h, 0xc2b2ae35) ^ (h >>> 16));
}

// ------------------------------------------------------------------ generic byte mutations

const HUGE_U32 = [0, 1, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff, 60000, 100000, 1 << 24];
const INTERESTING_BYTES = [0, 1, 0x7f, 0x80, 0xfe, 0xff, 0x2c, 0x0a, 0x22, 0x2d, 0x2e, 0x65];

type Mutator = (b: Uint8Array, r: Rng) => { bytes: Uint8Array; desc: string };

const byteMutators: Mutator[] = [
  (b, r) => {
    const len = r.int(b.length);
    return { bytes: b.slice(0, len), desc: `truncate to ${len}` };
  },
  (b, r) => {
    const out = b.slice();
    const k = 1 + r.int(8);
    const at: number[] = [];
    for (let i = 0; i < k && out.length; i++) {
      const p = r.int(out.length);
      out[p] ^= 1 << r.int(8);
      at.push(p);
    }
    return { bytes: out, desc: `flip bits at ${at.join(',')}` };
  },
  (b, r) => {
    const p = r.int(b.length + 1);
    const ins = r.chance(0.5) ? r.bytes(1 + r.int(16)) : b.slice(r.int(b.length), r.int(b.length) + 1 + r.int(64));
    const out = new Uint8Array(b.length + ins.length);
    out.set(b.subarray(0, p));
    out.set(ins, p);
    out.set(b.subarray(p), p + ins.length);
    return { bytes: out, desc: `insert ${ins.length} bytes at ${p}` };
  },
  (b, r) => {
    if (b.length === 0) return { bytes: b, desc: 'noop' };
    const p = r.int(b.length);
    const len = 1 + r.int(Math.min(32, b.length - p));
    const out = new Uint8Array(b.length - len);
    out.set(b.subarray(0, p));
    out.set(b.subarray(p + len), p);
    return { bytes: out, desc: `delete ${len} bytes at ${p}` };
  },
  (b, r) => {
    const out = b.slice();
    const p = r.int(out.length);
    const v = r.pick(INTERESTING_BYTES);
    if (out.length) out[p] = v;
    return { bytes: out, desc: `byte ${p} = ${v}` };
  },
  (b, r) => {
    const out = b.slice();
    if (out.length < 4) return { bytes: out, desc: 'noop' };
    const p = r.int(out.length - 3);
    const v = r.pick(HUGE_U32);
    new DataView(out.buffer).setUint32(p, v, r.chance(0.5));
    return { bytes: out, desc: `u32 at ${p} = ${v}` };
  },
  (b, r) => {
    const tail = r.bytes(1 + r.int(64));
    const out = new Uint8Array(b.length + tail.length);
    out.set(b);
    out.set(tail, b.length);
    return { bytes: out, desc: `append ${tail.length} random bytes` };
  },
];

function stack(b: Uint8Array, r: Rng, extra: Mutator[] = [], extraWeight = 0.5): { bytes: Uint8Array; desc: string } {
  let cur = b;
  const descs: string[] = [];
  const k = 1 + (r.chance(0.3) ? r.int(3) : 0);
  for (let i = 0; i < k; i++) {
    const m = extra.length && r.chance(extraWeight) ? r.pick(extra) : r.pick(byteMutators);
    const res = m(cur, r);
    cur = res.bytes;
    descs.push(res.desc);
  }
  return { bytes: cur, desc: descs.join('; ') };
}

// ------------------------------------------------------------------ format-aware mutations

const idxMutators: Mutator[] = [
  (b, r) => {
    const out = b.slice();
    const nd = out[3];
    if (out.length < 8 || nd === 0) return { bytes: out, desc: 'noop' };
    const d = r.int(Math.min(nd, Math.floor((out.length - 4) / 4)));
    const v = r.pick(HUGE_U32);
    new DataView(out.buffer).setUint32(4 + 4 * d, v, false);
    return { bytes: out, desc: `IDX dim ${d} = ${v}` };
  },
  (b, r) => {
    const out = b.slice();
    if (out.length > 3) out[3] = r.pick([0, 1, 2, 3, 4, 15, 16, 17, 255]);
    return { bytes: out, desc: `IDX ndims = ${out[3]}` };
  },
  (b, r) => {
    const out = b.slice();
    if (out.length > 2) out[2] = r.pick([0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x0a, 0x00, 0xff]);
    return { bytes: out, desc: `IDX type = ${out[2]}` };
  },
];

/** gzip-aware: trailer sizes, CRC, or a valid gzip wrapping a mutated payload. */
function gzipMutators(payload: Uint8Array): Mutator[] {
  return [
    (b, r) => {
      const out = b.slice();
      const v = r.pick(HUGE_U32);
      if (out.length >= 4) new DataView(out.buffer).setUint32(out.length - 4, v, true);
      return { bytes: out, desc: `gzip ISIZE = ${v}` };
    },
    (b, r) => {
      const out = b.slice();
      if (out.length >= 8) new DataView(out.buffer).setUint32(out.length - 8, r.next(), true);
      return { bytes: out, desc: 'gzip CRC random' };
    },
    (_b, r) => {
      const inner = stack(payload, r, idxMutators, 0.6);
      return { bytes: gzip(inner.bytes), desc: `valid gzip of (${inner.desc})` };
    },
    (b, r) => {
      const out = b.slice();
      if (out.length > 3) out[3] = r.pick([0x04, 0x08, 0x10, 0x02, 0x1f]); // FLG: FEXTRA/FNAME/FCOMMENT/FHCRC
      return { bytes: out, desc: `gzip FLG = ${out[3]}` };
    },
  ];
}

interface PngChunk {
  type: string;
  data: Uint8Array;
}

function pngChunks(b: Uint8Array): PngChunk[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: PngChunk[] = [];
  let pos = 8;
  while (pos + 12 <= b.length) {
    const len = v.getUint32(pos);
    const type = String.fromCharCode(...b.subarray(pos + 4, pos + 8));
    out.push({ type, data: b.slice(pos + 8, pos + 8 + len) });
    pos += 12 + len;
  }
  return out;
}

function pngBuild(chunks: PngChunk[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const c of chunks) {
    const out = new Uint8Array(12 + c.data.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, c.data.length);
    for (let i = 0; i < 4; i++) out[4 + i] = c.type.charCodeAt(i);
    out.set(c.data, 8);
    v.setUint32(8 + c.data.length, crc32(out, 4, 8 + c.data.length));
    parts.push(out);
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const res = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    res.set(p, o);
    o += p.length;
  }
  return res;
}

/** PNG-aware mutations that keep every CRC valid, so the fuzz reaches zlib, filters and expansion. */
const pngMutators: Mutator[] = [
  (b, r) => {
    const chunks = pngChunks(b);
    const ihdr = chunks.find((c) => c.type === 'IHDR');
    if (!ihdr || ihdr.data.length < 13) return { bytes: b, desc: 'noop' };
    const v = new DataView(ihdr.data.buffer, ihdr.data.byteOffset);
    const which = r.int(2);
    const val = r.pick([...HUGE_U32, 16000, 16384, 1 + r.int(64)]);
    v.setUint32(4 * which, val);
    return { bytes: pngBuild(chunks), desc: `IHDR ${which ? 'height' : 'width'} = ${val} (CRC fixed)` };
  },
  (b, r) => {
    const chunks = pngChunks(b);
    const ihdr = chunks.find((c) => c.type === 'IHDR');
    if (!ihdr || ihdr.data.length < 13) return { bytes: b, desc: 'noop' };
    const field = 8 + r.int(5);
    ihdr.data[field] = r.pick([0, 1, 2, 3, 4, 6, 7, 8, 16, 255]);
    return { bytes: pngBuild(chunks), desc: `IHDR byte ${field} = ${ihdr.data[field]} (CRC fixed)` };
  },
  (b, r) => {
    const chunks = pngChunks(b);
    if (!chunks.length) return { bytes: b, desc: 'noop' };
    const c = r.pick(chunks);
    const m = r.pick(byteMutators)(c.data, r);
    c.data = m.bytes;
    return { bytes: pngBuild(chunks), desc: `chunk ${c.type}: ${m.desc} (CRC fixed)` };
  },
  (b, r) => {
    // mutate the inflated scanlines, then re-deflate: reaches the unfilter/expand code
    const chunks = pngChunks(b);
    const idat = chunks.filter((c) => c.type === 'IDAT');
    if (idat.length !== 1) return { bytes: b, desc: 'noop' };
    let raw: Uint8Array;
    try {
      raw = unzlibSync(idat[0].data);
    } catch {
      return { bytes: b, desc: 'noop' };
    }
    const m = r.chance(0.5) ? r.pick(byteMutators)(raw, r) : { bytes: raw.map((x, i) => (i % 7 === 0 ? r.pick([0, 1, 2, 3, 4, 5, 255]) : x)), desc: 'filter bytes' };
    idat[0].data = zlibSync(m.bytes);
    return { bytes: pngBuild(chunks), desc: `scanlines: ${m.desc} (re-deflated)` };
  },
  (b, r) => {
    const chunks = pngChunks(b);
    if (!chunks.length) return { bytes: b, desc: 'noop' };
    const i = r.int(chunks.length);
    const op = r.int(3);
    if (op === 0) chunks.splice(i, 1);
    else if (op === 1) chunks.splice(i, 0, { ...chunks[r.int(chunks.length)] });
    else chunks.splice(i, 0, { type: r.pick(['PLTE', 'IDAT', 'IEND', 'IHDR', 'tRNS', 'ABCD', 'abcd']), data: r.bytes(r.int(40)) });
    return { bytes: pngBuild(chunks), desc: `chunk list op ${op} at ${i}` };
  },
  (b, r) => {
    // a chunk length field set huge (CRC then unreachable)
    const out = b.slice();
    const chunks = pngChunks(b);
    let pos = 8;
    const k = r.int(chunks.length);
    for (let i = 0; i < k; i++) pos += 12 + chunks[i].data.length;
    const val = r.pick(HUGE_U32);
    if (pos + 4 <= out.length) new DataView(out.buffer).setUint32(pos, val);
    return { bytes: out, desc: `chunk ${k} length = ${val}` };
  },
];

function sofOffset(b: Uint8Array): number {
  for (let i = 2; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] >= 0xc0 && b[i + 1] <= 0xc2) return i;
  return -1;
}

const jpegMutators: Mutator[] = [
  (b, r) => {
    const out = b.slice();
    const sof = sofOffset(out);
    if (sof < 0 || sof + 9 > out.length) return { bytes: out, desc: 'noop' };
    const h = r.pick([0, 1, 8, 4096, 12000, 16384, 30000, 65535]);
    const w = r.pick([0, 1, 8, 4096, 12000, 16384, 30000, 65535]);
    out[sof + 5] = h >> 8;
    out[sof + 6] = h & 0xff;
    out[sof + 7] = w >> 8;
    out[sof + 8] = w & 0xff;
    return { bytes: out, desc: `SOF ${w}x${h}` };
  },
  (b, r) => {
    const out = b.slice();
    const sof = sofOffset(out);
    if (sof < 0 || sof + 10 > out.length) return { bytes: out, desc: 'noop' };
    const f = sof + 4 + r.int(6 + 3 * 3);
    if (f < out.length) out[f] = r.pick([0, 1, 2, 3, 4, 0x11, 0x22, 0x44, 0xff]);
    return { bytes: out, desc: `SOF byte ${f - sof} = ${out[f]}` };
  },
  (b, r) => {
    // a marker's length field set to a random value
    const out = b.slice();
    const marks: number[] = [];
    for (let i = 2; i + 3 < out.length; i++) if (out[i] === 0xff && out[i + 1] >= 0xc0 && out[i + 1] !== 0xff && out[i + 1] !== 0xd8) marks.push(i);
    if (!marks.length) return { bytes: out, desc: 'noop' };
    const p = r.pick(marks);
    const v = r.pick([0, 1, 2, 3, 0xffff, 0x7fff, r.int(0x10000)]);
    out[p + 2] = v >> 8;
    out[p + 3] = v & 0xff;
    return { bytes: out, desc: `marker at ${p} length = ${v}` };
  },
];

// ------------------------------------------------------------------ text (CSV) mutations

const TOKENS = ['', ' ', 'abc', 'NaN', 'Infinity', '-1', '256', '1e999', '1e-9', '0x10', '0.5', '-0', '"1"', '""', '"', '1,2', '\r', '\t', '1.', '.5', '+3', '9999999999999999999', '١٢', '\u0000', '\uFEFF', 'train', 'Train!', 'split'];

function textMutators(giantRow: boolean): ((s: string, r: Rng) => { text: string; desc: string })[] {
  const lines = (s: string) => s.split('\n');
  const ms: ((s: string, r: Rng) => { text: string; desc: string })[] = [
    (s, r) => {
      const ls = lines(s);
      const li = r.int(ls.length);
      const cells = ls[li].split(',');
      const ci = r.int(cells.length);
      const tok = r.pick(TOKENS);
      cells[ci] = tok;
      ls[li] = cells.join(',');
      return { text: ls.join('\n'), desc: `line ${li + 1} cell ${ci + 1} = ${JSON.stringify(tok)}` };
    },
    (s, r) => {
      const ls = lines(s);
      const li = r.int(ls.length);
      const op = r.int(3);
      if (op === 0) ls.splice(li, 1);
      else if (op === 1) ls.splice(li, 0, ls[r.int(ls.length)]);
      else ls[li] = ls[li].split(',').slice(0, -1 - r.int(3)).join(',');
      return { text: ls.join('\n'), desc: `line op ${op} at ${li + 1}` };
    },
    (s, r) => {
      const p = r.int(s.length + 1);
      const tok = r.pick([',', ',,', '\n', '\r\n', '"', ' ', '-', '.', 'e', '\n\n', '\uFEFF']);
      return { text: s.slice(0, p) + tok + s.slice(p), desc: `insert ${JSON.stringify(tok)} at ${p}` };
    },
    (s, r) => {
      const p = r.int(s.length);
      return { text: s.slice(0, p), desc: `truncate to ${p} chars` };
    },
    (s, r) => {
      const ls = lines(s);
      const li = r.int(ls.length);
      ls[li] = ls[li].replace(/,/g, r.pick([';', '\t', ', ', ' ,']));
      return { text: ls.join('\n'), desc: `line ${li + 1} separators replaced` };
    },
  ];
  if (giantRow) {
    ms.push((s, r) => {
      // a giant row: many cells, or one huge cell (bounded, the fuzz must stay fast)
      const ls = lines(s);
      const li = r.int(ls.length);
      const wide = r.chance(0.5);
      const size = 1000 + r.int(100_000);
      ls[li] = wide ? Array(size).fill(r.pick(['1', '0', 'x', ''])).join(',') : `${ls[li]},${'7'.repeat(size)}${r.chance(0.5) ? 'x' : ''}`;
      return { text: ls.join('\n'), desc: `line ${li + 1} giant (${wide ? `${size} cells` : `${size}-char cell`})` };
    });
    ms.push((s, r) => {
      // a wide first row followed by many short rows: rows x first-row width must not be allocated blindly
      const side = 45 + r.int(100);
      const width = side * side + 1; // label + a square image, so the header is accepted
      const rows = 2000 + r.int(20_000);
      const first = Array.from({ length: width }, (_, i) => String(i % 256)).join(',');
      return { text: `${first}\n${'1\n'.repeat(rows)}${s}`, desc: `first row of ${width} cells then ${rows} one-cell rows` };
    });
  }
  return ms;
}

function mutateText(seed: string, r: Rng, giant: boolean): { text: string; desc: string } {
  const ms = textMutators(giant);
  let cur = seed;
  const descs: string[] = [];
  if (giant) {
    // always one declared-size mutation (the last two mutators), then maybe more
    const m = ms[ms.length - 1 - r.int(2)](cur, r);
    cur = m.text;
    descs.push(m.desc);
  }
  const k = (giant ? 0 : 1) + (r.chance(0.3) ? r.int(3) : 0);
  for (let i = 0; i < k; i++) {
    if (r.chance(0.15)) {
      const m = r.pick(byteMutators)(new TextEncoder().encode(cur), r);
      cur = new TextDecoder().decode(m.bytes);
      descs.push(`bytes: ${m.desc}`);
    } else {
      const m = r.pick(ms)(cur, r);
      cur = m.text;
      descs.push(m.desc);
    }
  }
  return { text: cur, desc: descs.join('; ') };
}

// ------------------------------------------------------------------ the allocation guard

const allocHits: string[] = [];
const TYPED = ['ArrayBuffer', 'SharedArrayBuffer', 'Uint8Array', 'Uint8ClampedArray', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array'] as const;
type Ctor = new (...args: unknown[]) => unknown;
let saved: [string, Ctor][] = [];

function installAllocGuard(): void {
  const g = globalThis as unknown as Record<string, Ctor>;
  saved = TYPED.map((name) => [name, g[name]]);
  for (const [name, C] of saved) {
    const per = (C as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    g[name] = new Proxy(C, {
      construct(target, args, newTarget) {
        const len = args[0];
        if (typeof len === 'number' && len * per > ALLOC_LIMIT) {
          const msg = `new ${name}(${len}) = ${len * per} bytes`;
          allocHits.push(msg);
          throw new RangeError(`[fuzz allocation guard] ${msg}`);
        }
        return Reflect.construct(target, args, newTarget === g[name] ? target : newTarget) as object;
      },
    });
  }
}

function removeAllocGuard(): void {
  const g = globalThis as unknown as Record<string, Ctor>;
  for (const [name, C] of saved) g[name] = C;
  saved = [];
}

// ------------------------------------------------------------------ running a case

interface Tally {
  cases: number;
  ok: number;
  rejected: number;
  maxMs: number;
  failures: string[];
}

const tallies = new Map<string, Tally>();

function tally(group: string): Tally {
  let t = tallies.get(group);
  if (!t) tallies.set(group, (t = { cases: 0, ok: 0, rejected: 0, maxMs: 0, failures: [] }));
  return t;
}

function selected(group: string, i: number): boolean {
  return ONLY === null || ONLY === `${group}:${i}`;
}

/** Judge one outcome: only InputError naming `names`, bounded message and time, no big allocation. */
function judge(group: string, i: number, desc: string, outcome: { error?: unknown; ms: number; check?: () => string | null }, names: string[], limitMs: number): void {
  const t = tally(group);
  t.cases++;
  t.maxMs = Math.max(t.maxMs, outcome.ms);
  const fail = (why: string) => {
    if (t.failures.length < 20) t.failures.push(`${group}:${i} [${desc}] ${why}`);
  };
  if (allocHits.length) fail(`allocated from a declared size: ${allocHits.splice(0).join(', ')}`);
  if (outcome.ms > limitMs) fail(`took ${outcome.ms.toFixed(0)} ms (limit ${limitMs})`);
  const e = outcome.error;
  if (e === undefined) {
    t.ok++;
    const bad = outcome.check?.();
    if (bad) fail(`accepted but ${bad}`);
    return;
  }
  t.rejected++;
  if (!(e instanceof InputError)) {
    fail(`threw ${(e as Error)?.name ?? typeof e}: ${String((e as Error)?.message ?? e).slice(0, 300)}${(e as Error)?.stack ? `\n${(e as Error).stack!.split('\n').slice(1, 4).join('\n')}` : ''}`);
    return;
  }
  if (!names.some((f) => e.message.includes(f))) fail(`message does not name ${names.join(' or ')}: ${e.message.slice(0, 300)}`);
  if (e.message.length > MAX_MESSAGE) fail(`message of ${e.message.length} chars: ${e.message.slice(0, 200)}…`);
}

function runSync(fn: () => (() => string | null) | void): { error?: unknown; ms: number; check?: () => string | null } {
  const t0 = performance.now();
  try {
    const check = fn() ?? undefined;
    return { ms: performance.now() - t0, check };
  } catch (error) {
    return { error: error ?? new Error('threw undefined'), ms: performance.now() - t0 };
  }
}

async function runAsync(fn: () => Promise<(() => string | null) | void>): Promise<{ error?: unknown; ms: number; check?: () => string | null }> {
  const t0 = performance.now();
  try {
    const check = (await fn()) ?? undefined;
    return { ms: performance.now() - t0, check };
  } catch (error) {
    return { error: error ?? new Error('threw undefined'), ms: performance.now() - t0 };
  }
}

function expectClean(group: string): void {
  const t = tally(group);
  console.log(`[fuzz] ${group}: ${t.cases} cases, ${t.ok} accepted, ${t.rejected} rejected with InputError, slowest ${t.maxMs.toFixed(1)} ms`);
  expect(t.failures, `seed ${SEED}`).toEqual([]);
  if (ONLY === null) expect(t.cases).toBeGreaterThan(0);
}

// ------------------------------------------------------------------ shared fixtures

const corpus = buildCorpus();
const seedBytes = (rel: string) => new Uint8Array(readFileSync(join(HOSTILE_DIR, 'seeds', rel)));
const product = (dims: number[]) => dims.reduce((a, d) => a * d, 1);

let tmp: string;

beforeAll(async () => {
  tmp = await makeTmpDir('rpr-fuzz-');
});

afterAll(async () => {
  removeAllocGuard();
  await removeDir(tmp);
  const total = [...tallies.values()].reduce((a, t) => a + t.cases, 0);
  console.log(`[fuzz] total ${total} cases over ${tallies.size} groups, seed ${SEED}`);
});

// ------------------------------------------------------------------ the corpus itself

describe('the hostile corpus', () => {
  it('on disk is exactly what scripts/make-hostile-fixtures.ts builds, and small', () => {
    const onDisk = new Map<string, Buffer>();
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else onDisk.set(relative(HOSTILE_DIR, p).split('\\').join('/'), readFileSync(p));
      }
    };
    walk(HOSTILE_DIR);
    expect([...onDisk.keys()].sort()).toEqual([...corpus.files.keys()].sort());
    for (const [rel, bytes] of corpus.files) expect(Buffer.compare(onDisk.get(rel)!, Buffer.from(bytes)), rel).toBe(0);
    const total = [...onDisk.values()].reduce((a, b) => a + b.length, 0);
    expect(total).toBeLessThan(512 * 1024);
    expect(corpus.cases.length).toBeGreaterThanOrEqual(60);
  });

  const byVia = (via: string) => corpus.cases.filter((c) => c.via === via);
  const named = (c: HostileCase) => (c.names === '' ? join(HOSTILE_DIR, c.path) : c.names);

  it.each(byVia('import').map((c) => [c.path, c] as const))('import %s fails with its error', async (_p, c) => {
    const err = await importDataset(join(HOSTILE_DIR, c.path)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    expect(msg).toMatch(new RegExp(c.expect));
    expect(msg).toContain(named(c));
    expect(msg.length).toBeLessThan(MAX_MESSAGE);
  });

  it.each(byVia('scores').map((c) => [c.path, c] as const))('scores %s fails with its error', (_p, c) => {
    const file = join(HOSTILE_DIR, c.path);
    expect(() => parseScoresCsv(readFileSync(file, 'utf8'), file)).toThrow(InputError);
    expect(() => parseScoresCsv(readFileSync(file, 'utf8'), file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*${c.expect}`));
  });

  describe('models', () => {
    beforeAll(async () => {
      await initBackend({ force: 'cpu' });
    });
    it.each(byVia('model').map((c) => [c.path, c] as const))('model %s fails with its error', async (_p, c) => {
      installAllocGuard();
      const ds = c.dataset ?? { height: 4, width: 4, channels: 1 as const, numClasses: 3 };
      const before = tf.memory().numTensors;
      const err = await loadModel(join(HOSTILE_DIR, c.path), { expect: { shape: { height: ds.height, width: ds.width, channels: ds.channels }, numClasses: ds.numClasses } }).then(
        () => null,
        (e: unknown) => e,
      );
      removeAllocGuard();
      expect(allocHits.splice(0)).toEqual([]);
      expect(err).toBeInstanceOf(InputError);
      const msg = (err as Error).message;
      expect(msg).toMatch(new RegExp(c.expect));
      expect(msg).toContain(named(c));
      expect(tf.memory().numTensors).toBe(before); // a refused model leaks no tensors
    });
  });
});

// ------------------------------------------------------------------ codec fuzzing

describe('fuzzing the codecs', () => {
  beforeAll(() => installAllocGuard());
  afterAll(() => removeAllocGuard());

  it('IDX (decodeIdx)', () => {
    const seeds = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 'images-idx4-rgb', 'floats-idx2-f32', 'shorts-idx1-i16'].map((f) => seedBytes(`idx/${f}`));
    const group = 'idx';
    for (let i = 0; i < n(1600); i++) {
      if (!selected(group, i)) continue;
      const r = caseRng(group, i);
      const { bytes, desc } = stack(r.pick(seeds), r, idxMutators, 0.4);
      const file = `fuzz-${i}-idx3-ubyte`;
      const out = runSync(() => {
        const a = decodeIdx(bytes, file);
        return () => (a.data.length !== product(a.dims) ? `data length ${a.data.length} for dims ${a.dims.join('x')}` : null);
      });
      judge(group, i, desc, out, [file], CODEC_CASE_MS);
    }
    expectClean(group);
  });

  it('gzipped IDX (maybeGunzip, then decodeIdx)', () => {
    const payload = seedBytes('idx/train-images-idx3-ubyte');
    const gz = seedBytes('idx/train-images-idx3-ubyte.gz');
    const group = 'idx-gz';
    const extra = gzipMutators(payload);
    for (let i = 0; i < n(900); i++) {
      if (!selected(group, i)) continue;
      const r = caseRng(group, i);
      const { bytes, desc } = stack(gz, r, extra, 0.5);
      const file = r.chance(0.8) ? `fuzz-${i}-images-idx3-ubyte.gz` : `fuzz-${i}-images-idx3-ubyte`;
      const out = runSync(() => {
        const raw = maybeGunzip(bytes, file);
        const a = decodeIdx(raw, file);
        return () => (a.data.length !== product(a.dims) ? 'inconsistent dims' : null);
      });
      judge(group, i, desc, out, [file], CODEC_CASE_MS);
    }
    expectClean(group);
  });

  it('PNG (decodePng)', () => {
    const seeds = ['gray8.png', 'rgb8.png', 'filters-rgba8.png', 'graya16.png', 'gray2.png', 'palette4.png'].map((f) => seedBytes(`png/${f}`));
    const group = 'png';
    for (let i = 0; i < n(1700); i++) {
      if (!selected(group, i)) continue;
      const r = caseRng(group, i);
      const { bytes, desc } = stack(r.pick(seeds), r, pngMutators, 0.6);
      const file = `cls/fuzz-${i}.png`;
      const out = runSync(() => {
        const d = decodePng(bytes, file);
        return () => (d.data.length !== d.width * d.height * d.channels || d.width < 1 || d.height < 1 ? `${d.width}x${d.height}x${d.channels} with ${d.data.length} bytes` : null);
      });
      judge(group, i, desc, out, [file], CODEC_CASE_MS);
    }
    expectClean(group);
  });

  it('JPEG (decodeJpeg)', () => {
    const seeds = ['rgb16.jpg', 'rgb8-q50.jpg'].map((f) => seedBytes(`jpeg/${f}`));
    const group = 'jpeg';
    for (let i = 0; i < n(800); i++) {
      if (!selected(group, i)) continue;
      const r = caseRng(group, i);
      const { bytes, desc } = stack(r.pick(seeds), r, jpegMutators, 0.4);
      const file = `cls/fuzz-${i}.jpg`;
      const out = runSync(() => {
        const d = decodeJpeg(bytes, file);
        return () => (d.data.length !== d.width * d.height * d.channels || d.width < 1 || d.height < 1 ? `${d.width}x${d.height}x${d.channels} with ${d.data.length} bytes` : null);
      });
      judge(group, i, desc, out, [file], CODEC_CASE_MS);
    }
    expectClean(group);
  });

  it('CSV (parseCsv), including giant rows', () => {
    const seeds = ['plain.csv', 'header-split.csv', 'unit-rgb.csv'].map((f) => new TextDecoder().decode(seedBytes(`csv/${f}`)));
    const group = 'csv';
    for (let i = 0; i < n(1500); i++) {
      if (!selected(group, i)) continue;
      const r = caseRng(group, i);
      const { text, desc } = mutateText(r.pick(seeds), r, r.chance(0.15));
      const file = `fuzz-${i}.csv`;
      const out = runSync(() => {
        const t = parseCsv(text, file);
        const size = t.shape.height * t.shape.width * t.shape.channels;
        return () =>
          t.pixels.length !== t.count * size || t.labels.length !== t.count || (t.splitOf !== null && t.splitOf.length !== t.count) || t.count < 1
            ? `count ${t.count}, ${t.pixels.length} pixel bytes, ${t.labels.length} labels for ${size}-byte images`
            : null;
      });
      judge(group, i, desc, out, [file], CODEC_CASE_MS);
    }
    expectClean(group);
  });

  it('scores CSV (parseScoresCsv)', () => {
    const seed = new TextDecoder().decode(seedBytes('scores/scores.csv'));
    const group = 'scores';
    for (let i = 0; i < n(800); i++) {
      if (!selected(group, i)) continue;
      const r = caseRng(group, i);
      const { text, desc } = mutateText(seed, r, r.chance(0.1));
      const file = `fuzz-${i}-scores.csv`;
      const out = runSync(() => {
        const rows = parseScoresCsv(text, file);
        return () => (rows.some((x) => !Number.isSafeInteger(x.index) || !Number.isSafeInteger(x.steps) || (x.robust && x.foolPred >= 0)) ? 'a row with bad numbers' : null);
      });
      judge(group, i, desc, out, [file], CODEC_CASE_MS);
    }
    expectClean(group);
  });
});

// ------------------------------------------------------------------ model.json fuzzing

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value in `j`. */
function jsonPaths(j: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(j)) j.forEach((v, i) => jsonPaths(v, [...at, i], out));
  else if (j && typeof j === 'object') for (const k of Object.keys(j)) jsonPaths(j[k], [...at, k], out);
  return out;
}

const JSON_VALUES: Json[] = [null, 0, -1, 1, 2, 3, 1e9, 2 ** 31, -(2 ** 31), 1e308, 0.5, '', 'float32', 'int32', 'string', 'relu', 'Dense', [], {}, [null], [1e6, 1e6], true, false];

function mutateJson(root: Json, r: Rng): string {
  const paths = jsonPaths(root).filter((p) => p.length > 0);
  const p = r.pick(paths);
  let parent = root as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
  const key = p[p.length - 1];
  const op = r.int(4);
  if (op === 0) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
    return `delete ${p.join('.')}`;
  }
  if (op === 1 && typeof parent[key] === 'number') {
    const v = r.pick([0, -1, 1e6, 2 ** 32, 0.5, NaN]) as number;
    parent[key] = Number.isNaN(v) ? (parent[key] as number) * 1000 : v;
    return `${p.join('.')} = ${String(parent[key])}`;
  }
  if (op === 2 && Array.isArray(parent)) {
    parent.push(structuredClone(parent[key as number]));
    return `duplicate ${p.join('.')}`;
  }
  parent[key] = structuredClone(r.pick(JSON_VALUES));
  return `${p.join('.')} = ${JSON.stringify(parent[key])}`;
}

describe('fuzzing model.json + weight shards (loadModel, cpu backend)', () => {
  beforeAll(async () => {
    await initBackend({ force: 'cpu' });
    installAllocGuard();
  });
  afterAll(() => removeAllocGuard());

  const models = [
    { dir: 'tiny-cnn', shard: 'group1-shard1of1.bin', expect: { shape: { height: 4, width: 4, channels: 1 as const }, numClasses: 3 } },
    { dir: 'tiny-graph', shard: 'w.bin', expect: { shape: { height: 2, width: 2, channels: 1 as const }, numClasses: 3 } },
  ];

  it('mutated model.json, shards and rpr.json give InputError or a model that fits', async () => {
    const group = 'model';
    const base = join(tmp, 'models');
    for (let i = 0; i < n(150); i++) {
      if (!selected(group, i)) continue;
      const r = caseRng(group, i);
      const m = models[i % 3 === 2 ? 1 : 0];
      const jsonText = readFileSync(join(HOSTILE_DIR, 'seeds', 'model', m.dir, 'model.json'), 'utf8');
      let shard: Uint8Array = seedBytes(`model/${m.dir}/${m.shard}`);
      let text = jsonText;
      let desc: string;
      const kind = r.int(10);
      if (kind < 6) {
        const j = JSON.parse(jsonText) as Json;
        const descs = [mutateJson(j, r)];
        if (r.chance(0.3)) descs.push(mutateJson(j, r));
        text = JSON.stringify(j);
        desc = `json: ${descs.join('; ')}`;
      } else if (kind < 8) {
        const res = stack(new TextEncoder().encode(jsonText), r);
        text = new TextDecoder().decode(res.bytes);
        desc = `model.json bytes: ${res.desc}`;
      } else {
        const res = stack(shard, r);
        shard = res.bytes;
        desc = `shard bytes: ${res.desc}`;
      }
      const dir = join(base, `case-${i}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'model.json'), text);
      writeFileSync(join(dir, m.shard), shard);
      if (r.chance(0.1)) writeFileSync(join(dir, 'rpr.json'), r.pick(['{', '[]', 'null', '{"input":{"scale":"weird"}}', '{"input":{"scale":{"mean":"a","std":0}}}', '{"input":{"scale":"signed"}}']));
      const out = await runAsync(async () => {
        const { model, info } = await loadModel(dir, { expect: m.expect });
        model.dispose();
        return () => (info.numClasses !== 3 ? `numClasses ${info.numClasses}` : null);
      });
      judge(group, i, desc, out, [dir], SLOW_CASE_MS);
      await rm(dir, { recursive: true, force: true });
    }
    expectClean(group);
  });
});

// ------------------------------------------------------------------ importer fuzzing

interface ImportSeed {
  name: string;
  files: Record<string, Uint8Array>;
  mutate: (rel: string, b: Uint8Array, r: Rng) => { bytes: Uint8Array; desc: string };
}

function importSeeds(): ImportSeed[] {
  const idx = {
    'train-images-idx3-ubyte.gz': seedBytes('idx/train-images-idx3-ubyte.gz'),
    'train-labels-idx1-ubyte': seedBytes('idx/train-labels-idx1-ubyte'),
    't10k-images-idx3-ubyte': seedBytes('idx/train-images-idx3-ubyte'),
    't10k-labels-idx1-ubyte': seedBytes('idx/train-labels-idx1-ubyte'),
  };
  const png = seedBytes('png/gray8.png');
  const folder: Record<string, Uint8Array> = {};
  for (let k = 0; k < 6; k++) folder[`${['a', 'b', 'c'][k % 3]}/img${k}.png`] = png;
  folder['b/photo.jpg'] = seedBytes('jpeg/rgb8-q50.jpg');
  folder['c/rgba.png'] = seedBytes('png/filters-rgba8.png');
  const csvDir = { 'train.csv': seedBytes('csv/plain.csv'), 'test.csv': seedBytes('csv/plain.csv') };
  const cifar10 = { 'data_batch_1.bin': seedBytes('cifar/data_batch_1.bin'), 'test_batch.bin': seedBytes('cifar/data_batch_1.bin') };
  const cifar100 = { 'train.bin': seedBytes('cifar/train.bin'), 'test.bin': seedBytes('cifar/train.bin') };
  const byExt = (rel: string, b: Uint8Array, r: Rng) => {
    if (rel.endsWith('.gz')) return stack(b, r, gzipMutators(seedBytes('idx/train-images-idx3-ubyte')), 0.5);
    if (rel.includes('idx') || rel.endsWith('.bin')) return stack(b, r, idxMutators, 0.4);
    if (rel.endsWith('.png')) return stack(b, r, pngMutators, 0.6);
    if (rel.endsWith('.jpg')) return stack(b, r, jpegMutators, 0.4);
    const m = mutateText(new TextDecoder().decode(b), r, r.chance(0.1));
    return { bytes: new TextEncoder().encode(m.text), desc: m.desc };
  };
  return [
    { name: 'idx', files: idx, mutate: byExt },
    { name: 'imagefolder', files: folder, mutate: byExt },
    { name: 'csv', files: csvDir, mutate: byExt },
    { name: 'cifar-10', files: cifar10, mutate: byExt },
    { name: 'cifar-100', files: cifar100, mutate: byExt },
  ];
}

async function writeCase(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  }
}

function checkImported(ds: ImportedDataset): string | null {
  const size = ds.shape.height * ds.shape.width * ds.shape.channels;
  for (const s of ds.splits) {
    if (s.images.data.length !== s.images.count * size) return `split ${s.name}: ${s.images.data.length} bytes for ${s.images.count} images of ${size}`;
    if (s.labels.length !== s.images.count) return `split ${s.name}: ${s.labels.length} labels for ${s.images.count} images`;
    if (s.labels.some((l) => l >= ds.classNames.length)) return `split ${s.name}: a label beyond ${ds.classNames.length} classes`;
  }
  return ds.splits.length ? null : 'no splits';
}

describe('fuzzing the importers (importDataset on temp folders)', () => {
  beforeAll(() => installAllocGuard());
  afterAll(() => removeAllocGuard());

  it('one mutated file per dataset folder', async () => {
    const seeds = importSeeds();
    const group = 'import';
    for (let i = 0; i < n(180); i++) {
      if (!selected(group, i)) continue;
      const r = caseRng(group, i);
      const s = seeds[i % seeds.length];
      const rels = Object.keys(s.files);
      const victim = r.pick(rels);
      const m = s.mutate(victim, s.files[victim], r);
      const dir = join(tmp, 'imports', `case-${i}`);
      await writeCase(dir, { ...s.files, [victim]: m.bytes });
      const out = await runAsync(async () => {
        const ds = await importDataset(dir);
        return () => checkImported(ds);
      });
      judge(group, i, `${s.name} ${victim}: ${m.desc}`, out, [dir, victim], SLOW_CASE_MS);
      await rm(dir, { recursive: true, force: true });
    }
    expectClean(group);
  });
});

// ------------------------------------------------------------------ the workspace survives

/** Every row of every table: the database compared by content (its WAL pages may be rewritten). */
function dbDump(dir: string): Record<string, unknown[]> {
  const db = new Database(join(dir, 'workspace.db'), { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    const rows = (t: string) => (db.prepare(`SELECT * FROM "${t}"`).raw(true).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    return Object.fromEntries(tables.map((t) => [t, rows(t)]));
  } finally {
    db.close();
  }
}

/** Files and their hashes; the database files by their content (dbDump), not their bytes. */
function snapshot(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = { database: dbDump(dir) };
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p).split('\\').join('/');
      if (e.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(p);
      } else if (/^workspace\.db(-wal|-shm)?$/.test(rel)) out[rel] = 'database file';
      else out[rel] = `${statSync(p).size}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

describe('hostile imports through the services leave the workspace unchanged', () => {
  it('datasets.import fails with a clear error for every corpus case and fuzzed folder; same datasets, files and integrity', async () => {
    const wsDir = join(tmp, 'workspace');
    const ws = openWorkspace(wsDir, { create: true });
    const good = await importDataset(MNIST_SMALL, { split: 'test' });
    ws.datasets.insert(good, 'mnist-small test');
    const datasetsBefore = ws.datasets.list();
    expect(datasetsBefore).toHaveLength(1);
    expect(ws.integrityCheck()).toBe('ok');
    ws.close();
    const before = snapshot(wsDir);
    expect(Object.keys(before).some((f) => f.startsWith('pixels/') && f.endsWith('.u8'))).toBe(true);

    const services = createServices({ version: 'fuzz', dataDir: join(tmp, 'data'), transport: 'loopback' });
    await services.call('workspace.open', { path: wsDir });
    const inputs: { path: string; names: string[]; expect?: RegExp; desc: string }[] = corpus.cases
      .filter((c) => c.via === 'import')
      .map((c) => ({ path: join(HOSTILE_DIR, c.path), names: [c.names === '' ? join(HOSTILE_DIR, c.path) : c.names], expect: new RegExp(c.expect), desc: c.path }));
    // plus fuzzed folders that the importers refuse
    const seeds = importSeeds();
    for (let i = 0; inputs.length < corpus.cases.filter((c) => c.via === 'import').length + n(30) && i < n(300); i++) {
      const r = caseRng('services', i);
      const s = seeds[i % seeds.length];
      const victim = r.pick(Object.keys(s.files));
      const m = s.mutate(victim, s.files[victim], r);
      const dir = join(tmp, 'svc', `case-${i}`);
      await writeCase(dir, { ...s.files, [victim]: m.bytes });
      const refused = await importDataset(dir).then(
        () => false,
        () => true,
      );
      if (refused) inputs.push({ path: dir, names: [dir, victim], desc: `${s.name} ${victim}: ${m.desc}` });
    }
    const failures: string[] = [];
    for (const input of inputs) {
      const { jobId } = await services.call('datasets.import', { path: input.path });
      const job = await services.app.jobs.settle(jobId);
      const err = job.error ?? '';
      if (job.status !== 'failed') failures.push(`${input.desc}: status ${job.status}`);
      else if (!input.names.some((f) => err.includes(f))) failures.push(`${input.desc}: error does not name ${input.names.join(' or ')}: ${err}`);
      else if (input.expect && !input.expect.test(err)) failures.push(`${input.desc}: ${err} does not match ${input.expect}`);
      else if (err.length > MAX_MESSAGE) failures.push(`${input.desc}: ${err.length}-char error`);
    }
    console.log(`[fuzz] services: ${inputs.length} hostile imports through datasets.import`);
    expect(failures).toEqual([]);
    expect(await services.call('datasets.list', {})).toEqual(datasetsBefore);
    await services.app.close();

    expect(snapshot(wsDir)).toEqual(before);
    const again = openWorkspace(wsDir);
    try {
      expect(again.integrityCheck()).toBe('ok');
      expect(again.datasets.list()).toEqual(datasetsBefore);
    } finally {
      again.close();
    }
  });
});
