// The count sheet as an .xlsx file, for teams counting without the add-in: the same layout
// (server/domain/count-sheet.ts) written with ExcelJS, and read back from an uploaded workbook.
// Which stocktake and sheet each worksheet is lives in a hidden worksheet, `_stocksheet`: plain
// cells survive LibreOffice and Excel round trips (ExcelJS cannot write custom properties).
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Db } from '../../db/types.ts';
import {
  COUNT_COLUMNS,
  EDITABLE_COLUMNS,
  FOUND_MARK,
  STATUS_COLUMN,
  countSheetRows,
  worksheetName,
  type CountSheetLine,
  type SheetCell,
} from '../../domain/count-sheet.ts';
import { DomainError, found } from '../../domain/errors.ts';
import { openXlsxUpload, UPLOAD_LIMITS, type UploadLimits, type XlsxUpload } from '../../uploads/guard.ts';
import { countSheets } from './sheet.ts';

export const META_SHEET = '_stocksheet';
const META_TITLE = 'Stocksheet count sheet';
const META_VERSION = 1;
/** Rows of the hidden sheet: title and version, stocktake id, then a header and one row per worksheet. */
const META_STOCKTAKE_ROW = 2;
const META_FIRST_SHEET_ROW = 4;

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const HEADER = [...COUNT_COLUMNS, STATUS_COLUMN] as const;
type Column = (typeof HEADER)[number];
const WIDTHS: Record<Column, number> = {
  SKU: 18,
  Product: 32,
  Bay: 14,
  Batch: 16,
  Expiry: 12,
  Serial: 22,
  Expected: 10,
  Counted: 10,
  Found: 8,
  'Product ID': 11,
  'Bay ID': 8,
  Status: 40,
};
/** Typed serials and batches stay text: 00123 keeps its zeros, 1E5 is not a number. */
const TEXT_COLUMNS: readonly Column[] = ['Batch', 'Serial'];
const columnNumber = (name: Column) => HEADER.indexOf(name) + 1;
const columnLetter = (name: Column) => String.fromCharCode(64 + columnNumber(name));

/**
 * The count sheet of a stocktake as an .xlsx workbook: one worksheet per sheet key (named after its
 * bay, or the location for stock in no bay), laid out by countSheetRows, key columns locked, and a
 * hidden `_stocksheet` worksheet telling the upload which stocktake and sheet key each one is.
 */
export async function countSheetWorkbook(db: Db, stocktakeId: number, showExpected: boolean): Promise<Buffer> {
  const stocktake = found(
    await db.stocktake.findUnique({ where: { id: stocktakeId }, select: { id: true, location: { select: { name: true } } } }),
    'Stocktake',
    stocktakeId,
  );
  const { sheets, blind } = await countSheets(db, stocktakeId, showExpected);
  return buildCountSheetWorkbook({ stocktakeId, locationName: stocktake.location.name, blind, sheets });
}

/** The workbook itself, from the sheets countSheets lists (no database). */
export async function buildCountSheetWorkbook(input: {
  stocktakeId: number;
  locationName: string;
  blind: boolean;
  sheets: { sheetKey: string; bayName: string | null; lines: CountSheetLine[] }[];
}): Promise<Buffer> {
  const { stocktakeId, locationName, blind, sheets } = input;
  // The streaming writer: rows go out as they are added (a 50,000-line count in seconds and little
  // memory; the in-memory workbook took minutes and gigabytes for that).
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: true });
  workbook.creator = 'Stocksheet';
  workbook.lastModifiedBy = 'Stocksheet';
  workbook.title = `Stocktake #${stocktakeId} count sheet`;
  workbook.subject = `${locationName}${blind ? ' (blind count)' : ''}`;

  const taken = new Set([META_SHEET.toLowerCase()]);
  const laidOut: { sheetName: string; sheetKey: string }[] = [];
  // A stocktake with nothing expected still gets one sheet, so the file opens and shows the layout.
  const list = sheets.length > 0 ? sheets : [{ sheetKey: 'location', bayName: null, lines: [] }];
  for (const sheet of list) {
    const sheetName = worksheetName(sheet.bayName ?? locationName, taken);
    await addCountWorksheet(workbook, sheetName, countSheetRows(sheet.lines));
    laidOut.push({ sheetName, sheetKey: sheet.sheetKey });
  }

  const meta = workbook.addWorksheet(META_SHEET, { state: 'hidden' });
  protectionAfterSheetData(meta);
  meta.columns = [{ width: 32, style: { numFmt: '@' } }, { width: 16, style: { numFmt: '@' } }, { width: 60 }];
  meta.addRow([META_TITLE, META_VERSION, 'Read by the upload: do not edit or rename the worksheets.']);
  meta.addRow(['Stocktake', stocktakeId]);
  meta.addRow(['Sheet name', 'Sheet key']);
  for (const { sheetName, sheetKey } of laidOut) meta.addRow([sheetName, sheetKey]);
  await meta.protect('', { selectLockedCells: true, selectUnlockedCells: true });
  meta.commit();

  await workbook.commit();
  return Buffer.concat(chunks);
}

