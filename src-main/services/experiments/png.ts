/**
 * PNG of an SVG chart, rasterized by sharp (libvips + librsvg) at twice the SVG's size for
 * crisp text. sharp is loaded on first use: importing this module loads no native code.
 */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  const sharp = (await import('sharp')).default;
  const buf = await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
