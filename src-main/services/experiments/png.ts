/**
 * PNG of an SVG chart, rasterized by sharp (libvips + librsvg) at twice the SVG's size for
 * crisp text. sharp comes from the one native loader, on first use: importing this module
 * loads no native code.
 */
import { loadSharp } from '../native/sharp-loader';

export async function svgToPng(svg: string): Promise<Uint8Array> {
  const { sharp, reason } = loadSharp();
  if (!sharp) throw new Error(`PNG charts need sharp (libvips), which could not load here: ${reason}`);
  const buf = await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
