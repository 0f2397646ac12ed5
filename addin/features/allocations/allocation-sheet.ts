// The sheet "List available serials" writes and Check / Allocate read back: which serials (or
// batches and quantities) a person marked for a document line, and the cell each came from. Pure.

import type { DocumentType } from '../../../server/domain/allocation.ts';
import { cellText } from '../../../server/domain/sheet-cells.ts';
import type { CellMark, CellRef, CellValue, ColumnFormats } from '../../excel/port.ts';

export type { DocumentType };

/** The server's document types, as the pane names them. */
export const DOCUMENT_TYPES: { value: DocumentType; label: string; short: string }[] = [
  { value: 'salesOrder', label: 'Sales order', short: 'SO' },
  { value: 'shipment', label: 'Shipment', short: 'SH' },
  { value: 'invoice', label: 'Invoice', short: 'INV' },
  { value: 'workOrder', label: 'Work order', short: 'WO' },
];

/** Worksheet custom property naming the document line a listed sheet belongs to (see sheetTag). */
export const ALLOCATION_PROPERTY = 'stocksheet.allocationLine';
export const SERIAL_COLUMNS = ['Serial', 'Bay', 'Received', 'Use'] as const;
export const BATCH_COLUMNS = ['Batch', 'Expiry', 'Available', 'Quantity to use'] as const;
/** Serials, bays and batches stay as typed (Text): people paste more serials into the list. */
export const SERIAL_COLUMN_FORMATS: ColumnFormats = { Serial: 'text', Bay: 'text' };
export const BATCH_COLUMN_FORMATS: ColumnFormats = { Batch: 'text' };
/** Follows an expired batch's date in the Expiry column: the sheet says it even without colour. */
export const EXPIRED_SUFFIX = ' (expired)';

export const sheetTag = (type: DocumentType, lineId: number) => `${type}:${lineId}`;

/** "SO 12 L1": short enough for Excel's 31 characters, one sheet per document line. */
export function allocationSheetName(type: DocumentType, documentId: number, lineNumber: number): string {
  const short = DOCUMENT_TYPES.find((t) => t.value === type)!.short;
  return `${short} ${documentId} L${lineNumber}`;
}

export interface AvailableSerial {
  serial: string;
  bay: string | null;
  receivedAt: string;
  heldHere: boolean;
}
export interface AvailableBatch {
  batch: string;
  expiry: string | null;
  available: number;
  expired: boolean;
  heldHere: number;
}

/** The day of an ISO timestamp where the pane runs (a person's "received on"), as yyyy-mm-dd. */
export function localDay(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
}

/** Rows under SERIAL_COLUMNS: received as yyyy-mm-dd text; the line's own serials already marked "x". */
export function serialRows(serials: AvailableSerial[]): CellValue[][] {
  return serials.map((s) => [s.serial, s.bay ?? '', localDay(s.receivedAt), s.heldHere ? 'x' : '']);
}

/** Rows under BATCH_COLUMNS: expired batches say so after their date; what the line holds is the quantity to use. */
export function batchRows(batches: AvailableBatch[]): CellValue[][] {
  return batches.map((b) => [b.batch, (b.expiry ?? '') + (b.expired ? EXPIRED_SUFFIX : ''), b.available, b.heldHere > 0 ? b.heldHere : '']);
}

const text = (value: CellValue | undefined) => (value === undefined ? '' : typeof value === 'string' ? value.trim() : String(value));

