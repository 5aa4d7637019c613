/**
 * Small SVG charts for reports (no canvas, no fonts to install): a line chart with optional
 * confidence bands and a grouped bar chart. Pure string builders.
 */
export interface LineSeries {
  name: string;
  values: readonly number[];
  lo?: readonly number[];
  hi?: readonly number[];
  color?: string;
}

export interface BarSeries {
  name: string;
  values: readonly number[];
  color?: string;
}

export interface ChartFrame {
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  yMin?: number;
  yMax?: number;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const M = { left: 56, right: 150, top: 36, bottom: 44 };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function n(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x * 100) / 100) : '0';
}

function frame(f: ChartFrame, body: string, legend: { name: string; color: string }[], xTicks: string, yMin: number, yMax: number): string {
  const w = f.width ?? 720;
  const h = f.height ?? 400;
  const ih = h - M.top - M.bottom;
  const yTicks: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const v = yMin + ((yMax - yMin) * i) / 5;
    const y = M.top + ih - (ih * i) / 5;
    yTicks.push(`<line x1="${M.left}" x2="${w - M.right}" y1="${n(y)}" y2="${n(y)}" stroke="#ddd"/><text x="${M.left - 6}" y="${n(y + 4)}" text-anchor="end">${n(v)}</text>`);
  }
  const leg = legend
    .map((l, i) => `<rect x="${w - M.right + 12}" y="${M.top + i * 20}" width="12" height="12" fill="${l.color}"/><text x="${w - M.right + 30}" y="${M.top + i * 20 + 10}">${escapeXml(l.name)}</text>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="#fff"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(f.title)}</text>`,
    yTicks.join(''),
    xTicks,
    body,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ih}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${w - M.right}" y1="${M.top + ih}" y2="${M.top + ih}" stroke="#333"/>`,
    f.xLabel ? `<text x="${(M.left + w - M.right) / 2}" y="${h - 8}" text-anchor="middle">${escapeXml(f.xLabel)}</text>` : '',
    f.yLabel ? `<text transform="translate(14 ${M.top + ih / 2}) rotate(-90)" text-anchor="middle">${escapeXml(f.yLabel)}</text>` : '',
    leg,
    '</svg>',
  ].join('\n');
}

/** x runs 1..length of the longest series. */
export function lineChart(f: ChartFrame, series: readonly LineSeries[]): string {
  const w = f.width ?? 720;
  const h = f.height ?? 400;
  const iw = w - M.left - M.right;
  const ih = h - M.top - M.bottom;
  const len = Math.max(1, ...series.map((s) => s.values.length));
  const yMin = f.yMin ?? 0;
  const yMax = f.yMax ?? 1;
  const x = (i: number) => M.left + (len === 1 ? iw / 2 : (iw * i) / (len - 1));
  const y = (v: number) => M.top + ih - (ih * (Math.min(yMax, Math.max(yMin, v)) - yMin)) / (yMax - yMin || 1);
  const body = series
    .map((s, k) => {
      const color = s.color ?? PALETTE[k % PALETTE.length];
      const line = s.values.map((v, i) => `${i === 0 ? 'M' : 'L'}${n(x(i))},${n(y(v))}`).join('');
      let band = '';
      if (s.lo && s.hi && s.lo.length === s.values.length) {
        const top = s.hi.map((v, i) => `${i === 0 ? 'M' : 'L'}${n(x(i))},${n(y(v))}`).join('');
        const bottom = [...s.lo].map((v, i) => [i, v] as const).reverse().map(([i, v]) => `L${n(x(i))},${n(y(v))}`).join('');
        band = `<path d="${top}${bottom}Z" fill="${color}" fill-opacity="0.18" stroke="none"/>`;
      }
      return `${band}<path d="${line}" fill="none" stroke="${color}" stroke-width="2"/>`;
    })
    .join('\n');
  const ticks: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const idx = Math.round(((len - 1) * i) / 5);
    ticks.push(`<text x="${n(x(idx))}" y="${M.top + ih + 16}" text-anchor="middle">${idx + 1}</text>`);
  }
  return frame(f, body, series.map((s, k) => ({ name: s.name, color: s.color ?? PALETTE[k % PALETTE.length] })), ticks.join(''), yMin, yMax);
}

export function barChart(f: ChartFrame, categories: readonly string[], series: readonly BarSeries[]): string {
  const w = f.width ?? 720;
  const h = f.height ?? 400;
  const iw = w - M.left - M.right;
  const ih = h - M.top - M.bottom;
  const yMin = f.yMin ?? 0;
  const yMax = f.yMax ?? Math.max(1e-9, ...series.flatMap((s) => s.values));
  const group = iw / Math.max(1, categories.length);
  const bw = (group * 0.8) / Math.max(1, series.length);
  const y = (v: number) => M.top + ih - (ih * (Math.min(yMax, Math.max(yMin, v)) - yMin)) / (yMax - yMin || 1);
  const bars = series
    .map((s, k) => {
      const color = s.color ?? PALETTE[k % PALETTE.length];
      return s.values
        .map((v, i) => {
          const x0 = M.left + i * group + group * 0.1 + k * bw;
          return `<rect x="${n(x0)}" y="${n(y(v))}" width="${n(bw)}" height="${n(M.top + ih - y(v))}" fill="${color}"><title>${escapeXml(`${s.name} ${categories[i]}: ${v}`)}</title></rect>`;
        })
        .join('');
    })
    .join('\n');
  const ticks = categories.map((c, i) => `<text x="${n(M.left + i * group + group / 2)}" y="${M.top + ih + 16}" text-anchor="middle">${escapeXml(c)}</text>`).join('');
  return frame(f, bars, series.map((s, k) => ({ name: s.name, color: s.color ?? PALETTE[k % PALETTE.length] })), ticks, yMin, yMax);
}
