import { describe, it, expect } from 'vitest';
import {
  MAX_SERIAL_LENGTH,
  MAX_SERIALS_PER_REQUEST,
  checkSerialList,
  expandSerialText,
  nextSerialAfter,
  trailingNumber,
  type SerialProblem,
} from '../../server/domain/serial-syntax.ts';

const reasons = (problems: SerialProblem[]) => problems.map((p) => p.reason);
/** Expands text that must have no problems and returns the serials. */
const ok = (text: string, options?: Parameters<typeof expandSerialText>[1]) => {
  const result = expandSerialText(text, options);
  expect(result.problems).toEqual([]);
  return result.serials;
};

describe('constants', () => {
  it('has the documented limits', () => {
    expect(MAX_SERIAL_LENGTH).toBe(100);
    expect(MAX_SERIALS_PER_REQUEST).toBe(100_000);
  });
});

describe('trailingNumber', () => {
  it('splits the trailing digit run from the prefix', () => {
    expect(trailingNumber('SN0999')).toEqual({ prefix: 'SN', digits: '0999' });
    expect(trailingNumber('A1B2')).toEqual({ prefix: 'A1B', digits: '2' });
    expect(trailingNumber('TG-4SR-92')).toEqual({ prefix: 'TG-4SR-', digits: '92' });
  });

  it('allows an empty prefix', () => {
    expect(trailingNumber('123')).toEqual({ prefix: '', digits: '123' });
  });

  it('returns null without trailing digits', () => {
    expect(trailingNumber('ABC')).toBeNull();
    expect(trailingNumber('AB1C')).toBeNull();
    expect(trailingNumber('')).toBeNull();
  });
});

describe('nextSerialAfter', () => {
  it('increments the trailing number, keeping zero padding', () => {
    expect(nextSerialAfter('SN0999')).toBe('SN1000');
    expect(nextSerialAfter('SN0009')).toBe('SN0010');
    expect(nextSerialAfter('SN001')).toBe('SN002');
  });

  it('lets the number grow past its width', () => {
    expect(nextSerialAfter('SN999')).toBe('SN1000');
    expect(nextSerialAfter('A9')).toBe('A10');
    expect(nextSerialAfter('9')).toBe('10');
  });

  it('is exact for numbers beyond Number.MAX_SAFE_INTEGER', () => {
    expect(nextSerialAfter('X999999999999999999999999999999')).toBe('X1000000000000000000000000000000');
    expect(nextSerialAfter('X000000000000000000000000000041')).toBe('X000000000000000000000000000042');
  });

  it('returns null without trailing digits', () => {
    expect(nextSerialAfter('ABC')).toBeNull();
    expect(nextSerialAfter('')).toBeNull();
  });
});

