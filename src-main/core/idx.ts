/**
 * IDX codec (the MNIST file format): magic 00 00 <type> <ndims>, then ndims big-endian uint32
 * sizes, then the data, big-endian, row-major. Pure; checks the header before allocating.
 */
import { InputError } from './errors';

export type IdxType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  type: IdxType;
  dims: number[];
  /** `u8`: a view into the input bytes (no copy); other types: a new array in host order */
  data: IdxData;
}

export interface IdxDecodeOptions {
  /** refuse files whose declared data exceeds this many bytes (default 2 GiB) */
  maxBytes?: number;
}

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'u8', size: 1 },
  0x09: { type: 'i8', size: 1 },
  0x0b: { type: 'i16', size: 2 },
  0x0c: { type: 'i32', size: 4 },
  0x0d: { type: 'f32', size: 4 },
  0x0e: { type: 'f64', size: 8 },
};

/** At most this many dimensions (real files have 1 to 4). */
export const MAX_IDX_DIMS = 16;

export interface IdxHeader {
  type: IdxType;
  /** bytes per element */
  size: number;
  dims: number[];
  /** bytes of the header (4 + 4·ndims) */
  headerBytes: number;
  /** bytes of data the header declares */
  dataBytes: number;
}

/**
 * The header of an IDX file from its first bytes (at least 4 + 4·ndims of them; a streaming
 * reader passes what it has). Checks the magic and the declared size against `maxBytes`.
 */
export function parseIdxHeader(bytes: Uint8Array, file: string, opts: IdxDecodeOptions = {}): IdxHeader {
  const maxBytes = opts.maxBytes ?? 2 ** 31;
  if (bytes.length < 4) throw new InputError(file, `truncated: ${bytes.length} bytes, an IDX header needs at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InputError(file, `wrong magic: an IDX file starts with 00 00 <type> <dims>, this one with ${hexBytes(bytes, 0, 4)}`);
  }
  const info = TYPES[bytes[2]];
  if (!info) throw new InputError(file, `wrong magic: unknown IDX data type 0x${hex2(bytes[2])} (known: 08 u8, 09 i8, 0b i16, 0c i32, 0d f32, 0e f64)`);
  const ndims = bytes[3];
  if (ndims === 0 || ndims > MAX_IDX_DIMS) throw new InputError(file, `wrong magic: ${ndims} dimensions (expected 1 to ${MAX_IDX_DIMS})`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new InputError(file, `truncated: the header of ${ndims} dimensions needs ${headerBytes} bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let elements = 1;
  let tooBig = false;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    elements *= n; // exact: stays below 2^53 until it passes the limit, then we only compare
    if (elements * info.size > maxBytes) tooBig = true;
  }
  const dataBytes = elements * info.size;
  if (tooBig && dataBytes !== 0) {
    throw new InputError(file, `declared dimensions ${dims.join('x')} of ${info.type} need ${dataBytes} bytes, over the limit of ${maxBytes} bytes`);
  }
  return { type: info.type, size: info.size, dims, headerBytes, dataBytes };
}

export function decodeIdx(bytes: Uint8Array, file: string, opts: IdxDecodeOptions = {}): IdxArray {
  const { type, size, dims, headerBytes, dataBytes } = parseIdxHeader(bytes, file, opts);
  const info = { type, size };
  const elements = dataBytes / size;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = dims.join('x');
  const available = bytes.length - headerBytes;
  if (available < dataBytes) {
    throw new InputError(file, `truncated: header declares ${shape} ${info.type} (${dataBytes} bytes) but only ${available} bytes follow`);
  }
  if (available > dataBytes) {
    throw new InputError(file, `trailing garbage: header declares ${shape} ${info.type} (${dataBytes} bytes) but ${available} bytes follow (${available - dataBytes} extra)`);
  }
  return { type: info.type, dims, data: readData(info.type, bytes, view, headerBytes, elements) };
}

function readData(type: IdxType, bytes: Uint8Array, view: DataView, off: number, n: number): IdxData {
  switch (type) {
    case 'u8':
      return bytes.subarray(off, off + n);
    case 'i8':
      return new Int8Array(bytes.slice(off, off + n).buffer);
    case 'i16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(off + 2 * i, false);
      return out;
    }
    case 'i32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(off + 4 * i, false);
      return out;
    }
    case 'f32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(off + 4 * i, false);
      return out;
    }
    case 'f64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(off + 8 * i, false);
      return out;
    }
  }
}

/** Encode unsigned bytes as IDX (type 0x08). `data.length` must equal the product of `dims`. */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  if (dims.length === 0 || dims.length > MAX_IDX_DIMS) throw new RangeError(`encodeIdx: ${dims.length} dimensions (expected 1 to ${MAX_IDX_DIMS})`);
  let elements = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new RangeError(`encodeIdx: bad dimension ${d}`);
    elements *= d;
  }
  if (elements !== data.length) throw new RangeError(`encodeIdx: dims ${dims.join('x')} hold ${elements} bytes but data has ${data.length}`);
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function hexBytes(bytes: Uint8Array, start: number, end: number): string {
  return Array.from(bytes.subarray(start, end), hex2).join(' ');
}
