/// <reference lib="dom" />
/** Read back what the grid drew for one cell (row canvas pixels), for e2e tests and the browse bench. */
import type { Page } from 'playwright-core';

/** RGB of every source pixel of the image drawn in cell `pos` (sampled at pixel centres), or null. */
export async function drawnImage(page: Page, pos: number, shape: { height: number; width: number }, zoom: number): Promise<number[] | null> {
  return page.evaluate(
    ({ pos, w, h, zoom }) => {
      const cell = document.querySelector<HTMLElement>(`[data-testid="cell"][data-pos="${pos}"]`);
      if (!cell) return null;
      const row = cell.closest('.grid-row');
      const grid = row?.closest('.grid');
      const canvas = row?.querySelector<HTMLCanvasElement>('canvas.row-canvas');
      const ctx = canvas?.getContext('2d');
      if (!row || !grid || !canvas || !ctx) return null;
      const k = [...row.querySelectorAll('[data-testid="cell"]')].indexOf(cell);
      const dpr = canvas.width / parseFloat(canvas.style.width || String(canvas.width));
      const style = getComputedStyle(grid);
      const pitch = parseFloat(style.getPropertyValue('--thumb')) + parseFloat(style.getPropertyValue('--gap'));
      const x0 = Math.round(k * pitch * dpr);
      const stride = Math.round(w * zoom * dpr);
      const data = ctx.getImageData(x0, 0, stride, Math.round(h * zoom * dpr)).data;
      const out: number[] = [];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const o = (Math.floor((y + 0.5) * zoom * dpr) * stride + Math.floor((x + 0.5) * zoom * dpr)) * 4;
          out.push(data[o], data[o + 1], data[o + 2]);
        }
      }
      return out;
    },
    { pos, w: shape.width, h: shape.height, zoom },
  );
}

/** Source pixels as RGB triples (gray repeated), to compare with drawnImage. */
export function asRgb(pixels: Uint8Array, channels: number): number[] {
  if (channels === 3) return Array.from(pixels);
  const out: number[] = [];
  for (const v of pixels) out.push(v, v, v);
  return out;
}