async function addCountWorksheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, name: string, rows: SheetCell[][]) {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1, activeCell: `${columnLetter('Counted')}2` }] });
  protectionAfterSheetData(sheet);
  // Column styles reach every cell of the column, typed ones too: editable columns are unlocked.
  sheet.columns = HEADER.map((column) => {
    const editable = (EDITABLE_COLUMNS as readonly string[]).includes(column);
    const style: Partial<ExcelJS.Style> = { protection: { locked: !editable } };
    if (TEXT_COLUMNS.includes(column)) style.numFmt = '@';
    return { key: column, width: WIDTHS[column], style };
  });
  const header = sheet.addRow([...HEADER]);
  header.eachCell((cell) => {
    cell.style = {
      font: { bold: true },
      fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } },
      protection: { locked: true },
    };
  });
  header.commit();
  for (const row of rows) sheet.addRow(row.map((value) => (value === '' ? null : value))).commit();

  const last = rows.length + 1;
  if (rows.length > 0) {
    // One rule per column range (ExcelJS's per-cell `cell.dataValidation` costs a rule per cell).
    const validations = (sheet as unknown as { dataValidations: { add(range: string, rule: ExcelJS.DataValidation): void } })
      .dataValidations;
    validations.add(`${columnLetter('Counted')}2:${columnLetter('Counted')}${last}`, {
      type: 'decimal',
      operator: 'greaterThanOrEqual',
      formulae: [0],
      allowBlank: true,
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: 'Counted',
      error: 'Enter the quantity counted: a number, 0 or more.',
    });
    validations.add(`${columnLetter('Found')}2:${columnLetter('Found')}${last}`, {
      type: 'list',
      formulae: [`"${FOUND_MARK}"`],
      allowBlank: true,
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: 'Found',
      error: `Type ${FOUND_MARK} when the serial is on the shelf; leave it empty when it is not.`,
    });
  }
  // No password: a counter who needs to can unprotect the sheet (Review > Unprotect Sheet).
  await sheet.protect('', {
    selectLockedCells: true,
    selectUnlockedCells: true,
    formatColumns: true,
    formatRows: true,
    sort: false,
    autoFilter: false,
  });
  sheet.commit();
}

/**
 * ExcelJS 4.4's streaming writer puts <sheetProtection> after <dataValidations>; the schema wants
 * it straight after <sheetData>, and Excel offers to "repair" a file with it anywhere else.
 */
function protectionAfterSheetData(sheet: ExcelJS.Worksheet) {
  const writer = sheet as unknown as { _writeCloseSheetData?: () => void; _writeSheetProtection?: () => void };
  const closeSheetData = writer._writeCloseSheetData?.bind(writer);
  const writeProtection = writer._writeSheetProtection?.bind(writer);
  if (!closeSheetData || !writeProtection)
    throw new Error('ExcelJS changed its worksheet writer: check the order of <sheetProtection> in xlsx.ts');
  writer._writeCloseSheetData = () => {
    closeSheetData();
    writeProtection();
  };
  writer._writeSheetProtection = () => undefined;
}

export interface UploadedSheet {
  sheetKey: string;
  sheetName: string;
  /** The worksheet's cells, header first; row r of the worksheet is values[r - 1]. */
  values: SheetCell[][];
}

export interface UploadedWorkbook {
  stocktakeId: number;
  sheets: UploadedSheet[];
  /** Visible worksheets the hidden sheet does not name (added or renamed): not read. */
  ignoredWorksheets: string[];
}

/**
 * Reads an uploaded count sheet workbook: which stocktake it is, and each count worksheet's cells.
 * Through the upload guard (server/uploads/guard.ts): its limits hold whatever the file claims.
 */
export async function readCountSheetWorkbook(upload: Buffer | XlsxUpload, limits: UploadLimits = UPLOAD_LIMITS): Promise<UploadedWorkbook> {
  const workbook = Buffer.isBuffer(upload) ? await openXlsxUpload(upload, limits) : upload;
  const notOurs = `This workbook is not a Stocksheet count sheet (its hidden "${META_SHEET}" worksheet is missing or changed): download one from GET /stocktakes/<id>/count-sheet.xlsx and fill that in.`;
  if (!workbook.worksheets.some((ws) => ws.name === META_SHEET)) throw new DomainError('INVALID_INPUT', notOurs);
  const meta = await workbook.values(META_SHEET);
  const metaCell = (row: number, column: number) => text(meta[row - 1]?.[column - 1]);
  if (metaCell(1, 1) !== META_TITLE) throw new DomainError('INVALID_INPUT', notOurs);
  const stocktakeId = Number(metaCell(META_STOCKTAKE_ROW, 2));
  if (!Number.isSafeInteger(stocktakeId) || stocktakeId <= 0) throw new DomainError('INVALID_INPUT', notOurs);

  const keys = new Map<string, string>();
  for (let r = META_FIRST_SHEET_ROW; r <= meta.length; r++) {
    const sheetName = metaCell(r, 1);
    const sheetKey = metaCell(r, 2);
    if (sheetName && sheetKey) keys.set(sheetName, sheetKey);
  }
  const sheets: UploadedSheet[] = [];
  const ignoredWorksheets: string[] = [];
  for (const worksheet of workbook.worksheets) {
    if (worksheet.name === META_SHEET) continue;
    const sheetKey = keys.get(worksheet.name);
    if (sheetKey === undefined) {
      if (worksheet.state === 'visible') ignoredWorksheets.push(worksheet.name);
      continue;
    }
    sheets.push({ sheetKey, sheetName: worksheet.name, values: await workbook.values(worksheet.name) });
  }
  return { stocktakeId, sheets, ignoredWorksheets };
}

const text = (value: SheetCell | undefined) => (value === undefined ? '' : typeof value === 'string' ? value.trim() : String(value));
