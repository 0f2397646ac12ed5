import { describe, expect, it } from 'vitest';
import {
  allocationSheetName,
  BATCH_COLUMNS,
  batchRows,
  expiredMarks,
  localDay,
  readMarked,
  SERIAL_COLUMNS,
  serialRows,
} from '../../addin/features/allocations/allocation-sheet.ts';
import { problemMarks } from '../../addin/components/problem-marks.ts';

describe('allocation sheet rows', () => {
  it('lists serials with their bay, the received date as yyyy-mm-dd and the line’s own serials marked', () => {
    expect(
      serialRows([
        { serial: 'SN1', bay: 'B1', receivedAt: '2026-03-04T12:10:00.000Z', heldHere: false },
        { serial: 'SN2', bay: null, receivedAt: '2026-03-05T11:00:00.000Z', heldHere: true },
      ]),
    ).toEqual([
      ['SN1', 'B1', '2026-03-04', ''],
      ['SN2', '', '2026-03-05', 'x'],
    ]);
  });

  it('lists batches with expired ones saying so and the quantity this line holds as the quantity to use', () => {
    const rows = batchRows([
      { batch: 'LOT-1', expiry: '2025-01-31', available: 5, expired: true, heldHere: 0 },
      { batch: 'LOT-2', expiry: null, available: 12, expired: false, heldHere: 3 },
    ]);
    expect(rows).toEqual([
      ['LOT-1', '2025-01-31 (expired)', 5, ''],
      ['LOT-2', '', 12, 3],
    ]);
    expect(expiredMarks([[...BATCH_COLUMNS], ...rows])).toEqual([
      { row: 1, column: 1, message: 'Batch LOT-1 expired on 2025-01-31: it cannot be allocated.' },
    ]);
  });

  it('gives the received day where the pane runs', () => {
    const late = new Date(2026, 11, 31, 23, 30); // local time
    expect(localDay(late.toISOString())).toBe('2026-12-31');
    expect(localDay('not a date')).toBe('not a date');
  });

  it('names one sheet per document line', () => {
    expect(allocationSheetName('salesOrder', 12, 1)).toBe('SO 12 L1');
    expect(allocationSheetName('workOrder', 7, 3)).toBe('WO 7 L3');
  });
});

describe('readMarked', () => {
  it('takes the serials whose Use cell holds anything, with the Serial cell of each', () => {
    const values = [
      [...SERIAL_COLUMNS],
      ['SN1', 'B1', '2026-03-04', 'x'],
      ['SN2', '', '2026-03-04', ''],
      ['SN3', '', '2026-03-04', '  '],
      ['SN4', '', '2026-03-04', 1],
      ['', '', '', 'x'], // nothing to take
      [1005, '', '2026-03-04', true],
    ];
    expect(readMarked('SO 1 L1', values, 'serials')).toEqual({
      kind: 'serials',
      serials: ['SN1', 'SN4', '1005'],
      cells: [
        { sheet: 'SO 1 L1', row: 1, column: 0 },
        { sheet: 'SO 1 L1', row: 4, column: 0 },
        { sheet: 'SO 1 L1', row: 6, column: 0 },
      ],
      problems: [],
    });
  });

  it('reports a marked serial Excel changed at its cell, by what the cell shows', () => {
    const values = [[...SERIAL_COLUMNS], ['SN1', '', '', 'x'], [1234567890123450000, '', '', 'x']];
    const shown = [[...SERIAL_COLUMNS], ['SN1', '', '', 'x'], ['1.23457E+18', '', '', 'x']];
    expect(readMarked('S', values, 'serials', shown)).toMatchObject({
      serials: ['SN1', '1234567890123450000'],
      problems: [{ index: 1, message: expect.stringContaining('Excel stored this as a number (it shows "1.23457E+18")') }],
    });
  });

  it('finds the columns by name when a person moved them', () => {
    const values = [
      ['Use', 'Received', 'Serial'],
      ['x', '2026-03-04', 'SN9'],
    ];
    expect(readMarked('S', values, 'serials')).toMatchObject({ serials: ['SN9'], cells: [{ sheet: 'S', row: 1, column: 2 }] });
  });

  it('says which column is missing', () => {
    expect(readMarked('S', [['Serial', 'Bay']], 'serials')).toEqual({ error: expect.stringContaining('"Use" is missing') });
    expect(readMarked('S', [['Batch']], 'batches')).toEqual({ error: expect.stringContaining('"Quantity to use" is missing') });
    expect(readMarked('S', [], 'batches')).toEqual({
      error: 'The first row must name the columns: "Batch" and "Quantity to use" are missing. List the available stock again.',
    });
  });

  it('takes batches with a quantity to use, pointing at the quantity cell, and reports quantities that are not numbers', () => {
    const values = [
      [...BATCH_COLUMNS],
      ['LOT-1', '2027-01-01', 10, 4],
      ['LOT-2', '', 10, ''],
      ['LOT-3', '', 10, 0],
      ['LOT-4', '', 10, 'some'],
      ['LOT-5', '', 10, '2.5'],
    ];
    expect(readMarked('B', values, 'batches')).toEqual({
      kind: 'batches',
      batches: [
        { batch: 'LOT-1', quantity: 4 },
        { batch: 'LOT-4', quantity: 0 },
        { batch: 'LOT-5', quantity: 2.5 },
      ],
      cells: [
        { sheet: 'B', row: 1, column: 3 },
        { sheet: 'B', row: 4, column: 3 },
        { sheet: 'B', row: 5, column: 3 },
      ],
      problems: [{ index: 1, message: 'Quantity to use "some" for batch LOT-4 is not a number of units' }],
    });
  });

  it('gives cells problemMarks puts the server’s problems on', () => {
    const marked = readMarked('SO 1 L1', [[...SERIAL_COLUMNS], ['SN1', '', '', 'x'], ['SN2', '', '', ''], ['SN3', '', '', 'x']], 'serials');
    if ('error' in marked) throw new Error(marked.error);
    const problems = [
      { index: 1, token: 'SN3', reason: 'SERIAL_ALLOCATED', message: 'Serial SN3 is already allocated to sales order #2 line 1' },
    ];
    expect(problemMarks(problems, (i) => marked.cells[i])).toEqual([{ row: 3, column: 0, message: problems[0]!.message }]);
  });
});