describe('checkSerialList', () => {
  it('returns trimmed values and interprets no syntax', () => {
    const result = checkSerialList([' SN1 ', 'SN1-SN5', 'A+', '~', 'SN0009::12', 'B 7']);
    expect(result.serials).toEqual(['SN1', 'SN1-SN5', 'A+', '~', 'SN0009::12', 'B 7']);
    expect(result.problems).toEqual([]);
  });

  it('allows inner spaces and a descending-looking hyphenated value', () => {
    expect(checkSerialList(['2024-01', 'PART 7 REV B']).problems).toEqual([]);
  });

  it('is empty for an empty list', () => {
    expect(checkSerialList([])).toEqual({ serials: [], sources: [], problems: [] });
  });

  it('reports blank entries and keeps output aligned with input', () => {
    const result = checkSerialList(['A1', '', '   ', 'A2']);
    expect(result.serials).toEqual(['A1', '', '', 'A2']);
    expect(result.problems).toEqual([
      { index: 1, token: '', reason: 'EMPTY_SERIAL', message: expect.any(String) },
      { index: 2, token: '   ', reason: 'EMPTY_SERIAL', message: expect.any(String) },
    ]);
  });

  it('accepts exactly 100 characters and rejects 101', () => {
    const long = 'X'.repeat(101);
    const result = checkSerialList(['Y'.repeat(100), long]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ index: 1, token: long, reason: 'SERIAL_TOO_LONG' });
    expect(result.problems[0]?.message).toContain('101');
  });

  it('measures length after trimming', () => {
    expect(checkSerialList([`  ${'Y'.repeat(100)}  `]).problems).toEqual([]);
  });

  it('rejects control, format, unassigned and surrogate characters', () => {
    const bad = ['A\u0007B', 'A\u200BB', 'A\u202EB', 'A\uD800B', 'A\u0378B', 'A\u0000', '\u00ADA'];
    const result = checkSerialList(bad);
    expect(reasons(result.problems)).toEqual(bad.map(() => 'INVALID_CHARACTERS'));
    expect(result.problems.map((p) => p.index)).toEqual(bad.map((_, i) => i));
    expect(result.problems[0]?.message).toContain('U+0007');
  });

  it('accepts printable non-ASCII text', () => {
    expect(checkSerialList(['ÄÖÜ-ß1', '序列号7', 'Ω/2#x']).problems).toEqual([]);
  });

  it('reports every repeat after the first, naming the first index', () => {
    const result = checkSerialList(['A1', 'B1', ' A1', 'A1']);
    expect(result.problems).toHaveLength(2);
    expect(result.problems[0]).toMatchObject({ index: 2, token: ' A1', reason: 'DUPLICATE_SERIAL' });
    expect(result.problems[1]).toMatchObject({ index: 3, token: 'A1', reason: 'DUPLICATE_SERIAL' });
    expect(result.problems[0]?.message).toContain('A1');
    expect(result.problems[0]?.firstIndex).toBe(0);
  });

  it('is case-sensitive', () => {
    expect(checkSerialList(['ab1', 'AB1', 'Ab1']).problems).toEqual([]);
  });

  it('does not flag invalid values as duplicates', () => {
    expect(reasons(checkSerialList(['', '']).problems)).toEqual(['EMPTY_SERIAL', 'EMPTY_SERIAL']);
  });

  it('checks the count against the quantity', () => {
    expect(checkSerialList(['A1', 'A2'], { quantity: 2 }).problems).toEqual([]);
    expect(checkSerialList(['A1', 'A2'], { quantity: 5 }).problems).toEqual([
      {
        index: null,
        token: null,
        reason: 'SERIAL_COUNT_MISMATCH',
        message: '2 serials given but the quantity is 5: add 3 more',
      },
    ]);
    expect(checkSerialList(['A1', 'A2', 'A3'], { quantity: 1 }).problems[0]?.message).toBe(
      '3 serials given but the quantity is 1: remove 2',
    );
    expect(checkSerialList([], { quantity: 1 }).problems[0]?.message).toBe('0 serials given but the quantity is 1: add 1 more');
  });

  it('reports the count mismatch only when there are no other problems', () => {
    expect(reasons(checkSerialList(['A1', 'A1'], { quantity: 5 }).problems)).toEqual(['DUPLICATE_SERIAL']);
  });

  it('checks 100,000 values', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => `SN${i}`);
    const result = checkSerialList(values, { quantity: 100_000 });
    expect(result.problems).toEqual([]);
    expect(result.serials).toHaveLength(100_000);
  });
});

