// A hand-written, in-memory stand-in for the `Excel` and `Office` globals: exactly the part of
// Office.js that the add-in's addin/excel/office-*.ts files use, over a grid of sheets held in memory.
//
// It is a test double, not Excel, but it keeps the Office.js rules that catch real bugs:
// - Objects are proxies. Reading a property needs `load(...)` and then `await context.sync()`;
//   otherwise the read throws a PropertyNotLoaded error (and is recorded in `notLoadedReads`).
//   `isNullObject` of an *OrNullObject proxy is known after the next sync.
// - Writes and method calls are queued and applied, in order, at `sync()`. When one fails, the
//   operations before it stay applied and the sync rejects (as in Excel). `Excel.run` syncs what is
//   still queued when the batch resolves; using a proxy after its run has finished throws.
// - Written values are read as Excel reads typing (fake-excel-typing.ts): in a cell formatted as
//   Text ("@") they stay exactly as written; elsewhere "'text" is stored as "text", "=..." is a
//   formula (and so is "+..." / "-..." / "@..." unless it is a number), "00123" becomes 123, "1E5"
//   100000, "12,345" 12345, "$5" 5, "5%" 0.05, a number of more than 15 digits keeps 15, "1-2",
//   "3/4" and "2024-01-02" become dates in the workbook's date system (`date1904`), "TRUE"/"FALSE"
//   booleans. Formulas are recorded in `workbook.formulaWrites` (and never calculated: the cell
//   reads back as the formula's text). `workbook.typeInto` types as a person would, through the
//   same rules (refused on a locked cell of a protected sheet and by the cell's data validation).
//   `range.text` is what Excel would show for the value in the cell's number format (General shows
//   12 digits or more in scientific form). Text over 32,767 characters, NaN and Infinity are
//   refused at sync.
// - A request or response bigger than `payloadLimitBytes` (default 5 MB, as Excel on the web) makes
//   `sync()` reject with RequestPayloadSizeLimitExceeded or ResponsePayloadSizeLimitExceeded, or
//   with GeneralException when `oversizedError: 'generic'` (as Excel on the web has answered).
//   Sizes are the fake's own measure, not the add-in's planner's: the JSON of what each operation
//   sends or receives, plus a fixed overhead per operation, per object it addresses and per
//   collection item returned. A too-big request applies nothing; a too-big response comes after its
//   writes were applied.
// - Calculation suspended with `application.suspendApiCalculationUntilNextSync()` leaves the
//   workbook needing a recalculation (`workbook.calculationPending()`) until
//   `application.calculate(...)`: the API reference makes that the caller's job.
// - Worksheet protection (`worksheet.protection`, or `workbook.protect`): a protected sheet refuses
//   values written to locked cells (every cell is locked until `format.protection.locked = false`),
//   cell formats and number formats (unless protected with allowFormatCells), column autofit
//   (unless allowFormatColumns), locking, data validation, conditional formats, comments and custom
//   properties. `protect` on a protected sheet and `unprotect` on an unprotected one fail with
//   AccessDenied (as reported in office-js #6784). The options loaded from `protection.options`
//   have null fields (as reported in office-js #1931), and `protect` given a null option fails with
//   GeneralException. Data validation only restricts what a person types: values the API writes are
//   never checked against it (as in Excel).
// - `Office.context.requirements.isSetSupported` compares versions part by part (1.10 > 1.9) with
//   the `excelApi` version the fake offers (default 1.12).
// - A cell holds one comment; adding a second fails the sync. A legacy note (`workbook.addNote`) is
//   invisible to the comments API and also makes a comment on its cell fail. Comment collections
//   load all their items, or a page of them with `load({ select, top, skip })`; `getCount()`.
// - Excel tables (`worksheet.tables`, `workbook.tables`): a name (unique in the workbook, Excel's
//   naming rules), a range of one header row, data rows (at least one: a table with no data keeps a
//   blank row, Excel's insert row) and the totals row when `showTotals`; header cells are text,
//   blank ones named Column1..., repeats numbered. `rows.add` inserts rows (several with ExcelApi
//   1.4) and shifts the cells below the table, in its columns, down; `range.delete("Up")` over whole
//   data rows of a table deletes them (all of them leaves the blank row). Excel's refusals are kept:
//   a shift that would move part of a table (a delete over part of its columns, its header or
//   totals row, a table below only partly in the shifted columns), an overlapping table, inserting
//   or deleting rows of a filtered table (InsertDeleteConflict: office-js #994 reports such deletes
//   doing nothing). Formulas over a table column by a structured reference (`=SUM(T[Qty])`,
//   `=SUBTOTAL(109,[Qty])` in the totals row: fake-excel-formulas.ts) are calculated when read, so
//   they follow the table as it grows and shrinks; renaming the table renames its references, and
//   deleting it (or its sheet) makes them #REF!, as Excel does. Not modelled: A1 references moving
//   with inserted or deleted cells, sorting, filter criteria (a test marks a table filtered).
// - `workbook.functions.year(serial)` answers in the workbook's date system (1900 or 1904).
// - Every sync is recorded: its operations (loads, property sets, method calls; whether each one
//   changed the workbook, and whether events were on and calculation suspended when it ran), the
//   request and response sizes in bytes, and its error if it failed.
//
// No Node imports: the end-to-end test bundles this file into the page as the Excel stand-in.

import { breakTableReferences, evaluateTableFormula, renameTableReferences } from './fake-excel-formulas.ts';
import { GENERAL, displayText, enterValue, type FakeValue } from './fake-excel-typing.ts';

export type { FakeValue };

/** A rectangle of cells by 0-based indexes. */
export interface FakeArea {
  top: number;
  left: number;
  rowCount: number;
  columnCount: number;
}

/** What a test sees of one cell. */
export interface FakeCell {
  value: FakeValue;
  /** Set when what was written was read as a formula. */
  formula?: string;
  /** "#RRGGBB", or null without a fill. */
  fill: string | null;
  bold: boolean;
  /** The cell's comment text, or null. */
  comment: string | null;
  /** Set when the cell has a legacy note (see `workbook.addNote`). */
  note?: string;
}

export interface RecordedOperation {
  kind: 'load' | 'set' | 'call';
  /** The object's path, e.g. `workbook.worksheets.getItem("Sheet1").getRangeByIndexes(0,0,10,2)`. */
  target: string;
  /** The property set, the method called, or the properties loaded (comma-separated). */
  name: string;
  /** True for operations that change the workbook (values, formats, comments, sheets...). */
  write: boolean;
  /** False when the sync stopped (or was refused) before this operation. */
  ran: boolean;
  /** The state when it ran. */
  eventsEnabled: boolean;
  calculationSuspended: boolean;
}

export interface SyncRecord {
  index: number;
  /** True for the sync `Excel.run` makes itself when the batch resolves with work still queued. */
  final: boolean;
  operations: RecordedOperation[];
  requestBytes: number;
  responseBytes: number;
  /** "Code: message" when the sync rejected. */
  error: string | null;
}

export interface FakeExcelOptions {
  /** Largest request or response one sync may carry, in bytes as the fake measures them (default 5,000,000). */
  payloadLimitBytes?: number;
  /**
   * How an oversized request or response is answered: with its payload error code (default), or
   * with GeneralException, "An internal error has occurred." (as Excel on the web has answered:
   * office-js-docs #1247, office-js #2564).
   */
  oversizedError?: 'payload' | 'generic';
  /** The workbook uses the 1904 date system (day 0 is 1904-01-01) instead of the 1900 one. */
  date1904?: boolean;
  /** The year a date typed without one ("1-2", "Jan 5") falls in (default: this year). */
  year?: number;
  /** The ExcelApi requirement set version the fake offers (default "1.12"). */
  excelApi?: string;
  /** Sheets the workbook starts with (default ["Sheet1"]); the first is active, A1 selected. */
  sheets?: string[];
  /** Called at each sync before anything is applied: a test may change the workbook here. */
  beforeSync?: (sync: SyncRecord) => void;
  /** Milliseconds each sync takes (default 0), so a page can show progress. */
  latencyMs?: number;
  /** The author of comments the add-in writes. */
  userName?: string;
}

/** What a test sees of an Excel table. */
export interface FakeTableState {
  name: string;
  sheet: string;
  /** The whole table (header, data rows, totals row), e.g. "A8:K21". */
  address: string;
  header: string[];
  /** Data rows (at least 1: an empty table keeps a blank row). */
  bodyRows: number;
  showTotals: boolean;
  style: string;
}

export class FakeOfficeError extends Error {
  readonly code: string;
  readonly debugInfo: { code: string; message: string; errorLocation?: string };
  constructor(code: string, message: string, errorLocation?: string) {
    super(message);
    this.name = 'RichApi.Error';
    this.code = code;
    this.debugInfo = { code, message, errorLocation };
  }
}

// ---------------------------------------------------------------------------------------------
// A1 addresses (independent of the add-in's own helpers, so a bug there is not mirrored here)

const MAX_ROWS = 1_048_576;
const MAX_COLUMNS = 16_384;

function columnLetters(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function a1(area: FakeArea): string {
  const first = `${columnLetters(area.left)}${area.top + 1}`;
  if (area.rowCount === 1 && area.columnCount === 1) return first;
  return `${first}:${columnLetters(area.left + area.columnCount - 1)}${area.top + area.rowCount}`;
}

function sheetPrefix(name: string): string {
  const bare = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^[A-Za-z]{1,3}\d+$/.test(name);
  return bare ? name : `'${name.replaceAll("'", "''")}'`;
}

function parseCell(text: string): { row: number; column: number } {
  const match = /^\$?([A-Za-z]{1,3})\$?(\d+)$/.exec(text.trim());
  if (!match) throw new FakeOfficeError('InvalidArgument', `"${text}" is not a cell address.`);
  let column = 0;
  for (const letter of match[1]!.toUpperCase()) column = column * 26 + letter.charCodeAt(0) - 64;
  return { row: Number(match[2]) - 1, column: column - 1 };
}

/** "B2", "B2:C5", "Sheet1!B2", "'My sheet'!B2:C5", or (for select) "A1:A3,C1:C3". */
function parseAddress(text: string): { sheet: string | null; areas: FakeArea[] } {
  let sheet: string | null = null;
  let rest = text.trim();
  if (rest.startsWith("'")) {
    const match = /^'((?:[^']|'')+)'!(.*)$/.exec(rest);
    if (!match) throw new FakeOfficeError('InvalidArgument', `"${text}" is not a valid address.`);
    sheet = match[1]!.replaceAll("''", "'");
    rest = match[2]!;
  } else if (rest.includes('!')) {
    sheet = rest.slice(0, rest.lastIndexOf('!'));
    rest = rest.slice(rest.lastIndexOf('!') + 1);
  }
  const areas = rest.split(',').map((part) => {
    const [from, to = from] = part.split(':') as [string, string?];
    const a = parseCell(from);
    const b = parseCell(to);
    return checkArea({
      top: Math.min(a.row, b.row),
      left: Math.min(a.column, b.column),
      rowCount: Math.abs(a.row - b.row) + 1,
      columnCount: Math.abs(a.column - b.column) + 1,
    });
  });
  return { sheet, areas };
}

function checkArea(area: FakeArea): FakeArea {
  const ok =
    [area.top, area.left, area.rowCount, area.columnCount].every(Number.isInteger) &&
    area.top >= 0 &&
    area.left >= 0 &&
    area.rowCount >= 1 &&
    area.columnCount >= 1 &&
    area.top + area.rowCount <= MAX_ROWS &&
    area.left + area.columnCount <= MAX_COLUMNS;
  if (!ok) throw new FakeOfficeError('InvalidArgument', `The range ${JSON.stringify(area)} is outside the grid.`);
  return area;
}

const inArea = (area: FakeArea, row: number, column: number) =>
  row >= area.top && row < area.top + area.rowCount && column >= area.left && column < area.left + area.columnCount;

// ---------------------------------------------------------------------------------------------
// The workbook held in memory

interface CellModel {
  value: FakeValue;
  formula?: string;
  fill?: string;
  bold?: boolean;
  /** Cells are locked unless this says otherwise (as Excel's default cell style). */
  locked?: false;
  validation?: FakeValidation;
  /** The cell's own number format; without one, its column's (or General). */
  numberFormat?: string;
}

/** A cell's data validation, as set through `range.dataValidation`. */
export interface FakeValidation {
  rule: FakeValidationRule | null;
  errorAlert: { showAlert?: boolean; style?: string; title?: string; message?: string } | null;
}

export type FakeValidationRule =
  | { decimal: { formula1: string | number; formula2?: string | number; operator: string } }
  | { list: { inCellDropDown: boolean; source: string } };

/** A conditional format as a test sees it; the first one listed has the top priority. */
export interface FakeConditionalFormat {
  /** The cells it applies to, e.g. "D2:D101" (several areas joined by ","). */
  address: string;
  type: 'CellValue' | 'Custom';
  /** CellValue: { formula1, formula2?, operator }; Custom: { formula }; null until set. */
  rule: { formula1: string; formula2?: string; operator: string } | { formula: string } | null;
  fill: string | null;
  fontColor: string | null;
}

/** Worksheet protection options, all of them (Excel reports every one). */
export interface FakeProtectionOptions {
  allowAutoFilter: boolean;
  allowDeleteColumns: boolean;
  allowDeleteRows: boolean;
  allowEditObjects: boolean;
  allowEditScenarios: boolean;
  allowFormatCells: boolean;
  allowFormatColumns: boolean;
  allowFormatRows: boolean;
  allowInsertColumns: boolean;
  allowInsertHyperlinks: boolean;
  allowInsertRows: boolean;
  allowPivotTables: boolean;
  allowSort: boolean;
  selectionMode: 'Normal' | 'Unlocked' | 'None';
}

const DEFAULT_PROTECTION: FakeProtectionOptions = {
  allowAutoFilter: false,
  allowDeleteColumns: false,
  allowDeleteRows: false,
  allowEditObjects: false,
  allowEditScenarios: false,
  allowFormatCells: false,
  allowFormatColumns: false,
  allowFormatRows: false,
  allowInsertColumns: false,
  allowInsertHyperlinks: false,
  allowInsertRows: false,
  allowPivotTables: false,
  allowSort: false,
  selectionMode: 'Normal',
};

/** The fields `protection.options` gives as null (office-js #1931 reports "some null properties"). */
const NULL_WHEN_LOADED = { allowEditObjects: null, allowEditScenarios: null } as const;

interface ConditionalFormatModel {
  id: string;
  type: FakeConditionalFormat['type'];
  areas: FakeArea[];
  rule: FakeConditionalFormat['rule'];
  fill: string | null;
  fontColor: string | null;
}

interface CommentModel {
  id: string;
  row: number;
  column: number;
  content: string;
  authorName: string;
}

interface SheetModel {
  name: string;
  cells: Map<string, CellModel>;
  comments: Map<string, CommentModel>;
  /** Legacy notes: not in any comments collection, and their cell refuses a comment. */
  notes: Map<string, string>;
  properties: Map<string, { key: string; value: string }>;
  frozenRows: number;
  selection: FakeArea[];
  autofitCount: number;
  /** The options it was protected with, or null when it is not protected. */
  protection: FakeProtectionOptions | null;
  /** Highest priority first. */
  conditionalFormats: ConditionalFormatModel[];
  /** Number formats of whole columns (set on every row of a column), by column index. */
  columnFormats: Map<number, string>;
}

interface RangeTarget {
  sheet: SheetModel;
  area: FakeArea;
}

const key = (row: number, column: number) => `${row},${column}`;

