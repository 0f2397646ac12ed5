// A workbook held in memory that offers the pane's workbook interfaces (addin/excel/port.ts) without
// Office.js, so a panel's logic can be tested as plain TypeScript. It keeps what a person would see:
// cell values, problem marks (one per cell, messages joined), the selected cell, sheet properties
// and settings. Chunking, comments and fills are office-workbook's business and its tests'.

import { cellAddress, parseRangeAddress } from '../../addin/excel/addresses.ts';
import {
  CancelledError,
  type CellMark,
  type CellRef,
  type CellValue,
  type ColumnFormats,
  type DateSystem,
  type EntryLayout,
  type NewTable,
  type Progress,
  type SelectionValues,
  type TableColumnSpec,
  type TableInfo,
  type TableWriteOptions,
  type WorkbookPort,
} from '../../addin/excel/port.ts';
import { headerProblem, planTableRows } from '../../addin/excel/table-plan.ts';

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

/** A table as the memory workbook keeps it: where it is and how many data rows it has. */
interface MemoryTable {
  id: string;
  name: string;
  sheet: string;
  top: number;
  left: number;
  header: string[];
  bodyRows: number;
  showTotals: boolean;
  numberFormats: string[];
}

export class MemoryWorkbook implements WorkbookPort {
  private readonly sheets = new Map<string, MemorySheet>();
  private readonly settings = new Map<string, string>();
  private readonly tables = new Map<string, MemoryTable>();
  /** The workbook's date system (a test may set 1904). */
  dates: DateSystem = '1900';
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

  /** A table by name (case-insensitively): where it is, its header, data rows and column formats. */
  table(name: string): Readonly<MemoryTable> | null {
    return this.findTable(name);
  }

  sheetNames(): string[] {
    return [...this.sheets.keys()];
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

  async dateSystem(): Promise<DateSystem> {
    return this.dates;
  }

  async workbookNames(): Promise<{ sheets: string[]; tables: string[] }> {
    return { sheets: this.sheetNames(), tables: [...this.tables.values()].map((t) => t.name) };
  }

  async createTable(spec: NewTable, rows: CellValue[][], options: TableWriteOptions = {}): Promise<TableInfo> {
    if ([...this.sheets.keys()].some((s) => s.toLowerCase() === spec.sheet.toLowerCase()))
      throw new Error(`A worksheet named "${spec.sheet}" already exists.`);
    if (this.findTable(spec.name)) throw new Error(`A table named "${spec.name}" already exists.`);
    if (options.signal?.aborted) throw new CancelledError();
    this.addSheet(spec.sheet);
    this.setCells(spec.sheet, 0, 0, spec.caption);
    const top = spec.caption.length === 0 ? 0 : spec.caption.length + 1;
    this.setCells(spec.sheet, top, 0, [spec.columns.map((c) => c.name), ...rows]);
    const table: MemoryTable = {
      id: `{memory-${this.tables.size + 1}}`,
      name: spec.name,
      sheet: spec.sheet,
      top,
      left: 0,
      header: spec.columns.map((c) => c.name),
      bodyRows: Math.max(1, rows.length),
      showTotals: spec.columns.some((c) => c.total === 'sum'),
      numberFormats: spec.columns.map((c) => c.numberFormat),
    };
    this.tables.set(table.id, table);
    options.onProgress?.(rows.length, rows.length);
    return this.info(table);
  }

  async readTable(nameOrId: string): Promise<TableInfo | null> {
    const table = this.findTable(nameOrId);
    return table ? this.info(table) : null;
  }

  async replaceTableRows(
    nameOrId: string,
    columns: TableColumnSpec[],
    rows: CellValue[][],
    options: TableWriteOptions = {},
  ): Promise<TableInfo> {
    const table = this.findTable(nameOrId);
    if (!table) throw new Error(`There is no table ${nameOrId} in this workbook.`);
    const problem = headerProblem(table.name, table.header, columns);
    if (problem) throw new Error(problem);
    if (options.signal?.aborted) throw new CancelledError();
    const plan = planTableRows(table.bodyRows, rows.length);
    const width = columns.length;
    // Clear the old rows (and totals), write the new ones.
    const blank = Array.from({ length: table.bodyRows + 1 }, () => Array.from({ length: width }, () => ''));
    this.setCells(table.sheet, table.top + 1, table.left, blank);
    this.setCells(table.sheet, table.top + 1, table.left, rows.length > 0 ? rows : [Array.from({ length: width }, () => '')]);
    table.bodyRows = plan.rows;
    table.numberFormats = columns.map((c) => c.numberFormat);
    options.onProgress?.(rows.length, rows.length);
    return this.info(table);
  }

  async writeCaption(sheet: string, caption: CellValue[][]): Promise<void> {
    this.sheetNamed(sheet);
    this.setCells(sheet, 0, 0, caption);
  }

  async deleteSheet(sheet: string): Promise<void> {
    this.sheets.delete(sheet);
    for (const [id, table] of this.tables) if (table.sheet === sheet) this.tables.delete(id);
  }

  private findTable(nameOrId: string): MemoryTable | null {
    return [...this.tables.values()].find((t) => t.id === nameOrId || t.name.toLowerCase() === nameOrId.toLowerCase()) ?? null;
  }

  private info(table: MemoryTable): TableInfo {
    const { name, id, sheet, top, left, header, bodyRows, showTotals } = table;
    return { name, id, sheet, top, left, header: [...header], bodyRows, showTotals, filtered: false };
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