describe('expandSerialText: tokens', () => {
  it('gives nothing for empty text', () => {
    expect(expandSerialText('')).toEqual({ serials: [], sources: [], problems: [] });
    expect(expandSerialText('', { highestExisting: 'SN1' })).toEqual({ serials: [], sources: [], problems: [] });
  });

  it('reports the missing serials when empty text has a quantity', () => {
    expect(expandSerialText('', { quantity: 3 })).toEqual({
      serials: [],
      sources: [],
      problems: [
        {
          index: null,
          token: null,
          reason: 'SERIAL_COUNT_MISMATCH',
          message: '0 serials given but the quantity is 3: add 3 more',
        },
      ],
    });
  });

  it('ignores text made only of separators', () => {
    expect(expandSerialText(' ,;\n\r\n\t;; ,\r ')).toEqual({ serials: [], sources: [], problems: [] });
  });

  it('splits on CRLF, LF, CR, tabs, commas, semicolons and spaces, keeping order', () => {
    expect(ok('A1\r\nA2\nA3\rA4\tA5,A6;A7 A8')).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8']);
  });

  it('ignores empty tokens from repeated and leading/trailing separators', () => {
    expect(ok('\r\n\r\n  A1 ,, ;\t A2\r\n\r\n')).toEqual(['A1', 'A2']);
  });

  it('numbers problem indexes by non-empty token', () => {
    const result = expandSerialText(',, A1 ;; \n\n A1');
    expect(result.problems).toEqual([
      { index: 1, token: 'A1', reason: 'DUPLICATE_SERIAL', message: expect.stringContaining('A1'), firstIndex: 0 },
    ]);
  });

  it('handles a spreadsheet paste (tabs and CRLF)', () => {
    expect(ok('SN1\tSN2\r\nSN3\tSN5-SN6\r\n')).toEqual(['SN1', 'SN2', 'SN3', 'SN5', 'SN6']);
  });

  it('keeps plain tokens as literal serials', () => {
    expect(ok('abc ABC 12ab X')).toEqual(['abc', 'ABC', '12ab', 'X']);
  });
});

describe('expandSerialText: A-B ranges', () => {
  it('expands and keeps the start width as zero padding', () => {
    expect(ok('SN001-SN004')).toEqual(['SN001', 'SN002', 'SN003', 'SN004']);
  });

  it('lets numbers grow past the start width', () => {
    expect(ok('SN8-SN12')).toEqual(['SN8', 'SN9', 'SN10', 'SN11', 'SN12']);
    expect(ok('SN098-SN102')).toEqual(['SN098', 'SN099', 'SN100', 'SN101', 'SN102']);
  });

  it('uses the start width even when the end is padded differently', () => {
    expect(ok('SN1-SN005')).toEqual(['SN1', 'SN2', 'SN3', 'SN4', 'SN5']);
  });

  it('crosses several widths', () => {
    const serials = ok('SN001-SN1000');
    expect(serials).toHaveLength(1000);
    expect(serials[98]).toBe('SN099');
    expect(serials[99]).toBe('SN100');
    expect(serials[999]).toBe('SN1000');
  });

  it('allows an empty prefix', () => {
    expect(ok('1-5')).toEqual(['1', '2', '3', '4', '5']);
    expect(ok('09-11')).toEqual(['09', '10', '11']);
  });

  it('allows prefixes that contain digits and other characters', () => {
    expect(ok('A1B-7-A1B-9')).toEqual(['A1B-7-A1B-9']); // three hyphens: literal
    expect(ok('A1B7-A1B9')).toEqual(['A1B7', 'A1B8', 'A1B9']);
    expect(ok('X/2.07-X/2.09')).toEqual(['X/2.07', 'X/2.08', 'X/2.09']);
  });

  it('rejects a descending range', () => {
    const result = expandSerialText('SN5-SN1');
    expect(result.serials).toEqual([]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ index: 0, token: 'SN5-SN1', reason: 'INVALID_RANGE' });
    expect(result.problems[0]?.message).toContain('SN5-SN1');
    expect(result.problems[0]?.message).toMatch(/greater than the start/);
    expect(result.problems[0]?.message).toMatch(/cell\/list value/);
  });

  it('rejects a range whose end equals its start', () => {
    expect(reasons(expandSerialText('SN5-SN5').problems)).toEqual(['INVALID_RANGE']);
    expect(reasons(expandSerialText('SN5-SN05').problems)).toEqual(['INVALID_RANGE']);
  });

  it('rejects a date-like value with the hint to use a list value', () => {
    const result = expandSerialText('2024-01');
    expect(reasons(result.problems)).toEqual(['INVALID_RANGE']);
    expect(result.problems[0]?.message).toMatch(/cell\/list value/);
  });

  it('treats tokens whose sides do not make a range as one literal serial', () => {
    expect(ok('AF5-69H AB1-CD5 -5 5- SN1-5 A-B')).toEqual(['AF5-69H', 'AB1-CD5', '-5', '5-', 'SN1-5', 'A-B']);
  });

  it('treats tokens with two or more hyphens as one literal serial', () => {
    expect(ok('TG-4SR-92 1-2-3 A--5')).toEqual(['TG-4SR-92', '1-2-3', 'A--5']);
  });

  it('is exact for 30-digit numbers', () => {
    expect(ok('SN000000000000000000000000000009-SN000000000000000000000000000011')).toEqual([
      'SN000000000000000000000000000009',
      'SN000000000000000000000000000010',
      'SN000000000000000000000000000011',
    ]);
    expect(ok('X999999999999999999999999999998-X1000000000000000000000000000001')).toEqual([
      'X999999999999999999999999999998',
      'X999999999999999999999999999999',
      'X1000000000000000000000000000000',
      'X1000000000000000000000000000001',
    ]);
  });

  it('is exact around Number.MAX_SAFE_INTEGER', () => {
    expect(ok('9007199254740989-9007199254740991')).toEqual(['9007199254740989', '9007199254740990', '9007199254740991']);
    expect(ok('9007199254740991-9007199254740994')).toEqual([
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '9007199254740994',
    ]);
  });
});