function newSheet(name: string): SheetModel {
  return {
    name,
    cells: new Map(),
    comments: new Map(),
    notes: new Map(),
    properties: new Map(),
    frozenRows: 0,
    selection: [{ top: 0, left: 0, rowCount: 1, columnCount: 1 }],
    autofitCount: 0,
    protection: null,
    conditionalFormats: [],
    columnFormats: new Map(),
  };
}

/** Excel's limit for the text of one cell. */
export const MAX_CELL_TEXT = 32_767;

/** Values Excel cannot hold are refused (text over 32,767 characters, NaN, Infinity). */
function checkCellValue(sheet: SheetModel, row: number, column: number, input: unknown): void {
  const where = `${sheet.name}!${a1({ top: row, left: column, rowCount: 1, columnCount: 1 })}`;
  if (typeof input === 'number' && !Number.isFinite(input)) {
    throw new FakeOfficeError('InvalidArgument', `${where}: ${input} is not a number a cell can hold.`);
  }
  if (typeof input === 'string' && input.length - (input.startsWith("'") ? 1 : 0) > MAX_CELL_TEXT) {
    throw new FakeOfficeError('InvalidArgument', `${where}: a cell holds at most ${MAX_CELL_TEXT} characters.`);
  }
  if (typeof input !== 'string' && typeof input !== 'number' && typeof input !== 'boolean') {
    throw new FakeOfficeError('InvalidArgument', `${where}: ${JSON.stringify(input)} is not a cell value.`);
  }
}

function normaliseColor(color: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? color.toUpperCase() : color;
}

/**
 * What a change is, for worksheet protection: values (allowed on unlocked cells), cell formats
 * (allowFormatCells), column formats (allowFormatColumns), or something a protected sheet always
 * refuses (locking cells, data validation, comments).
 */
type EditKind = 'values' | 'formats' | 'columns' | 'always';

function assertEditable(sheet: SheetModel, kind: EditKind, area?: FakeArea): void {
  const options = sheet.protection;
  if (!options) return;
  if (kind === 'values' && area && allUnlocked(sheet, area)) return;
  if (kind === 'formats' && options.allowFormatCells) return;
  if (kind === 'columns' && options.allowFormatColumns) return;
  throw new FakeOfficeError('AccessDenied', `The sheet "${sheet.name}" is protected.`);
}

function allUnlocked(sheet: SheetModel, area: FakeArea): boolean {
  if (area.rowCount * area.columnCount > sheet.cells.size) return false; // some cell has no entry: locked
  for (let r = area.top; r < area.top + area.rowCount; r++) {
    for (let c = area.left; c < area.left + area.columnCount; c++) if (sheet.cells.get(key(r, c))?.locked !== false) return false;
  }
  return true;
}

function intersect(a: FakeArea, b: FakeArea): FakeArea | null {
  const top = Math.max(a.top, b.top);
  const left = Math.max(a.left, b.left);
  const bottom = Math.min(a.top + a.rowCount, b.top + b.rowCount);
  const right = Math.min(a.left + a.columnCount, b.left + b.columnCount);
  return bottom <= top || right <= left ? null : { top, left, rowCount: bottom - top, columnCount: right - left };
}

/** `a` without the cells of `b`, as up to four rectangles. */
function subtract(a: FakeArea, b: FakeArea): FakeArea[] {
  const overlap = intersect(a, b);
  if (!overlap) return [a];
  const parts: FakeArea[] = [];
  const aBottom = a.top + a.rowCount;
  const oBottom = overlap.top + overlap.rowCount;
  const aRight = a.left + a.columnCount;
  const oRight = overlap.left + overlap.columnCount;
  if (overlap.top > a.top) parts.push({ top: a.top, left: a.left, rowCount: overlap.top - a.top, columnCount: a.columnCount });
  if (oBottom < aBottom) parts.push({ top: oBottom, left: a.left, rowCount: aBottom - oBottom, columnCount: a.columnCount });
  if (overlap.left > a.left) parts.push({ top: overlap.top, left: a.left, rowCount: overlap.rowCount, columnCount: overlap.left - a.left });
  if (oRight < aRight) parts.push({ top: overlap.top, left: oRight, rowCount: overlap.rowCount, columnCount: aRight - oRight });
  return parts;
}

/** Removes an area's cells from every conditional format of the sheet (dropping emptied ones). */
function clearConditionalFormats(sheet: SheetModel, area: FakeArea): void {
  for (const format of sheet.conditionalFormats) format.areas = format.areas.flatMap((a) => subtract(a, area));
  sheet.conditionalFormats = sheet.conditionalFormats.filter((format) => format.areas.length > 0);
}

class WorkbookModel {
  sheets: SheetModel[];
  active: SheetModel;
  eventsEnabled = true;
  calculationSuspended = false;
  /** Values changed while calculation was suspended, and no recalculation since. */
  calculationPending = false;
  formulaWrites: Array<{ sheet: string; row: number; column: number; formula: string }> = [];
  readonly dates: { date1904: boolean };
  readonly year: number;
  private nextCommentId = 1;
  private nextConditionalFormatId = 1;

  constructor(names: string[], options: { date1904?: boolean; year?: number }) {
    this.sheets = names.map(newSheet);
    if (!this.sheets[0]) throw new Error('The fake workbook needs at least one sheet.');
    this.active = this.sheets[0];
    this.dates = { date1904: options.date1904 ?? false };
    this.year = options.year ?? new Date().getUTCFullYear();
  }

  find(name: string): SheetModel | null {
    const lower = name.toLowerCase();
    return this.sheets.find((s) => s.name.toLowerCase() === lower) ?? null;
  }

  get(name: string): SheetModel {
    const sheet = this.find(name);
    if (!sheet) throw new FakeOfficeError('ItemNotFound', `There is no worksheet named "${name}".`);
    return sheet;
  }

  add(name: string): SheetModel {
    if (this.find(name)) throw new FakeOfficeError('ItemAlreadyExists', `A worksheet named "${name}" already exists.`);
    if (!name || name.length > 31 || /[[\]:*?/\\]/.test(name)) {
      throw new FakeOfficeError('InvalidArgument', `"${name}" is not a valid worksheet name.`);
    }
    const sheet = newSheet(name);
    this.sheets.push(sheet);
    return sheet;
  }

  newCommentId(): string {
    return `comment-${this.nextCommentId++}`;
  }

  newConditionalFormatId(): string {
    return `conditional-format-${this.nextConditionalFormatId++}`;
  }

  findConditionalFormat(id: string): { sheet: SheetModel; format: ConditionalFormatModel } | null {
    for (const sheet of this.sheets) {
      const format = sheet.conditionalFormats.find((f) => f.id === id);
      if (format) return { sheet, format };
    }
    return null;
  }

  /** Every comment put on a sheet, by id (a comment stays on its cell until it is deleted). */
  private readonly commentsById = new Map<string, { sheet: SheetModel; comment: CommentModel }>();

  putComment(sheet: SheetModel, comment: CommentModel): void {
    sheet.comments.set(key(comment.row, comment.column), comment);
    this.commentsById.set(comment.id, { sheet, comment });
  }

  findComment(id: string): { sheet: SheetModel; comment: CommentModel } | null {
    const found = this.commentsById.get(id);
    if (!found || found.sheet.comments.get(key(found.comment.row, found.comment.column)) !== found.comment) return null;
    return found;
  }

  /** One entry per cell of the area, row by row. */
  private grid<T>({ sheet, area }: RangeTarget, read: (cell: CellModel | undefined, row: number, column: number) => T): T[][] {
    const rows: T[][] = [];
    for (let r = area.top; r < area.top + area.rowCount; r++) {
      const row: T[] = [];
      for (let c = area.left; c < area.left + area.columnCount; c++) row.push(read(sheet.cells.get(key(r, c)), r, c));
      rows.push(row);
    }
    return rows;
  }

  readValues(target: RangeTarget): FakeValue[][] {
    return this.grid(target, (cell, row, column) => this.valueOf(target.sheet, row, column, cell));
  }

