/**
 * Schema issues as sentences a user can act on: "max steps must be a number (the field is
 * empty or not a number)" rather than "maxSteps: Invalid input: expected number, received string".
 */
import type { z } from 'zod';

/** words for the fields users type; anything else is named by its path */
const FIELD_WORDS: Record<string, string> = {
  maxSteps: 'max steps',
  seed: 'seed',
  epochs: 'epochs',
  validationShare: 'validation share',
  earlyStoppingPatience: 'early-stopping patience',
  'rules.minSteps': 'minimum steps',
  'rules.balance.n': 'N per class',
  'rules.seed': 'seed',
  workers: 'workers',
  name: 'name',
  path: 'path',
  split: 'split',
};

export function fieldWords(path: readonly PropertyKey[]): string {
  const key = path.map(String).join('.');
  if (FIELD_WORDS[key]) return FIELD_WORDS[key];
  if (path.length >= 3 && path[path.length - 2] === 'params') return `scheme parameter ${String(path[path.length - 1])}`;
  return key || 'the input';
}

export function issueText(issue: z.core.$ZodIssue): string {
  const field = fieldWords(issue.path);
  switch (issue.code) {
    case 'custom':
      return issue.message;
    case 'invalid_type': {
      const missing = /received undefined/.test(issue.message);
      return missing ? `${field} is missing: enter ${article(issue.expected)}` : `${field} must be ${article(issue.expected)} (the field is empty or holds something else)`;
    }
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? `${field} cannot be empty` : `${field} needs at least ${String(issue.minimum)} characters`;
      if (issue.origin === 'array') return `${field} needs at least ${String(issue.minimum)} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `${field} must be ${issue.inclusive === false ? 'above' : 'at least'} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `${field} is at most ${String(issue.maximum)} characters`;
      if (issue.origin === 'array') return `${field} takes at most ${String(issue.maximum)} items`;
      return `${field} must be ${issue.inclusive === false ? 'below' : 'at most'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      // a message the schema wrote in words (e.g. the split-name rule), or zod's own
      return /^Invalid input/.test(issue.message) ? `${field} is not valid` : `${field}: ${issue.message}`;
  }
}

function article(expected: string): string {
  if (expected === 'int' || expected === 'integer') return 'a whole number';
  if (expected === 'number') return 'a number';
  if (expected === 'string') return 'some text';
  if (expected === 'boolean') return 'true or false';
  if (expected === 'object') return 'an object';
  if (expected === 'array') return 'a list';
  return expected;
}
