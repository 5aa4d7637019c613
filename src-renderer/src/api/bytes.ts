/** Base64 and the `{"$bytes": base64}` wire encoding, browser-side (twin of src-main/transports/wire.ts). */

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(s);
}

function isBytesBox(v: unknown): v is { $bytes: string } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === '$bytes' && typeof (v as { $bytes: unknown }).$bytes === 'string';
}

/** Parse wire JSON, turning every `{"$bytes": ...}` (at any depth) into a Uint8Array. */
export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => (isBytesBox(v) ? base64ToBytes(v.$bytes) : v));
}

/** Revive an already-parsed value recursively. */
export function reviveBytes(value: unknown): unknown {
  if (isBytesBox(value)) return base64ToBytes(value.$bytes);
  if (Array.isArray(value)) return value.map(reviveBytes);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = reviveBytes(v);
    return out;
  }
  return value;
}

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? { $bytes: bytesToBase64(v) } : v));
}
