/**
 * Schema issues as sentences a user can act on: "max steps: must be a number (the field is
 * empty or holds something else)" rather than "maxSteps: Invalid input: expected number,
 * received string". The field comes first, in words, then the rule; a rule the schema wrote in
 * words (a refinement) is kept as written.
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
  if (issue.code === 'custom') return issue.message;
  return `${fieldWords(issue.path)}: ${ruleText(issue)}`;
}

function ruleText(issue: z.core.$ZodIssue): string {
  // a rule the schema wrote in words wins over the generic one
  if (!/^(Too (small|big)|Invalid|Expected)/i.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return /received undefined/.test(issue.message) ? `is missing: enter ${article(issue.expected)}` : `must be ${article(issue.expected)} (the field is empty or holds something else)`;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'cannot be empty' : `needs at least ${String(issue.minimum)} characters`;
      if (issue.origin === 'array') return `needs at least ${String(issue.minimum)} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `must be ${issue.inclusive === false ? 'above' : 'at least'} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `is at most ${String(issue.maximum)} characters`;
      if (issue.origin === 'array') return `takes at most ${String(issue.maximum)} items`;
      return `must be ${issue.inclusive === false ? 'below' : 'at most'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return 'is not valid';
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
