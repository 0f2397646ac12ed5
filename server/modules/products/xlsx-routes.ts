// The products sheet as an .xlsx file, for people without the add-in:
//   GET  /products.xlsx           every product, laid out as the add-in's "Export products to sheet" (any role;
//                                 the Unit cost column only for roles that may see costs)
//   POST /products.xlsx           the edited workbook as the body: answers what importing it would do, with
//                                 every problem at its sheet row and column (products.previewImport); nothing changes
//   POST /products.xlsx?apply=1   imports it (products.import), all rows or none; the same file sent again applies once
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { createHttpContext, type AuthUser } from '../../context.ts';
import type { Database } from '../../db/database.ts';
import { DomainError, type Reason } from '../../domain/errors.ts';
import type { ImportProblem } from '../../domain/product-import.ts';
import {
  PRODUCT_COLUMN_NAMES,
  PRODUCT_TEXT_COLUMNS,
  productSheetHeader,
  productSheetRows,
  readProductSheet,
  type ReadProductSheet,
} from '../../domain/product-sheet.ts';
import { assertMayWrite } from '../../domain/roles.ts';
import { HttpRefusal, sendJson } from '../../http/respond.ts';
import { requireUser } from '../../trpc.ts';
import { receiveXlsxUpload, type XlsxUpload } from '../../uploads/guard.ts';
import { exportProducts } from './export.ts';
import { importProducts, previewImport } from './import.ts';
import { MAX_IMPORT_ROWS } from './inputs.ts';

export const PRODUCTS_XLSX_PATH = '/products.xlsx';
export const PRODUCTS_WORKSHEET = 'Products';
const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A problem on the uploaded sheet: its row number as the spreadsheet shows it (1 is the header), its column's header and cell. */
export interface ProductSheetProblem {
  row: number;
  column: string;
  cell: string;
  reason: Reason;
  message: string;
}

/** Handles the products sheet routes; false when the path is not one of them. */
export async function productsXlsxRoute(db: Database, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (url.pathname !== PRODUCTS_XLSX_PATH) return false;
  if (req.method !== 'GET' && req.method !== 'POST') {
    const message = `${req.method} is not supported here: GET downloads the products sheet, POST uploads an edited one (?apply=1 to import it).`;
    throw new HttpRefusal(405, 'INVALID_INPUT', message, { allow: 'GET, POST' });
  }
  const user = requireUser((await createHttpContext(db, req)).user);
  if (req.method === 'GET') await download(db, user, res);
  else await upload(db, user, req, res, url);
  return true;
}