  /**
   * What a cell holds: its value, or for a formula over a table column (fake-excel-formulas.ts) its
   * result, calculated now; any other formula reads back as its text.
   */
  valueOf(sheet: SheetModel, row: number, column: number, cell: CellModel | undefined, depth = 0): FakeValue {
    if (!cell) return '';
    if (!cell.formula || !/\[|#REF!/i.test(cell.formula)) return cell.value;
    if (depth > 20) return '#REF!'; // a circular reference
    const result = evaluateTableFormula(cell.formula, {
      columnValues: (name, columnName) => {
        const table = name === null ? this.tableAt(sheet, row, column) : this.findTable(name);
        if (!table) return null;
        const index = this.tableHeader(table).findIndex((h) => h.toLowerCase() === columnName.toLowerCase());
        if (index < 0) return null;
        const body = this.tableBody(table);
        const c = table.area.left + index;
        return Array.from({ length: body.rowCount }, (_, i) =>
          this.valueOf(table.sheet, body.top + i, c, table.sheet.cells.get(key(body.top + i, c)), depth + 1),
        );
      },
    });
    return result === undefined ? cell.value : result;
  }

  /** The number format that applies to a cell: its own, else its column's, else General. */
  formatOf(sheet: SheetModel, row: number, column: number): string {
    return sheet.cells.get(key(row, column))?.numberFormat ?? sheet.columnFormats.get(column) ?? GENERAL;
  }

  readNumberFormats(target: RangeTarget): string[][] {
    return this.grid(target, (_, row, column) => this.formatOf(target.sheet, row, column));
  }

  /** What each cell shows: its value in its number format. */
  readText(target: RangeTarget): string[][] {
    return this.grid(target, (cell, row, column) =>
      cell ? displayText(this.valueOf(target.sheet, row, column, cell), this.formatOf(target.sheet, row, column), this.dates) : '',
    );
  }

  /** Formulas as Excel reports them (`range.formulas`): a cell's formula, else its value. */
  readFormulas(target: RangeTarget): FakeValue[][] {
    return this.grid(target, (cell) => cell?.formula ?? cell?.value ?? '');
  }

  /**
   * Enters a value into a cell as Excel reads typing (see fake-excel-typing.ts); a General cell
   * takes the number format Excel gives what was typed (a date format for a date...).
   */
  enter(sheet: SheetModel, row: number, column: number, input: FakeValue): void {
    checkCellValue(sheet, row, column, input);
    const format = this.formatOf(sheet, row, column);
    const entered = enterValue(input, format, this.dates, this.year);
    const cell = this.cellForWrite(sheet, row, column);
    cell.value = entered.value;
    if (entered.numberFormat && format === GENERAL) cell.numberFormat = entered.numberFormat;
    if (entered.formula) {
      cell.formula = entered.formula;
      this.formulaWrites.push({ sheet: sheet.name, row, column, formula: entered.formula });
    } else delete cell.formula;
    if (this.calculationSuspended) this.calculationPending = true;
    this.dropIfEmpty(sheet, row, column);
  }

  /**
   * Sets the number format of an area: `formats` is one per cell, or one for all (a 1×1 array or a
   * plain string, as Office.js takes it). Set on every row of a column, it becomes the column's.
   */
  writeNumberFormats(target: RangeTarget, formats: unknown): void {
    const { sheet, area } = target;
    assertEditable(sheet, 'formats');
    const oneForAll = (
      Array.isArray(formats) && formats.length === 1 && Array.isArray(formats[0]) && formats[0].length === 1 ? formats[0][0] : formats
    ) as unknown;
    if (typeof oneForAll === 'string') {
      if (area.top === 0 && area.rowCount === MAX_ROWS) {
        for (let c = area.left; c < area.left + area.columnCount; c++) {
          if (oneForAll === GENERAL) sheet.columnFormats.delete(c);
          else sheet.columnFormats.set(c, oneForAll);
        }
        this.existingCells(target, (cell) => delete cell.numberFormat);
      } else this.eachCell(target, (cell) => (cell.numberFormat = oneForAll));
      return;
    }
    const fits =
      Array.isArray(formats) &&
      formats.length === area.rowCount &&
      formats.every((row) => Array.isArray(row) && row.length === area.columnCount && row.every((f) => typeof f === 'string'));
    if (!fits) throw new FakeOfficeError('InvalidArgument', `The number formats do not match the size of ${sheet.name}!${a1(area)}.`);
    (formats as string[][]).forEach((row, r) =>
      row.forEach((format, c) => {
        this.cellForWrite(sheet, area.top + r, area.left + c).numberFormat = format;
        this.dropIfEmpty(sheet, area.top + r, area.left + c);
      }),
    );
  }

  /** Clearing formats: the cells of the area go back to General (whole columns lose their format). */
  clearNumberFormats(target: RangeTarget): void {
    const { sheet, area } = target;
    if (area.top === 0 && area.rowCount === MAX_ROWS) {
      for (let c = area.left; c < area.left + area.columnCount; c++) sheet.columnFormats.delete(c);
      this.existingCells(target, (cell) => delete cell.numberFormat);
      return;
    }
    this.existingCells(target, (cell) => delete cell.numberFormat);
    for (const [column, format] of sheet.columnFormats) {
      if (format === GENERAL || column < area.left || column >= area.left + area.columnCount) continue;
      this.eachCell({ sheet, area: { ...area, left: column, columnCount: 1 } }, (cell) => (cell.numberFormat = GENERAL));
    }
  }

  writeValues({ sheet, area }: RangeTarget, values: unknown): void {
    assertEditable(sheet, 'values', area);
    const fits =
      Array.isArray(values) &&
      values.length === area.rowCount &&
      values.every((row) => Array.isArray(row) && row.length === area.columnCount);
    if (!fits) {
      throw new FakeOfficeError(
        'InvalidArgument',
        `The values do not match the size of ${sheet.name}!${a1(area)} (${area.rowCount}×${area.columnCount}).`,
      );
    }
    (values as unknown[][]).forEach((row, r) =>
      row.forEach((input, c) => {
        if (input === null || input === undefined) return; // null leaves a cell as it is
        this.enter(sheet, area.top + r, area.left + c, input as FakeValue);
      }),
    );
  }

  cellForWrite(sheet: SheetModel, row: number, column: number): CellModel {
    let cell = sheet.cells.get(key(row, column));
    if (!cell) sheet.cells.set(key(row, column), (cell = { value: '' }));
    return cell;
  }

  dropIfEmpty(sheet: SheetModel, row: number, column: number): void {
    const cell = sheet.cells.get(key(row, column));
    const bare = cell && cell.value === '' && !cell.formula && !cell.fill && !cell.bold && cell.locked !== false && !cell.validation;
    if (bare && cell.numberFormat === undefined) {
      sheet.cells.delete(key(row, column));
    }
  }

  /** Each cell of an area (creating entries), for formats set on every cell. Callers check protection. */
  eachCell({ sheet, area }: RangeTarget, change: (cell: CellModel) => void): void {
    for (let r = area.top; r < area.top + area.rowCount; r++) {
      for (let c = area.left; c < area.left + area.columnCount; c++) {
        change(this.cellForWrite(sheet, r, c));
        this.dropIfEmpty(sheet, r, c);
      }
    }
  }

  /** Existing cells inside an area (for clearing: no entries created). Callers check protection. */
  existingCells({ sheet, area }: RangeTarget, change: (cell: CellModel) => void): void {
    const visit = (row: number, column: number) => {
      const cell = sheet.cells.get(key(row, column));
      if (!cell) return;
      change(cell);
      this.dropIfEmpty(sheet, row, column);
    };
    if (area.rowCount * area.columnCount <= sheet.cells.size) {
      for (let r = area.top; r < area.top + area.rowCount; r++) {
        for (let c = area.left; c < area.left + area.columnCount; c++) visit(r, c);
      }
    } else {
      for (const cellKey of [...sheet.cells.keys()]) {
        const [row, column] = cellKey.split(',').map(Number) as [number, number];
        if (inArea(area, row, column)) visit(row, column);
      }
    }
  }

  /** The used range's rectangle, or null for an empty sheet. */
  usedArea(sheet: SheetModel, valuesOnly: boolean): FakeArea | null {
    let top = Infinity;
    let left = Infinity;
    let bottom = -1;
    let right = -1;
    for (const [cellKey, cell] of sheet.cells) {
      if (valuesOnly && cell.value === '' && !cell.formula) continue;
      const [row, column] = cellKey.split(',').map(Number) as [number, number];
      top = Math.min(top, row);
      left = Math.min(left, column);
      bottom = Math.max(bottom, row);
      right = Math.max(right, column);
    }
    return bottom < 0 ? null : { top, left, rowCount: bottom - top + 1, columnCount: right - left + 1 };
  }

  /** One value when every cell of the area agrees, else null (as Excel reports mixed formats). */
  uniform<T>({ sheet, area }: RangeTarget, read: (cell: CellModel | undefined) => T): T | null {
    let first: T | undefined;
    for (let r = area.top; r < area.top + area.rowCount; r++) {
      for (let c = area.left; c < area.left + area.columnCount; c++) {
        const value = read(sheet.cells.get(key(r, c)));
        if (first === undefined) first = value;
        else if (value !== first) return null;
      }
    }
    return first ?? null;
  }

  // ---- Excel tables ----

  tables: TableModel[] = [];
  private nextTableId = 1;

  newTableId(): string {
    return `{table-${this.nextTableId++}}`;
  }

  /** A table by name (case-insensitively) or id. */
  findTable(nameOrId: string): TableModel | null {
    const lower = nameOrId.toLowerCase();
    return this.tables.find((t) => t.id === nameOrId || t.name.toLowerCase() === lower) ?? null;
  }

  tableById(id: string): TableModel | null {
    return this.tables.find((t) => t.id === id) ?? null;
  }

  /** The data rows: under the header, above the totals row; at least one. */
  tableBody(table: TableModel): FakeArea {
    const { top, left, rowCount, columnCount } = table.area;
    return { top: top + 1, left, rowCount: rowCount - 1 - (table.showTotals ? 1 : 0), columnCount };
  }

  tableHeader(table: TableModel): string[] {
    const { top, left, columnCount } = table.area;
    return Array.from({ length: columnCount }, (_, c) => String(table.sheet.cells.get(key(top, left + c))?.value ?? ''));
  }

  tableAt(sheet: SheetModel, row: number, column: number): TableModel | null {
    return this.tables.find((t) => t.sheet === sheet && inArea(t.area, row, column)) ?? null;
  }

  private checkTableName(name: unknown, renaming: TableModel | null): string {
    const valid =
      typeof name === 'string' &&
      name.length <= 255 &&
      /^[A-Za-z_\\][A-Za-z0-9_.\\]*$/.test(name) &&
      !/^[crCR]$/.test(name) &&
      !/^[A-Za-z]{1,3}\d+$/.test(name) &&
      !/^[rR]\d*[cC]\d*$/.test(name);
    if (!valid) throw new FakeOfficeError('InvalidArgument', `"${String(name)}" is not a valid table name.`);
    const taken = this.findTable(name);
    if (taken && taken !== renaming) throw new FakeOfficeError('InvalidArgument', `A table named "${name}" already exists.`);
    return name;
  }

  /**
   * A table over `area` whose first row is its header (a header alone gets a blank data row, as
   * Excel gives it). Header cells become text; blank ones are named Column1..., repeated ones
   * numbered, as Excel names them.
   */
  addTable(id: string, sheet: SheetModel, requested: FakeArea): TableModel {
    const area = requested.rowCount === 1 ? checkArea({ ...requested, rowCount: 2 }) : requested;
    for (const other of this.tables) {
      if (other.sheet === sheet && intersect(other.area, area)) {
        throw new FakeOfficeError('InvalidArgument', `A table can't overlap another table (${other.name}).`);
      }
    }
    assertEditable(sheet, 'always');
    const seen = new Set<string>();
    for (let c = 0; c < area.columnCount; c++) {
      const cell = this.cellForWrite(sheet, area.top, area.left + c);
      let name = cell.formula ? '' : String(cell.value).trim();
      if (name === '') name = `Column${c + 1}`;
      for (let n = 2; seen.has(name.toLowerCase()); n++) name = `${name.replace(/\d+$/, '')}${n}`;
      seen.add(name.toLowerCase());
      cell.value = name;
      delete cell.formula;
    }
    let n = this.tables.length + 1;
    while (this.findTable(`Table${n}`)) n++;
    const table: TableModel = { id, name: `Table${n}`, sheet, area, showTotals: false, style: 'TableStyleMedium2', filtered: false };
    this.tables.push(table);
    return table;
  }

  renameTable(table: TableModel, name: string): void {
    const checked = this.checkTableName(name, table);
    this.eachFormula((formula) => renameTableReferences(formula, table.name, checked));
    table.name = checked;
  }

  /** Removes a table (`clear`: with its cells' contents); formulas that used it show #REF!. */
  dropTable(table: TableModel, clear: boolean): void {
    if (clear) {
      this.existingCells({ sheet: table.sheet, area: table.area }, (cell) => {
        cell.value = '';
        delete cell.formula;
      });
    }
    this.tables = this.tables.filter((t) => t !== table);
    this.eachFormula((formula) => breakTableReferences(formula, table.name));
  }

  private eachFormula(change: (formula: string) => string): void {
    for (const sheet of this.sheets) {
      for (const cell of sheet.cells.values()) {
        if (!cell.formula) continue;
        const changed = change(cell.formula);
        if (changed !== cell.formula) cell.formula = cell.value = changed;
      }
    }
  }

  /** Shows the totals row in the row under the table (which must be free), "Total" in its first cell; or removes it. */
  setShowTotals(table: TableModel, show: boolean): void {
    if (show === table.showTotals) return;
    const { sheet, area } = table;
    assertEditable(sheet, 'always');
    if (show) {
      const below = checkArea({ top: area.top + area.rowCount, left: area.left, rowCount: 1, columnCount: area.columnCount });
      const taken = this.tables.some((t) => t.sheet === sheet && intersect(t.area, below));
      if (taken || this.readValues({ sheet, area: below })[0]!.some((v) => v !== '')) {
        throw new FakeOfficeError(
          'InvalidOperation',
          `The row under table ${table.name} is not empty: there is no room for its totals row.`,
        );
      }
      table.area = { ...area, rowCount: area.rowCount + 1 };
      table.showTotals = true;
      this.enter(sheet, below.top, below.left, 'Total');
    } else {
      const totals = { top: area.top + area.rowCount - 1, left: area.left, rowCount: 1, columnCount: area.columnCount };
      this.existingCells({ sheet, area: totals }, (cell) => {
        cell.value = '';
        delete cell.formula;
      });
      table.area = { ...area, rowCount: area.rowCount - 1 };
      table.showTotals = false;
    }
  }

  /** The rectangle of `table` named by a range of it: the whole table, its header, its data or its totals row. */
  tablePart(table: TableModel, part: 'range' | 'header' | 'body' | 'totals', column: number | null = null): FakeArea {
    const { top, left, rowCount, columnCount } = table.area;
    let area: FakeArea;
    if (part === 'range') area = table.area;
    else if (part === 'header') area = { top, left, rowCount: 1, columnCount };
    else if (part === 'body') area = this.tableBody(table);
    else {
      if (!table.showTotals) throw new FakeOfficeError('InvalidOperation', `Table ${table.name} does not show its totals row.`);
      area = { top: top + rowCount - 1, left, rowCount: 1, columnCount };
    }
    if (column === null) return area;
    if (column < 0 || column >= columnCount) throw new FakeOfficeError('ItemNotFound', `Table ${table.name} has no column ${column}.`);
    return { ...area, left: left + column, columnCount: 1 };
  }

  /** Moves the cells (with their comments and notes) of columns `left`.. in rows from `fromRow` down by `by` (negative: up). */
  private moveCells(sheet: SheetModel, fromRow: number, left: number, columnCount: number, by: number): void {
    const inColumns = (column: number) => column >= left && column < left + columnCount;
    const moveMap = <T>(map: Map<string, T>, place?: (item: T, row: number) => void) => {
      const moving: Array<[number, number, T]> = [];
      for (const [cellKey, item] of map) {
        const [row, column] = cellKey.split(',').map(Number) as [number, number];
        if (row >= fromRow && inColumns(column)) moving.push([row, column, item]);
      }
      for (const [row, column] of moving) map.delete(key(row, column));
      for (const [row, column, item] of moving) {
        map.set(key(row + by, column), item);
        place?.(item, row + by);
      }
    };
    moveMap(sheet.cells);
    moveMap(sheet.comments, (comment, row) => (comment.row = row));
    moveMap(sheet.notes);
  }

  /** Other tables in the columns shifted from `fromRow` on: moved along when wholly there, else the shift is refused. */
  private tablesShifted(sheet: SheetModel, fromRow: number, left: number, columnCount: number, skip: readonly TableModel[]): TableModel[] {
    const columns = { top: 0, left, rowCount: MAX_ROWS, columnCount };
    return this.tables.filter((t) => {
      if (t.sheet !== sheet || skip.includes(t) || !intersect(t.area, columns)) return false;
      if (t.area.top + t.area.rowCount <= fromRow) return false;
      const inside = t.area.top >= fromRow && t.area.left >= left && t.area.left + t.area.columnCount <= left + columnCount;
      if (!inside) {
        throw new FakeOfficeError(
          'InvalidOperation',
          `This operation is not allowed. The operation is attempting to shift cells in a table on your worksheet (${t.name}).`,
        );
      }
      return true;
    });
  }

  /** Inserts `count` blank rows at `atRow` in the columns given, shifting what is below down (`growing` is the table doing it). */
  private insertCells(sheet: SheetModel, atRow: number, left: number, columnCount: number, count: number, growing: TableModel): void {
    const moved = this.tablesShifted(sheet, atRow, left, columnCount, [growing]);
    const falling = { top: MAX_ROWS - count, left, rowCount: count, columnCount };
    if (this.readValues({ sheet, area: falling }).some((row) => row.some((v) => v !== ''))) {
      throw new FakeOfficeError('InvalidOperation', 'Excel cannot shift nonblank cells off the worksheet.');
    }
    this.moveCells(sheet, atRow, left, columnCount, count);
    for (const t of moved) t.area = { ...t.area, top: t.area.top + count };
  }

  /**
   * Adds rows to a table at `index` of its data rows (null: at the end), with `values` (a row
   * each; none: one blank row): the cells below, in the table's columns, move down. New rows take
   * the number formats of the data row above them, as Excel's inserted rows do.
   */
  addTableRows(table: TableModel, index: number | null, values: unknown[][] | null): void {
    const body = this.tableBody(table);
    const rows = values ?? [Array.from({ length: body.columnCount }, () => '')];
    if (rows.length === 0 || !rows.every((row) => Array.isArray(row) && row.length === body.columnCount)) {
      throw new FakeOfficeError('InvalidArgument', `The rows do not match the ${body.columnCount} columns of table ${table.name}.`);
    }
    const at = index === null || index === -1 ? body.rowCount : index;
    if (!Number.isInteger(at) || at < 0 || at > body.rowCount)
      throw new FakeOfficeError('InvalidArgument', `Row index ${index} is outside table ${table.name}.`);
    if (table.filtered) throw new FakeOfficeError('InsertDeleteConflict', `Table ${table.name} is filtered: rows cannot be inserted.`);
    const { sheet } = table;
    if (sheet.protection && !sheet.protection.allowInsertRows) assertEditable(sheet, 'always');
    const row = body.top + at;
    this.insertCells(sheet, row, body.left, body.columnCount, rows.length, table);
    table.area = { ...table.area, rowCount: table.area.rowCount + rows.length };
    const formatRow = at > 0 ? row - 1 : row + rows.length;
    for (let c = 0; c < body.columnCount; c++) {
      const format = sheet.cells.get(key(formatRow, body.left + c))?.numberFormat;
      if (format === undefined) continue;
      for (let r = 0; r < rows.length; r++) this.cellForWrite(sheet, row + r, body.left + c).numberFormat = format;
    }
    rows.forEach((cells, r) =>
      cells.forEach((input, c) => {
        if (input !== null && input !== undefined) this.enter(sheet, row + r, body.left + c, input as FakeValue);
      }),
    );
  }

  /**
   * Deletes the cells of `area` and shifts the cells below up (`range.delete("Up")`). Over whole
   * data rows of a table (its full width or more) this deletes those rows; all of them leaves the
   * table one blank row. A table wholly inside the area is deleted. Anything else that would move
   * part of a table is refused, as Excel refuses it.
   */
  deleteCellsUp(sheet: SheetModel, area: FakeArea): void {
    const bottom = area.top + area.rowCount;
    const shrinking: TableModel[] = [];
    const dropped: TableModel[] = [];
    for (const t of this.tables) {
      if (t.sheet !== sheet || !intersect(t.area, area)) continue;
      const within = (a: FakeArea) => a.left >= area.left && a.left + a.columnCount <= area.left + area.columnCount;
      if (within(t.area) && t.area.top >= area.top && t.area.top + t.area.rowCount <= bottom) {
        dropped.push(t);
        continue;
      }
      const body = this.tableBody(t);
      const inBody = area.top >= body.top && bottom <= body.top + body.rowCount;
      if (!within(t.area) || !inBody) {
        throw new FakeOfficeError(
          'InvalidOperation',
          `This operation is not allowed. The operation is attempting to shift cells in a table on your worksheet (${t.name}).`,
        );
      }
      if (t.filtered) throw new FakeOfficeError('InsertDeleteConflict', `Table ${t.name} is filtered: its rows cannot be deleted.`);
      shrinking.push(t);
    }
    if (sheet.protection && !(sheet.protection.allowDeleteRows && area.left === 0 && area.columnCount === MAX_COLUMNS)) {
      assertEditable(sheet, 'always');
    }
    const moved = this.tablesShifted(sheet, bottom, area.left, area.columnCount, [...shrinking, ...dropped]);
    for (const t of dropped) this.dropTable(t, false);
    this.existingCells({ sheet, area }, (cell) => {
      cell.value = '';
      delete cell.formula;
    });
    for (const cellKey of [...sheet.cells.keys()]) {
      const [row, column] = cellKey.split(',').map(Number) as [number, number];
      if (inArea(area, row, column)) sheet.cells.delete(cellKey);
    }
    for (const map of [sheet.comments, sheet.notes] as Map<string, unknown>[]) {
      for (const cellKey of [...map.keys()]) {
        const [row, column] = cellKey.split(',').map(Number) as [number, number];
        if (inArea(area, row, column)) map.delete(cellKey);
      }
    }
    this.moveCells(sheet, bottom, area.left, area.columnCount, -area.rowCount);
    for (const t of moved) t.area = { ...t.area, top: t.area.top - area.rowCount };
    for (const t of shrinking) {
      t.area = { ...t.area, rowCount: t.area.rowCount - area.rowCount };
      // No data rows left: Excel keeps one blank row (the insert row).
      if (this.tableBody(t).rowCount === 0) {
        this.insertCells(sheet, t.area.top + 1, t.area.left, t.area.columnCount, 1, t);
        t.area = { ...t.area, rowCount: t.area.rowCount + 1 };
      }
    }
  }

  /** Deletes a worksheet (not the last one); its tables go with it and formulas that used them show #REF!. */
  deleteSheet(sheet: SheetModel): void {
    if (this.sheets.length === 1) throw new FakeOfficeError('InvalidOperation', 'A workbook must contain at least one visible worksheet.');
    for (const t of this.tables.filter((t) => t.sheet === sheet)) this.dropTable(t, false);
    this.sheets = this.sheets.filter((s) => s !== sheet);
    if (this.active === sheet) this.active = this.sheets[0]!;
  }

  /** The year of a day number in the workbook's date system (`functions.year`). */
  yearOf(serial: number): number {
    const epoch = this.dates.date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
    return new Date(epoch + Math.floor(serial) * 86_400_000).getUTCFullYear();
  }
}

/** An Excel table: its whole range (header, data rows, totals row when shown). */
interface TableModel {
  id: string;
  name: string;
  sheet: SheetModel;
  area: FakeArea;
  showTotals: boolean;
  style: string;
  /** A filter hides some of its rows (set by a test: filter criteria are not modelled). */
  filtered: boolean;
}

// ---------------------------------------------------------------------------------------------
// Requests: queued operations, applied and measured at sync

interface QueuedOperation {
  kind: RecordedOperation['kind'];
  target: string;
  name: string;
  write: boolean;
  /** What the operation sends (counted in the request size). */
  payload?: unknown;
  /** Applies the operation; for loads, returns what the response carries. */
  run: () => unknown;
  /** For loads: hands the response to the proxy once the whole sync succeeded. */
  deliver?: (data: unknown) => void;
}

const encoder = new TextEncoder();
const jsonBytes = (value: unknown) => encoder.encode(JSON.stringify(value) ?? 'null').length;

/**
 * The fake's own measure of a request and a response, independent of the add-in's planner. Office.js
 * sends each operation as an action naming the object path it acts on, and each object path (a
 * range, its format, a comment...) once; a response carries each loaded object, and each item of a
 * loaded collection, with its ids. These overheads are the fake's estimate of those envelopes.
 */
export const REQUEST_BYTES_PER_OPERATION = 120;
export const REQUEST_BYTES_PER_OBJECT = 160;
export const RESPONSE_BYTES_PER_OBJECT = 60;
export const RESPONSE_BYTES_PER_ITEM = 80;

function requestBytes(queued: QueuedOperation[]): number {
  const objects = new Set(queued.map((op) => op.target));
  let bytes = 2;
  for (const op of queued) bytes += REQUEST_BYTES_PER_OPERATION + jsonBytes(op.name) + jsonBytes(op.payload ?? null);
  for (const target of objects) bytes += REQUEST_BYTES_PER_OBJECT + jsonBytes(target);
  return bytes;
}

function responseBytes(data: unknown[]): number {
  let bytes = 2;
  for (const item of data) {
    bytes += RESPONSE_BYTES_PER_OBJECT + jsonBytes(item);
    if (Array.isArray(item)) bytes += RESPONSE_BYTES_PER_ITEM * item.length; // a collection's items
  }
  return bytes;
}

class FakeState {
  readonly syncs: SyncRecord[] = [];
  readonly notLoadedReads: string[] = [];
  readonly limit: number;
  /** The ExcelApi requirement set version the fake offers. */
  readonly excelApi: string;
  constructor(
    readonly model: WorkbookModel,
    readonly options: FakeExcelOptions,
  ) {
    this.limit = options.payloadLimitBytes ?? 5_000_000;
    this.excelApi = options.excelApi ?? '1.12';
  }

  /** The error for an oversized request or response, as `oversizedError` asks. */
  private oversized(code: string, what: string): FakeOfficeError {
    if (this.options.oversizedError === 'generic') return new FakeOfficeError('GeneralException', 'An internal error has occurred.');
    return new FakeOfficeError(code, `${what} has exceeded the limit (${this.limit}).`);
  }

  notLoaded(kind: string, path: string, property: string): FakeOfficeError {
    this.notLoadedReads.push(`${kind}.${property} (${path})`);
    return new FakeOfficeError(
      'PropertyNotLoaded',
      `The property '${property}' is not available. Before reading the property's value, call the load method on the containing object and call "context.sync()" on the associated request context.`,
      `${kind}.${property}`,
    );
  }

  async sync(context: FakeRequestContext, final: boolean): Promise<void> {
    const queued = context._queue.splice(0);
    const record: SyncRecord = {
      index: this.syncs.length,
      final,
      operations: queued.map((op) => ({
        kind: op.kind,
        target: op.target,
        name: op.name,
        write: op.write,
        ran: false,
        eventsEnabled: this.model.eventsEnabled,
        calculationSuspended: false,
      })),
      requestBytes: requestBytes(queued),
      responseBytes: 0,
      error: null,
    };
    this.syncs.push(record);
    this.options.beforeSync?.(record);
    await (this.options.latencyMs ? new Promise((resolve) => setTimeout(resolve, this.options.latencyMs)) : Promise.resolve());

    const refuse = (error: FakeOfficeError) => {
      record.error = `${error.code}: ${error.message}`;
      return error;
    };
    if (record.requestBytes > this.limit) {
      throw refuse(this.oversized('RequestPayloadSizeLimitExceeded', `The request payload size (${record.requestBytes} bytes)`));
    }
    const responses: Array<[QueuedOperation, unknown]> = [];
    try {
      queued.forEach((op, i) => {
        const recorded = record.operations[i]!;
        recorded.ran = true;
        recorded.eventsEnabled = this.model.eventsEnabled;
        recorded.calculationSuspended = this.model.calculationSuspended;
        const data = op.run();
        if (op.deliver) responses.push([op, data]);
      });
    } catch (error) {
      if (error instanceof FakeOfficeError) throw refuse(error);
      record.error = String(error);
      throw error;
    } finally {
      this.model.calculationSuspended = false;
    }
    record.responseBytes = responseBytes(responses.map(([, data]) => data));
    if (record.responseBytes > this.limit) {
      throw refuse(this.oversized('ResponsePayloadSizeLimitExceeded', `The response payload size (${record.responseBytes} bytes)`));
    }
    for (const [op, data] of responses) op.deliver!(data);
  }
}

// ---------------------------------------------------------------------------------------------
// Proxies

type LoadSpec = string | string[] | { select?: string; expand?: string } | undefined;

function loadNames(spec: LoadSpec): string[] {
  const text =
    spec === undefined
      ? ''
      : typeof spec === 'string'
        ? spec
        : Array.isArray(spec)
          ? spec.join(',')
          : [spec.select, spec.expand].filter(Boolean).join(',');
  return text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

function notNull<T>(value: T | null, path: string): T {
  if (value === null) throw new FakeOfficeError('InvalidOperation', `${path} is a null object: test isNullObject before using it.`);
  return value;
}

abstract class FakeClientObject {
  protected abstract readonly _kind: string;
  private readonly _loaded = new Map<string, unknown>();
  private _isNull: boolean | undefined;

  constructor(
    readonly context: FakeRequestContext,
    readonly _path: string,
    /** For *OrNullObject proxies: does the object exist (asked at sync)? */
    private readonly _exists: (() => boolean) | null = null,
  ) {
    if (_exists) {
      context._enqueue({
        kind: 'load',
        target: _path,
        name: 'isNullObject',
        write: false,
        run: () => !_exists(),
        deliver: (isNull) => (this._isNull = isNull as boolean),
      });
    }
  }

  protected get _model(): WorkbookModel {
    return this.context._state.model;
  }

  /** Loadable scalar properties, each read from the model at sync time. */
  protected abstract _getters(): Record<string, () => unknown>;

  /** Navigation properties that `load("nav/property")` may go through. */
  protected _navigate(name: string): FakeClientObject {
    throw new FakeOfficeError('InvalidArgument', `The fake ${this._kind} has no navigation property '${name}'.`);
  }

  load(spec?: LoadSpec): this {
    const getters = this._getters();
    const names = loadNames(spec);
    const own: string[] = [];
    for (const name of names.length > 0 ? names : Object.keys(getters)) {
      const slash = name.indexOf('/');
      if (slash >= 0) this._navigate(name.slice(0, slash)).load(name.slice(slash + 1));
      else if (name in getters) own.push(name);
      else throw new FakeOfficeError('InvalidArgument', `The fake ${this._kind} cannot load '${name}'.`);
    }
    if (own.length > 0) {
      this.context._enqueue({
        kind: 'load',
        target: this._path,
        name: own.join(','),
        write: false,
        run: () => {
          if (this._exists && !this._exists()) return null;
          const now = this._getters();
          return Object.fromEntries(own.map((name) => [name, now[name]!()]));
        },
        deliver: (data) => this._accept(data as Record<string, unknown> | null),
      });
    }
    return this;
  }

  _accept(data: Record<string, unknown> | null): void {
    for (const [name, value] of Object.entries(data ?? {})) this._loaded.set(name, value);
  }

  protected _read<T>(name: string): T {
    if (!this._loaded.has(name)) throw this.context._state.notLoaded(this._kind, this._path, name);
    return this._loaded.get(name) as T;
  }

  get isNullObject(): boolean {
    if (!this._exists) return false;
    if (this._isNull === undefined) throw this.context._state.notLoaded(this._kind, this._path, 'isNullObject');
    return this._isNull;
  }

  protected _enqueue(kind: 'set' | 'call', name: string, write: boolean, run: () => void, payload?: unknown): void {
    this.context._enqueue({ kind, target: this._path, name, write, payload, run });
  }
}

/** A method's answer (`OfficeExtension.ClientResult`): its `value` is known after the next sync. */
class FakeClientResult<T> {
  private _value: { set: false } | { set: true; value: T } = { set: false };
  constructor(
    private readonly _state: FakeState,
    private readonly _path: string,
  ) {}
  _set(value: T): void {
    this._value = { set: true, value };
  }
  get value(): T {
    if (!this._value.set) throw this._state.notLoaded('ClientResult', this._path, 'value');
    return this._value.value;
  }
}

export class FakeRequestContext {
  readonly workbook: FakeWorkbook;
  readonly runtime: FakeRuntime;
  readonly application: FakeApplication;
  _queue: QueuedOperation[] = [];
  _finished = false;

  constructor(readonly _state: FakeState) {
    this.workbook = new FakeWorkbook(this);
    this.runtime = new FakeRuntime(this, 'runtime');
    this.application = new FakeApplication(this, 'application');
  }

  sync(): Promise<void> {
    return this._state.sync(this, false);
  }

  _enqueue(operation: QueuedOperation): void {
    if (this._finished) {
      throw new FakeOfficeError('InvalidObjectPath', `${operation.target} belongs to an Excel.run that has finished.`);
    }
    this._queue.push(operation);
  }
}

class FakeRuntime extends FakeClientObject {
  protected readonly _kind = 'Runtime';
  protected _getters() {
    return { enableEvents: () => this._model.eventsEnabled };
  }
  get enableEvents(): boolean {
    return this._read('enableEvents');
  }
  set enableEvents(value: boolean) {
    this._enqueue('set', 'enableEvents', false, () => (this._model.eventsEnabled = value), value);
  }
}

class FakeApplication extends FakeClientObject {
  protected readonly _kind = 'Application';
  protected _getters() {
    return {};
  }
  /** Calculation waits until the next sync; what is written meanwhile leaves a recalculation pending. */
  suspendApiCalculationUntilNextSync(): void {
    this._enqueue('call', 'suspendApiCalculationUntilNextSync', false, () => (this._model.calculationSuspended = true));
  }
  /** Recalculates ("Recalculate", "Full" or "FullRebuild"): nothing is pending afterwards. */
  calculate(type: string): void {
    this._enqueue('call', 'calculate', false, () => {
      if (!['Recalculate', 'Full', 'FullRebuild'].includes(type))
        throw new FakeOfficeError('InvalidArgument', `Unknown calculation type ${type}.`);
      this._model.calculationPending = false;
    });
  }
}

class FakeWorkbook extends FakeClientObject {
  protected readonly _kind = 'Workbook';
  readonly worksheets: FakeWorksheetCollection;
  readonly comments: FakeCommentCollection;
  readonly tables: FakeTableCollection;
  readonly functions: FakeFunctions;

  constructor(context: FakeRequestContext) {
    super(context, 'workbook');
    this.worksheets = new FakeWorksheetCollection(context, 'workbook.worksheets');
    this.comments = new FakeCommentCollection(context, 'workbook.comments', null);
    this.tables = new FakeTableCollection(context, 'workbook.tables', null);
    this.functions = new FakeFunctions(context, 'workbook.functions');
  }
  protected _getters() {
    return {};
  }

  /** Fails at sync with InvalidSelection when the selection has several areas (as Excel does). */
  getSelectedRange(): FakeRange {
    return new FakeRange(this.context, 'workbook.getSelectedRange()', () => {
      const sheet = this._model.active;
      if (sheet.selection.length !== 1) {
        throw new FakeOfficeError('InvalidSelection', 'The current selection is invalid for this operation.');
      }
      return { sheet, area: sheet.selection[0]! };
    });
  }

  getSelectedRanges(): FakeRangeAreas {
    return new FakeRangeAreas(this.context, 'workbook.getSelectedRanges()');
  }
}

class FakeWorksheetCollection extends FakeClientObject {
  protected readonly _kind = 'WorksheetCollection';
  protected _getters() {
    return {};
  }
  get items(): FakeWorksheet[] {
    return this._read('items');
  }

  /** "items/name", "name" or "items": every sheet, in order, with its name. */
  override load(spec?: LoadSpec): this {
    for (const name of loadNames(spec)) {
      if (!['items', 'name', 'items/name'].includes(name))
        throw new FakeOfficeError('InvalidArgument', `The fake Worksheet cannot load '${name}'.`);
    }
    this.context._enqueue({
      kind: 'load',
      target: this._path,
      name: 'items/name',
      write: false,
      run: () => this._model.sheets.map((sheet) => ({ name: sheet.name })),
      deliver: (data) => {
        const items = (data as Array<{ name: string }>).map(({ name }) => {
          const worksheet = new FakeWorksheet(this.context, `${this._path}.getItem(${JSON.stringify(name)})`, () => this._model.find(name));
          worksheet._accept({ name });
          return worksheet;
        });
        this._accept({ items });
      },
    });
    return this;
  }
  getItem(name: string): FakeWorksheet {
    return new FakeWorksheet(this.context, `${this._path}.getItem(${JSON.stringify(name)})`, () => this._model.get(name));
  }
  getItemOrNullObject(name: string): FakeWorksheet {
    return new FakeWorksheet(
      this.context,
      `${this._path}.getItemOrNullObject(${JSON.stringify(name)})`,
      () => this._model.find(name),
      true,
    );
  }
  getActiveWorksheet(): FakeWorksheet {
    return new FakeWorksheet(this.context, `${this._path}.getActiveWorksheet()`, () => this._model.active);
  }
  add(name: string): FakeWorksheet {
    this._enqueue('call', 'add', true, () => void this._model.add(name), name);
    return new FakeWorksheet(this.context, `${this._path}.getItem(${JSON.stringify(name)})`, () => this._model.get(name));
  }
}

class FakeWorksheet extends FakeClientObject {
  protected readonly _kind = 'Worksheet';
  private _comments?: FakeCommentCollection;
  private _customProperties?: FakeCustomPropertyCollection;
  private _freezePanes?: FakeFreezePanes;
  private _protection?: FakeWorksheetProtection;
  private _tables?: FakeTableCollection;

  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _find: () => SheetModel | null,
    nullable = false,
  ) {
    super(context, path, nullable ? () => _find() !== null : null);
  }

  _sheet(): SheetModel {
    return notNull(this._find(), this._path);
  }
  protected _getters() {
    return { name: () => this._sheet().name };
  }
  get name(): string {
    return this._read('name');
  }
  get comments(): FakeCommentCollection {
    return (this._comments ??= new FakeCommentCollection(this.context, `${this._path}.comments`, () => this._sheet()));
  }
  get customProperties(): FakeCustomPropertyCollection {
    return (this._customProperties ??= new FakeCustomPropertyCollection(this.context, `${this._path}.customProperties`, () =>
      this._sheet(),
    ));
  }
  get freezePanes(): FakeFreezePanes {
    return (this._freezePanes ??= new FakeFreezePanes(this.context, `${this._path}.freezePanes`, () => this._sheet()));
  }
  get protection(): FakeWorksheetProtection {
    return (this._protection ??= new FakeWorksheetProtection(this.context, `${this._path}.protection`, () => this._sheet()));
  }
  get tables(): FakeTableCollection {
    return (this._tables ??= new FakeTableCollection(this.context, `${this._path}.tables`, () => this._sheet()));
  }

  /** Deletes the sheet (not the workbook's last one); formulas that used its tables show #REF!. */
  delete(): void {
    this._enqueue('call', 'delete', true, () => this._model.deleteSheet(this._sheet()));
  }

  activate(): void {
    this._enqueue('call', 'activate', false, () => (this._model.active = this._sheet()));
  }

  getRangeByIndexes(row: number, column: number, rowCount: number, columnCount: number): FakeRange {
    const area = { top: row, left: column, rowCount, columnCount };
    return new FakeRange(this.context, `${this._path}.getRangeByIndexes(${row},${column},${rowCount},${columnCount})`, () => ({
      sheet: this._sheet(),
      area: checkArea(area),
    }));
  }

  getCell(row: number, column: number): FakeRange {
    return this.getRangeByIndexes(row, column, 1, 1);
  }

  getRange(address: string): FakeRange {
    return new FakeRange(this.context, `${this._path}.getRange(${JSON.stringify(address)})`, () => {
      const parsed = parseAddress(address);
      if (parsed.areas.length !== 1) throw new FakeOfficeError('InvalidArgument', `"${address}" has several areas.`);
      return { sheet: this._sheet(), area: parsed.areas[0]! };
    });
  }

  /** The used range; on an empty sheet, A1 (as Excel). */
  getUsedRange(valuesOnly = false): FakeRange {
    return new FakeRange(this.context, `${this._path}.getUsedRange(${valuesOnly})`, () => {
      const sheet = this._sheet();
      return { sheet, area: this._model.usedArea(sheet, valuesOnly) ?? { top: 0, left: 0, rowCount: 1, columnCount: 1 } };
    });
  }

  getUsedRangeOrNullObject(valuesOnly = false): FakeRange {
    return new FakeRange(
      this.context,
      `${this._path}.getUsedRangeOrNullObject(${valuesOnly})`,
      () => {
        const sheet = this._sheet();
        const area = this._model.usedArea(sheet, valuesOnly);
        return area ? { sheet, area } : null;
      },
      true,
    );
  }
}

class FakeRange extends FakeClientObject {
  protected readonly _kind = 'Range';
  private _worksheet?: FakeWorksheet;
  private _format?: FakeRangeFormat;
  private _dataValidation?: FakeDataValidation;
  private _conditionalFormats?: FakeConditionalFormatCollection;

  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _find: () => RangeTarget | null,
    nullable = false,
  ) {
    super(context, path, nullable ? () => _find() !== null : null);
  }

  _target(): RangeTarget {
    return notNull(this._find(), this._path);
  }
  protected _getters() {
    const area = () => this._target().area;
    return {
      address: () => `${sheetPrefix(this._target().sheet.name)}!${a1(area())}`,
      rowIndex: () => area().top,
      columnIndex: () => area().left,
      rowCount: () => area().rowCount,
      columnCount: () => area().columnCount,
      cellCount: () => area().rowCount * area().columnCount,
      values: () => this._model.readValues(this._target()),
      text: () => this._model.readText(this._target()),
      numberFormat: () => this._model.readNumberFormats(this._target()),
      formulas: () => this._model.readFormulas(this._target()),
    };
  }
  protected override _navigate(name: string): FakeClientObject {
    if (name === 'worksheet') return this.worksheet;
    if (name === 'format') return this.format;
    return super._navigate(name);
  }

  get address(): string {
    return this._read('address');
  }
  get rowIndex(): number {
    return this._read('rowIndex');
  }
  get columnIndex(): number {
    return this._read('columnIndex');
  }
  get rowCount(): number {
    return this._read('rowCount');
  }
  get columnCount(): number {
    return this._read('columnCount');
  }
  get cellCount(): number {
    return this._read('cellCount');
  }
  get values(): FakeValue[][] {
    return this._read('values');
  }
  set values(values: FakeValue[][]) {
    this._enqueue('set', 'values', true, () => this._model.writeValues(this._target(), values), values);
  }
  /** What each cell shows (ExcelApi 1.1): its value in its number format. */
  get text(): string[][] {
    return this._read('text');
  }
  get numberFormat(): string[][] {
    return this._read('numberFormat');
  }
  /** One format per cell, or one for all ([["@"]] or "@"); on whole columns, the columns' format. */
  set numberFormat(formats: string[][] | string) {
    this._enqueue('set', 'numberFormat', true, () => this._model.writeNumberFormats(this._target(), formats), formats);
  }

  /** A cell's formula, else its value (ExcelApi 1.1). Set as values are: like typing. */
  get formulas(): FakeValue[][] {
    return this._read('formulas');
  }
  set formulas(formulas: FakeValue[][]) {
    this._enqueue('set', 'formulas', true, () => this._model.writeValues(this._target(), formulas), formulas);
  }

  /**
   * Deletes the cells and shifts those below up ("Up"; "Left" is not modelled). Over whole data
   * rows of a table it deletes them; a shift that would move part of a table is refused (see
   * WorkbookModel.deleteCellsUp).
   */
  delete(shift: string): void {
    this._enqueue(
      'call',
      'delete',
      true,
      () => {
        if (shift !== 'Up') throw new FakeOfficeError('NotImplemented', `The fake deletes cells shifting them up, not ${shift}.`);
        const { sheet, area } = this._target();
        this._model.deleteCellsUp(sheet, area);
      },
      shift,
    );
  }

  get worksheet(): FakeWorksheet {
    return (this._worksheet ??= new FakeWorksheet(this.context, `${this._path}.worksheet`, () => this._target().sheet));
  }
  get format(): FakeRangeFormat {
    return (this._format ??= new FakeRangeFormat(this.context, `${this._path}.format`, () => this._target()));
  }
  get dataValidation(): FakeDataValidation {
    return (this._dataValidation ??= new FakeDataValidation(this.context, `${this._path}.dataValidation`, () => this._target()));
  }
  get conditionalFormats(): FakeConditionalFormatCollection {
    return (this._conditionalFormats ??= new FakeConditionalFormatCollection(this.context, `${this._path}.conditionalFormats`, () =>
      this._target(),
    ));
  }

  /**
   * "All" (default) clears values, formats (fill, bold, locking, number formats, conditional
   * formats) and data validation; "Contents" values; "Formats" formats. Comments stay.
   */
  clear(applyTo: 'All' | 'Contents' | 'Formats' = 'All'): void {
    this._enqueue(
      'call',
      'clear',
      true,
      () => {
        const target = this._target();
        if (applyTo !== 'Formats') assertEditable(target.sheet, 'values', target.area);
        if (applyTo !== 'Contents') assertEditable(target.sheet, 'formats');
        this._model.existingCells(target, (cell) => {
          if (applyTo !== 'Formats') {
            cell.value = '';
            delete cell.formula;
          }
          if (applyTo !== 'Contents') {
            delete cell.fill;
            delete cell.bold;
            delete cell.locked;
          }
          if (applyTo === 'All') delete cell.validation;
        });
        if (applyTo !== 'Contents') {
          this._model.clearNumberFormats(target);
          clearConditionalFormats(target.sheet, target.area);
        }
      },
      applyTo,
    );
  }

  select(): void {
    this._enqueue('call', 'select', false, () => {
      const { sheet, area } = this._target();
      sheet.selection = [area];
      this._model.active = sheet;
    });
  }
}

class FakeRangeAreas extends FakeClientObject {
  protected readonly _kind = 'RangeAreas';
  protected _getters() {
    const sheet = () => this._model.active;
    return {
      areaCount: () => sheet().selection.length,
      address: () =>
        sheet()
          .selection.map((area) => `${sheetPrefix(sheet().name)}!${a1(area)}`)
          .join(','),
    };
  }
  get areaCount(): number {
    return this._read('areaCount');
  }
  get address(): string {
    return this._read('address');
  }
}

// ---- Excel tables ----

/** A workbook's tables (scope null) or one sheet's. */
class FakeTableCollection extends FakeClientObject {
  protected readonly _kind = 'TableCollection';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _scope: (() => SheetModel) | null,
  ) {
    super(context, path);
  }
  private _all(): TableModel[] {
    const sheet = this._scope?.();
    return this._model.tables.filter((t) => !sheet || t.sheet === sheet);
  }
  protected _getters() {
    return { count: () => this._all().length };
  }
  get count(): number {
    return this._read('count');
  }
  get items(): FakeTable[] {
    return this._read('items');
  }

