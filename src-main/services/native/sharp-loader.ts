/**
 * The one place that loads sharp (libvips, a native addon): everything else asks this module,
 * so the lint rules can keep the native library out of every other file, and a machine where
 * it cannot load falls back to the pure decoders (core/png.ts, jpeg-js) with a warning.
 */
import { createRequire } from 'node:module';
import type SharpNs from 'sharp';

export type Sharp = typeof SharpNs;

let loaded: { sharp: Sharp | null; reason: string | null } | null = null;

/** sharp, or null with the reason it could not load (cached; RPR_NO_SHARP=1 forces the fallback). */
export function loadSharp(): { sharp: Sharp | null; reason: string | null } {
  if (loaded) return loaded;
  if (process.env.RPR_NO_SHARP === '1') {
    loaded = { sharp: null, reason: 'disabled by RPR_NO_SHARP=1' };
    return loaded;
  }
  try {
    const req = createRequire(import.meta.url);
    const mod = req('sharp') as Sharp | { default: Sharp };
    const sharp = typeof mod === 'function' ? mod : mod.default;
    // decode in the libuv pool, but no libvips operation cache: imports touch each file once
    sharp.cache(false);
    loaded = { sharp, reason: null };
  } catch (e) {
    loaded = { sharp: null, reason: (e as Error).message.split('\n')[0] };
  }
  return loaded;
}

/** Forget the cached load (tests switch RPR_NO_SHARP). */
export function resetSharpForTests(): void {
  loaded = null;
}