async function download(db: Database, user: AuthUser, res: ServerResponse) {
  const { withCost, products, truncated } = await exportProducts(db.prisma, user.role);
  if (truncated) {
    throw new DomainError('INVALID_INPUT', 'There are more products than one sheet holds here; export them from the add-in in parts.');
  }
  const body = await productsWorkbook(productSheetHeader({ withCost }), productSheetRows(products, { withCost }));
  res.writeHead(200, {
    'content-type': XLSX_CONTENT_TYPE,
    'content-disposition': `attachment; filename="products-${new Date().toISOString().slice(0, 10)}.xlsx"`,
    'content-length': String(body.length),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** The workbook: one worksheet of products, header bold and frozen, text columns formatted Text so codes keep their zeros. */
export async function productsWorkbook(header: string[], rows: (string | number | boolean)[][]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: true });
  workbook.creator = 'Stocksheet';
  workbook.title = 'Stocksheet products';
  const sheet = workbook.addWorksheet(PRODUCTS_WORKSHEET, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = header.map((name) => ({
    key: name,
    width: name === 'Name' ? 32 : Math.max(12, name.length + 2),
    style: PRODUCT_TEXT_COLUMNS.includes(name) ? { numFmt: '@' } : {},
  }));
  const head = sheet.addRow(header);
  head.font = { bold: true };
  head.commit();
  for (const row of rows) sheet.addRow(row.map((value) => (value === '' ? null : value))).commit();
  sheet.commit();
  await workbook.commit();
  return Buffer.concat(chunks);
}

async function upload(db: Database, user: AuthUser, req: IncomingMessage, res: ServerResponse, url: URL) {
  // Refused before the body is read, with the refusal products.import would give.
  assertMayWrite(user.role, 'products.edit');
  const apply = ['1', 'true', 'yes'].includes(url.searchParams.get('apply') ?? '');
  const { bytes, workbook } = await receiveXlsxUpload(req);
  const sheetName = productsWorksheet(workbook);
  const values = await workbook.values(sheetName);
  const read = readProductSheet(values);
  if ('error' in read) throw new DomainError('INVALID_INPUT', `${sheetName}: ${read.error}`);
  if (read.rows.length > MAX_IMPORT_ROWS) {
    throw new DomainError(
      'INVALID_INPUT',
      `${sheetName} has ${read.rows.length.toLocaleString('en-US')} product rows; upload at most ${MAX_IMPORT_ROWS.toLocaleString('en-US')} at once (split the sheet).`,
    );
  }
  const header = values[0] ?? [];
  const at = (problems: ImportProblem[]) => problems.map((p) => sheetProblem(read, header, p)).sort((a, b) => a.row - b.row);

  if (!apply || read.problems.length > 0) {
    const preview = await previewImport(db.prisma, read.rows);
    const problems = at([...read.problems, ...preview.problems]);
    return sendJson(res, 200, {
      applied: false,
      sheet: sheetName,
      rows: preview.rows,
      creates: preview.creates,
      updates: preview.updates,
      unchanged: preview.unchanged,
      problems,
      ...(apply ? { note: 'Nothing was imported: fix the cells listed and upload the file again.' } : {}),
    });
  }
  try {
    const result = await importProducts(db.prisma, read.rows, uploadKey(bytes), user.id);
    return sendJson(res, 200, {
      applied: true,
      sheet: sheetName,
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      changes: result.changes.map((c) => ({
        ...c,
        row: read.sources[c.row]! + 1,
        ...('changed' in c ? { changed: c.changed.map((f) => PRODUCT_COLUMN_NAMES[f]) } : {}),
      })),
    });
  } catch (error) {
    if (!(error instanceof DomainError) || !error.problems) throw error;
    const problems = error.problems.map((p) => ({
      row: p.index ?? 0,
      column: p.field as ImportProblem['column'],
      reason: p.reason,
      message: p.message,
      ...(p.firstIndex !== undefined ? { firstRow: p.firstIndex } : {}),
    }));
    return sendJson(res, 200, {
      applied: false,
      sheet: sheetName,
      problems: at(problems),
      note: 'Nothing was imported: fix the cells listed and upload the file again.',
    });
  }
}

/** The worksheet named Products, else the first visible one. */
function productsWorksheet(workbook: XlsxUpload): string {
  const named = workbook.worksheets.find((w) => w.name.toLowerCase() === PRODUCTS_WORKSHEET.toLowerCase());
  const sheet = named ?? workbook.worksheets.find((w) => w.state === 'visible');
  if (!sheet) throw new DomainError('INVALID_INPUT', 'The workbook has no worksheet to read: upload the products sheet as downloaded.');
  return sheet.name;
}

function sheetProblem(read: ReadProductSheet, header: unknown[], p: ImportProblem): ProductSheetProblem {
  const row = (read.sources[p.row] ?? 0) + 1;
  const name = PRODUCT_COLUMN_NAMES[p.column];
  const index = header.findIndex(
    (h) =>
      String(h ?? '')
        .trim()
        .toLowerCase() === name.toLowerCase(),
  );
  const first = p.firstRow !== undefined ? ` First on row ${(read.sources[p.firstRow] ?? 0) + 1}.` : '';
  return { row, column: name, cell: `${index >= 0 ? columnLetters(index) : ''}${row}`, reason: p.reason, message: `${p.message}${first}` };
}

function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** Same bytes, same import: a retried upload applies once (and answers as the first time). */
function uploadKey(bytes: Buffer): string {
  return `products-xlsx-${createHash('sha256').update(bytes).digest('hex')}`;
}