  /** "items/name", "items/id", "name,id", "items": every table of the scope, in the order they were added. */
  override load(spec?: LoadSpec): this {
    const names = loadNames(spec).map((name) => (name.startsWith('items/') ? name.slice('items/'.length) : name));
    for (const name of names) {
      if (!['items', 'name', 'id', 'count'].includes(name))
        throw new FakeOfficeError('InvalidArgument', `The fake Table cannot load '${name}' here.`);
    }
    this.context._enqueue({
      kind: 'load',
      target: this._path,
      name: 'items/name,id',
      write: false,
      run: () => this._all().map((t) => ({ name: t.name, id: t.id })),
      deliver: (data) => {
        const items = (data as Array<{ name: string; id: string }>).map(({ name, id }) => {
          const table = new FakeTable(this.context, `workbook.tables.getItem(${JSON.stringify(id)})`, () => this._model.tableById(id));
          table._accept({ name, id });
          return table;
        });
        this._accept({ items, count: items.length });
      },
    });
    return this;
  }

  /**
   * A table over a range (a Range, or an address: the sheet it names, else this collection's sheet,
   * else the active one) whose first row is its header (`hasHeaders` false is not modelled).
   */
  add(address: string | FakeRange, hasHeaders: boolean): FakeTable {
    const id = this._model.newTableId();
    this._enqueue(
      'call',
      'add',
      true,
      () => {
        if (hasHeaders !== true) throw new FakeOfficeError('NotImplemented', 'The fake adds tables whose first row is their header only.');
        let target: RangeTarget;
        if (typeof address === 'string') {
          const parsed = parseAddress(address);
          if (parsed.areas.length !== 1) throw new FakeOfficeError('InvalidArgument', `"${address}" is not one range.`);
          const sheet = parsed.sheet !== null ? this._model.get(parsed.sheet) : (this._scope?.() ?? this._model.active);
          target = { sheet, area: parsed.areas[0]! };
        } else target = address._target();
        this._model.addTable(id, target.sheet, target.area);
      },
      { address: typeof address === 'string' ? address : address._path, hasHeaders },
    );
    return new FakeTable(this.context, `workbook.tables.getItem(${JSON.stringify(id)})`, () => this._model.tableById(id));
  }

