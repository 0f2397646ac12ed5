// A report's values as Excel cells, by column type (server/modules/reports/definition.ts): numbers
// as numbers, dates and times as Excel's day numbers (in the workbook's date system) with a date
// format, text (serials, codes) as text in Text-formatted columns, money and quantities with their
// number formats; and as the pane's preview shows them. Pure.

import type { CellValue, DateSystem, TableColumnSpec } from '../../excel/port.ts';

export type ReportValue = string | number | boolean | null;
export type ReportRow = Record<string, ReportValue>;

/** A column as reports.list() and reports.run() give it. */
export interface ReportColumn {
  key: string;
  label: string;
  /** text, integer, quantity, money, date (ISO day), datetime (ISO instant), boolean; others are shown as they come. */
  type: string;
}

/** Where values go: the workbook's date system, and the time zone instants are shown in. */
export interface CellContext {
  dateSystem: DateSystem;
  timeZone: string;
}

export const NUMBER_FORMATS = {
  text: '@',
  integer: '0',
  wholeQuantity: '#,##0',
  quantity: '#,##0.0###',
  money: '#,##0.00',
  date: 'yyyy-mm-dd',
  datetime: 'yyyy-mm-dd hh:mm',
  general: 'General',
} as const;

/**
 * The number format of a column: Text for text (set before the values go in, so a serial 00123
 * stays 00123), yyyy-mm-dd for days, yyyy-mm-dd hh:mm for instants, two decimals and thousands for
 * money, thousands and up to four decimals for quantities (none when every quantity given is whole),
 * plain digits for integers (ids, counts), General for the rest.
 */
export function numberFormatOf(column: ReportColumn, values: readonly ReportValue[] = []): string {
  switch (column.type) {
    case 'text':
      return NUMBER_FORMATS.text;
    case 'integer':
      return NUMBER_FORMATS.integer;
    case 'quantity':
      return values.every((v) => typeof v !== 'number' || Number.isInteger(v)) ? NUMBER_FORMATS.wholeQuantity : NUMBER_FORMATS.quantity;
    case 'money':
      return NUMBER_FORMATS.money;
    case 'date':
      return NUMBER_FORMATS.date;
    case 'datetime':
      return NUMBER_FORMATS.datetime;
    default:
      return NUMBER_FORMATS.general;
  }
}

const DAY_MS = 86_400_000;
const EPOCH: Record<DateSystem, number> = { '1900': Date.UTC(1899, 11, 30), '1904': Date.UTC(1904, 0, 1) };
/** Before this day the 1900 system's day numbers are off by Lotus 1-2-3's 29 February 1900. */
const FIRST_EXACT_1900 = Date.UTC(1900, 2, 1);

/** Excel's day number of a yyyy-mm-dd day, or null for one Excel has no exact number for. */
export function dayNumber(isoDay: string, system: DateSystem): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDay);
  if (!match) return null;
  const at = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(at) || at < (system === '1900' ? FIRST_EXACT_1900 : EPOCH[system])) return null;
  return (at - EPOCH[system]) / DAY_MS;
}

const clocks = new Map<string, Intl.DateTimeFormat>();
/** The wall clock in a time zone (one formatter per zone: making them is slow). */
function clock(timeZone: string): Intl.DateTimeFormat {
  let format = clocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    clocks.set(timeZone, format);
  }
  return format;
}

/** An instant's day and time on the wall clock of `timeZone`: "2026-07-01 09:30:00". */
export function wallClock(instant: string | Date, timeZone: string): string {
  const at = typeof instant === 'string' ? new Date(instant) : instant;
  const parts = Object.fromEntries(
    clock(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Excel's day number (with the time as its fraction) of an instant on the wall clock of `timeZone`, or null. */
export function instantNumber(instant: string, timeZone: string, system: DateSystem): number | null {
  const at = new Date(instant);
  if (Number.isNaN(at.getTime())) return null;
  const [day, time] = wallClock(at, timeZone).split(' ') as [string, string];
  const whole = dayNumber(day, system);
  if (whole === null) return null;
  const [h, m, s] = time.split(':').map(Number) as [number, number, number];
  return whole + (h * 3600 + m * 60 + s) / 86_400;
}

/**
 * What goes into a cell for a value of the column's type: numbers and booleans as they are, days
 * and instants as day numbers (their ISO text when Excel has no number for them), text as text,
 * null as an empty cell.
 */
export function cellValue(type: string, value: ReportValue, context: CellContext): CellValue {
  if (value === null || value === undefined) return '';
  if (type === 'date' && typeof value === 'string') return dayNumber(value, context.dateSystem) ?? value;
  if (type === 'datetime' && typeof value === 'string') return instantNumber(value, context.timeZone, context.dateSystem) ?? value;
  if (type === 'text') return String(value);
  return value;
}

/** The table's columns: header, number format, and a total where the report gives one (its totals' keys). */
export function tableColumns(
  columns: readonly ReportColumn[],
  rows: readonly ReportRow[],
  totals: Readonly<Record<string, unknown>> | null,
): TableColumnSpec[] {
  return columns.map((c) => ({
    name: c.label,
    numberFormat: numberFormatOf(c, c.type === 'quantity' ? rows.map((r) => r[c.key] ?? null) : []),
    ...(totals && totals[c.key] !== undefined && totals[c.key] !== null ? { total: 'sum' as const } : {}),
  }));
}

/** The rows as cells, column by column in the report's order. */
export function tableRows(columns: readonly ReportColumn[], rows: readonly ReportRow[], context: CellContext): CellValue[][] {
  return rows.map((row) => columns.map((c) => cellValue(c.type, row[c.key] ?? null, context)));
}

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const quantity = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/** A value as the pane's preview shows it. */
export function previewText(type: string, value: ReportValue, timeZone: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') {
    if (type === 'money') return money.format(value);
    if (type === 'quantity') return quantity.format(value);
    return String(value);
  }
  if (type === 'datetime') return wallClock(value, timeZone).slice(0, 16);
  return value;
}
