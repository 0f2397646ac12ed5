import { z } from 'zod';
import type { Reason } from '../domain/errors.ts';
import { fitsColumn, formatLimit, limitSentence, MAX_ID, MAX_QUANTITY_ENTRY, MONEY_COLUMN, RATE_COLUMN } from '../domain/limits.ts';
import { fitsQuantityPrecision } from '../domain/quantity.ts';

// Input pieces shared by every router, each with bounds. Every string goes through `text`, `name`
// or `code` (or a serial schema below), so none can carry a character the database cannot store;
// every number's bound comes from its column (server/domain/limits.ts).

/** Issue params the error formatter reads: the refusal gets this reason instead of INVALID_INPUT. */
const because = (reason: Reason) => ({ reason });

// PostgreSQL text cannot hold U+0000 (it answers 22021): refused in every string.
const hasNoNul = (s: string) => !s.includes('\u0000');
const nulRefused = (label: string) => ({
  message: `${label} contains a NUL character (U+0000), which cannot be stored; remove it`,
  params: because('INVALID_CHARACTERS'),
});

// Controls, format characters (bidi controls, zero-width spaces and joiners, the byte-order mark,
// soft hyphens) and line/paragraph separators: invisible, so "Main\u202e\u200b" would look like "Main".
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const NAMED: Record<string, string> = {
  '\u0000': 'a NUL character',
  '\u00ad': 'a soft hyphen',
  '\u200b': 'a zero-width space',
  '\u200c': 'a zero-width non-joiner',
  '\u200d': 'a zero-width joiner',
  '\u2060': 'a word joiner',
  '\ufeff': 'a byte-order mark',
};
function describeCharacter(c: string): string {
  const code = `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  const what =
    NAMED[c] ??
    (/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(c) ? 'a bidirectional-text control' : 'an invisible or control character');
  return `${what} (${code})`;
}
const invisibleRefused = (label: string) => ({
  error: (issue: { input?: unknown }) => {
    const found = typeof issue.input === 'string' ? INVISIBLE.exec(issue.input)?.[0] : undefined;
    if (found === '\u0000') return nulRefused(label).message;
    return `${label} contains ${found ? describeCharacter(found) : 'an invisible character'}, which would make it look like another; retype it without that character`;
  },
  params: because('INVALID_CHARACTERS'),
});

interface TextOptions {
  max: number;
  /** 1 makes blank text ("" or only spaces) refused. */
  min?: number;
  /** Trim surrounding whitespace first (default). Off where the service reports untrimmed values by position. */
  trim?: boolean;
}

function bounded(label: string, schema: z.ZodString, { max, min = 0 }: TextOptions) {
  const least =
    min === 0 ? schema : schema.min(min, min === 1 ? `${label} cannot be blank` : `${label} must be at least ${min} characters`);
  return least.max(max, `${label} must be at most ${formatLimit(max)} characters`);
}

/** Free text (a narrative, a reference, a search, a key): bounded and never a NUL. */
export function text(label: string, options: TextOptions) {
  const base = options.trim === false ? z.string() : z.string().trim();
  return bounded(label, base, options).refine(hasNoNul, nulRefused(label));
}

/**
 * A name or code a person tells apart from others by eye (location, bay, product, supplier,
 * customer and user names; SKUs, GL codes, tax rates, batch numbers): NFC-normalised and trimmed,
 * so look-alikes compare equal (and are refused as duplicates), and free of invisible characters.
 */
export function name(label: string, options: TextOptions) {
  return bounded(label, z.string().normalize('NFC').trim(), { min: 1, ...options }).refine(
    (s) => !INVISIBLE.test(s),
    invisibleRefused(label),
  );
}
/** The same rules as `name`: codes are told apart by eye too. */
export const code = name;

/** An id (or a cursor, a line number): an int4 column's positive range. */
export const id = z
  .number()
  .int('must be a whole number (an id)')
  .min(1, 'must be 1 or more (an id)')
  .max(MAX_ID, `must be at most ${formatLimit(MAX_ID)} (no id is larger)`);
export const glCode = name('GL code', { max: 32 });
export const unitCost = z
  .number()
  .min(0, 'unit cost cannot be negative')
  .refine((n) => fitsColumn(n, MONEY_COLUMN), { message: `unit cost ${limitSentence(MONEY_COLUMN)}`, params: because('NUMBER_TOO_LARGE') });
export const unitPrice = z
  .number()
  .min(0, 'unit price cannot be negative')
  .refine((n) => fitsColumn(n, MONEY_COLUMN), {
    message: `unit price ${limitSentence(MONEY_COLUMN)}`,
    params: because('NUMBER_TOO_LARGE'),
  });
/** Base-currency units per one unit of an order's currency: above zero, with at most the column's 8 decimals. */
export const exchangeRate = z
  .number()
  .positive('exchangeRate is base-currency units per one unit of the order currency, above zero')
  .refine((n) => n <= 0 || Math.round(n * 1e8) >= 1, 'exchangeRate must be at least 0.00000001 (rates keep 8 decimal places)')
  .refine((n) => fitsColumn(n, RATE_COLUMN), {
    message: `exchangeRate ${limitSentence(RATE_COLUMN)}`,
    params: because('NUMBER_TOO_LARGE'),
  });
export const narrative = text('narrative', { max: 500 }).optional();
export const reference = text('reference', { max: 100 }).nullish();
export const search = text('search', { max: 100, trim: false }).optional();
export const idempotencyKey = z
  .string()
  .min(8, 'idempotencyKey must be at least 8 characters (send a UUID)')
  .max(100, 'idempotencyKey must be at most 100 characters (send a UUID)')
  .refine(hasNoNul, nulRefused('idempotencyKey'));
/** A quantity with at most 4 decimals, as stored; one entry is at most MAX_QUANTITY_ENTRY either way. */
export const quantity = z
  .number()
  .refine((n) => Math.abs(n) <= MAX_QUANTITY_ENTRY, {
    message: `quantity must be at most ${formatLimit(MAX_QUANTITY_ENTRY)} (or -${formatLimit(MAX_QUANTITY_ENTRY)} when taking out)`,
    params: because('NUMBER_TOO_LARGE'),
  })
  .refine(fitsQuantityPrecision, 'quantity has at most 4 decimal places');
/** One literal serial (a cell): trimmed and checked by the serial rules later, but never a NUL. */
export const serialValue = z.string().max(1000, 'serial must be at most 1,000 characters').refine(hasNoNul, nulRefused('serial'));
/** Literal serials (one per cell); syntax is only read from `text`. */
export const serialList = z.array(serialValue).max(100_000, 'send at most 100,000 serials at once');
export const serialText = z.string().max(5_000_000, 'text must be at most 5,000,000 characters').refine(hasNoNul, nulRefused('text'));
/** A positive quantity (ordered, shipped, made). */
export const positiveQuantity = quantity.refine((n) => n > 0, 'quantity must be more than zero');
export const batchNumber = name('batch number', { max: 100 });
export const expiry = z.iso.date('expiry must be a date like 2027-03-31').nullish();
/** Batch quantities naming a batch by its number. */
export const batchQuantities = z
  .array(z.object({ batch: batchNumber, quantity: positiveQuantity }))
  .min(1, 'name at least one batch')
  .max(10_000);