  private _byKey(nameOrId: string): () => TableModel | null {
    let id: string | null = null; // once found, the proxy follows the table by its id (through renames)
    return () => {
      if (id !== null) return this._model.tableById(id);
      const table = this._model.findTable(nameOrId);
      if (!table || !this._all().includes(table)) return null;
      id = table.id;
      return table;
    };
  }
  getItem(nameOrId: string): FakeTable {
    const find = this._byKey(nameOrId);
    return new FakeTable(this.context, `${this._path}.getItem(${JSON.stringify(nameOrId)})`, () => {
      const table = find();
      if (!table) throw new FakeOfficeError('ItemNotFound', `There is no table named "${nameOrId}".`);
      return table;
    });
  }
  getItemOrNullObject(nameOrId: string): FakeTable {
    return new FakeTable(this.context, `${this._path}.getItemOrNullObject(${JSON.stringify(nameOrId)})`, this._byKey(nameOrId), true);
  }
  getCount(): FakeClientResult<number> {
    const result = new FakeClientResult<number>(this.context._state, `${this._path}.getCount()`);
    this.context._enqueue({
      kind: 'load',
      target: this._path,
      name: 'getCount()',
      write: false,
      run: () => this._all().length,
      deliver: (count) => result._set(count as number),
    });
    return result;
  }
}

class FakeTable extends FakeClientObject {
  protected readonly _kind = 'Table';
  private _rows?: FakeTableRowCollection;
  private _columns?: FakeTableColumnCollection;
  private _worksheet?: FakeWorksheet;
  private _autoFilter?: FakeAutoFilter;
  private _sort?: FakeTableSort;

  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _find: () => TableModel | null,
    nullable = false,
  ) {
    super(context, path, nullable ? () => _find() !== null : null);
  }
  _table(): TableModel {
    const table = this._find();
    if (!table) throw new FakeOfficeError('ItemNotFound', `${this._path}: the table does not exist (any more).`);
    return table;
  }
  protected _getters() {
    return {
      id: () => this._table().id,
      name: () => this._table().name,
      showTotals: () => this._table().showTotals,
      showHeaders: () => true,
      style: () => this._table().style,
    };
  }
  protected override _navigate(name: string): FakeClientObject {
    if (name === 'worksheet') return this.worksheet;
    if (name === 'autoFilter') return this.autoFilter;
    return super._navigate(name);
  }
  get id(): string {
    return this._read('id');
  }
  get name(): string {
    return this._read('name');
  }
  set name(name: string) {
    this._enqueue('set', 'name', true, () => this._model.renameTable(this._table(), name), name);
  }
  get showTotals(): boolean {
    return this._read('showTotals');
  }
  set showTotals(show: boolean) {
    this._enqueue('set', 'showTotals', true, () => this._model.setShowTotals(this._table(), show), show);
  }
  get showHeaders(): boolean {
    return this._read('showHeaders');
  }
  get style(): string {
    return this._read('style');
  }
  set style(style: string) {
    this._enqueue('set', 'style', true, () => void (this._table().style = style), style);
  }
  get rows(): FakeTableRowCollection {
    return (this._rows ??= new FakeTableRowCollection(this.context, `${this._path}.rows`, () => this._table()));
  }
  get columns(): FakeTableColumnCollection {
    return (this._columns ??= new FakeTableColumnCollection(this.context, `${this._path}.columns`, () => this._table()));
  }
  get worksheet(): FakeWorksheet {
    return (this._worksheet ??= new FakeWorksheet(this.context, `${this._path}.worksheet`, () => this._table().sheet));
  }
  get autoFilter(): FakeAutoFilter {
    return (this._autoFilter ??= new FakeAutoFilter(this.context, `${this._path}.autoFilter`, () => this._table()));
  }
  get sort(): FakeTableSort {
    return (this._sort ??= new FakeTableSort(this.context, `${this._path}.sort`, () => this._table()));
  }
  private _part(part: 'range' | 'header' | 'body' | 'totals', name: string): FakeRange {
    return new FakeRange(this.context, `${this._path}.${name}()`, () => {
      const table = this._table();
      return { sheet: table.sheet, area: this._model.tablePart(table, part) };
    });
  }
  getRange(): FakeRange {
    return this._part('range', 'getRange');
  }
  getHeaderRowRange(): FakeRange {
    return this._part('header', 'getHeaderRowRange');
  }
  getDataBodyRange(): FakeRange {
    return this._part('body', 'getDataBodyRange');
  }
  /** Fails at sync when the totals row is not shown. */
  getTotalRowRange(): FakeRange {
    return this._part('totals', 'getTotalRowRange');
  }
  /** Deletes the table and its contents; formulas that used it show #REF!. */
  delete(): void {
    this._enqueue('call', 'delete', true, () => {
      const table = this._table();
      assertEditable(table.sheet, 'always');
      this._model.dropTable(table, true);
    });
  }
  /** Keeps the cells as they are, without the table; formulas that used it show #REF! (the fake does not rewrite them to A1). */
  convertToRange(): FakeRange {
    const area = { current: null as RangeTarget | null };
    this._enqueue('call', 'convertToRange', true, () => {
      const table = this._table();
      area.current = { sheet: table.sheet, area: table.area };
      this._model.dropTable(table, false);
    });
    return new FakeRange(this.context, `${this._path}.convertToRange()`, () => notNull(area.current, `${this._path}.convertToRange()`));
  }
  clearFilters(): void {
    this._enqueue('call', 'clearFilters', false, () => void (this._table().filtered = false));
  }
  reapplyFilters(): void {
    this._enqueue('call', 'reapplyFilters', false, () => void this._table());
  }
}

