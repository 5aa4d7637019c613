/**
 * Binary frames: how thumbnails and sort/filter columns cross the transports (IPC and
 * loopback) as raw bytes, never JSON arrays of numbers.
 *
 *   bytes 0..3  "RPRF"
 *   byte  4     version (1)
 *   byte  5     kind: 1 = thumbs, 2 = typed arrays
 *   bytes 6..7  0
 *   bytes 8..11 header length L (uint32, little-endian)
 *   bytes 12..  header: UTF-8 JSON, L bytes, then spaces up to a multiple of 8
 *   then        payload
 *
 * thumbs: header { shape: {height, width, channels}, datasetId, split, offset, count,
 *         indices? } and payload the raw uint8 images, count·H·W·C bytes (image k is split
 *         index offset+k, or indices[k] when the frame names indices).
 * typed:  header { value, arrays: [{ type, byteOffset, length }] }; `value` is the JSON
 *         value with each typed array replaced by {"$ta": i}; array i starts at
 *         payload byteOffset (8-aligned, so the reader makes views, no copies).
 *
 * Pure (TextEncoder only), in the contract: main and the renderer share this one codec, and a
 * unit test checks that each decodes what the other encodes.
 */

export const FRAME_MAGIC = 'RPRF';
export const FRAME_VERSION = 1;
export const KIND_THUMBS = 1;
export const KIND_TYPED = 2;

export interface ThumbsHeader {
  shape: { height: number; width: number; channels: number };
  datasetId: string;
  split: string;
  offset: number;
  count: number;
  indices?: number[];
}

export interface ThumbsFrame extends ThumbsHeader {
  pixels: Uint8Array;
}

type TypedArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
const CTORS = { Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array } as const;
type TypeName = keyof typeof CTORS;

const pad8 = (n: number) => (n + 7) & ~7;

function frame(kind: number, header: unknown, payloadBytes: number): { out: Uint8Array; payloadAt: number } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = pad8(12 + json.length);
  const out = new Uint8Array(start + payloadBytes);
  for (let i = 0; i < 4; i++) out[i] = FRAME_MAGIC.charCodeAt(i);
  out[4] = FRAME_VERSION;
  out[5] = kind;
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.fill(0x20, 12 + json.length, start);
  return { out, payloadAt: start };
}

function open(bytes: Uint8Array): { kind: number; header: unknown; payloadAt: number } {
  if (bytes.length < 12) throw new Error(`binary frame too short (${bytes.length} bytes)`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== FRAME_MAGIC.charCodeAt(i)) throw new Error('not a binary frame (bad magic)');
  if (bytes[4] !== FRAME_VERSION) throw new Error(`binary frame version ${bytes[4]} is not supported (expected ${FRAME_VERSION})`);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + len > bytes.length) throw new Error(`binary frame header of ${len} bytes runs past the frame (${bytes.length} bytes)`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as unknown;
  return { kind: bytes[5], header, payloadAt: pad8(12 + len) };
}

export function encodeThumbs(h: ThumbsHeader, pixels: Uint8Array): Uint8Array {
  const size = h.shape.height * h.shape.width * h.shape.channels;
  if (pixels.length !== h.count * size) throw new RangeError(`thumbs frame: ${pixels.length} bytes for ${h.count} images of ${size}`);
  const { out, payloadAt } = frame(KIND_THUMBS, h, pixels.length);
  out.set(pixels, payloadAt);
  return out;
}

export function decodeThumbs(bytes: Uint8Array): ThumbsFrame {
  const { kind, header, payloadAt } = open(bytes);
  if (kind !== KIND_THUMBS) throw new Error(`expected a thumbs frame, got kind ${kind}`);
  const h = header as ThumbsHeader;
  const size = h.shape.height * h.shape.width * h.shape.channels;
  if (bytes.length - payloadAt !== h.count * size) throw new Error(`thumbs frame holds ${bytes.length - payloadAt} pixel bytes, expected ${h.count} x ${size}`);
  return { ...h, pixels: bytes.subarray(payloadAt) };
}

function typeName(v: unknown): TypeName | null {
  if (!ArrayBuffer.isView(v)) return null;
  for (const k of Object.keys(CTORS) as TypeName[]) if (v instanceof CTORS[k]) return k;
  return null;
}

/** True when a value holds a typed array other than at its top (those go as typed frames). */
export function hasTypedArrays(value: unknown, depth = 0): boolean {
  if (depth > 0 && typeName(value)) return true;
  if (depth > 4 || !value || typeof value !== 'object' || ArrayBuffer.isView(value)) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (hasTypedArrays(v, depth + 1)) return true;
  return false;
}

export function encodeTyped(value: unknown): Uint8Array {
  const arrays: { type: TypeName; byteOffset: number; length: number; data: TypedArray }[] = [];
  let bytes = 0;
  const json = JSON.parse(
    JSON.stringify(value, function (this: unknown, key, v: unknown) {
      const raw = (this as Record<string, unknown>)[key];
      const t = typeName(raw);
      if (!t) return v;
      const data = raw as TypedArray;
      arrays.push({ type: t, byteOffset: bytes, length: data.length, data });
      bytes = pad8(bytes + data.byteLength);
      return { $ta: arrays.length - 1 };
    }) ?? 'null',
  ) as unknown;
  const { out, payloadAt } = frame(KIND_TYPED, { value: json, arrays: arrays.map(({ type, byteOffset, length }) => ({ type, byteOffset, length })) }, bytes);
  for (const a of arrays) out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), payloadAt + a.byteOffset);
  return out;
}

export function decodeTyped(bytes: Uint8Array): unknown {
  const { kind, header, payloadAt } = open(bytes);
  if (kind !== KIND_TYPED) throw new Error(`expected a typed-array frame, got kind ${kind}`);
  const h = header as { value: unknown; arrays: { type: TypeName; byteOffset: number; length: number }[] };
  // views need the payload 8-aligned in its buffer: copy once if the frame is not
  const base = (bytes.byteOffset + payloadAt) % 8 === 0 ? bytes : bytes.slice();
  const views = h.arrays.map((a) => {
    const C = CTORS[a.type];
    if (!C) throw new Error(`unknown typed array ${String(a.type)} in frame`);
    const at = base.byteOffset + payloadAt + a.byteOffset;
    if (payloadAt + a.byteOffset + a.length * C.BYTES_PER_ELEMENT > base.length) throw new Error(`typed array ${a.type}[${a.length}] runs past the frame`);
    return new C(base.buffer as ArrayBuffer, at, a.length);
  });
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$ta === 'number' && Object.keys(o).length === 1) return views[o.$ta];
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) out[k] = revive(x);
      return out;
    }
    return v;
  };
  return revive(h.value);
}