describe('expandSerialText: START::END', () => {
  it('replaces the end of START with END', () => {
    expect(ok('SN0009::12')).toEqual(['SN0009', 'SN0010', 'SN0011', 'SN0012']);
    const serials = ok('AB100::250');
    expect(serials).toHaveLength(151);
    expect(serials[0]).toBe('AB100');
    expect(serials[150]).toBe('AB250');
  });

  it('accepts an END as long as START', () => {
    expect(ok('SN1::SN3')).toEqual(['SN1', 'SN2', 'SN3']);
    expect(ok('SN0009::0011')).toEqual(['SN0009', 'SN0010', 'SN0011']);
  });

  it('rejects a descending or equal end', () => {
    const result = expandSerialText('SN0012::09');
    expect(result.problems).toEqual([
      { index: 0, token: 'SN0012::09', reason: 'INVALID_RANGE', message: expect.stringMatching(/greater than/) },
    ]);
    expect(reasons(expandSerialText('SN5::5').problems)).toEqual(['INVALID_RANGE']);
  });

  it('rejects an END longer than START', () => {
    expect(reasons(expandSerialText('SN1::12345').problems)).toEqual(['INVALID_RANGE']);
  });

  it('rejects an end that does not end in digits or changes the prefix', () => {
    expect(reasons(expandSerialText('SN0009::1A').problems)).toEqual(['INVALID_RANGE']);
    expect(reasons(expandSerialText('SN0009::X12').problems)).toEqual(['INVALID_RANGE']);
    expect(reasons(expandSerialText('AB100::C250').problems)).toEqual(['INVALID_RANGE']);
  });

  it('rejects a start without digits, a missing end or a missing start', () => {
    expect(reasons(expandSerialText('AB::12 SN1:: ::5').problems)).toEqual(['INVALID_RANGE', 'INVALID_RANGE', 'INVALID_RANGE']);
  });

  it('is exact for long numbers', () => {
    expect(ok('N123456789012345678901234567890::2')).toEqual([
      'N123456789012345678901234567890',
      'N123456789012345678901234567891',
      'N123456789012345678901234567892',
    ]);
  });
});