class FakeTableRowCollection extends FakeClientObject {
  protected readonly _kind = 'TableRowCollection';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _table: () => TableModel,
  ) {
    super(context, path);
  }
  protected _getters() {
    return { count: () => this._model.tableBody(this._table()).rowCount };
  }
  /** Data rows (a table with no data counts its blank row: the fake has no insert-row state). */
  get count(): number {
    return this._read('count');
  }
  /**
   * Adds rows at `index` (null or -1: at the end), one per row of `values` (none: one blank row).
   * Several rows at once need ExcelApi 1.4.
   */
  add(index?: number | null, values?: unknown[][]): FakeTableRow {
    const at = { index: null as number | null };
    this._enqueue(
      'call',
      'add',
      true,
      () => {
        if (values !== undefined && !Array.isArray(values)) {
          throw new FakeOfficeError('NotImplemented', 'The fake adds table rows from a 2D array of values only.');
        }
        if (values && values.length > 1 && compareVersions(this.context._state.excelApi, '1.4') < 0) {
          throw new FakeOfficeError('ApiNotFound', 'Adding several table rows at once needs ExcelApi 1.4.');
        }
        const table = this._table();
        at.index = index === undefined || index === null || index === -1 ? this._model.tableBody(table).rowCount : index;
        this._model.addTableRows(table, index ?? null, values ?? null);
      },
      { index: index ?? null, values: values ?? null },
    );
    return new FakeTableRow(this.context, `${this._path}.add()`, () => ({
      table: this._table(),
      index: notNull(at.index, `${this._path}.add()`),
    }));
  }
  getCount(): FakeClientResult<number> {
    const result = new FakeClientResult<number>(this.context._state, `${this._path}.getCount()`);
    this.context._enqueue({
      kind: 'load',
      target: this._path,
      name: 'getCount()',
      write: false,
      run: () => this._model.tableBody(this._table()).rowCount,
      deliver: (count) => result._set(count as number),
    });
    return result;
  }
  getItemAt(index: number): FakeTableRow {
    return new FakeTableRow(this.context, `${this._path}.getItemAt(${index})`, () => ({ table: this._table(), index }));
  }
}

/** A data row by its position (as Excel's TableRow: the position, not the data). */
class FakeTableRow extends FakeClientObject {
  protected readonly _kind = 'TableRow';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _find: () => { table: TableModel; index: number },
  ) {
    super(context, path);
  }
  private _area(): RangeTarget {
    const { table, index } = this._find();
    const body = this._model.tableBody(table);
    if (index < 0 || index >= body.rowCount) throw new FakeOfficeError('ItemNotFound', `Table ${table.name} has no row ${index}.`);
    return { sheet: table.sheet, area: { ...body, top: body.top + index, rowCount: 1 } };
  }
  protected _getters() {
    return { index: () => this._find().index, values: () => this._model.readValues(this._area()) };
  }
  get index(): number {
    return this._read('index');
  }
  get values(): FakeValue[][] {
    return this._read('values');
  }
  getRange(): FakeRange {
    return new FakeRange(this.context, `${this._path}.getRange()`, () => this._area());
  }
  delete(): void {
    this._enqueue('call', 'delete', true, () => {
      const { sheet, area } = this._area();
      this._model.deleteCellsUp(sheet, area);
    });
  }
}

class FakeTableColumnCollection extends FakeClientObject {
  protected readonly _kind = 'TableColumnCollection';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _table: () => TableModel,
  ) {
    super(context, path);
  }
  protected _getters() {
    return { count: () => this._table().area.columnCount };
  }
  get count(): number {
    return this._read('count');
  }
  /** By header name (case-insensitively) or 0-based index. */
  getItem(key: string | number): FakeTableColumn {
    return new FakeTableColumn(this.context, `${this._path}.getItem(${JSON.stringify(key)})`, () => {
      const table = this._table();
      const index = typeof key === 'number' ? key : this._model.tableHeader(table).findIndex((h) => h.toLowerCase() === key.toLowerCase());
      if (index < 0 || index >= table.area.columnCount)
        throw new FakeOfficeError('ItemNotFound', `Table ${table.name} has no column ${key}.`);
      return { table, index };
    });
  }
  getItemAt(index: number): FakeTableColumn {
    return this.getItem(index);
  }
}

class FakeTableColumn extends FakeClientObject {
  protected readonly _kind = 'TableColumn';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _find: () => { table: TableModel; index: number },
  ) {
    super(context, path);
  }
  protected _getters() {
    return {
      index: () => this._find().index,
      name: () => {
        const { table, index } = this._find();
        return this._model.tableHeader(table)[index]!;
      },
    };
  }
  get index(): number {
    return this._read('index');
  }
  get name(): string {
    return this._read('name');
  }
  private _part(part: 'range' | 'header' | 'body' | 'totals', name: string): FakeRange {
    return new FakeRange(this.context, `${this._path}.${name}()`, () => {
      const { table, index } = this._find();
      return { sheet: table.sheet, area: this._model.tablePart(table, part, index) };
    });
  }
  getRange(): FakeRange {
    return this._part('range', 'getRange');
  }
  getHeaderRowRange(): FakeRange {
    return this._part('header', 'getHeaderRowRange');
  }
  getDataBodyRange(): FakeRange {
    return this._part('body', 'getDataBodyRange');
  }
  getTotalRowRange(): FakeRange {
    return this._part('totals', 'getTotalRowRange');
  }
}

class FakeAutoFilter extends FakeClientObject {
  protected readonly _kind = 'AutoFilter';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _table: () => TableModel,
  ) {
    super(context, path);
  }
  protected _getters() {
    return { enabled: () => true, isDataFiltered: () => this._table().filtered };
  }
  get enabled(): boolean {
    return this._read('enabled');
  }
  get isDataFiltered(): boolean {
    return this._read('isDataFiltered');
  }
}

class FakeTableSort extends FakeClientObject {
  protected readonly _kind = 'TableSort';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _table: () => TableModel,
  ) {
    super(context, path);
  }
  protected _getters() {
    return {};
  }
  /** Sorting is not modelled: recorded, nothing moves. */
  reapply(): void {
    this._enqueue('call', 'reapply', false, () => void this._table());
  }
}

/** `workbook.functions`: only `year`, in the workbook's date system (enough to tell 1900 from 1904). */
class FakeFunctions extends FakeClientObject {
  protected readonly _kind = 'Functions';
  protected _getters() {
    return {};
  }
  year(serial: number): FakeFunctionResult {
    return new FakeFunctionResult(this.context, `${this._path}.year(${serial})`, () => {
      if (typeof serial !== 'number' || !Number.isFinite(serial) || serial < 0) return { value: null, error: '#VALUE!' };
      return { value: this._model.yearOf(serial), error: null };
    });
  }
}

class FakeFunctionResult extends FakeClientObject {
  protected readonly _kind = 'FunctionResult';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _compute: () => { value: unknown; error: string | null },
  ) {
    super(context, path);
  }
  protected _getters() {
    return { value: () => this._compute().value, error: () => this._compute().error };
  }
  get value(): unknown {
    return this._read('value');
  }
  get error(): string | null {
    return this._read('error');
  }
}

class FakeRangeFormat extends FakeClientObject {
  protected readonly _kind = 'RangeFormat';
  readonly fill: FakeRangeFill;
  readonly font: FakeRangeFont;
  readonly protection: FakeFormatProtection;
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _target: () => RangeTarget,
  ) {
    super(context, path);
    this.fill = new FakeRangeFill(context, `${path}.fill`, _target);
    this.font = new FakeRangeFont(context, `${path}.font`, _target);
    this.protection = new FakeFormatProtection(context, `${path}.protection`, _target);
  }
  protected _getters() {
    return {};
  }
  protected override _navigate(name: string): FakeClientObject {
    if (name === 'fill') return this.fill;
    if (name === 'font') return this.font;
    if (name === 'protection') return this.protection;
    return super._navigate(name);
  }
  autofitColumns(): void {
    this._enqueue('call', 'autofitColumns', true, () => {
      const { sheet } = this._target();
      assertEditable(sheet, 'columns');
      sheet.autofitCount++;
    });
  }
  autofitRows(): void {
    this._enqueue('call', 'autofitRows', true, () => void this._target());
  }
}

class FakeRangeFill extends FakeClientObject {
  protected readonly _kind = 'RangeFill';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _target: () => RangeTarget,
  ) {
    super(context, path);
  }
  /** "#FFFFFF" without a fill, null when the cells differ (as Excel). */
  protected _getters() {
    return { color: () => this._model.uniform(this._target(), (cell) => cell?.fill ?? '#FFFFFF') };
  }
  get color(): string {
    return this._read('color');
  }
  set color(color: string) {
    this._enqueue(
      'set',
      'color',
      true,
      () => {
        assertEditable(this._target().sheet, 'formats');
        this._model.eachCell(this._target(), (cell) => (cell.fill = normaliseColor(color)));
      },
      color,
    );
  }
  clear(): void {
    this._enqueue('call', 'clear', true, () => {
      assertEditable(this._target().sheet, 'formats');
      this._model.existingCells(this._target(), (cell) => delete cell.fill);
    });
  }
}

class FakeRangeFont extends FakeClientObject {
  protected readonly _kind = 'RangeFont';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _target: () => RangeTarget,
  ) {
    super(context, path);
  }
  protected _getters() {
    return { bold: () => this._model.uniform(this._target(), (cell) => cell?.bold ?? false) };
  }
  get bold(): boolean {
    return this._read('bold');
  }
  set bold(bold: boolean) {
    this._enqueue(
      'set',
      'bold',
      true,
      () => {
        assertEditable(this._target().sheet, 'formats');
        this._model.eachCell(this._target(), (cell) => (cell.bold = bold));
      },
      bold,
    );
  }
}

class FakeFormatProtection extends FakeClientObject {
  protected readonly _kind = 'FormatProtection';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _target: () => RangeTarget,
  ) {
    super(context, path);
  }
  /** null when the cells differ (as Excel). */
  protected _getters() {
    return { locked: () => this._model.uniform(this._target(), (cell) => cell?.locked !== false) };
  }
  get locked(): boolean {
    return this._read('locked');
  }
  set locked(locked: boolean) {
    this._enqueue(
      'set',
      'locked',
      true,
      () => {
        const target = this._target();
        assertEditable(target.sheet, 'always');
        if (locked) this._model.existingCells(target, (cell) => delete cell.locked);
        else this._model.eachCell(target, (cell) => (cell.locked = false));
      },
      locked,
    );
  }
}

const DATA_VALIDATION_OPERATORS = [
  'Between',
  'NotBetween',
  'EqualTo',
  'NotEqualTo',
  'GreaterThan',
  'LessThan',
  'GreaterThanOrEqualTo',
  'LessThanOrEqualTo',
];

/** The decimal and list rules (the ones the add-in uses); anything else is refused. */
function checkValidationRule(rule: unknown): FakeValidationRule {
  const invalid = (why: string) => new FakeOfficeError('InvalidArgument', `Invalid data validation rule: ${why}.`);
  if (typeof rule !== 'object' || rule === null) throw invalid('not an object');
  const kinds = Object.entries(rule).filter(([, value]) => value !== undefined && value !== null);
  if (kinds.length !== 1) throw invalid('it must have exactly one kind of rule');
  const [kind, criteria] = kinds[0]! as [string, Record<string, unknown>];
  if (kind === 'decimal') {
    const { formula1, formula2, operator } = criteria;
    if (typeof formula1 !== 'number' && typeof formula1 !== 'string') throw invalid('decimal needs formula1');
    if (typeof operator !== 'string' || !DATA_VALIDATION_OPERATORS.includes(operator))
      throw invalid(`unknown operator ${String(operator)}`);
    if ((operator === 'Between' || operator === 'NotBetween') !== (formula2 !== undefined))
      throw invalid('formula2 goes with Between and NotBetween only');
    return { decimal: { formula1, operator, ...(formula2 !== undefined ? { formula2: formula2 as string | number } : {}) } };
  }
  if (kind === 'list') {
    const { source, inCellDropDown } = criteria;
    if (typeof source !== 'string' || source === '') throw invalid('list needs a source');
    if (typeof inCellDropDown !== 'boolean') throw invalid('list needs inCellDropDown');
    return { list: { source, inCellDropDown } };
  }
  throw new FakeOfficeError('NotImplemented', `The fake supports decimal and list data validation, not ${kind}.`);
}

/** Why a cell's data validation refuses what a person typed, or null when it takes it. */
function validationRefusal(validation: FakeValidation | undefined, typed: string): string | null {
  const rule = validation?.rule;
  if (!rule || typed === '') return null;
  const message = validation.errorAlert?.message ?? 'The value does not match the data validation.';
  if ('list' in rule) {
    const allowed = rule.list.source.split(',').map((v) => v.trim().toLowerCase());
    return allowed.includes(typed.trim().toLowerCase()) ? null : message;
  }
  const { formula1, formula2, operator } = rule.decimal;
  const n = Number(typed.trim());
  const [a, b] = [Number(formula1), Number(formula2)];
  const ok: Record<string, boolean> = {
    Between: n >= a && n <= b,
    NotBetween: n < a || n > b,
    EqualTo: n === a,
    NotEqualTo: n !== a,
    GreaterThan: n > a,
    LessThan: n < a,
    GreaterThanOrEqualTo: n >= a,
    LessThanOrEqualTo: n <= a,
  };
  return typed.trim() !== '' && Number.isFinite(n) && ok[operator] ? null : message;
}

class FakeDataValidation extends FakeClientObject {
  protected readonly _kind = 'DataValidation';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _target: () => RangeTarget,
  ) {
    super(context, path);
  }
  protected _getters() {
    return {};
  }
  /** Replaces the rule of every cell of the range (its error alert stays). */
  set rule(rule: FakeValidationRule) {
    this._enqueue(
      'set',
      'rule',
      true,
      () => {
        const checked = checkValidationRule(rule);
        const target = this._target();
        assertEditable(target.sheet, 'always');
        this._model.eachCell(target, (cell) => (cell.validation = { rule: checked, errorAlert: cell.validation?.errorAlert ?? null }));
      },
      rule,
    );
  }
  set errorAlert(alert: NonNullable<FakeValidation['errorAlert']>) {
    this._enqueue(
      'set',
      'errorAlert',
      true,
      () => {
        const target = this._target();
        assertEditable(target.sheet, 'always');
        this._model.eachCell(target, (cell) => {
          cell.validation = { rule: cell.validation?.rule ?? null, errorAlert: { ...cell.validation?.errorAlert, ...alert } };
        });
      },
      alert,
    );
  }
  clear(): void {
    this._enqueue('call', 'clear', true, () => {
      const target = this._target();
      assertEditable(target.sheet, 'always');
      this._model.existingCells(target, (cell) => delete cell.validation);
    });
  }
}

