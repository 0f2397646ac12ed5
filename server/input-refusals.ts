import { REASONS, type Reason } from './domain/errors.ts';
import { formatLimit } from './domain/limits.ts';
import type { ZodError, z } from 'zod';

// Input that fails its schema, told as a person can act on it: the reason the schema gives its
// issues, and one sentence per problem naming the field.

type Issue = z.core.$ZodIssue;

/** The reason of an input refusal: the issues' own (set by a schema's params) when they share one, else INVALID_INPUT. */
export function inputReason(error: ZodError): Reason {
  const reasons = new Set<Reason>(
    error.issues.map((issue) => {
      const given: unknown = issue.code === 'custom' ? issue.params?.reason : undefined;
      return typeof given === 'string' && given in REASONS ? (given as Reason) : 'INVALID_INPUT';
    }),
  );
  return reasons.size === 1 ? [...reasons][0]! : 'INVALID_INPUT';
}

/** One sentence per problem, naming the field ("quantity must be at most 100,000"; "lines.3.unitCost: ..."). */
export function inputRefusalMessage(error: ZodError): string {
  const sentences = [...new Set(error.issues.map((issue) => describeIssue(issue)))];
  const more = sentences.length > 3 ? ` (and ${sentences.length - 3} more problems; see fieldErrors)` : '';
  return `${sentences.slice(0, 3).join('; ')}${more}.`;
}

// zod's own English messages ("Too big: expected number to be <=100", "Invalid input: ..."): replaced by ours.
const ZOD_DEFAULT = /^(Too (big|small)|Invalid|Unrecognized key)/;
const STARTS_WITH_VERB = /^(must|is|has|cannot|may|needs)\b/;

function describeIssue(issue: Issue, prefix: PropertyKey[] = []): string {
  const at = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && ZOD_DEFAULT.test(issue.message)) {
    // The alternative that came closest says best what to fix.
    const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]?.[0];
    if (closest) return describeIssue(closest, at);
  }
  const path = at.map(String).join('.');
  const message = ZOD_DEFAULT.test(issue.message) ? plainMessage(issue) : issue.message.replace(/\.$/, '');
  if (path === '') return STARTS_WITH_VERB.test(message) ? `the input ${message}` : message;
  if (STARTS_WITH_VERB.test(message)) return `${path} ${message}`;
  const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (at.length === 1 && squash(message).startsWith(squash(path))) return message;
  return `${path}: ${message}`;
}

function plainMessage(issue: Issue): string {
  const count = (n: number | bigint, one: string, many: string) => `${formatLimit(Number(n))} ${n === 1 || n === 1n ? one : many}`;
  switch (issue.code) {
    case 'invalid_type':
      return / received undefined$/.test(issue.message) ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_big': {
      const bound = issue.inclusive === false ? 'less than' : 'at most';
      if (issue.origin === 'string') return `must be ${bound} ${count(issue.maximum, 'character', 'characters')}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have ${bound} ${count(issue.maximum, 'entry', 'entries')}`;
      return `must be ${bound} ${formatLimit(Number(issue.maximum))}`;
    }
    case 'too_small': {
      const bound = issue.inclusive === false ? 'more than' : 'at least';
      if (issue.origin === 'string') {
        return Number(issue.minimum) === 1 && issue.inclusive !== false
          ? 'cannot be blank'
          : `must be ${bound} ${count(issue.minimum, 'character', 'characters')}`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') return `must have ${bound} ${count(issue.minimum, 'entry', 'entries')}`;
      return `must be ${bound} ${formatLimit(Number(issue.minimum))}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `has ${issue.keys.length === 1 ? 'an unknown field' : 'unknown fields'} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length === 1 ? 'it' : 'them'}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'has the wrong format' : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union':
      return 'does not match any form this input takes';
    default:
      return 'is not valid';
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  date: 'a date',
  bigint: 'a number',
  null: 'null',
};