describe('expandSerialText: N+M and N+', () => {
  it('gives N and the M following', () => {
    expect(ok('10+3')).toEqual(['10', '11', '12', '13']);
    expect(ok('SN08+2')).toEqual(['SN08', 'SN09', 'SN10']);
    expect(ok('SN99+2')).toEqual(['SN99', 'SN100', 'SN101']);
    expect(ok('SN5+0')).toEqual(['SN5']);
  });

  it('accepts hyphenated serials as N', () => {
    expect(ok('AB-12+2 TG-4SR-92+1')).toEqual(['AB-12', 'AB-13', 'AB-14', 'TG-4SR-92', 'TG-4SR-93']);
  });

  it('treats tokens that do not match as literal', () => {
    expect(ok('C++ A+B +5 A1+B2 1+2+3 X+')).toEqual(['C++', 'A+B', '+5', 'A1+B2', '1+2+3', 'X+']);
  });

  it('fills an open + up to the quantity, counting the other tokens first', () => {
    expect(ok('SN5+', { quantity: 3 })).toEqual(['SN5', 'SN6', 'SN7']);
    expect(ok('A1 SN5+ B1-B2', { quantity: 6 })).toEqual(['A1', 'SN5', 'SN6', 'SN7', 'B1', 'B2']);
  });

  it('requires a quantity for an open +', () => {
    const result = expandSerialText('A1 SN5+');
    expect(result.serials).toEqual(['A1']);
    expect(result.problems).toEqual([{ index: 1, token: 'SN5+', reason: 'QUANTITY_REQUIRED', message: expect.stringContaining('SN5+') }]);
  });

  it('treats a quantity that is not a whole number as not given', () => {
    expect(reasons(expandSerialText('SN5+', { quantity: 2.5 }).problems)).toEqual(['QUANTITY_REQUIRED']);
    expect(reasons(expandSerialText('SN5+', { quantity: -1 }).problems)).toEqual(['QUANTITY_REQUIRED']);
  });

  it('rejects several open + tokens', () => {
    const result = expandSerialText('A1+ B1+ C1', { quantity: 10 });
    expect(result.serials).toEqual(['C1']);
    expect(result.problems.map((p) => [p.index, p.reason])).toEqual([
      [0, 'INVALID_RANGE'],
      [1, 'INVALID_RANGE'],
    ]);
  });

  it('rejects an open + when the other tokens already reach the quantity', () => {
    const result = expandSerialText('A1-A3 SN5+', { quantity: 3 });
    expect(result.serials).toEqual(['A1', 'A2', 'A3']);
    expect(result.problems).toEqual([
      { index: 1, token: 'SN5+', reason: 'INVALID_RANGE', message: expect.stringContaining('quantity of 3') },
    ]);
  });
});

