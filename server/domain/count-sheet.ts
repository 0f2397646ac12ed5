// The count sheet's layout, shared by the add-in (written into Excel) and the .xlsx download:
// one row per product (and batch) at a bay, one row per expected serial with a Found mark, and
// empty rows under each serialised product for serials found that the system does not expect.
// Pure: no database, no Office.js, no Node APIs.

import { cellDate, cellText, type SheetCell } from './sheet-cells.ts';

export type { SheetCell };

/** One line of a count sheet: a product (and batch) at a bay, or one expected serial. */
export interface CountSheetLine {
  productId: number;
  sku: string;
  name: string;
  tracking: 'plain' | 'batch' | 'serial';
  bayId: number | null;
  bayName: string | null;
  batchNumber: string | null;
  expiry: string | null;
  /** Hidden (null) in blind mode. */
  expectedQuantity: number | null;
  /** Serialised products: one line per expected serial (none in blind mode). */
  serial: string | null;
}

export interface CountRowInput {
  productId: number;
  bayId: number | null;
  countedQuantity?: number | null;
  batchNumber?: string | null;
  expiry?: string | null;
  serials?: string[];
}

export const COUNT_COLUMNS = [
  'SKU',
  'Product',
  'Bay',
  'Batch',
  'Expiry',
  'Serial',
  'Expected',
  'Counted',
  'Found',
  'Product ID',
  'Bay ID',
] as const;
export const STATUS_COLUMN = 'Status';
/** Columns a counter fills in; the rest are keys, locked on the sheet. */
export const EDITABLE_COLUMNS = ['Batch', 'Expiry', 'Serial', 'Counted', 'Found'] as const;
/**
 * How the add-in formats the columns it lays out: keys and what counters type as text (Excel keeps
 * 00123 and 1-2 as typed), expiry dates as yyyy-mm-dd (read the same in 1900 and 1904 workbooks).
 */
export const COUNT_COLUMN_FORMATS = { SKU: 'text', Bay: 'text', Batch: 'text', Serial: 'text', Expiry: 'date' } as const;
/** How many empty rows each serialised product gets for serials found beyond those expected. */
export const EXTRA_SERIAL_ROWS = 5;
export const FOUND_MARK = 'x';
const FOUND_WORDS = new Set([FOUND_MARK, 'yes', 'y', '1', 'true', '✓']);

/** The sheet's rows under the header (Expected stays empty in blind mode). */
export function countSheetRows(lines: CountSheetLine[], extraSerialRows = EXTRA_SERIAL_ROWS): SheetCell[][] {
  const rows: SheetCell[][] = [];
  const row = (line: CountSheetLine, serial: string, expected: number | null): SheetCell[] => [
    line.sku,
    line.name,
    line.bayName ?? '',
    line.batchNumber ?? '',
    line.expiry ?? '',
    serial,
    expected ?? '',
    '',
    '',
    line.productId,
    line.bayId ?? '',
  ];
  let previous: CountSheetLine | null = null;
  const closeSerialGroup = () => {
    if (previous?.tracking === 'serial') for (let i = 0; i < extraSerialRows; i++) rows.push(row(previous, '', null));
  };
  for (const line of lines) {
    if (previous && (previous.productId !== line.productId || previous.bayId !== line.bayId)) closeSerialGroup();
    if (line.tracking === 'serial') rows.push(row(line, line.serial ?? '', line.serial ? 1 : null));
    else rows.push(row(line, '', line.expectedQuantity));
    previous = line;
  }
  closeSerialGroup();
  return rows;
}

const text = (value: SheetCell | undefined | null) => (value === undefined || value === null ? '' : String(value).trim());

export interface ReadProblem {
  /** 0-based index of the row under the header. */
  row: number;
  column: string;
  message: string;
}

/**
 * Reads a filled count sheet (header first) into submitCounts rows. Quantity rows become one count
 * each; serial rows with a Found mark (or a serial typed into an extra row) are gathered into one
 * row per product and bay. `sources` gives, per count row, the sheet rows it came from, so the
 * server's answer can be written back beside them. `shown` is what each cell shows (Excel's
 * `text`), when known: serials and batches are read through cellText and expiry dates through
 * cellDate (sheet-cells.ts), so a serial Excel turned into a number is reported at its cell, never
 * sent changed.
 */
