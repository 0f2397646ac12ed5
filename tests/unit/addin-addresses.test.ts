import { describe, expect, it } from 'vitest';
import {
  MAX_COLUMNS,
  MAX_ROWS,
  cellAddress,
  columnIndex,
  columnName,
  intersectAreas,
  parseRangeAddress,
  qualifiedAddress,
  quoteSheetName,
  rangeAddress,
} from '../../addin/excel/addresses.ts';

describe('columnName / columnIndex', () => {
  it('maps the boundaries of each letter count', () => {
    const cases: Array<[number, string]> = [
      [0, 'A'],
      [25, 'Z'],
      [26, 'AA'],
      [51, 'AZ'],
      [52, 'BA'],
      [701, 'ZZ'],
      [702, 'AAA'],
      [16383, 'XFD'],
    ];
    for (const [index, name] of cases) {
      expect(columnName(index)).toBe(name);
      expect(columnIndex(name)).toBe(index);
    }
  });

  it('round-trips every column of the grid', () => {
    for (let i = 0; i < MAX_COLUMNS; i++) expect(columnIndex(columnName(i))).toBe(i);
  });

  it('is case-insensitive when reading', () => {
    expect(columnIndex('aa')).toBe(26);
    expect(columnIndex('xFd')).toBe(16383);
  });

  it('refuses what is outside the grid or not a column', () => {
    expect(() => columnName(-1)).toThrow(RangeError);
    expect(() => columnName(16384)).toThrow(/outside Excel's grid/);
    expect(() => columnName(1.5)).toThrow(RangeError);
    expect(() => columnIndex('XFE')).toThrow(RangeError);
    expect(() => columnIndex('')).toThrow(RangeError);
    expect(() => columnIndex('A1')).toThrow(/not a column name/);
    expect(() => columnIndex('ABCD')).toThrow(RangeError);
  });
});

describe('cellAddress / rangeAddress', () => {
  it('writes 1-based A1 addresses from 0-based indexes', () => {
    expect(cellAddress(0, 0)).toBe('A1');
    expect(cellAddress(1, 1)).toBe('B2');
    expect(cellAddress(MAX_ROWS - 1, MAX_COLUMNS - 1)).toBe('XFD1048576');
    expect(rangeAddress(1, 1, 699, 3)).toBe('B2:D700');
    expect(rangeAddress(0, 0, MAX_ROWS, 1)).toBe('A1:A1048576');
  });

  it('writes a single cell without a colon', () => {
    expect(rangeAddress(1, 1, 1, 1)).toBe('B2');
  });

  it('refuses empty or off-grid ranges', () => {
    expect(() => cellAddress(MAX_ROWS, 0)).toThrow(RangeError);
    expect(() => rangeAddress(0, 0, 0, 1)).toThrow(RangeError);
    expect(() => rangeAddress(0, 0, 1, 0)).toThrow(RangeError);
    expect(() => rangeAddress(MAX_ROWS - 1, 0, 2, 1)).toThrow(/does not fit/);
    expect(() => rangeAddress(0, MAX_COLUMNS - 1, 1, 2)).toThrow(RangeError);
  });
});

describe('quoteSheetName / qualifiedAddress', () => {
  it('always quotes, doubling quotes inside the name', () => {
    expect(quoteSheetName('Sheet1')).toBe("'Sheet1'");
    expect(quoteSheetName('My sheet')).toBe("'My sheet'");
    expect(quoteSheetName("Bob's stock")).toBe("'Bob''s stock'");
    expect(qualifiedAddress('My sheet', 'A1')).toBe("'My sheet'!A1");
  });

  it('refuses an empty name', () => {
    expect(() => quoteSheetName('')).toThrow(RangeError);
  });
});

describe('parseRangeAddress', () => {
  it('reads addresses with and without a sheet', () => {
    expect(parseRangeAddress('Sheet1!B2:D700')).toEqual({ sheet: 'Sheet1', top: 1, left: 1, rowCount: 699, columnCount: 3 });
    expect(parseRangeAddress("'My sheet'!B2")).toEqual({ sheet: 'My sheet', top: 1, left: 1, rowCount: 1, columnCount: 1 });
    expect(parseRangeAddress('B2:D7')).toEqual({ sheet: null, top: 1, left: 1, rowCount: 6, columnCount: 3 });
  });

  it("undoes '' escapes and keeps ! inside quoted names", () => {
    expect(parseRangeAddress("'Bob''s stock'!A1").sheet).toBe("Bob's stock");
    expect(parseRangeAddress("'Wow!'!A1").sheet).toBe('Wow!');
    expect(parseRangeAddress("''''!A1").sheet).toBe("'");
  });

  it('accepts $ markers, lower case and corners in any order', () => {
    expect(parseRangeAddress('$b$2:$d$7')).toEqual(parseRangeAddress('B2:D7'));
    expect(parseRangeAddress('D7:B2')).toEqual(parseRangeAddress('B2:D7'));
    expect(parseRangeAddress('D2:B7')).toEqual(parseRangeAddress('B2:D7'));
  });

  it('refuses what it does not handle, with the address in the message', () => {
    expect(() => parseRangeAddress('A:A')).toThrow(/"A:A" is not a cell or range address/);
    expect(() => parseRangeAddress('2:2')).toThrow(RangeError);
    expect(() => parseRangeAddress('A1:B2:C3')).toThrow(RangeError);
    expect(() => parseRangeAddress("'Sheet1!A1")).toThrow(/closing quote/);
    expect(() => parseRangeAddress("'Sheet1'A1")).toThrow(/needs "!"/);
    expect(() => parseRangeAddress('!A1')).toThrow(/empty sheet name/);
    expect(() => parseRangeAddress("''!A1")).toThrow(/empty sheet name/);
    expect(() => parseRangeAddress('A0')).toThrow(RangeError);
    expect(() => parseRangeAddress('A1048577')).toThrow(RangeError);
    expect(() => parseRangeAddress('')).toThrow(RangeError);
  });

  it('round-trips with rangeAddress and qualifiedAddress', () => {
    const sheets = ['Sheet1', 'My sheet', "Bob's", 'Ünïcode ✓', "a''b", 'x!y'];
    const areas: Array<[number, number, number, number]> = [
      [0, 0, 1, 1],
      [1, 1, 699, 3],
      [41, 26, 1, 702],
      [MAX_ROWS - 1, MAX_COLUMNS - 1, 1, 1],
      [0, 0, MAX_ROWS, MAX_COLUMNS],
    ];
    for (const sheet of sheets) {
      for (const [top, left, rowCount, columnCount] of areas) {
        const address = qualifiedAddress(sheet, rangeAddress(top, left, rowCount, columnCount));
        expect(parseRangeAddress(address)).toEqual({ sheet, top, left, rowCount, columnCount });
      }
    }
  });
});

describe('intersectAreas', () => {
  const area = (top: number, left: number, rowCount: number, columnCount: number) => ({ top, left, rowCount, columnCount });

  it('gives the shared cells', () => {
    expect(intersectAreas(area(0, 0, MAX_ROWS, 1), area(3, 0, 10, 4))).toEqual(area(3, 0, 10, 1));
    expect(intersectAreas(area(1, 1, 5, 5), area(3, 3, 5, 5))).toEqual(area(3, 3, 3, 3));
    expect(intersectAreas(area(1, 1, 5, 5), area(1, 1, 5, 5))).toEqual(area(1, 1, 5, 5));
  });

  it('gives null when they only touch or are apart', () => {
    expect(intersectAreas(area(0, 0, 2, 2), area(2, 0, 2, 2))).toBeNull();
    expect(intersectAreas(area(0, 0, 2, 2), area(0, 5, 2, 2))).toBeNull();
  });
});
