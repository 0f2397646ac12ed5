import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../addin/api/errors.ts';
import type { WorkbookSettings } from '../../addin/excel/port.ts';
import { loadConnection, normaliseServerUrl, saveConnection } from '../../addin/features/connect/connection.ts';
import { problemMarks } from '../../addin/components/problem-marks.ts';
import { collectSerials } from '../../addin/components/selection-serials.ts';

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

/** The connection needs only the workbook's settings. */
function workbookWithSettings() {
  const settings = new Map<string, string>();
  const port: WorkbookSettings = {
    getWorkbookSetting: (key: string) => settings.get(key) ?? null,
    setWorkbookSetting: async (key: string, value: string) => void settings.set(key, value),
  };
  return { port, settings };
}

describe('collectSerials', () => {
  const selection = {
    sheet: 'Receipts',
    address: 'C5:D7',
    top: 4,
    left: 2,
    values: [
      ['  SN1 ', ''],
      [1002, '   '],
      [true, 'SN4'],
    ],
    text: [
      ['  SN1 ', ''],
      ['1002', '   '],
      ['TRUE', 'SN4'],
    ],
  };

  it('takes one serial per non-blank cell, row by row, trimmed, and remembers each cell', () => {
    const collected = collectSerials(selection);
    expect(collected.serials).toEqual(['SN1', '1002', 'TRUE', 'SN4']);
    expect(collected.cells).toEqual([
      { sheet: 'Receipts', row: 4, column: 2 },
      { sheet: 'Receipts', row: 5, column: 2 },
      { sheet: 'Receipts', row: 6, column: 2 },
      { sheet: 'Receipts', row: 6, column: 3 },
    ]);
    expect(collected.problems).toEqual([]);
  });

  it('finds nothing in an all-blank selection', () => {
    expect(collectSerials({ ...selection, values: [[''], ['  ']], text: [[''], ['  ']] }).serials).toEqual([]);
  });

  it('never sends a serial Excel may have changed: it is a problem at its cell, after the serials', () => {
    const collected = collectSerials({
      sheet: 'Receipts',
      address: 'A1:A4',
      top: 0,
      left: 0,
      values: [['SN1'], [1234567890123450000], [46024], [123]],
      text: [['SN1'], ['1.23457E+18'], ['2-Jan'], ['123']],
    });
    expect(collected.serials).toEqual(['SN1', '123']);
    expect(collected.problems).toEqual([
      {
        index: 2,
        token: '1.23457E+18',
        reason: 'CHANGED_BY_EXCEL',
        message: 'Excel stored this as a number (it shows "1.23457E+18"): format the column as Text and paste again',
      },
      {
        index: 3,
        token: '2-Jan',
        reason: 'CHANGED_BY_EXCEL',
        message: 'Excel stored this as a date (it shows "2-Jan"): format the column as Text and paste again',
      },
    ]);
    expect(collected.cells.map((c) => c.row)).toEqual([0, 3, 1, 2]);
  });
});

describe('problemMarks', () => {
  const cells = [
    { sheet: 'S', row: 0, column: 0 },
    { sheet: 'S', row: 9, column: 1 },
    { sheet: 'S', row: 11, column: 3 },
  ];

  it('puts each problem on the cell its index points at and names the first cell of a duplicate', () => {
    const marks = problemMarks(
      [
        {
          index: 2,
          token: 'X',
          reason: 'DUPLICATE_SERIAL',
          message: 'Serial "X" is listed more than once; remove the repeat.',
          firstIndex: 1,
        },
        { index: null, token: null, reason: 'SERIAL_COUNT_MISMATCH', message: '3 serials given but the quantity is 4' },
      ],
      (i) => cells[i],
    );
    expect(marks).toEqual([{ row: 11, column: 3, message: 'Serial "X" is listed more than once; remove the repeat. First in B10.' }]);
  });

  it('joins several problems on one cell into one mark', () => {
    const marks = problemMarks(
      [
        { index: 0, token: 'A', reason: 'SERIAL_EXISTS', message: 'first' },
        { index: 0, token: 'A', reason: 'INVALID_CHARACTERS', message: 'second' },
      ],
      (i) => cells[i],
    );
    expect(marks).toEqual([{ row: 0, column: 0, message: 'first; second' }]);
  });
});

describe('connection', () => {
  it('keeps the server URL in the workbook and the token only in this browser', async () => {
    const storage = new MemoryStorage();
    const { port, settings } = workbookWithSettings();
    await saveConnection(port, storage, 'https://stock.example:3000', 'ss_secret');
    expect(settings.get('stocksheet.serverUrl')).toBe('https://stock.example:3000');
    expect([...settings.values()]).not.toContain('ss_secret');
    expect(loadConnection(port, storage, 'https://localhost:3000')).toEqual({
      serverUrl: 'https://stock.example:3000',
      token: 'ss_secret',
    });
  });

  it('starts from the pane origin, with no token, for a new workbook', () => {
    const { port } = workbookWithSettings();
    expect(loadConnection(port, new MemoryStorage(), 'https://localhost:3000')).toEqual({
      serverUrl: 'https://localhost:3000',
      token: null,
    });
  });

  it('normalises the typed URL', () => {
    expect(normaliseServerUrl('  https://host:3000/// ')).toBe('https://host:3000');
  });
});

describe('describeFailure', () => {
  const fromServer = (httpStatus: number, reason: string, message: string) =>
    TRPCClientError.from({ error: { message, code: -32001, data: { httpStatus, reason, code: 'X' } } } as never);

  it('says what to do about a rejected token', () => {
    const failure = describeFailure(fromServer(401, 'UNAUTHENTICATED', 'Sign in'), 'https://h');
    expect(failure.title).toBe('Token not accepted');
    expect(failure.message).toContain('npm run token');
  });

  it("passes on the server's reason for a refused role", () => {
    const failure = describeFailure(fromServer(403, 'FORBIDDEN', 'Your role (viewer) may not adjust stock'), 'https://h');
    expect(failure).toMatchObject({ title: 'Not allowed', reason: 'FORBIDDEN', message: 'Your role (viewer) may not adjust stock' });
  });

  it('names the server it could not reach', () => {
    const failure = describeFailure(new TypeError('Failed to fetch'), 'https://stock.example');
    expect(failure.title).toBe('Cannot reach the server');
    expect(failure.message).toContain('https://stock.example');
  });
});
