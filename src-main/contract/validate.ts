/**
 * Limits of the numbers users type, and the sentence that says what is wrong with one. Shared by
 * the renderer's forms (as they are typed), the contract's schemas (at the door) and the CLI, so
 * all three refuse the same values with the same words. Pure: the renderer imports it as a value.
 */

export interface NumberRule {
  /** inclusive bounds */
  min: number;
  max: number;
  /** a whole number */
  integer?: boolean;
}

/** Max steps (perturbation draws per image) when none is given: the contract, the CLI and the forms read this one. */
export const DEFAULT_MAX_STEPS = 250;

/** Limits of the form fields that are not scheme parameters. calls.ts uses the same numbers (test/unit/form-limits.test.ts). */
export const LIMITS = {
  maxSteps: { min: 1, max: 100000, integer: true },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  epochs: { min: 1, max: 1000, integer: true },
  validationShare: { min: 0, max: 0.5 },
  patience: { min: 0, max: 100, integer: true },
  perClass: { min: 1, max: 1e9, integer: true },
  minSteps: { min: 0, max: 100000, integer: true },
  workers: { min: 1, max: 256, integer: true },
} as const satisfies Record<string, NumberRule>;

const fmt = (n: number): string => String(n);

function range(rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  if (rule.max >= Number.MAX_SAFE_INTEGER) return `${kind} of at least ${fmt(rule.min)}`;
  return `${kind} from ${fmt(rule.min)} to ${fmt(rule.max)}`;
}

/**
 * Null when `value` obeys `rule`; else one sentence naming the field and the rule, e.g.
 * "k is empty: enter a whole number from 1 to 784." or "Max steps must be at least 1 (got 0).".
 * An empty form field (v-model.number gives '') and a missing value read as empty.
 */
export function numberProblem(label: string, value: unknown, rule: NumberRule): string | null {
  if (value === '' || value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) {
    return `${label} is empty: enter ${range(rule)}.`;
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return `${label} must be ${range(rule)} (got "${String(value)}").`;
  if (rule.integer && !Number.isInteger(n)) return `${label} must be a whole number (got ${n}).`;
  if (n < rule.min) return `${label} must be at least ${fmt(rule.min)} (got ${n}).`;
  if (n > rule.max) return `${label} must be at most ${fmt(rule.max)} (got ${n}).`;
  return null;
}
