/**
 * What the task pane needs from a workbook, as a few small interfaces: each panel takes only the
 * ones it uses. `office-workbook.ts` implements them all with Office.js; the rest of the add-in only
 * sees these interfaces, so it is ordinary TypeScript, testable without Excel.
 */

/** What a cell can hold, as Office.js reports `values`. */
export type CellValue = string | number | boolean;

/** A cell by sheet name and 0-based row and column indexes in that sheet. */
export interface CellRef {
  sheet: string;
  row: number;
  column: number;
}

/** The selected range's values, read in chunks. */
export interface SelectionValues {
  sheet: string;
  /** A1 address without the sheet, e.g. "B2:D700". */
  address: string;
  /** 0-based index of the range's first row and column in the sheet. */
  top: number;
  left: number;
  values: CellValue[][];
  /**
   * What each cell shows (Excel's `text`: the value in the cell's number format), row for row with
   * `values`. A serial Excel turned into a number or a date is told apart by it (sheet-cells.ts).
   */
  text: string[][];
}

/**
 * How a column the add-in lays out takes what people type: 'text' keeps it exactly as typed (Excel's
 * Text format, "@": 00123 stays 00123, 1-2 is not a date); 'date' shows dates as yyyy-mm-dd.
 */
export type ColumnFormat = 'text' | 'date';
/** Column formats by header name; other columns are General. */
export type ColumnFormats = Readonly<Record<string, ColumnFormat>>;

/** A problem to show on a cell: highlighted, with the reason attached to the cell. */
export interface CellMark {
  row: number;
  column: number;
  message: string;
}

/** Called as chunked work advances: `done` of `total` units (cells or rows). */
export type Progress = (done: number, total: number) => void;

export interface SelectionReader {
  /** Values of the current selection (one area) and what its cells show, read in chunks that stay under the request limit. */
  readSelection(onProgress?: Progress): Promise<SelectionValues>;
}

export interface SheetReader {
  /** Values of a worksheet's used range (from A1) and what its cells show, read in chunks like the selection. */
  readSheet(sheet: string, onProgress?: Progress): Promise<SelectionValues>;
}

export interface SheetWriter {
  /**
   * Writes a header and rows to a worksheet (created when missing, cleared when present), in chunks,
   * values as data: text that Excel would read as a formula stays text. Then gives the columns
   * named in `formats` their format on every row, so what people type or paste later is kept.
   */
  writeTable(sheetName: string, header: string[], rows: CellValue[][], onProgress?: Progress, formats?: ColumnFormats): Promise<void>;
  /** Writes a block of values at a 0-based position, in chunks, values as data (like writeTable). */
  writeCells(sheet: string, top: number, left: number, values: CellValue[][], onProgress?: Progress): Promise<void>;
}

export interface ProblemMarker {
  /**
   * Highlights cells and attaches each message to its cell. Marks this add-in left earlier on the
   * sheet are cleared first, so a re-check shows only current problems.
   */
  markProblems(sheet: string, marks: CellMark[], onProgress?: Progress): Promise<void>;
  /** Removes this add-in's marks from the sheet. */
  clearProblems(sheet: string): Promise<void>;
  /** Selects (and scrolls to) one cell, e.g. the cell of a problem a person clicked. */
  selectCell(cell: CellRef): Promise<void>;
}

export interface EntrySheets {
  /**
   * Makes a written table a form to fill in: every cell locked but the editable columns' data rows,
   * each with its data validation, the sheet protected (no password: a person may unprotect it),
   * and the status column coloured by condition (green for "OK", red for anything else).
   */
  formatEntrySheet(sheet: string, layout: EntryLayout): Promise<void>;
}

/** Worksheet custom properties: metadata stored with a sheet (e.g. which document it belongs to). */
export interface SheetProperties {
  /** The worksheets that carry a custom property, with its value (e.g. every count sheet of a stocktake). */
  sheetsWithProperty(key: string): Promise<{ sheet: string; value: string }[]>;
  getSheetProperty(sheet: string, key: string): Promise<string | null>;
  setSheetProperty(sheet: string, key: string, value: string): Promise<void>;
}

/** Settings saved in the workbook itself (e.g. the server URL this workbook uses). */
export interface WorkbookSettings {
  getWorkbookSetting(key: string): string | null;
  setWorkbookSetting(key: string, value: string): Promise<void>;
}

/** Everything at once: what a real workbook offers and the pane hands to its panels. */
export type WorkbookPort = SelectionReader & SheetReader & SheetWriter & ProblemMarker & EntrySheets & SheetProperties & WorkbookSettings;

/** Data validation for an editable column. */
export type EntryValidation = { kind: 'decimal'; min: number } | { kind: 'list'; values: string[] };

export interface EntryLayout {
  /** Data rows under the header row (row 0). */
  rowCount: number;
  editable: { column: number; validation?: EntryValidation }[];
  statusColumn?: number;
}