const CELL_VALUE_OPERATORS = [
  'Between',
  'NotBetween',
  'EqualTo',
  'NotEqualTo',
  'GreaterThan',
  'LessThan',
  'GreaterThanOrEqual',
  'LessThanOrEqual',
];

/** A range's conditional formats: `add` (CellValue or Custom) and `clearAll`. */
class FakeConditionalFormatCollection extends FakeClientObject {
  protected readonly _kind = 'ConditionalFormatCollection';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _target: () => RangeTarget,
  ) {
    super(context, path);
  }
  protected _getters() {
    return {};
  }
  /** Adds a format for the range at the top priority. */
  add(type: string): FakeConditionalFormatObject {
    const id = this._model.newConditionalFormatId();
    this._enqueue(
      'call',
      'add',
      true,
      () => {
        if (type !== 'CellValue' && type !== 'Custom') {
          throw new FakeOfficeError('NotImplemented', `The fake supports CellValue and Custom conditional formats, not ${type}.`);
        }
        const { sheet, area } = this._target();
        assertEditable(sheet, 'formats');
        sheet.conditionalFormats.unshift({ id, type, areas: [area], rule: null, fill: null, fontColor: null });
      },
      type,
    );
    return new FakeConditionalFormatObject(this.context, `${this._path}.getItem(${JSON.stringify(id)})`, id);
  }
  /** Removes the range's cells from every conditional format that covers them. */
  clearAll(): void {
    this._enqueue('call', 'clearAll', true, () => {
      const { sheet, area } = this._target();
      assertEditable(sheet, 'formats');
      clearConditionalFormats(sheet, area);
    });
  }
}

type FoundFormat = { sheet: SheetModel; format: ConditionalFormatModel };

class FakeConditionalFormatObject extends FakeClientObject {
  protected readonly _kind = 'ConditionalFormat';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _id: string,
  ) {
    super(context, path);
  }
  protected _getters() {
    return { type: () => this._found(null).format.type };
  }
  /** The format, checked to be of `type` (Excel fails when code uses the wrong kind). */
  private _found(type: ConditionalFormatModel['type'] | null): FoundFormat {
    const found = this._model.findConditionalFormat(this._id);
    if (!found) throw new FakeOfficeError('ItemNotFound', `The conditional format ${this._id} does not exist.`);
    if (type && found.format.type !== type) {
      throw new FakeOfficeError('InvalidOperation', `The conditional format is of type ${found.format.type}, not ${type}.`);
    }
    return found;
  }
  get type(): string {
    return this._read('type');
  }
  get cellValue(): FakeCellValueConditionalFormat {
    return new FakeCellValueConditionalFormat(this.context, `${this._path}.cellValue`, () => this._found('CellValue'));
  }
  get custom(): FakeCustomConditionalFormat {
    return new FakeCustomConditionalFormat(this.context, `${this._path}.custom`, () => this._found('Custom'));
  }
}

/** Sets part of a conditional format (its sheet must allow format changes). */
function changeFormat(found: () => FoundFormat, change: (format: ConditionalFormatModel) => void): () => void {
  return () => {
    const { sheet, format } = found();
    assertEditable(sheet, 'formats');
    change(format);
  };
}

class FakeCellValueConditionalFormat extends FakeClientObject {
  protected readonly _kind = 'CellValueConditionalFormat';
  readonly format: FakeConditionalRangeFormat;
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _find: () => FoundFormat,
  ) {
    super(context, path);
    this.format = new FakeConditionalRangeFormat(context, `${path}.format`, _find);
  }
  protected _getters() {
    return {};
  }
  set rule(rule: { formula1: string; formula2?: string; operator: string }) {
    const apply = changeFormat(this._find, (format) => (format.rule = { ...rule }));
    this._enqueue(
      'set',
      'rule',
      true,
      () => {
        if (typeof rule?.formula1 !== 'string' || !CELL_VALUE_OPERATORS.includes(rule.operator)) {
          throw new FakeOfficeError('InvalidArgument', `Invalid conditional format rule ${JSON.stringify(rule)}.`);
        }
        apply();
      },
      rule,
    );
  }
}

class FakeCustomConditionalFormat extends FakeClientObject {
  protected readonly _kind = 'CustomConditionalFormat';
  readonly format: FakeConditionalRangeFormat;
  readonly rule: FakeConditionalFormatRule;
  constructor(context: FakeRequestContext, path: string, find: () => FoundFormat) {
    super(context, path);
    this.format = new FakeConditionalRangeFormat(context, `${path}.format`, find);
    this.rule = new FakeConditionalFormatRule(context, `${path}.rule`, find);
  }
  protected _getters() {
    return {};
  }
}

class FakeConditionalFormatRule extends FakeClientObject {
  protected readonly _kind = 'ConditionalFormatRule';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _find: () => FoundFormat,
  ) {
    super(context, path);
  }
  protected _getters() {
    return {};
  }
  /** An English, A1-style formula relative to the top-left cell of the format's range. */
  set formula(formula: string) {
    const apply = changeFormat(this._find, (format) => (format.rule = { formula }));
    this._enqueue(
      'set',
      'formula',
      true,
      () => {
        if (typeof formula !== 'string' || !formula.startsWith('='))
          throw new FakeOfficeError('InvalidArgument', `"${formula}" is not a formula.`);
        apply();
      },
      formula,
    );
  }
}

class FakeConditionalRangeFormat extends FakeClientObject {
  protected readonly _kind = 'ConditionalRangeFormat';
  readonly fill: FakeConditionalColor;
  readonly font: FakeConditionalColor;
  constructor(context: FakeRequestContext, path: string, find: () => FoundFormat) {
    super(context, path);
    this.fill = new FakeConditionalColor(context, `${path}.fill`, find, 'fill');
    this.font = new FakeConditionalColor(context, `${path}.font`, find, 'fontColor');
  }
  protected _getters() {
    return {};
  }
}

/** `format.fill` or `format.font` of a conditional format: only its color. */
class FakeConditionalColor extends FakeClientObject {
  protected readonly _kind = 'ConditionalRangeColor';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _find: () => FoundFormat,
    private readonly _slot: 'fill' | 'fontColor',
  ) {
    super(context, path);
  }
  protected _getters() {
    return {};
  }
  set color(color: string) {
    this._enqueue(
      'set',
      'color',
      true,
      changeFormat(this._find, (format) => (format[this._slot] = normaliseColor(color))),
      color,
    );
  }
}

class FakeWorksheetProtection extends FakeClientObject {
  protected readonly _kind = 'WorksheetProtection';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _sheet: () => SheetModel,
  ) {
    super(context, path);
  }
  /**
   * `options` of an unprotected sheet are the defaults. Some fields come back null, as reported in
   * office-js #1931: options loaded from a sheet are not fit to protect it again.
   */
  protected _getters() {
    return {
      protected: () => this._sheet().protection !== null,
      options: () => ({ ...(this._sheet().protection ?? DEFAULT_PROTECTION), ...NULL_WHEN_LOADED }),
    };
  }
  get protected(): boolean {
    return this._read('protected');
  }
  get options(): { [K in keyof FakeProtectionOptions]: FakeProtectionOptions[K] | null } {
    return this._read('options');
  }
  /**
   * Fails with AccessDenied when the sheet is already protected (office-js #6784), and with
   * GeneralException when an option is null (office-js #1931). No password: the fake does not
   * model them.
   */
  protect(options: Partial<Record<keyof FakeProtectionOptions, unknown>> = {}): void {
    this._enqueue(
      'call',
      'protect',
      true,
      () => {
        const sheet = this._sheet();
        if (sheet.protection) throw new FakeOfficeError('AccessDenied', `The sheet "${sheet.name}" is already protected.`);
        for (const [name, value] of Object.entries(options)) {
          if (!(name in DEFAULT_PROTECTION)) throw new FakeOfficeError('InvalidArgument', `Unknown protection option '${name}'.`);
          if (value === null) throw new FakeOfficeError('GeneralException', 'There was an internal error while processing the request.');
        }
        sheet.protection = { ...DEFAULT_PROTECTION, ...(options as Partial<FakeProtectionOptions>) };
      },
      options,
    );
  }
  /** Fails with AccessDenied on a sheet that is not protected (office-js #6784). */
  unprotect(): void {
    this._enqueue('call', 'unprotect', true, () => {
      const sheet = this._sheet();
      if (!sheet.protection) throw new FakeOfficeError('AccessDenied', `The sheet "${sheet.name}" is not protected.`);
      sheet.protection = null;
    });
  }
}

class FakeFreezePanes extends FakeClientObject {
  protected readonly _kind = 'WorksheetFreezePanes';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _sheet: () => SheetModel,
  ) {
    super(context, path);
  }
  protected _getters() {
    return {};
  }
  freezeRows(count = 1): void {
    this._enqueue('call', 'freezeRows', true, () => (this._sheet().frozenRows = count), count);
  }
  unfreeze(): void {
    this._enqueue('call', 'unfreeze', true, () => (this._sheet().frozenRows = 0));
  }
}

const COMMENT_PROPERTIES = ['id', 'content', 'authorName'] as const;

/** A workbook's comments (scope null) or one sheet's. */
class FakeCommentCollection extends FakeClientObject {
  protected readonly _kind = 'CommentCollection';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _scope: (() => SheetModel) | null,
  ) {
    super(context, path);
  }
  protected _getters() {
    return {};
  }
  get items(): FakeComment[] {
    return this._read('items');
  }

  /**
   * "items/content", "content", "items" (every property) or nothing (every property); with
   * `{ select, top, skip }`, the items from `skip` on, at most `top` of them, in the order of the
   * collection (sheet by sheet, then as added).
   */
  override load(spec?: LoadSpec | { select?: string; top?: number; skip?: number }): this {
    const page = typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? (spec as { top?: number; skip?: number }) : {};
    const { top = Infinity, skip = 0 } = page;
    if (!(Number.isInteger(skip) && skip >= 0) || !(top === Infinity || (Number.isInteger(top) && top >= 0))) {
      throw new FakeOfficeError('InvalidArgument', `Invalid top ${top} or skip ${skip}.`);
    }
    const names = loadNames(spec as LoadSpec)
      .map((name) => (name.startsWith('items/') ? name.slice('items/'.length) : name))
      .filter((name) => name !== 'items');
    for (const name of names) {
      if (!(COMMENT_PROPERTIES as readonly string[]).includes(name)) {
        throw new FakeOfficeError('InvalidArgument', `The fake Comment cannot load '${name}'.`);
      }
    }
    const properties = names.length > 0 ? names : [...COMMENT_PROPERTIES];
    this.context._enqueue({
      kind: 'load',
      target: this._path,
      name: `items/${properties.join(',')}`,
      write: false,
      run: () =>
        this._all()
          .slice(skip, skip + top)
          .map((comment) => ({
            id: comment.id,
            ...Object.fromEntries(properties.map((name) => [name, comment[name as keyof CommentModel]])),
          })),
      deliver: (data) => {
        const items = (data as Array<Record<string, unknown> & { id: string }>).map((row) => {
          const comment = new FakeComment(this.context, `${this._path}.getItem(${JSON.stringify(row.id)})`, row.id);
          comment._accept(Object.fromEntries(properties.map((name) => [name, row[name]])));
          return comment;
        });
        this._accept({ items });
      },
    });
    return this;
  }

  private _all(): CommentModel[] {
    const sheets = this._scope ? [this._scope()] : this._model.sheets;
    return sheets.flatMap((sheet) => [...sheet.comments.values()]);
  }

  /** How many comments the collection holds, known after the next sync. */
  getCount(): FakeClientResult<number> {
    const result = new FakeClientResult<number>(this.context._state, `${this._path}.getCount()`);
    this.context._enqueue({
      kind: 'load',
      target: this._path,
      name: 'getCount()',
      write: false,
      run: () => this._all().length,
      deliver: (count) => result._set(count as number),
    });
    return result;
  }

  /** `cellAddress` must name the sheet ("'My sheet'!B2") unless this is a sheet's collection. */
  add(cellAddress: string | FakeRange, content: string): FakeComment {
    const id = this._model.newCommentId();
    const where = typeof cellAddress === 'string' ? cellAddress : cellAddress._path;
    this._enqueue(
      'call',
      'add',
      true,
      () => {
        let sheet: SheetModel;
        let area: FakeArea;
        if (typeof cellAddress === 'string') {
          const parsed = parseAddress(cellAddress);
          if (parsed.sheet === null && !this._scope) {
            throw new FakeOfficeError('InvalidArgument', `"${cellAddress}" must include the sheet name.`);
          }
          sheet = parsed.sheet === null ? this._scope!() : this._model.get(parsed.sheet);
          if (parsed.areas.length !== 1) throw new FakeOfficeError('InvalidArgument', `"${cellAddress}" is not one cell.`);
          area = parsed.areas[0]!;
        } else {
          ({ sheet, area } = cellAddress._target());
        }
        if (area.rowCount !== 1 || area.columnCount !== 1)
          throw new FakeOfficeError('InvalidArgument', `A comment goes on one cell, not ${a1(area)}.`);
        assertEditable(sheet, 'always');
        if (sheet.comments.has(key(area.top, area.left))) {
          throw new FakeOfficeError('InvalidArgument', `${sheetPrefix(sheet.name)}!${a1(area)} already has a comment.`);
        }
        if (sheet.notes.has(key(area.top, area.left))) {
          throw new FakeOfficeError('InvalidOperation', `${sheetPrefix(sheet.name)}!${a1(area)} has a note, so it cannot take a comment.`);
        }
        this._model.putComment(sheet, {
          id,
          row: area.top,
          column: area.left,
          content,
          authorName: this.context._state.options.userName ?? 'Stocksheet tester',
        });
      },
      { cellAddress: where, content },
    );
    return new FakeComment(this.context, `${this._path}.getItem(${JSON.stringify(id)})`, id);
  }
}

class FakeComment extends FakeClientObject {
  protected readonly _kind = 'Comment';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _id: string,
  ) {
    super(context, path);
  }
  private _found() {
    const found = this._model.findComment(this._id);
    if (!found) throw new FakeOfficeError('ItemNotFound', `The comment ${this._id} does not exist.`);
    return found;
  }
  protected _getters() {
    return {
      id: () => this._id,
      content: () => this._found().comment.content,
      authorName: () => this._found().comment.authorName,
    };
  }
  get id(): string {
    return this._read('id');
  }
  get content(): string {
    return this._read('content');
  }
  get authorName(): string {
    return this._read('authorName');
  }
  getLocation(): FakeRange {
    return new FakeRange(this.context, `${this._path}.getLocation()`, () => {
      const { sheet, comment } = this._found();
      return { sheet, area: { top: comment.row, left: comment.column, rowCount: 1, columnCount: 1 } };
    });
  }
  delete(): void {
    this._enqueue('call', 'delete', true, () => {
      const { sheet, comment } = this._found();
      assertEditable(sheet, 'always');
      sheet.comments.delete(key(comment.row, comment.column));
    });
  }
}