describe('expandSerialText: ~', () => {
  const highestExisting = 'SN0999';

  it('continues after the highest existing serial', () => {
    expect(ok('~', { highestExisting })).toEqual(['SN1000']);
    expect(ok('~', { highestExisting: 'SN999' })).toEqual(['SN1000']);
    expect(ok('~', { highestExisting: 'A9' })).toEqual(['A10']);
    expect(ok('~', { highestExisting: 'SN0041' })).toEqual(['SN0042']);
  });

  it('continues the sequence over several ~', () => {
    expect(ok('~ ~ ~', { highestExisting })).toEqual(['SN1000', 'SN1001', 'SN1002']);
  });

  it('expands ~+M to the next serial and the M following', () => {
    expect(ok('~+2', { highestExisting })).toEqual(['SN1000', 'SN1001', 'SN1002']);
  });

  it('continues after the last value any earlier ~ produced', () => {
    expect(ok('~ X1 ~+2 ~', { highestExisting })).toEqual(['SN1000', 'X1', 'SN1001', 'SN1002', 'SN1003', 'SN1004']);
  });

  it('fills ~+ up to the quantity', () => {
    expect(ok('X1 ~+', { highestExisting, quantity: 4 })).toEqual(['X1', 'SN1000', 'SN1001', 'SN1002']);
    expect(ok('~ ~+', { highestExisting, quantity: 3 })).toEqual(['SN1000', 'SN1001', 'SN1002']);
  });

  it('requires a quantity for ~+', () => {
    expect(reasons(expandSerialText('~+', { highestExisting }).problems)).toEqual(['QUANTITY_REQUIRED']);
  });

  it('reports that the product has no serial yet', () => {
    for (const options of [{}, { highestExisting: null }, { highestExisting: '' }]) {
      const result = expandSerialText('A1 ~', options);
      expect(result.serials).toEqual(['A1']);
      expect(result.problems).toEqual([
        {
          index: 1,
          token: '~',
          reason: 'NO_PREVIOUS_SERIAL',
          message: expect.stringContaining(
            "~ continues from the product's highest serial number, but this product has none yet; type the first serial",
          ),
        },
      ]);
    }
  });

  it('reports a highest serial without trailing digits', () => {
    const result = expandSerialText('~+2', { highestExisting: 'ABC' });
    expect(result.serials).toEqual([]);
    expect(reasons(result.problems)).toEqual(['NO_PREVIOUS_SERIAL']);
    expect(result.problems[0]?.message).toContain('ABC');
  });

  it('reports both a missing previous serial and a missing quantity for ~+', () => {
    expect(reasons(expandSerialText('~+').problems)).toEqual(['NO_PREVIOUS_SERIAL', 'QUANTITY_REQUIRED']);
  });

  it('treats other tokens with ~ as literal', () => {
    expect(ok('~~ A~1 ~x', { highestExisting })).toEqual(['~~', 'A~1', '~x']);
  });

  it('flags a ~ serial that is also typed literally', () => {
    const result = expandSerialText('SN1001 ~+1', { highestExisting });
    expect(result.serials).toEqual(['SN1001', 'SN1000', 'SN1001']);
    expect(result.problems).toEqual([
      { index: 1, token: '~+1', reason: 'DUPLICATE_SERIAL', message: expect.stringContaining('SN1001'), firstIndex: 0 },
    ]);
  });
});

