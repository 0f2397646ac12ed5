import { describe, expect, it } from 'vitest';
import { cellDate, cellText } from '../../server/domain/sheet-cells.ts';

describe('cellText', () => {
  it('takes text trimmed, booleans as Excel shows them, and blanks as empty', () => {
    expect(cellText('  SN-001 ')).toEqual({ text: 'SN-001' });
    expect(cellText(true, 'TRUE')).toEqual({ text: 'TRUE' });
    expect(cellText(undefined)).toEqual({ text: '' });
  });

  it('takes a number as the text the cell shows when that is exactly the number', () => {
    expect(cellText(123, '123')).toEqual({ text: '123' });
    expect(cellText(12345, '12,345')).toEqual({ text: '12,345' });
    expect(cellText(0.05, '5%')).toEqual({ text: '5%' });
    expect(cellText(123456789012345, '123456789012345')).toEqual({ text: '123456789012345' });
  });

  it('reports a number Excel may have changed: scientific form, a rounded display, more than 15 digits, a date', () => {
    for (const [value, shown, kind] of [
      [123456789012, '1.23457E+11', 'a number'],
      [100000, '1.00E+05', 'a number'],
      [1.23456, '1.23', 'a number'],
      [1234567890123450000, '1234567890123450000', 'a number'],
      [46024, '2-Jan', 'a date'],
      [45293, '1/2/2024', 'a date'],
    ] as const) {
      const read = cellText(value, shown);
      expect('problem' in read && read.problem).toMatch(/format the column as Text and paste again$/);
      expect('problem' in read && read.problem.startsWith(`Excel stored this as ${kind} (it shows "${shown}")`)).toBe(true);
    }
  });

  it('checks a number by its own digits when what the cell shows is not known (an uploaded file)', () => {
    expect(cellText(1002)).toEqual({ text: '1002' });
    expect(cellText(1234567890123450000)).toEqual({ problem: expect.stringContaining('Excel stored this as a number') });
  });
});

describe('cellDate', () => {
  it('takes yyyy-mm-dd text, and nothing for a blank', () => {
    expect(cellDate('2027-03-31')).toEqual({ date: '2027-03-31' });
    expect(cellDate(' ')).toEqual({ date: null });
    expect(cellDate('2027-02-30')).toEqual({ unreadable: '2027-02-30' });
    expect(cellDate('next spring')).toEqual({ unreadable: 'next spring' });
  });

  it('reads a day number as the day the cell shows, in either date system', () => {
    expect(cellDate(46477, '2027-03-31')).toEqual({ date: '2027-03-31' }); // 1900 system
    expect(cellDate(45015, '2027-03-31')).toEqual({ date: '2027-03-31' }); // 1904 system
    expect(cellDate(45015, '3/31/2027')).toEqual({ date: '2027-03-31' });
    expect(cellDate(46477, '31/03/27')).toEqual({ date: '2027-03-31' });
  });

  it('gives back what the cell shows when the day cannot be told for sure', () => {
    expect(cellDate(45015, '31-Mar')).toEqual({ unreadable: '31-Mar' }); // no year: 2023 or 2027?
  });

  it('counts days from 1899-12-30 when what the cell shows is not known (an uploaded file)', () => {
    expect(cellDate(1)).toEqual({ date: '1899-12-31' });
    expect(cellDate(45292)).toEqual({ date: '2024-01-01' });
  });
});
