// A workbook held in memory that offers the pane's workbook interfaces (addin/excel/port.ts) without
// Office.js, so a panel's logic can be tested as plain TypeScript. It keeps what a person would see:
// cell values, problem marks (one per cell, messages joined), the selected cell, sheet properties
// and settings. Chunking, comments and fills are office-workbook's business and its tests'.

import { cellAddress, parseRangeAddress } from '../../addin/excel/addresses.ts';
import type {
  CellMark,
  CellRef,
  CellValue,
  ColumnFormats,
  EntryLayout,
  Progress,
  SelectionValues,
  WorkbookPort,
} from '../../addin/excel/port.ts';

interface MemorySheet {
  cells: Map<string, CellValue>;
  /** Problem messages by A1 address. */
  marks: Map<string, string>;
  properties: Map<string, string>;
  layout: EntryLayout | null;
  /** The column formats writeTable gave the sheet. */
  formats: ColumnFormats;
}

/** What a cell shows: its text, its number's digits, TRUE or FALSE (no number formats here). */
const shown = (value: CellValue): string => (typeof value === 'boolean' ? (value ? 'TRUE' : 'FALSE') : String(value));

const key = (row: number, column: number) => `${row},${column}`;

export class MemoryWorkbook implements WorkbookPort {
  private readonly sheets = new Map<string, MemorySheet>();
  private readonly settings = new Map<string, string>();
  private selection: { sheet: string; address: string } = { sheet: 'Sheet1', address: 'A1' };
  /** The cell selectCell selected last. */
  selected: CellRef | null = null;

  constructor(sheetNames: string[] = ['Sheet1']) {
    for (const name of sheetNames) this.addSheet(name);
  }

  // What a test does as the person at the keyboard.

  /** Types values into a sheet (created when missing) from a 0-based position. */
  setCells(sheet: string, top: number, left: number, values: CellValue[][]): void {
    const cells = (this.sheets.get(sheet) ?? this.addSheet(sheet)).cells;
    values.forEach((row, r) =>
      row.forEach((value, c) => {
        if (value === '') cells.delete(key(top + r, left + c));
        else cells.set(key(top + r, left + c), value);
      }),
    );
  }

  /** Selects a range, e.g. select('Receipts', 'B2:B9'). */
  select(sheet: string, address: string): void {
    this.sheetNamed(sheet);
    this.selection = { sheet, address };
  }

  // What a test looks at.

  /** The sheet's problem marks: A1 address → message. */
  marks(sheet: string): Record<string, string> {
    return Object.fromEntries(this.sheetNamed(sheet).marks);
  }

  values(sheet: string, top: number, left: number, rowCount: number, columnCount: number): CellValue[][] {
    const { cells } = this.sheetNamed(sheet);
    return Array.from({ length: rowCount }, (_, r) =>
      Array.from({ length: columnCount }, (_, c) => cells.get(key(top + r, left + c)) ?? ''),
    );
  }

  layout(sheet: string): EntryLayout | null {
    return this.sheetNamed(sheet).layout;
  }

  columnFormats(sheet: string): ColumnFormats {
    return this.sheetNamed(sheet).formats;
  }

  // The port.

  async readSelection(onProgress?: Progress): Promise<SelectionValues> {
    const { sheet, address } = this.selection;
    const area = parseRangeAddress(address);
    const values = this.values(sheet, area.top, area.left, area.rowCount, area.columnCount);
    onProgress?.(values.length, values.length);
    return { sheet, address, top: area.top, left: area.left, values, text: values.map((row) => row.map(shown)) };
  }

  async readSheet(sheet: string, onProgress?: Progress): Promise<SelectionValues> {
    const { cells } = this.sheetNamed(sheet);
    let rows = 0;
    let columns = 0;
    for (const at of cells.keys()) {
      const [row, column] = at.split(',').map(Number) as [number, number];
      rows = Math.max(rows, row + 1);
      columns = Math.max(columns, column + 1);
    }
    const values = rows === 0 ? [] : this.values(sheet, 0, 0, rows, columns);
    onProgress?.(values.length, values.length);
    const address = rows === 0 ? 'A1' : `A1:${cellAddress(rows - 1, columns - 1)}`;
    return { sheet, address, top: 0, left: 0, values, text: values.map((row) => row.map(shown)) };
  }

  async writeTable(
    sheetName: string,
    header: string[],
    rows: CellValue[][],
    onProgress?: Progress,
    formats: ColumnFormats = {},
  ): Promise<void> {
    const sheet = this.sheets.get(sheetName) ?? this.addSheet(sheetName);
    sheet.cells.clear();
    sheet.layout = null;
    sheet.formats = formats;
    this.setCells(sheetName, 0, 0, [header, ...rows]);
    onProgress?.(rows.length, rows.length);
  }

  async writeCells(sheet: string, top: number, left: number, values: CellValue[][], onProgress?: Progress): Promise<void> {
    this.sheetNamed(sheet);
    this.setCells(sheet, top, left, values);
    onProgress?.(values.length, values.length);
  }

  async markProblems(sheet: string, marks: CellMark[], onProgress?: Progress): Promise<void> {
    const target = this.sheetNamed(sheet).marks;
    target.clear();
    for (const mark of marks) {
      const at = cellAddress(mark.row, mark.column);
      const earlier = target.get(at);
      target.set(at, earlier ? `${earlier}; ${mark.message}` : mark.message);
    }
    onProgress?.(marks.length, marks.length);
  }

  async clearProblems(sheet: string): Promise<void> {
    this.sheetNamed(sheet).marks.clear();
  }

  async selectCell(cell: CellRef): Promise<void> {
    this.sheetNamed(cell.sheet);
    this.selected = cell;
  }

  async formatEntrySheet(sheet: string, layout: EntryLayout): Promise<void> {
    this.sheetNamed(sheet).layout = layout;
  }

  async sheetsWithProperty(propertyKey: string): Promise<{ sheet: string; value: string }[]> {
    return [...this.sheets].flatMap(([sheet, { properties }]) => {
      const value = properties.get(propertyKey);
      return value === undefined ? [] : [{ sheet, value }];
    });
  }

  async getSheetProperty(sheet: string, propertyKey: string): Promise<string | null> {
    return this.sheets.get(sheet)?.properties.get(propertyKey) ?? null;
  }

  async setSheetProperty(sheet: string, propertyKey: string, value: string): Promise<void> {
    this.sheetNamed(sheet).properties.set(propertyKey, value);
  }

  getWorkbookSetting(settingKey: string): string | null {
    return this.settings.get(settingKey) ?? null;
  }

  async setWorkbookSetting(settingKey: string, value: string): Promise<void> {
    this.settings.set(settingKey, value);
  }

  private addSheet(name: string): MemorySheet {
    const sheet: MemorySheet = { cells: new Map(), marks: new Map(), properties: new Map(), layout: null, formats: {} };
    this.sheets.set(name, sheet);
    return sheet;
  }

  /** The sheet, or the error Excel gives for a missing one. */
  private sheetNamed(name: string): MemorySheet {
    const sheet = this.sheets.get(name);
    if (!sheet) throw new Error(`There is no sheet named "${name}" in this workbook.`);
    return sheet;
  }
}