describe('expandSerialText: size guard', () => {
  it('rejects a range larger than the quantity without expanding it', () => {
    const result = expandSerialText('SN1-SN500 X1', { quantity: 10 });
    expect(result.serials).toEqual(['X1']);
    expect(result.problems).toEqual([{ index: 0, token: 'SN1-SN500', reason: 'RANGE_TOO_LARGE', message: expect.stringContaining('500') }]);
    expect(result.problems[0]?.message).toContain('10');
  });

  it('applies the quantity guard to every range form', () => {
    const result = expandSerialText('SN1+20 AB100::250 ~+10', { quantity: 10, highestExisting: 'SN0999' });
    expect(result.problems.map((p) => [p.index, p.reason])).toEqual([
      [0, 'RANGE_TOO_LARGE'],
      [1, 'RANGE_TOO_LARGE'],
      [2, 'RANGE_TOO_LARGE'],
    ]);
  });

  it('allows a range exactly as large as the quantity', () => {
    expect(ok('SN1-SN10', { quantity: 10 })).toHaveLength(10);
  });

  it('rejects a range larger than the per-request limit', () => {
    const result = expandSerialText('SN1-SN100001');
    expect(result.serials).toEqual([]);
    expect(reasons(result.problems)).toEqual(['RANGE_TOO_LARGE']);
    expect(result.problems[0]?.message).toContain('100001');
    expect(result.problems[0]?.message).toContain('100000');
    expect(reasons(expandSerialText('SN1+100000').problems)).toEqual(['RANGE_TOO_LARGE']);
  });

  it('rejects a huge BigInt-sized range without expanding it', () => {
    const result = expandSerialText('SN1-SN999999999999999999999999999999');
    expect(result.serials).toEqual([]);
    expect(result.problems[0]?.reason).toBe('RANGE_TOO_LARGE');
    expect(result.problems[0]?.message).toContain('999999999999999999999999999999');
  });

  it('rejects a too-large fill for an open + when the quantity is above the limit', () => {
    const result = expandSerialText('SN1+', { quantity: 200_000 });
    expect(result.serials).toEqual([]);
    expect(reasons(result.problems)).toEqual(['RANGE_TOO_LARGE']);
  });

  it('counts literal tokens towards the per-request limit', () => {
    const text = Array.from({ length: 100_001 }, (_, i) => `P${i}`).join(' ');
    expect(expandSerialText(text)).toEqual({
      serials: [],
      sources: [],
      problems: [{ index: null, token: null, reason: 'RANGE_TOO_LARGE', message: expect.stringContaining('100001') }],
    });
  });

  it('rejects a total over the limit with index null and expands nothing', () => {
    const result = expandSerialText('A1-A60000 SN5-SN1 B1-B60000');
    expect(result.serials).toEqual([]);
    expect(result.problems).toEqual([
      { index: 1, token: 'SN5-SN1', reason: 'INVALID_RANGE', message: expect.any(String) },
      { index: null, token: null, reason: 'RANGE_TOO_LARGE', message: expect.stringContaining('120000') },
    ]);
  });

  it('expands SN000001-SN100000', () => {
    const result = expandSerialText('SN000001-SN100000', { quantity: 100_000 });
    expect(result.problems).toEqual([]);
    expect(result.serials).toHaveLength(100_000);
    expect(result.serials[0]).toBe('SN000001');
    expect(result.serials[99_999]).toBe('SN100000');
  });

  it('checks 100,000 pasted literal serials for duplicates', () => {
    const text = Array.from({ length: 99_999 }, (_, i) => `P${i}`).join('\r\n') + '\r\n';
    const result = expandSerialText(`${text}P5`);
    expect(result.serials).toHaveLength(100_000);
    expect(result.problems).toEqual([
      { index: 99_999, token: 'P5', reason: 'DUPLICATE_SERIAL', message: expect.stringContaining('entry 6'), firstIndex: 5 },
    ]);
  });
});

describe('expandSerialText: checks on expanded serials', () => {
  it('flags duplicates produced by overlapping ranges, per serial, on the later token', () => {
    const result = expandSerialText('SN1-SN5 SN4-SN7');
    expect(result.serials).toEqual(['SN1', 'SN2', 'SN3', 'SN4', 'SN5', 'SN4', 'SN5', 'SN6', 'SN7']);
    expect(result.problems).toHaveLength(2);
    for (const [i, serial] of ['SN4', 'SN5'].entries()) {
      expect(result.problems[i]).toMatchObject({ index: 1, token: 'SN4-SN7', reason: 'DUPLICATE_SERIAL' });
      expect(result.problems[i]?.message).toContain(serial);
      expect(result.problems[i]?.message).toContain('first in "SN1-SN5"');
      expect(result.problems[i]?.firstIndex).toBe(0);
    }
  });

  it('flags duplicates between different range forms and literals', () => {
    const result = expandSerialText('SN8-SN12 SN10 SN0009::12 SN11+1');
    expect(result.problems.map((p) => [p.index, p.reason])).toEqual([
      [1, 'DUPLICATE_SERIAL'],
      [3, 'DUPLICATE_SERIAL'],
      [3, 'DUPLICATE_SERIAL'],
    ]);
  });

  it('flags every repeat of a literal', () => {
    const result = expandSerialText('A1 A1 A1');
    expect(result.problems.map((p) => p.index)).toEqual([1, 2]);
  });

  it('is case-sensitive and padding-sensitive', () => {
    expect(ok('ab1 AB1 SN5 SN05 SN005')).toHaveLength(5);
  });

  it('flags a literal token that is too long', () => {
    const long = `A${'1'.repeat(100)}X`;
    const result = expandSerialText(`B1 ${long}`);
    expect(result.serials).toEqual(['B1', long]);
    expect(result.problems).toEqual([{ index: 1, token: long, reason: 'SERIAL_TOO_LONG', message: expect.stringContaining('102') }]);
  });

  it('flags range serials that grow too long, naming each serial', () => {
    const prefix = 'X'.repeat(99);
    const token = `${prefix}8-${prefix}10`;
    const result = expandSerialText(token);
    expect(result.serials).toEqual([`${prefix}8`, `${prefix}9`, `${prefix}10`]);
    expect(result.problems).toEqual([{ index: 0, token, reason: 'SERIAL_TOO_LONG', message: expect.stringContaining('X10"') }]);
  });

  it('flags invisible characters in literals and range prefixes', () => {
    const result = expandSerialText('A\u200B1 OK1 B\u00AD1-B\u00AD2');
    expect(result.problems.map((p) => [p.index, p.reason])).toEqual([
      [0, 'INVALID_CHARACTERS'],
      [2, 'INVALID_CHARACTERS'],
      [2, 'INVALID_CHARACTERS'],
    ]);
    expect(result.problems[2]?.token).toBe('B\u00AD1-B\u00AD2');
    expect(result.problems[2]?.message).toContain('U+00AD');
  });

  it('splits on other whitespace such as a no-break space instead of keeping it in a serial', () => {
    expect(ok('A1\u00A0A2\uFEFFA3')).toEqual(['A1', 'A2', 'A3']);
  });
});

