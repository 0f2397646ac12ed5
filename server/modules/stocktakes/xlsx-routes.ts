// Plain HTTP routes for counting without the add-in:
//   GET  /stocktakes/:id/count-sheet.xlsx  the count sheet as an .xlsx workbook (any role; blind mode honoured)
//   POST /stocktakes/:id/count-sheet.xlsx  the filled workbook as the body; each count worksheet is
//        submitted as its sheet's counts (stocktakes.submitCounts), answered row by row.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { createHttpContext, type AuthUser, type Context } from '../../context.ts';
import type { Database } from '../../db/database.ts';
import { readCountSheet } from '../../domain/count-sheet.ts';
import { DomainError, found, type Reason } from '../../domain/errors.ts';
import { HttpRefusal, sendJson } from '../../http/respond.ts';
import { createCaller } from '../../router.ts';
import { requireUser } from '../../trpc.ts';
import { receiveXlsxUpload } from '../../uploads/guard.ts';
import { countSheetWorkbookFor } from './service.ts';
import { XLSX_CONTENT_TYPE, readCountSheetWorkbook, type UploadedSheet } from './xlsx.ts';
import { assertMayWrite } from '../../domain/roles.ts';

export const COUNT_SHEET_PATH = /^\/stocktakes\/([^/]+)\/count-sheet\.xlsx$/;

/**
 * A cell holding a number the database cannot store (an id past int4, a quantity past numeric(18,4)):
 * the reason tRPC inputs give the same number.
 */
export const NUMBER_TOO_LARGE = 'NUMBER_TOO_LARGE';

/** A problem on an uploaded sheet, at its 1-based row number (1 is the header). */
export interface SheetProblem {
  row: number;
  column: string;
  reason: Reason | typeof NUMBER_TOO_LARGE;
  message: string;
}

/** Ids are PostgreSQL integers; quantities numeric(18,4), so under 10^14. */
const MAX_ID = 2_147_483_647;
const QUANTITY_BOUND = 1e14;

export interface SheetAnswer {
  sheetKey: string;
  sheetName: string;
  /** The sheet's counts replaced what that sheet reported before. */
  saved: boolean;
  /** Count rows read from the sheet (a serialised product at a bay is one row with its serials). */
  rows: number;
  problems: SheetProblem[];
  note?: string;
}

const FIELD_COLUMNS: Record<string, string> = {
  productId: 'Product ID',
  bayId: 'Bay ID',
  countedQuantity: 'Counted',
  batchNumber: 'Batch',
  expiry: 'Expiry',
  serials: 'Serial',
};
/** Row r under the header (0-based) is sheet row r + 2. */
const sheetRow = (index: number) => index + 2;

type SignedIn = Context & { user: AuthUser };

/**
 * Handles the count sheet routes; false when the path is not one of them. Refusals are thrown as
 * DomainErrors and answered by the server with the status tRPC gives their reason.
 */
export async function countSheetRoute(db: Database, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  const match = COUNT_SHEET_PATH.exec(pathname);
  if (!match) return false;
  if (req.method !== 'GET' && req.method !== 'POST') {
    const message = `${req.method} is not supported here: GET downloads the count sheet, POST uploads a filled one.`;
    throw new HttpRefusal(405, 'INVALID_INPUT', message, { allow: 'GET, POST' });
  }
  // The same token lookup and sign-in refusal as every tRPC procedure.
  const ctx = await createHttpContext(db, req);
  const signedIn: SignedIn = { ...ctx, user: requireUser(ctx.user) };
  const id = /^[1-9]\d{0,9}$/.test(match[1]!) ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw new DomainError('NOT_FOUND', `Stocktake ${match[1]} does not exist.`);
  if (req.method === 'GET') await download(signedIn, res, id);
  else await upload(signedIn, req, res, id);
  return true;
}

async function download(ctx: SignedIn, res: ServerResponse, id: number) {
  const body = await countSheetWorkbookFor(ctx.db.prisma, id, ctx.user.role);
  res.writeHead(200, {
    'content-type': XLSX_CONTENT_TYPE,
    'content-disposition': `attachment; filename="stocktake-${id}-count-sheet.xlsx"`,
    'content-length': String(body.length),
    'cache-control': 'no-store',
  });
  res.end(body);
}

async function upload(ctx: SignedIn, req: IncomingMessage, res: ServerResponse, id: number) {
  // Refused before the body is read, with the refusal submitCounts would give.
  assertMayWrite(ctx.user.role, 'stocktakes.count');
  found(await ctx.db.prisma.stocktake.findUnique({ where: { id }, select: { id: true } }), 'Stocktake', id);
  // The upload guard: the body, the zip and the worksheets within their limits (413 UPLOAD_TOO_LARGE).
  const received = await receiveXlsxUpload(req);
  const bytes = received.bytes;
  const workbook = await readCountSheetWorkbook(received.workbook);
  if (workbook.stocktakeId !== id) {
    throw new DomainError(
      'INVALID_INPUT',
      `This workbook is the count sheet of stocktake #${workbook.stocktakeId}, not #${id}: upload it to /stocktakes/${workbook.stocktakeId}/count-sheet.xlsx.`,
    );
  }
  if (workbook.sheets.length === 0) {
    throw new DomainError(
      'INVALID_INPUT',
      'The workbook has none of the count worksheets it was downloaded with (were they renamed?): nothing was read.',
    );
  }
  const keys = workbook.sheets.map((s) => s.sheetKey);
  const repeated = keys.find((key, i) => keys.indexOf(key) !== i);
  if (repeated !== undefined)
    throw new DomainError(
      'INVALID_INPUT',
      `Two worksheets claim sheet "${repeated}": the hidden _stocksheet worksheet was changed; download a fresh count sheet.`,
    );

  const api = createCaller(ctx);
  const sheets: SheetAnswer[] = [];
  for (const sheet of workbook.sheets) sheets.push(await submitSheet(api, id, sheet, uploadIdempotencyKey(bytes, sheet.sheetKey)));
  sendJson(res, 200, { stocktakeId: id, sheets, ignoredWorksheets: workbook.ignoredWorksheets });
}

