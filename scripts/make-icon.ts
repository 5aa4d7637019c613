/**
 * Draws the app icon: a 28×28 MNIST-style "7" on a pixel grid, with k = 28 pixels perturbed
 * the way the paper's scheme does it (positions drawn with replacement, values 0..254) shown in
 * orange. Writes resources/icon.png (512×512 RGB, by src-main/core/png.ts) and the same picture
 * as resources/icon.svg. Deterministic: running it again gives identical bytes.
 * Run: npx tsx scripts/make-icon.ts
 */
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng, type PngInput } from '../src-main/core/png';
import { mulberry32 } from '../src-main/core/mulberry32';

export const ICON_SIZE = 512;
export const GRID = 28;
export const PERTURBED_PIXELS = 28;
const CELL = 16;
const MARGIN = (ICON_SIZE - GRID * CELL) / 2;

type Rgb = readonly [number, number, number];
const BG_TOP: Rgb = [0x1f, 0x2f, 0x52];
const BG_BOTTOM: Rgb = [0x0c, 0x14, 0x26];
const CELL_OFF: Rgb = [0x16, 0x22, 0x3c];
const INK: Rgb = [0xec, 0xf1, 0xfa];
const HOT_LOW: Rgb = [0x6a, 0x2c, 0x0e];
const HOT_HIGH: Rgb = [0xff, 0xa4, 0x5c];

// the digit's strokes in grid units (cell centres at i + 0.5)
const STROKES: ReadonlyArray<readonly [number, number, number, number]> = [
  [7, 7, 21, 7],
  [21, 7, 12.5, 23],
  [11, 15.5, 19, 15.5],
];
const HALF_WIDTH = 1.55;

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)) as unknown as Rgb;
}

function segmentDistance(px: number, py: number, [x0, y0, x1, y1]: readonly [number, number, number, number]): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const t = Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}

/** Ink coverage 0..1 of grid cell (gx, gy): 4×4 supersampling of a soft-edged stroke. */
function coverage(gx: number, gy: number): number {
  let sum = 0;
  for (let sy = 0; sy < 4; sy++) {
    for (let sx = 0; sx < 4; sx++) {
      const px = gx + (sx + 0.5) / 4;
      const py = gy + (sy + 0.5) / 4;
      const d = Math.min(...STROKES.map((s) => segmentDistance(px, py, s)));
      sum += Math.max(0, Math.min(1, (HALF_WIDTH + 0.6 - d) / 1.2));
    }
  }
  return sum / 16;
}


/** The colour of each of the 28×28 cells, row-major. */
export function iconCells(): Rgb[] {
  const cells: Rgb[] = [];
  for (let gy = 0; gy < GRID; gy++) for (let gx = 0; gx < GRID; gx++) cells.push(mix(CELL_OFF, INK, coverage(gx, gy)));
  const next = mulberry32(2020);
  for (let i = 0; i < PERTURBED_PIXELS; i++) {
    const pos = Math.floor(next() * GRID * GRID);
    const value = Math.floor(next() * 255); // 0..254, as in the paper's scheme
    cells[pos] = mix(HOT_LOW, HOT_HIGH, value / 254);
  }
  return cells;
}

function background(y: number): Rgb {
  return mix(BG_TOP, BG_BOTTOM, y / (ICON_SIZE - 1));
}

/** The icon as 512×512 RGB pixels. */
export function renderIcon(): PngInput {
  const cells = iconCells();
  const data = new Uint8Array(ICON_SIZE * ICON_SIZE * 3);
  for (let y = 0; y < ICON_SIZE; y++) {
    const bg = background(y);
    for (let x = 0; x < ICON_SIZE; x++) {
      let c: Rgb = bg;
      const gx = Math.floor((x - MARGIN) / CELL);
      const gy = Math.floor((y - MARGIN) / CELL);
      // a 1-pixel gutter on the right and bottom of every cell shows the pixel grid
      if (gx >= 0 && gy >= 0 && gx < GRID && gy < GRID && (x - MARGIN) % CELL !== CELL - 1 && (y - MARGIN) % CELL !== CELL - 1) c = cells[gy * GRID + gx];
      data.set(c, (y * ICON_SIZE + x) * 3);
    }
  }
  return { width: ICON_SIZE, height: ICON_SIZE, channels: 3, data };
}

const hex = (c: Rgb): string => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');

/** The same picture as SVG (cells as rects over a gradient). */
export function iconSvg(): string {
  const cells = iconCells();
  const rects = cells.map((c, i) => `<rect x="${MARGIN + (i % GRID) * CELL}" y="${MARGIN + Math.floor(i / GRID) * CELL}" width="${CELL - 1}" height="${CELL - 1}" fill="${hex(c)}"/>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${ICON_SIZE}" height="${ICON_SIZE}" viewBox="0 0 ${ICON_SIZE} ${ICON_SIZE}">`,
    '<title>RPR Curator</title>',
    `<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hex(BG_TOP)}"/><stop offset="1" stop-color="${hex(BG_BOTTOM)}"/></linearGradient></defs>`,
    `<rect width="${ICON_SIZE}" height="${ICON_SIZE}" fill="url(#bg)"/>`,
    ...rects,
    '</svg>',
    '',
  ].join('\n');
}

function writeAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

function main(): void {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources');
  const png = encodePng(renderIcon());
  writeAtomic(join(dir, 'icon.png'), png);
  writeAtomic(join(dir, 'icon.svg'), iconSvg());
  console.log(`wrote resources/icon.png (${png.length} bytes) and resources/icon.svg`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