export function readCountSheet(
  values: SheetCell[][],
  shown?: string[][],
): { rows: CountRowInput[]; sources: number[][]; problems: ReadProblem[] } {
  const header = (values[0] ?? []).map(text);
  const at = (name: (typeof COUNT_COLUMNS)[number]) => header.indexOf(name);
  const missing = COUNT_COLUMNS.filter((name) => at(name) < 0);
  if (missing.length > 0) {
    return {
      rows: [],
      sources: [],
      problems: [
        { row: -1, column: missing[0]!, message: `The header row lacks ${missing.join(', ')}: use the sheet as the add-in laid it out` },
      ],
    };
  }
  const rows: CountRowInput[] = [];
  const sources: number[][] = [];
  const problems: ReadProblem[] = [];
  const serialGroups = new Map<string, number>();
  for (let r = 1; r < values.length; r++) {
    const cells = values[r]!;
    const get = (name: (typeof COUNT_COLUMNS)[number]) => cells[at(name)];
    const shownAt = (name: (typeof COUNT_COLUMNS)[number]) => shown?.[r]?.[at(name)];
    const productId = Number(text(get('Product ID')));
    if (!Number.isInteger(productId) || productId <= 0) continue; // not a count line (e.g. a note below)
    const bayId = text(get('Bay ID')) ? Number(text(get('Bay ID'))) : null;
    const index = r - 1;
    const asText = (name: 'Serial' | 'Batch'): string | null => {
      const read = cellText(get(name), shownAt(name));
      if ('text' in read) return read.text;
      problems.push({ row: index, column: name, message: read.problem });
      return null;
    };
    const serial = asText('Serial');
    if (serial === null) continue;
    const found = text(get('Found')).toLowerCase();
    const expectedSerialRow = serial !== '' && text(get('Expected')) !== '';
    const marked = FOUND_WORDS.has(found);
    // Serial rows: an expected serial counts when marked found; a serial typed into an extra row is
    // found. A product and bay with no mark and no typed serial stays uncounted (no verdict).
    if (serial !== '' || found !== '') {
      if (!serial) {
        problems.push({ row: index, column: 'Serial', message: 'Marked found but no serial is written' });
        continue;
      }
      if (expectedSerialRow && !marked) continue;
      const groupKey = `${productId}|${bayId ?? ''}`;
      let group = serialGroups.get(groupKey);
      if (group === undefined) {
        group = rows.push({ productId, bayId, serials: [] }) - 1;
        sources.push([]);
        serialGroups.set(groupKey, group);
      }
      sources[group]!.push(index);
      rows[group]!.serials!.push(serial);
      continue;
    }
    const countedText = text(get('Counted'));
    if (countedText === '') continue; // not counted yet: the server reports the line as uncounted
    const counted = Number(countedText);
    if (!Number.isFinite(counted)) {
      problems.push({ row: index, column: 'Counted', message: `"${countedText}" is not a number` });
      continue;
    }
    const batch = asText('Batch');
    if (batch === null) continue;
    const expiry = cellDate(get('Expiry'), shownAt('Expiry'));
    if ('unreadable' in expiry) {
      problems.push({
        row: index,
        column: 'Expiry',
        message: `"${expiry.unreadable}" is not a date Stocksheet can read: type it as 2027-03-31`,
      });
    }
    rows.push({ productId, bayId, countedQuantity: counted, batchNumber: batch || null, expiry: 'date' in expiry ? expiry.date : null });
    sources.push([index]);
  }
  return { rows, sources, problems };
}

/** Excel's rules for a worksheet name: 1–31 characters, none of []:*?/\, no leading or trailing apostrophe. */
export function worksheetName(wanted: string, taken: Set<string>): string {
  const clip = (s: string, max: number) => {
    let out = s;
    while (out.length > max) out = Array.from(out).slice(0, -1).join('');
    return out;
  };
  let base = wanted
    .replace(/[[\]:*?/\\]/g, '-')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what a sheet name may not hold
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trim()
    .replace(/^'+|'+$/g, '')
    .trim();
  if (base === '') base = 'Sheet';
  if (base.toLowerCase() === 'history') base = 'History count'; // Excel reserves "History"
  base = clip(base, 31).trimEnd();
  let name = base;
  for (let n = 2; taken.has(name.toLowerCase()); n++) {
    const suffix = ` (${n})`;
    name = clip(base, 31 - suffix.length).trimEnd() + suffix;
  }
  taken.add(name.toLowerCase());
  return name;
}
