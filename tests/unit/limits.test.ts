// The column limits (server/domain/limits.ts), the input schemas built on them, the sentences an
// input refusal says, and the one rule for whitespace in serials. No database.
import { describe, expect, it } from 'vitest';
import { z, type ZodError } from 'zod';
import { DomainError } from '../../server/domain/errors.ts';
import {
  checkFits,
  columnLimit,
  fitsColumn,
  formatLimit,
  MAX_ID,
  MONEY_COLUMN,
  QUANTITY_COLUMN,
  RATE_COLUMN,
} from '../../server/domain/limits.ts';
import { checkSerialList, expandSerialText } from '../../server/domain/serial-syntax.ts';
import { code, id, idempotencyKey, name, quantity, serialList, text, unitCost } from '../../server/modules/inputs.ts';
import { inputReason, inputRefusalMessage } from '../../server/input-refusals.ts';

const failure = (schema: z.ZodType, value: unknown): ZodError => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  return result.error;
};

describe('column limits', () => {
  it('derive from the numeric columns: below 10^(precision - scale)', () => {
    expect(columnLimit(QUANTITY_COLUMN)).toBe(1e14);
    expect(columnLimit(MONEY_COLUMN)).toBe(1e12);
    expect(columnLimit(RATE_COLUMN)).toBe(1e10);
    expect(MAX_ID).toBe(2 ** 31 - 1);
  });

  it('a value fits when, rounded as its column rounds it, it stays below the limit', () => {
    expect(fitsColumn(999_999_999_999.99, MONEY_COLUMN)).toBe(true);
    expect(fitsColumn(1e12, MONEY_COLUMN)).toBe(false);
    expect(fitsColumn(-1e12, MONEY_COLUMN)).toBe(false);
    expect(fitsColumn(99_999_999_999_999, QUANTITY_COLUMN)).toBe(true);
    expect(fitsColumn(1e14, QUANTITY_COLUMN)).toBe(false);
    expect(fitsColumn(Number.POSITIVE_INFINITY, QUANTITY_COLUMN)).toBe(false);
    expect(fitsColumn(Number.NaN, QUANTITY_COLUMN)).toBe(false);
  });

  it('checkFits refuses with NUMBER_TOO_LARGE, saying the value and the limit', () => {
    expect(() => checkFits(5, MONEY_COLUMN, 'It', 'fix it')).not.toThrow();
    try {
      checkFits(1e13, MONEY_COLUMN, "Line 1's unit cost in base currency", 'lower the unit cost or the exchange rate');
      expect.fail('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).reason).toBe('NUMBER_TOO_LARGE');
      expect((error as DomainError).message).toBe(
        "Line 1's unit cost in base currency would be 10,000,000,000,000, but a unit cost or price must be less than 1,000,000,000,000; lower the unit cost or the exchange rate.",
      );
    }
  });

  it('formats limits for people', () => {
    expect(formatLimit(2_147_483_647)).toBe('2,147,483,647');
    expect(formatLimit(0.00000001)).toBe('0.00000001');
  });
});

describe('shared input schemas', () => {
  it('bound ids at int4', () => {
    expect(id.safeParse(MAX_ID).success).toBe(true);
    expect(inputRefusalMessage(failure(z.object({ id }), { id: MAX_ID + 1 }))).toBe('id must be at most 2,147,483,647 (no id is larger).');
    expect(id.safeParse(0).success).toBe(false);
    expect(id.safeParse(1.5).success).toBe(false);
  });

  it('refuse NUL in every kind of string with INVALID_CHARACTERS', () => {
    for (const schema of [
      text('narrative', { max: 10 }),
      name('name', { max: 10 }),
      code('SKU', { max: 10 }),
      idempotencyKey,
      serialList,
    ]) {
      const value = schema === serialList ? ['A\u0000'] : schema === idempotencyKey ? '12345678\u0000' : 'A\u0000';
      const error = failure(schema, value);
      expect(inputReason(error)).toBe('INVALID_CHARACTERS');
      expect(inputRefusalMessage(error)).toMatch(/NUL character \(U\+0000\)/);
    }
  });

  it('normalise names and codes (NFC, trimmed) and refuse invisible characters in them', () => {
    const location = name('name', { max: 100 });
    expect(location.parse('  Cafe\u0301  ')).toBe('Caf\u00e9');
    for (const hidden of ['Main\u202e', 'Main\u200b', 'Ma\u200din', 'Ma\ufeffin', 'Main\u2066', 'Main\u00ad', 'Ma\nin']) {
      const error = failure(location, hidden);
      expect(inputReason(error), JSON.stringify(hidden)).toBe('INVALID_CHARACTERS');
    }
    expect(inputRefusalMessage(failure(z.object({ name: location }), { name: 'Main\u200b' }))).toBe(
      'name contains a zero-width space (U+200B), which would make it look like another; retype it without that character.',
    );
    // Letters and marks of any script are fine.
    expect(location.parse('Lager Süd 北')).toBe('Lager Süd 北');
  });

  it('refuse numbers past their column with NUMBER_TOO_LARGE, and keep quantity precision', () => {
    expect(inputReason(failure(unitCost, 1e12))).toBe('NUMBER_TOO_LARGE');
    expect(unitCost.safeParse(999_999_999_999.999).success).toBe(true);
    expect(inputReason(failure(quantity, 1e12 + 1))).toBe('NUMBER_TOO_LARGE');
    expect(inputReason(failure(quantity, 1.23456))).toBe('INVALID_INPUT');
  });
});

describe('input refusal sentences', () => {
  const order = z.object({
    quantity: z.number().int().max(100_000),
    lines: z.array(z.object({ unitCost })).min(1),
    kind: z.enum(['a', 'b']).optional(),
  });

  it('name each field with the bound in words, never zod JSON', () => {
    expect(inputRefusalMessage(failure(order, { quantity: 100_001, lines: [{ unitCost: 1 }] }))).toBe('quantity must be at most 100,000.');
    expect(inputRefusalMessage(failure(order, { quantity: 1, lines: [{ unitCost: 1 }, { unitCost: -1 }] }))).toBe(
      'lines.1.unitCost: unit cost cannot be negative.',
    );
    expect(inputRefusalMessage(failure(order, { quantity: 1, lines: [] }))).toBe('lines must have at least 1 entry.');
    expect(inputRefusalMessage(failure(order, { lines: [{ unitCost: 1 }] }))).toBe('quantity is required.');
    expect(inputRefusalMessage(failure(order, { quantity: 'x', lines: [{ unitCost: 1 }] }))).toBe('quantity must be a number.');
    expect(inputRefusalMessage(failure(order, { quantity: 1, lines: [{ unitCost: 1 }], kind: 'c' }))).toBe('kind must be one of "a", "b".');
    expect(inputRefusalMessage(failure(order.strict(), { quantity: 1, lines: [{ unitCost: 1 }], extra: 1 }))).toBe(
      'the input has an unknown field "extra"; remove it.',
    );
  });

  it('lists the first three problems and says how many more', () => {
    const many = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string(), e: z.string() });
    expect(inputRefusalMessage(failure(many, {}))).toBe(
      'a is required; b is required; c is required (and 2 more problems; see fieldErrors).',
    );
  });

  it('gives the issues’ own reason only when they share it', () => {
    const both = z.object({ name: name('name', { max: 10 }), id });
    expect(inputReason(failure(both, { name: 'A\u0000', id: 1 }))).toBe('INVALID_CHARACTERS');
    expect(inputReason(failure(both, { name: 'A\u0000', id: 0 }))).toBe('INVALID_INPUT');
  });
});

describe('whitespace in serials: one rule for typed text and literal cells', () => {
  it('text splits on other whitespace; a literal serial with it inside is refused', () => {
    for (const space of ['\u00a0', '\u2028', '\u2029', '\u2003', '\u3000']) {
      expect(expandSerialText(`A${space}B`).serials).toEqual(['A', 'B']);
      const literal = checkSerialList([`A${space}B`]);
      expect(
        literal.problems.map((p) => p.reason),
        JSON.stringify(space),
      ).toEqual(['INVALID_CHARACTERS']);
    }
    expect(checkSerialList(['A\u00a0B']).problems[0]!.message).toBe(
      'Serial "A\u00a0B" contains a no-break space (U+00A0), which typed or pasted text reads as a break between serials; replace it with a plain space, or enter the parts as two serials.',
    );
    // Surrounding whitespace is trimmed; a plain space inside a cell stays part of the serial.
    expect(checkSerialList(['\u00a0A1\u2028', 'PART 7 REV B'])).toMatchObject({ serials: ['A1', 'PART 7 REV B'], problems: [] });
  });
});
