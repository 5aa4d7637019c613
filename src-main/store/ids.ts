import { randomBytes } from 'node:crypto';

/** A fresh id such as `ds_3f9a0c1b2d4e5f60` (prefix + 16 random hex digits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

export function nowIso(): string {
  return new Date().toISOString();
}
