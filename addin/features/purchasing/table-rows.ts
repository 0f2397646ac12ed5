import { cellDate, cellText } from '../../../server/domain/sheet-cells.ts';
import type { TableRow } from '../../../server/modules/purchasing/entry-service.ts';
import type { CellValue, ColumnFormats } from '../../excel/port.ts';

export type { TableRow };

/** The columns of the serials table a supplier's list is pasted into (see "Export PO to sheet"). */
export const TABLE_COLUMNS = ['Line', 'SKU', 'Product', 'Ordered', 'Received', 'Serial', 'Bay', 'Batch', 'Expiry', 'Quantity'] as const;
/** What people paste into stays as typed (Text); expiry dates show as yyyy-mm-dd. */
export const TABLE_COLUMN_FORMATS: ColumnFormats = { SKU: 'text', Serial: 'text', Bay: 'text', Batch: 'text', Expiry: 'date' };
type Field = 'line' | 'sku' | 'serial' | 'bay' | 'batch' | 'expiry' | 'quantity';
const FIELD_OF: Record<string, Field> = {
  line: 'line',
  'line number': 'line',
  'line #': 'line',
  sku: 'sku',
  code: 'sku',
  'product code': 'sku',
  serial: 'serial',
  'serial number': 'serial',
  serials: 'serial',
  'serial no': 'serial',
  bay: 'bay',
  bin: 'bay',
  batch: 'batch',
  'batch number': 'batch',
  lot: 'batch',
  expiry: 'expiry',
  'expiry date': 'expiry',
  expires: 'expiry',
  quantity: 'quantity',
  qty: 'quantity',
};

export interface ParsedTable {
  rows: TableRow[];
  /** For each row, its 0-based row index within the values (header is 0). */
  valueRows: number[];
  /** Column index (within the values) of each field present. */
  columns: Partial<Record<Field, number>>;
  /** Problems found before asking the server (unreadable dates or quantities), by row. */
  problems: { index: number; field: Field; message: string }[];
}

const text = (value: CellValue | undefined) => (value === undefined ? '' : typeof value === 'string' ? value.trim() : String(value));

/**
 * Reads a selected table whose first row names the columns (SKU or Line, Serial or Batch, and
 * optionally Bay, Expiry, Quantity; other columns are ignored). Blank rows are skipped. `shown` is
 * what each cell shows (Excel's `text`): SKUs, serials, bays and batches are read through cellText
 * and expiry dates through cellDate, so what Excel changed is reported at its cell and left out of
 * the row, never sent changed.
 */
export function parseTable(values: CellValue[][], shown?: string[][]): ParsedTable | { error: string } {
  const header = values[0] ?? [];
  const columns: Partial<Record<Field, number>> = {};
  header.forEach((cell, i) => {
    const field = FIELD_OF[text(cell).toLowerCase()];
    if (field && columns[field] === undefined) columns[field] = i;
  });
  if (columns.sku === undefined && columns.line === undefined) {
    return {
      error:
        'The first row of the selection must name the columns: an SKU or Line column is missing. Select the table with its header row.',
    };
  }
  if (columns.serial === undefined && columns.batch === undefined) {
    return {
      error:
        'The first row of the selection must name the columns: a Serial or Batch column is missing. Select the table with its header row.',
    };
  }
  const parsed: ParsedTable = { rows: [], valueRows: [], columns, problems: [] };
  for (let r = 1; r < values.length; r++) {
    const at = (field: Field) => (columns[field] === undefined ? undefined : values[r]![columns[field]!]);
    const shownAt = (field: Field) => (columns[field] === undefined ? undefined : shown?.[r]?.[columns[field]!]);
    if (!['serial', 'batch', 'quantity'].some((f) => text(at(f as Field)) !== '')) continue; // a row with nothing to enter
    const index = parsed.rows.length;
    const row: TableRow = {};
    const line = text(at('line'));
    if (line) row.line = Number(line);
    for (const field of ['sku', 'serial', 'bay', 'batch'] as const) {
      const read = cellText(at(field), shownAt(field));
      if ('problem' in read) parsed.problems.push({ index, field, message: read.problem });
      else if (read.text) row[field] = read.text;
    }
    if (columns.expiry !== undefined) {
      const expiry = cellDate(at('expiry'), shownAt('expiry'));
      if ('unreadable' in expiry)
        parsed.problems.push({
          index,
          field: 'expiry',
          message: `Expiry "${expiry.unreadable}" is not a date Stocksheet can read; type it as 2027-03-31`,
        });
      else row.expiry = expiry.date;
    }
    const quantity = text(at('quantity'));
    if (quantity) {
      row.quantity = Number(quantity);
      if (!Number.isFinite(row.quantity))
        parsed.problems.push({ index, field: 'quantity', message: `Quantity "${quantity}" is not a number` });
    }
    if (row.line !== undefined && !Number.isInteger(row.line))
      parsed.problems.push({ index, field: 'line', message: `Line "${line}" is not a line number` });
    parsed.rows.push(row);
    parsed.valueRows.push(r);
  }
  return parsed;
}

/** Where a problem about a row's field sits in the sheet (its row, and that field's column or the first). */
export function problemCell(parsed: ParsedTable, top: number, left: number, index: number, field: string | undefined) {
  const column = parsed.columns[(field ?? 'serial') as Field] ?? parsed.columns.serial ?? parsed.columns.batch ?? 0;
  return { row: top + parsed.valueRows[index]!, column: left + column };
}

/** The rows "Export PO to sheet" writes: entered serials and batches, then blank rows for what is still to come. */
export function exportRows(order: {
  lines: {
    lineNumber: number;
    product: { sku: string; name: string; serialised: boolean; batchTracked: boolean };
    quantity: number;
    receivedQuantity: number;
    pendingSerials: string[];
    pendingSerialBays: (string | null)[];
    pendingBatches: { number: string; expiry: string | null; quantity: number; bayName: string | null }[];
  }[];
}): CellValue[][] {
  const rows: CellValue[][] = [];
  for (const line of order.lines) {
    const base = [line.lineNumber, line.product.sku, line.product.name, line.quantity, line.receivedQuantity];
    const remaining = line.quantity - line.receivedQuantity;
    if (line.product.serialised) {
      line.pendingSerials.forEach((serial, i) => rows.push([...base, serial, line.pendingSerialBays[i] ?? '', '', '', '']));
      for (let i = line.pendingSerials.length; i < remaining; i++) rows.push([...base, '', '', '', '', '']);
    } else if (line.product.batchTracked) {
      line.pendingBatches.forEach((b) => rows.push([...base, '', b.bayName ?? '', b.number, b.expiry ?? '', b.quantity]));
      if (line.pendingBatches.length === 0 && remaining > 0) rows.push([...base, '', '', '', '', remaining]);
    } else {
      // Nothing to enter for a plain line: it is listed so the sheet shows the whole order.
      rows.push([...base, '', '', '', '', '']);
    }
  }
  return rows;
}