class FakeCustomPropertyCollection extends FakeClientObject {
  protected readonly _kind = 'WorksheetCustomPropertyCollection';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _sheet: () => SheetModel,
  ) {
    super(context, path);
  }
  protected _getters() {
    return {};
  }
  /** Adds, or replaces the value of, the property with this key (keys are case-insensitive). */
  add(key: string, value: string): FakeCustomProperty {
    this._enqueue(
      'call',
      'add',
      true,
      () => {
        if (!key || key.length > 255) throw new FakeOfficeError('InvalidArgument', 'A custom property key must be 1 to 255 characters.');
        assertEditable(this._sheet(), 'always');
        this._sheet().properties.set(key.toLowerCase(), { key, value: String(value) });
      },
      { key, value },
    );
    return this.getItem(key);
  }
  getItem(key: string): FakeCustomProperty {
    return new FakeCustomProperty(this.context, `${this._path}.getItem(${JSON.stringify(key)})`, () => {
      const found = this._sheet().properties.get(key.toLowerCase());
      if (!found) throw new FakeOfficeError('ItemNotFound', `There is no custom property "${key}".`);
      return found;
    });
  }
  getItemOrNullObject(key: string): FakeCustomProperty {
    return new FakeCustomProperty(
      this.context,
      `${this._path}.getItemOrNullObject(${JSON.stringify(key)})`,
      () => this._sheet().properties.get(key.toLowerCase()) ?? null,
      true,
    );
  }
}

class FakeCustomProperty extends FakeClientObject {
  protected readonly _kind = 'WorksheetCustomProperty';
  constructor(
    context: FakeRequestContext,
    path: string,
    private readonly _find: () => { key: string; value: string } | null,
    nullable = false,
  ) {
    super(context, path, nullable ? () => _find() !== null : null);
  }
  protected _getters() {
    const found = () => notNull(this._find(), this._path);
    return { key: () => found().key, value: () => found().value };
  }
  get key(): string {
    return this._read('key');
  }
  get value(): string {
    return this._read('value');
  }
  delete(): void {
    this._enqueue('call', 'delete', true, () => {
      const found = notNull(this._find(), this._path);
      for (const sheet of this._model.sheets) {
        if (sheet.properties.get(found.key.toLowerCase()) !== found) continue;
        assertEditable(sheet, 'always');
        sheet.properties.delete(found.key.toLowerCase());
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Office: the common API (settings, onReady)

interface SettingsResult {
  status: 'succeeded' | 'failed';
  value: undefined;
  error?: { name: string; message: string; code: number };
}

/** -1, 0 or 1 as version `a` ("1.9") is below, equal to or above `b` ("1.10"), part by part. */
function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split('.').map((p) => Number(p));
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function createOffice(
  settingsStore: { current: Map<string, unknown>; saved: Map<string, unknown>; failNextSave: string | null },
  excelApi: string,
) {
  const info = { host: 'Excel', platform: 'OfficeOnline' };
  return {
    HostType: { Excel: 'Excel', Word: 'Word', PowerPoint: 'PowerPoint', Outlook: 'Outlook' },
    PlatformType: { OfficeOnline: 'OfficeOnline', PC: 'PC', Mac: 'Mac' },
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    onReady(callback?: (value: typeof info) => void): Promise<typeof info> {
      callback?.(info);
      return Promise.resolve(info);
    },
    context: {
      requirements: {
        /** Versions are strings ("1.12"), as Office.js takes them; 1.10 is above 1.9. */
        isSetSupported: (name: string, version = '1.1') => name === 'ExcelApi' && compareVersions(String(version), excelApi) <= 0,
      },
      document: {
        settings: {
          get: (name: string): unknown => (settingsStore.current.has(name) ? settingsStore.current.get(name) : null),
          set: (name: string, value: unknown): void => void settingsStore.current.set(name, value),
          remove: (name: string): void => void settingsStore.current.delete(name),
          saveAsync(optionsOrCallback?: unknown, maybeCallback?: (result: SettingsResult) => void): void {
            const callback = (typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback) as
              ((result: SettingsResult) => void) | undefined;
            const failure = settingsStore.failNextSave;
            settingsStore.failNextSave = null;
            setTimeout(() => {
              if (failure !== null) {
                callback?.({ status: 'failed', value: undefined, error: { name: 'Save Settings Error', message: failure, code: 5004 } });
              } else {
                settingsStore.saved = new Map(settingsStore.current);
                callback?.({ status: 'succeeded', value: undefined });
              }
            }, 0);
          },
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The factory

export type FakeExcel = ReturnType<typeof createFakeExcel>;

export function createFakeExcel(options: FakeExcelOptions = {}) {
  const model = new WorkbookModel(options.sheets ?? ['Sheet1'], options);
  const state = new FakeState(model, options);
  const settingsStore = { current: new Map<string, unknown>(), saved: new Map<string, unknown>(), failNextSave: null as string | null };

  const Excel = {
    async run<T>(batch: (context: FakeRequestContext) => Promise<T>): Promise<T> {
      const context = new FakeRequestContext(state);
      try {
        const pending = batch(context);
        if (!pending || typeof (pending as Promise<T>).then !== 'function') {
          throw new FakeOfficeError('RunMustReturnPromise', 'The batch function passed to Excel.run must return a promise.');
        }
        const result = await pending;
        if (context._queue.length > 0) await state.sync(context, true);
        return result;
      } finally {
        context._finished = true;
      }
    },
    ConditionalFormatType: { custom: 'Custom', cellValue: 'CellValue' },
    ConditionalCellValueOperator: Object.fromEntries(CELL_VALUE_OPERATORS.map((name) => [name[0]!.toLowerCase() + name.slice(1), name])),
    DataValidationOperator: Object.fromEntries(DATA_VALIDATION_OPERATORS.map((name) => [name[0]!.toLowerCase() + name.slice(1), name])),
    DataValidationAlertStyle: { stop: 'Stop', warning: 'Warning', information: 'Information' },
    DeleteShiftDirection: { up: 'Up', left: 'Left' },
    InsertShiftDirection: { down: 'Down', right: 'Right' },
    ErrorCodes: {
      invalidArgument: 'InvalidArgument',
      invalidSelection: 'InvalidSelection',
      itemNotFound: 'ItemNotFound',
      itemAlreadyExists: 'ItemAlreadyExists',
      responsePayloadSizeLimitExceeded: 'ResponsePayloadSizeLimitExceeded',
    },
  };

  const Office = createOffice(settingsStore, options.excelApi ?? '1.12');

  const sheetOrCreate = (name: string) => model.find(name) ?? model.add(name);
  const tableState = (t: TableModel): FakeTableState => ({
    name: t.name,
    sheet: t.sheet.name,
    address: a1(t.area),
    header: model.tableHeader(t),
    bodyRows: model.tableBody(t).rowCount,
    showTotals: t.showTotals,
    style: t.style,
  });

  /** Inspection and set-up helpers: they act on the model directly, outside any sync. */
  const workbook = {
    /** Puts values in cells as they are (no typing rules: "=x" stays the text "=x"). */
    setCells(sheet: string, top: number, left: number, values: FakeValue[][]): void {
      const target = sheetOrCreate(sheet);
      values.forEach((row, r) =>
        row.forEach((value, c) => {
          const cell = model.cellForWrite(target, top + r, left + c);
          cell.value = value;
          delete cell.formula;
          model.dropIfEmpty(target, top + r, left + c);
        }),
      );
    },
    /**
     * Types into cells as a person would (one text, or a block of them from the address's first
     * cell): Excel reads each as typing (see fake-excel-typing.ts), unless the cell is formatted as
     * Text. Refused, like Excel refuses a person, on a locked cell of a protected sheet and where
     * the cell's data validation says no. Outside any sync.
     */
    typeInto(sheet: string, address: string, typed: string | string[][]): void {
      const target = model.get(sheet);
      const { top, left } = parseAddress(address).areas[0]!;
      const block = typeof typed === 'string' ? [[typed]] : typed;
      block.forEach((row, r) =>
        row.forEach((text, c) => {
          const [rowIndex, column] = [top + r, left + c];
          const where = `${sheet}!${a1({ top: rowIndex, left: column, rowCount: 1, columnCount: 1 })}`;
          const cell = target.cells.get(key(rowIndex, column));
          if (target.protection && cell?.locked !== false) throw new Error(`${where} is locked: the sheet is protected.`);
          const refusal = validationRefusal(cell?.validation, text);
          if (refusal) throw new Error(`${where} refuses "${text}": ${refusal}`);
          model.enter(target, rowIndex, column, text);
        }),
      );
    },
    /** What a cell shows (as `range.text`). */
    text: (sheet: string, row: number, column: number): string =>
      model.readText({ sheet: model.get(sheet), area: { top: row, left: column, rowCount: 1, columnCount: 1 } })[0]![0]!,
    /** The number format that applies to a cell (its own, its column's, or General). */
    numberFormat: (sheet: string, row: number, column: number): string => model.formatOf(model.get(sheet), row, column),
    /** Values were written while calculation was suspended and nothing recalculated since. */
    calculationPending: (): boolean => model.calculationPending,
    cell(sheet: string, row: number, column: number): FakeCell {
      const target = model.get(sheet);
      const cell = target.cells.get(key(row, column));
      const result: FakeCell = {
        value: model.valueOf(target, row, column, cell),
        fill: cell?.fill ?? null,
        bold: cell?.bold ?? false,
        comment: target.comments.get(key(row, column))?.content ?? null,
      };
      if (cell?.formula) result.formula = cell.formula;
      const note = target.notes.get(key(row, column));
      if (note !== undefined) result.note = note;
      return result;
    },
    /** Values of a rectangle, '' for empty cells. */
    values(sheet: string, top: number, left: number, rowCount: number, columnCount: number): FakeValue[][] {
      return model.readValues({ sheet: model.get(sheet), area: { top, left, rowCount, columnCount } });
    },
    /** Makes `sheet` active with this selection: "B2:C5", or several areas "A1:A3,C1:C3". */
    select(sheet: string, address: string): void {
      const target = sheetOrCreate(sheet);
      target.selection = parseAddress(address).areas;
      model.active = target;
    },
    selection(): { sheet: string; address: string } {
      return { sheet: model.active.name, address: model.active.selection.map(a1).join(',') };
    },
    activeSheet: (): string => model.active.name,
    addSheet: (name: string): void => void model.add(name),
    sheetNames: (): string[] => model.sheets.map((s) => s.name),
    /** A comment someone else wrote. */
    addComment(sheet: string, row: number, column: number, content: string, authorName = 'A colleague'): void {
      const target = sheetOrCreate(sheet);
      if (target.comments.has(key(row, column)))
        throw new Error(`${sheet}!${a1({ top: row, left: column, rowCount: 1, columnCount: 1 })} already has a comment.`);
      model.putComment(target, { id: model.newCommentId(), row, column, content, authorName });
    },
    /** A legacy note: invisible to the comments API, and its cell refuses a comment. */
    addNote(sheet: string, row: number, column: number, text: string): void {
      sheetOrCreate(sheet).notes.set(key(row, column), text);
    },
    comments(sheet: string): Array<{ row: number; column: number; content: string; authorName: string }> {
      return [...model.get(sheet).comments.values()].map(({ row, column, content, authorName }) => ({ row, column, content, authorName }));
    },
    /** Cells with a fill, "row,column" → color. */
    fills(sheet: string): Map<string, string> {
      return new Map([...model.get(sheet).cells].filter(([, cell]) => cell.fill).map(([cellKey, cell]) => [cellKey, cell.fill!]));
    },
    setFill(sheet: string, row: number, column: number, color: string | null): void {
      const target = sheetOrCreate(sheet);
      const cell = model.cellForWrite(target, row, column);
      if (color) cell.fill = normaliseColor(color);
      else delete cell.fill;
      model.dropIfEmpty(target, row, column);
    },
    /**
     * Protects a sheet as a person would (default options: only unlocked cells take values), or
     * lifts its protection.
     */
    protect(sheet: string, locked = true, options: Partial<FakeProtectionOptions> = {}): void {
      model.get(sheet).protection = locked ? { ...DEFAULT_PROTECTION, ...options } : null;
    },
    isProtected: (sheet: string): boolean => model.get(sheet).protection !== null,
    /** The options the sheet is protected with, or null when it is not protected. */
    protectionOptions: (sheet: string): FakeProtectionOptions | null => {
      const options = model.get(sheet).protection;
      return options ? { ...options } : null;
    },
    /** False only for cells unlocked with `format.protection.locked = false`. */
    locked: (sheet: string, row: number, column: number): boolean => model.get(sheet).cells.get(key(row, column))?.locked !== false,
    /** The cell's data validation, or null. */
    validation(sheet: string, row: number, column: number): FakeValidation | null {
      const validation = model.get(sheet).cells.get(key(row, column))?.validation;
      return validation ? structuredClone(validation) : null;
    },
    /** Every cell of the sheet that has data validation, as "row,column". */
    validatedCells: (sheet: string): string[] =>
      [...model.get(sheet).cells].filter(([, cell]) => cell.validation).map(([cellKey]) => cellKey),
    /** The sheet's conditional formats, top priority first. */
    conditionalFormats: (sheet: string): FakeConditionalFormat[] =>
      model.get(sheet).conditionalFormats.map(({ type, areas, rule, fill, fontColor }) => ({
        address: areas.map(a1).join(','),
        type,
        rule: rule && { ...rule },
        fill,
        fontColor,
      })),
    frozenRows: (sheet: string): number => model.get(sheet).frozenRows,
    autofitCount: (sheet: string): number => model.get(sheet).autofitCount,
    customProperty: (sheet: string, name: string): string | null => model.get(sheet).properties.get(name.toLowerCase())?.value ?? null,
    setCustomProperty(sheet: string, name: string, value: string): void {
      sheetOrCreate(sheet).properties.set(name.toLowerCase(), { key: name, value });
    },
    /** Every value written that Excel read as a formula. */
    get formulaWrites() {
      return model.formulaWrites;
    },
    eventsEnabled: (): boolean => model.eventsEnabled,
    /** Every table, in the order they were added: name, sheet, A1 address of its whole range, header, data rows, totals row. */
    tables: (): FakeTableState[] => model.tables.map((t) => tableState(t)),
    /** One table by name (case-insensitively), or null. */
    table(name: string): FakeTableState | null {
      const table = model.findTable(name);
      return table ? tableState(table) : null;
    },
    /** Marks a table as filtered (some rows hidden), or not: Excel then neither inserts nor deletes its rows. */
    filterTable(name: string, filtered = true): void {
      const table = model.findTable(name);
      if (!table) throw new Error(`There is no table named "${name}".`);
      table.filtered = filtered;
    },
    /** Deletes a table as a person would (its cells cleared); formulas that used it show #REF!. */
    deleteTable(name: string): void {
      const table = model.findTable(name);
      if (!table) throw new Error(`There is no table named "${name}".`);
      model.dropTable(table, true);
    },
    /** A setting as last saved with saveAsync (what the workbook file would keep). */
    savedSetting: (name: string): unknown => (settingsStore.saved.has(name) ? settingsStore.saved.get(name) : null),
    /** The next settings.saveAsync fails with this message. */
    failNextSettingsSave(message: string): void {
      settingsStore.failNextSave = message;
    },
  };

  return {
    Excel,
    Office,
    workbook,
    /** One record per sync, in order. */
    syncs: state.syncs,
    /** Properties read without being loaded (each also threw PropertyNotLoaded). */
    notLoadedReads: state.notLoadedReads,
    /** Sets `Excel` and `Office` on `target` (default globalThis); returns a function that undoes it. */
    install(target: object = globalThis): () => void {
      const slots = target as { Excel?: unknown; Office?: unknown };
      const previous = { Excel: slots.Excel, Office: slots.Office };
      slots.Excel = Excel;
      slots.Office = Office;
      return () => {
        slots.Excel = previous.Excel;
        slots.Office = previous.Office;
      };
    },
  };
}