describe('expandSerialText: quantity and reporting', () => {
  it('accepts a matching count', () => {
    expect(ok('A1 A2 A3', { quantity: 3 })).toEqual(['A1', 'A2', 'A3']);
  });

  it('reports too few or too many serials', () => {
    expect(expandSerialText('A1-A3', { quantity: 5 }).problems).toEqual([
      {
        index: null,
        token: null,
        reason: 'SERIAL_COUNT_MISMATCH',
        message: '3 serials given but the quantity is 5: add 2 more',
      },
    ]);
    expect(expandSerialText('A1-A3', { quantity: 1 }).problems).toEqual([
      { index: 0, token: 'A1-A3', reason: 'RANGE_TOO_LARGE', message: expect.any(String) },
    ]);
    expect(expandSerialText('A1 A2 A3', { quantity: 1 }).problems[0]?.message).toBe('3 serials given but the quantity is 1: remove 2');
    expect(expandSerialText('A1', { quantity: 2 }).problems[0]?.message).toBe('1 serial given but the quantity is 2: add 1 more');
  });

  it('does not report the count when there are other problems', () => {
    expect(reasons(expandSerialText('A1 A1', { quantity: 5 }).problems)).toEqual(['DUPLICATE_SERIAL']);
  });

  it('reports every problem at once, ordered by index with nulls last', () => {
    const result = expandSerialText('~ SN5-SN1 A1 C+ A1 X1+ \u0007 SN1::9999', { quantity: 50 });
    expect(result.problems.map((p) => [p.index, p.token, p.reason])).toEqual([
      [0, '~', 'NO_PREVIOUS_SERIAL'],
      [1, 'SN5-SN1', 'INVALID_RANGE'],
      [4, 'A1', 'DUPLICATE_SERIAL'],
      [6, '\u0007', 'INVALID_CHARACTERS'],
      [7, 'SN1::9999', 'INVALID_RANGE'],
    ]);
    // The open + fills what the four other expanded tokens leave of 50.
    expect(result.serials.slice(0, 5)).toEqual(['A1', 'C+', 'A1', 'X1', 'X2']);
    expect(result.serials.slice(-2)).toEqual(['X46', '\u0007']);
    expect(result.serials).toHaveLength(50);
  });

  it('fills the open + after the other tokens, so problems elsewhere do not shift it', () => {
    const result = expandSerialText('A1 X1+ A1', { quantity: 5 });
    expect(result.serials).toEqual(['A1', 'X1', 'X2', 'X3', 'A1']);
    expect(reasons(result.problems)).toEqual(['DUPLICATE_SERIAL']);
  });
});