/** Column indexes by header name (case-insensitive), so a person may move or sort columns. */
function columnsOf(header: CellValue[] | undefined, names: readonly string[]): { columns: Record<string, number> } | { error: string } {
  const found: Record<string, number> = {};
  (header ?? []).forEach((cell, i) => {
    const name = names.find((n) => n.toLowerCase() === text(cell).toLowerCase());
    if (name && found[name] === undefined) found[name] = i;
  });
  const missing = names.filter((n) => found[n] === undefined).map((n) => `"${n}"`);
  if (missing.length === 0) return { columns: found };
  const said = missing.length === 1 ? `${missing[0]} is` : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)} are`;
  return { error: `The first row must name the columns: ${said} missing. List the available stock again.` };
}

/**
 * What a marked sheet asks for, each entry with the cell its problems belong on (the Serial cell, or
 * the Quantity to use cell). `problems` are what the pane sees itself (a quantity that is not a
 * number, a serial or batch Excel changed), indexed like the entries.
 */
export type Marked =
  | { kind: 'serials'; serials: string[]; cells: CellRef[]; problems: { index: number; message: string }[] }
  | { kind: 'batches'; batches: { batch: string; quantity: number }[]; cells: CellRef[]; problems: { index: number; message: string }[] };

/**
 * Reads a listed sheet (values from A1, as readSheet gives them, with what each cell shows in
 * `shown`): serials whose Use cell holds anything, or batches with a quantity to use (blank or 0 is
 * not marked). A serial or batch Excel changed (cellText) is a problem at its cell.
 */
export function readMarked(
  sheet: string,
  values: CellValue[][],
  kind: 'serials' | 'batches',
  shown?: string[][],
): Marked | { error: string } {
  const found = columnsOf(values[0], kind === 'serials' ? ['Serial', 'Use'] : ['Batch', 'Quantity to use']);
  if ('error' in found) return found;
  const { columns } = found;
  const cell = (row: number, column: number): CellRef => ({ sheet, row, column });
  /** The key at row r, column `column`, read as text; a problem (indexed `index`) when Excel changed it. */
  const key = (r: number, column: number, problems: Marked['problems'], index: number): string => {
    const read = cellText(values[r]![column], shown?.[r]?.[column]);
    if ('text' in read) return read.text;
    problems.push({ index, message: read.problem });
    return String(values[r]![column]);
  };
  if (kind === 'serials') {
    const marked: Marked = { kind, serials: [], cells: [], problems: [] };
    for (let r = 1; r < values.length; r++) {
      if (text(values[r]![columns.Serial!]) === '' || text(values[r]![columns.Use!]) === '') continue;
      marked.serials.push(key(r, columns.Serial!, marked.problems, marked.serials.length));
      marked.cells.push(cell(r, columns.Serial!));
    }
    return marked;
  }
  const quantityColumn = columns['Quantity to use']!;
  const marked: Marked = { kind, batches: [], cells: [], problems: [] };
  for (let r = 1; r < values.length; r++) {
    const entered = text(values[r]![quantityColumn]);
    if (text(values[r]![columns.Batch!]) === '' || entered === '') continue;
    const quantity = Number(entered);
    if (quantity === 0) continue;
    const batch = key(r, columns.Batch!, marked.problems, marked.batches.length);
    if (!Number.isFinite(quantity) || quantity < 0) {
      marked.problems.push({
        index: marked.batches.length,
        message: `Quantity to use "${entered}" for batch ${batch} is not a number of units`,
      });
    }
    marked.batches.push({ batch, quantity: Number.isFinite(quantity) ? quantity : 0 });
    marked.cells.push(cell(r, quantityColumn));
  }
  return marked;
}

/** Red marks on the Expiry cells of expired batches, so they stay visible after every check. */
export function expiredMarks(values: CellValue[][]): CellMark[] {
  const found = columnsOf(values[0], ['Batch', 'Expiry']);
  if ('error' in found) return [];
  const { columns } = found;
  const marks: CellMark[] = [];
  for (let r = 1; r < values.length; r++) {
    const expiry = text(values[r]![columns.Expiry!]);
    if (!expiry.endsWith(EXPIRED_SUFFIX.trim())) continue;
    const date = expiry.slice(0, -EXPIRED_SUFFIX.trim().length).trim();
    const batch = text(values[r]![columns.Batch!]);
    marks.push({
      row: r,
      column: columns.Expiry!,
      message: `Batch ${batch} ${date ? `expired on ${date}` : 'has expired'}: it cannot be allocated.`,
    });
  }
  return marks;
}