/** Same bytes, same sheet: a retried upload applies once (and answers as the first time). */
export function uploadIdempotencyKey(bytes: Buffer, sheetKey: string): string {
  return `xlsx-${createHash('sha256').update(bytes).update('\0').update(sheetKey).digest('hex')}`;
}

async function submitSheet(
  api: ReturnType<typeof createCaller>,
  stocktakeId: number,
  sheet: UploadedSheet,
  idempotencyKey: string,
): Promise<SheetAnswer> {
  const read = readCountSheet(sheet.values);
  const answer = { sheetKey: sheet.sheetKey, sheetName: sheet.sheetName, rows: read.rows.length };
  if (read.problems.length > 0) {
    // A sheet is stored whole or not at all: submitting it without its unreadable rows would lose them.
    const problems = read.problems.map((p) => ({
      row: p.row < 0 ? 1 : sheetRow(p.row),
      column: p.column,
      reason: 'INVALID_INPUT' as const,
      message: p.message,
    }));
    return { ...answer, saved: false, problems };
  }
  const outOfRange = rangeProblems(read);
  if (outOfRange.length > 0) return { ...answer, saved: false, problems: outOfRange };
  if (read.rows.length === 0) {
    return {
      ...answer,
      saved: false,
      problems: [],
      note: 'Nothing is counted on this sheet: it was not submitted, and what it reported before (if anything) stays.',
    };
  }
  const problems: SheetProblem[] = [];
  try {
    const result = await api.stocktakes.submitCounts({ stocktakeId, sheetKey: sheet.sheetKey, rows: read.rows, idempotencyKey });
    for (const row of result.rows) {
      for (const p of row.problems) {
        for (const index of sourceRows(read, row.index, p.field, p.message)) {
          problems.push({ row: sheetRow(index), column: FIELD_COLUMNS[p.field] ?? p.field, reason: p.reason, message: p.message });
        }
      }
    }
    return { ...answer, saved: result.saved, problems: problems.sort((a, b) => a.row - b.row) };
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    if (error.cause instanceof DomainError) throw error.cause;
    if (!(error.cause instanceof ZodError)) throw error;
    // Input the router refuses (a quantity with too many decimals, an over-long batch): by row and column.
    for (const issue of error.cause.issues) {
      const [list, rowIndex, field, itemIndex] = issue.path;
      if (list !== 'rows' || typeof rowIndex !== 'number') {
        problems.push({ row: 1, column: '', reason: 'INVALID_INPUT', message: issue.message });
        continue;
      }
      const sources = read.sources[rowIndex] ?? [];
      const at = typeof itemIndex === 'number' && field === 'serials' ? sources[itemIndex] : sources[0];
      const column = typeof field === 'string' ? (FIELD_COLUMNS[field] ?? field) : '';
      problems.push({ row: at === undefined ? 1 : sheetRow(at), column, reason: 'INVALID_INPUT', message: issue.message });
    }
    return { ...answer, saved: false, problems: problems.sort((a, b) => a.row - b.row) };
  }
}

/**
 * Numbers read from the sheet that no column of the database can hold, refused at their cell before
 * anything is submitted (the database would refuse them with an internal error).
 */
function rangeProblems(read: ReturnType<typeof readCountSheet>): SheetProblem[] {
  const problems: SheetProblem[] = [];
  const at = (index: number, column: string, message: string) => {
    for (const source of read.sources[index] ?? []) problems.push({ row: sheetRow(source), column, reason: NUMBER_TOO_LARGE, message });
  };
  read.rows.forEach((row, index) => {
    if (row.productId > MAX_ID)
      at(
        index,
        'Product ID',
        `Product ID ${row.productId} is out of range: ids go up to ${MAX_ID.toLocaleString('en-US')}; use the sheet as downloaded.`,
      );
    // Other bad bay ids (text, fractions, zero) are refused by submitCounts' input check, at the same cell.
    if (typeof row.bayId === 'number' && row.bayId > MAX_ID) {
      at(
        index,
        'Bay ID',
        `Bay ID ${row.bayId} is out of range: ids go up to ${MAX_ID.toLocaleString('en-US')}; use the sheet as downloaded.`,
      );
    }
    const counted = row.countedQuantity;
    if (typeof counted === 'number' && Math.abs(counted) >= QUANTITY_BOUND) {
      at(index, 'Counted', `${counted} is out of range: a count is under 100,000,000,000,000.`);
    }
  });
  return problems.sort((a, b) => a.row - b.row);
}

/**
 * The sheet rows a count row's problem belongs to. A serialised product's row gathers several
 * sheet rows (one per serial); a problem naming one of its serials points at that serial's row.
 */
function sourceRows(read: ReturnType<typeof readCountSheet>, index: number, field: string, message: string): number[] {
  const sources = read.sources[index] ?? [];
  const serials = read.rows[index]?.serials ?? [];
  if (field === 'serials' && sources.length > 1) {
    const named = sources.filter((_, i) => {
      const serial = serials[i];
      return serial !== undefined && new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(serial.trim())}($|[^\\p{L}\\p{N}])`, 'u').test(message);
    });
    if (named.length > 0) return named;
  }
  return sources.slice(0, 1);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
