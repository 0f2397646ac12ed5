// The count sheet as an .xlsx file over plain HTTP, for teams without the add-in: GET the workbook,
// check what ExcelJS finds in it, fill it in as a counter would, POST it back, and see the counts
// arrive as variances. Runs on PGlite, or on PostgreSQL with TEST_DATABASE_URL.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { TRPCClientError } from '@trpc/client';
import ExcelJS from 'exceljs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import { COUNT_COLUMNS, EXTRA_SERIAL_ROWS } from '../../server/domain/count-sheet.ts';
import { uploadIdempotencyKey } from '../../server/modules/stocktakes/xlsx-routes.ts';
import type { AppRouter } from '../../server/router.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';
import { apiClient } from '../helpers/api-client.ts';

const ADMIN_TOKEN = 'xlsx-admin-token-0123456789abcdef';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HEADER = [...COUNT_COLUMNS, 'Status'];
const key = () => randomUUID();

let app: RunningApp;
let database: TestDatabase | undefined;
let dataDir: string;
let admin: ReturnType<typeof client>;
let warehouseToken: string;
let viewerToken: string;
let accountantToken: string;

function client(token: string) {
  return apiClient(app.url, token);
}

const sheetUrl = (stocktakeId: number) => `${app.url}/stocktakes/${stocktakeId}/count-sheet.xlsx`;

async function download(stocktakeId: number, token: string) {
  const res = await fetch(sheetUrl(stocktakeId), { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

interface UploadAnswer {
  stocktakeId: number;
  sheets: {
    sheetKey: string;
    sheetName: string;
    saved: boolean;
    rows: number;
    problems: { row: number; column: string; reason: string; message: string }[];
    note?: string;
  }[];
  ignoredWorksheets: string[];
}

async function upload(stocktakeId: number, token: string, body: Buffer) {
  const res = await fetch(sheetUrl(stocktakeId), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': XLSX },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as UploadAnswer & { reason?: string; message?: string } };
}

/** How tRPC refuses a call: the status and body a plain HTTP route should answer the same refusal with. */
async function trpcRefusal(call: Promise<unknown>) {
  const error = await call.then(
    () => expect.fail('expected the call to be refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  const { data, message } = error as TRPCClientError<AppRouter>;
  return { status: data?.httpStatus, body: { reason: data?.reason, message } };
}

async function load(buffer: Buffer) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ExcelJS.Buffer);
  return workbook;
}

/** The sheet rows (row numbers) whose cells match, by header name. */
function rowsWhere(sheet: ExcelJS.Worksheet, match: Partial<Record<string, unknown>>): number[] {
  const header = (sheet.getRow(1).values as unknown[]).map(String);
  const found: number[] = [];
  sheet.eachRow((row, n) => {
    if (n === 1) return;
    const ok = Object.entries(match).every(([column, value]) => {
      const cell = row.getCell(header.indexOf(column)).value;
      return (cell ?? null) === value;
    });
    if (ok) found.push(n);
  });
  return found;
}

function cellOf(sheet: ExcelJS.Worksheet, row: number, column: string) {
  const header = (sheet.getRow(1).values as unknown[]).map(String);
  return sheet.getRow(row).getCell(header.indexOf(column));
}

/** One file of a zip (an .xlsx), through the central directory. */
function zipEntry(zip: Buffer, name: string): string {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + zip.readUInt32LE(at + 20));
      return (zip.readUInt16LE(at + 10) === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`${name} is not in the zip`);
}

/** CT_Worksheet's children in the order ECMA-376 requires (Excel offers to "repair" anything else). */
const WORKSHEET_ORDER = [
  'sheetPr',
  'dimension',
  'sheetViews',
  'sheetFormatPr',
  'cols',
  'sheetData',
  'sheetCalcPr',
  'sheetProtection',
  'protectedRanges',
  'scenarios',
  'autoFilter',
  'sortState',
  'dataConsolidate',
  'customSheetViews',
  'mergeCells',
  'phoneticPr',
  'conditionalFormatting',
  'dataValidations',
  'hyperlinks',
  'printOptions',
  'pageMargins',
  'pageSetup',
  'headerFooter',
  'rowBreaks',
  'colBreaks',
  'customProperties',
  'cellWatches',
  'ignoredErrors',
  'smartTags',
  'drawing',
  'legacyDrawing',
  'legacyDrawingHF',
  'drawingHF',
  'picture',
  'oleObjects',
  'controls',
  'webPublishItems',
  'tableParts',
  'extLst',
];

let loc: { id: number; bayA: number; bayB: number };
let plain: { id: number };
let batch: { id: number };
let serial: { id: number };
let stocktakeId: number;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-xlsx-'));
  if (onPostgres) database = await freshDatabase();
  app = await startApp(
    { port: 0, tls: false, adminToken: ADMIN_TOKEN, logLevel: 'silent', dataDir, databaseUrl: database?.url ?? undefined },
    pino({ level: 'silent' }),
  );
  admin = client(ADMIN_TOKEN);
  warehouseToken = (await admin.users.create.mutate({ name: 'counter', role: 'warehouse' })).token;
  viewerToken = (await admin.users.create.mutate({ name: 'looker', role: 'viewer' })).token;
  accountantToken = (await admin.users.create.mutate({ name: 'books', role: 'accountant' })).token;

  const location = await admin.locations.create.mutate({ name: 'Main: Store' });
  const bayA = (await admin.locations.addBay.mutate({ locationId: location.id, name: 'A-01' })).id;
  const bayB = (await admin.locations.addBay.mutate({ locationId: location.id, name: 'B/02' })).id;
  loc = { id: location.id, bayA, bayB };
  plain = await admin.products.create.mutate({ sku: 'PLN-1', name: '=2+3 plain thing', stockTracked: true });
  batch = await admin.products.create.mutate({ sku: 'BAT-1', name: 'Batch thing', batchTracked: true });
  serial = await admin.products.create.mutate({ sku: 'SER-1', name: 'Serialised thing', serialised: true });
  const stock = { glCode: '630', unitCost: 2, idempotencyKey: '' };
  await admin.stock.adjust.mutate({ ...stock, productId: plain.id, locationId: loc.id, bayId: bayA, quantity: 20, idempotencyKey: key() });
  await admin.stock.adjust.mutate({ ...stock, productId: plain.id, locationId: loc.id, bayId: bayB, quantity: 5, idempotencyKey: key() });
  await admin.batches.add.mutate({
    productId: batch.id,
    locationId: loc.id,
    bayId: bayA,
    number: 'L-0042',
    expiry: '2027-03-31',
    quantity: 10,
    unitCost: 3,
    idempotencyKey: key(),
  });
  await admin.batches.add.mutate({
    productId: batch.id,
    locationId: loc.id,
    bayId: bayB,
    number: '0007',
    quantity: 4,
    unitCost: 3,
    idempotencyKey: key(),
  });
  await admin.serials.add.mutate({
    productId: serial.id,
    locationId: loc.id,
    bayId: bayA,
    serials: ['00123', '1E5', 'SN-0003'],
    unitCost: 50,
    idempotencyKey: key(),
  });

  const created = await client(warehouseToken).stocktakes.create.mutate({ locationId: loc.id });
  await client(warehouseToken).stocktakes.start.mutate({ id: created.id });
  stocktakeId = created.id;
});

afterAll(async () => {
  await app?.stop();
  await database?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /stocktakes/:id/count-sheet.xlsx', () => {
  it('answers the workbook as an .xlsx download to any role', async () => {
    const res = await fetch(sheetUrl(stocktakeId), { headers: { authorization: `Bearer ${viewerToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(XLSX);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="stocktake-${stocktakeId}-count-sheet.xlsx"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 2).toString()).toBe('PK'); // a zip, as .xlsx files are
  });

  it('holds a worksheet per bay, laid out like the add-in sheet, with keys locked and counts validated', async () => {
    const workbook = await load(await download(stocktakeId, warehouseToken));
    // Bay names become valid worksheet names ("/" is not allowed); the hidden sheet says what each is.
    expect(workbook.worksheets.map((ws) => [ws.name, ws.state])).toEqual([
      ['A-01', 'visible'],
      ['B-02', 'visible'],
      ['_stocksheet', 'hidden'],
    ]);
    const meta = workbook.getWorksheet('_stocksheet')!;
    expect(meta.getCell('B2').value).toBe(stocktakeId);
    expect([4, 5].map((r) => [meta.getCell(r, 1).value, meta.getCell(r, 2).value])).toEqual([
      ['A-01', `bay-${loc.bayA}`],
      ['B-02', `bay-${loc.bayB}`],
    ]);

    const a = workbook.getWorksheet('A-01')!;
    expect((a.getRow(1).values as unknown[]).slice(1)).toEqual(HEADER);
    expect(a.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(a.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    // Rows: the batch, the plain product, each expected serial and the empty rows for extra serials.
    const skus = a.getColumn(1).values.slice(2);
    expect(skus).toEqual(['BAT-1', 'PLN-1', 'SER-1', 'SER-1', 'SER-1', ...Array(EXTRA_SERIAL_ROWS).fill('SER-1')]);
    const [batchRow] = rowsWhere(a, { SKU: 'BAT-1' });
    expect(cellOf(a, batchRow!, 'Batch').value).toBe('L-0042');
    expect(cellOf(a, batchRow!, 'Expiry').value).toBe('2027-03-31');
    expect(cellOf(a, batchRow!, 'Expected').value).toBe(10);
    const [plainRow] = rowsWhere(a, { SKU: 'PLN-1' });
    // A name that looks like a formula is text, never a formula.
    expect(cellOf(a, plainRow!, 'Product').value).toBe('=2+3 plain thing');
    expect(cellOf(a, plainRow!, 'Product ID').value).toBe(plain.id);
    expect(cellOf(a, plainRow!, 'Bay ID').value).toBe(loc.bayA);
    // Serials are text cells, and the Serial and Batch columns are formatted as text for what is typed.
    const serialRows = rowsWhere(a, { SKU: 'SER-1', Expected: 1 });
    expect(serialRows.map((r) => cellOf(a, r, 'Serial').value)).toEqual(['00123', '1E5', 'SN-0003']);
    for (const r of [...serialRows, serialRows.at(-1)! + 1]) {
      expect(cellOf(a, r, 'Serial').numFmt).toBe('@');
      expect(cellOf(a, r, 'Batch').numFmt).toBe('@');
    }
    // Protected without a password; only the columns a counter fills in are unlocked.
    const protection = (a as unknown as { sheetProtection: Record<string, unknown> | null }).sheetProtection;
    expect(protection).toMatchObject({ sheet: true });
    expect(protection).not.toHaveProperty('hashValue');
    for (const column of HEADER) {
      const editable = ['Batch', 'Expiry', 'Serial', 'Counted', 'Found'].includes(column);
      expect([column, cellOf(a, plainRow!, column).protection?.locked !== false]).toEqual([column, !editable]);
      expect([column, cellOf(a, 1, column).protection?.locked !== false]).toEqual([column, true]);
    }
    expect(cellOf(a, plainRow!, 'Counted').dataValidation).toMatchObject({
      type: 'decimal',
      operator: 'greaterThanOrEqual',
      formulae: [0],
      showErrorMessage: true,
    });
    expect(cellOf(a, serialRows[0]!, 'Found').dataValidation).toMatchObject({ type: 'list', formulae: ['"x"'] });

    const b = workbook.getWorksheet('B-02')!;
    expect(b.getColumn(1).values.slice(2)).toEqual(['BAT-1', 'PLN-1']);
    expect(cellOf(b, 2, 'Batch').value).toBe('0007');
  });

  it("writes each worksheet's parts in the order the schema (and Excel) requires", async () => {
    const zip = await download(stocktakeId, warehouseToken);
    for (const sheet of ['sheet1', 'sheet2', 'sheet3']) {
      const xml = zipEntry(zip, `xl/worksheets/${sheet}.xml`).replace(/<sheetData>[\s\S]*<\/sheetData>/, '<sheetData/>');
      const body = /<worksheet\b[^>]*>([\s\S]*)<\/worksheet>/.exec(xml)![1]!;
      const children = [...body.matchAll(/<(\w+)\b[^>]*?(\/>|>[\s\S]*?<\/\1>)/g)].map((m) => m[1]!);
      expect(children).toContain('sheetProtection');
      expect(children.every((c) => WORKSHEET_ORDER.includes(c))).toBe(true);
      expect(children.map((c) => WORKSHEET_ORDER.indexOf(c))).toEqual(
        children.map((c) => WORKSHEET_ORDER.indexOf(c)).sort((a, b) => a - b),
      );
    }
    expect(zipEntry(zip, 'xl/worksheets/sheet1.xml')).toMatch(/<\/sheetData><sheetProtection [^>]*\/><dataValidations /);
  });

  it('leaves out expected quantities and serials for counters on a blind stocktake, not for the accountant', async () => {
    const blind = await client(warehouseToken).stocktakes.create.mutate({ locationId: loc.id, bayIds: [loc.bayA], blind: true });
    await client(warehouseToken).stocktakes.start.mutate({ id: blind.id });
    const counter = (await load(await download(blind.id, warehouseToken))).getWorksheet('A-01')!;
    expect(
      counter
        .getColumn(HEADER.indexOf('Expected') + 1)
        .values.slice(2)
        .filter((v) => v !== null && v !== undefined),
    ).toEqual([]);
    expect(
      counter
        .getColumn(HEADER.indexOf('Serial') + 1)
        .values.slice(2)
        .filter((v) => v !== null && v !== undefined),
    ).toEqual([]);
    const accountant = (await load(await download(blind.id, accountantToken))).getWorksheet('A-01')!;
    expect(rowsWhere(accountant, { SKU: 'PLN-1', Expected: 20 })).toHaveLength(1);
    expect(
      accountant
        .getColumn(HEADER.indexOf('Serial') + 1)
        .values.slice(2)
        .filter(Boolean),
    ).toEqual(['00123', '1E5', 'SN-0003']);
    await client(warehouseToken).stocktakes.cancel.mutate({ id: blind.id });
  });

  it('refuses a missing or wrong token (401) and an unknown stocktake (404), as JSON with a reason', async () => {
    const none = await fetch(sheetUrl(stocktakeId));
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await none.json()).toMatchObject({ reason: 'UNAUTHENTICATED', message: expect.stringContaining('Bearer') });
    const wrong = await fetch(sheetUrl(stocktakeId), { headers: { authorization: 'Bearer not-a-token' } });
    expect(wrong.status).toBe(401);
    const missing = await fetch(sheetUrl(999_999), { headers: { authorization: `Bearer ${viewerToken}` } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ reason: 'NOT_FOUND', message: 'Stocktake 999999 does not exist.' });
    const notAnId = await fetch(`${app.url}/stocktakes/abc/count-sheet.xlsx`, { headers: { authorization: `Bearer ${viewerToken}` } });
    expect(notAnId.status).toBe(404);
  });

  it('refuses a wrong token and a missing stocktake as tRPC does: the same status, reason and message', async () => {
    const wrong = await fetch(sheetUrl(stocktakeId), { headers: { authorization: 'Bearer not-a-token' } });
    const wrongViaTrpc = await trpcRefusal(client('not-a-token').stocktakes.countSheets.query({ stocktakeId }));
    expect(wrongViaTrpc.status).toBe(401);
    expect({ status: wrong.status, body: await wrong.json() }).toMatchObject(wrongViaTrpc);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');

    const missing = await fetch(sheetUrl(999_999), { headers: { authorization: `Bearer ${viewerToken}` } });
    const missingViaTrpc = await trpcRefusal(client(viewerToken).stocktakes.countSheets.query({ stocktakeId: 999_999 }));
    expect(missingViaTrpc).toEqual({ status: 404, body: { reason: 'NOT_FOUND', message: 'Stocktake 999999 does not exist.' } });
    expect({ status: missing.status, body: await missing.json() }).toMatchObject(missingViaTrpc);
  });
});

describe('POST /stocktakes/:id/count-sheet.xlsx', () => {
  /** The workbook as a counter fills it: a short count, a missing serial, an extra serial, batch counts. */
  async function filled(change: (a: ExcelJS.Worksheet, b: ExcelJS.Worksheet) => void = () => undefined) {
    const workbook = await load(await download(stocktakeId, warehouseToken));
    const a = workbook.getWorksheet('A-01')!;
    const b = workbook.getWorksheet('B-02')!;
    cellOf(a, rowsWhere(a, { SKU: 'PLN-1' })[0]!, 'Counted').value = 18; // short by 2
    const [batchRow] = rowsWhere(a, { SKU: 'BAT-1' });
    cellOf(a, batchRow!, 'Counted').value = 10;
    cellOf(a, batchRow!, 'Expiry').value = new Date(Date.UTC(2027, 2, 31)); // retyped as a date: read as 2027-03-31
    cellOf(a, rowsWhere(a, { Serial: '00123' })[0]!, 'Found').value = 'x';
    cellOf(a, rowsWhere(a, { Serial: '1E5' })[0]!, 'Found').value = 'x';
    // SN-0003 stays unmarked: missing. An extra serial goes in the first empty serial row.
    const extraRow = rowsWhere(a, { SKU: 'SER-1', Serial: null })[0]!;
    cellOf(a, extraRow, 'Serial').value = '00999';
    cellOf(b, rowsWhere(b, { SKU: 'PLN-1' })[0]!, 'Counted').value = 5;
    cellOf(b, rowsWhere(b, { SKU: 'BAT-1' })[0]!, 'Counted').value = 3; // batch 0007 short by 1
    change(a, b);
    return Buffer.from(await workbook.xlsx.writeBuffer());
  }

  const variances = async () => (await client(accountantToken).stocktakes.variances.query({ stocktakeId })).lines;

  it('submits each worksheet as its sheet, and the variances show exactly what was counted', async () => {
    const body = await filled();
    const { status, body: answer } = await upload(stocktakeId, warehouseToken, body);
    expect(status).toBe(200);
    expect(answer).toEqual({
      stocktakeId,
      sheets: [
        { sheetKey: `bay-${loc.bayA}`, sheetName: 'A-01', saved: true, rows: 3, problems: [] },
        { sheetKey: `bay-${loc.bayB}`, sheetName: 'B-02', saved: true, rows: 2, problems: [] },
      ],
      ignoredWorksheets: [],
    });
    const stocktake = await client(warehouseToken).stocktakes.get.query({ id: stocktakeId });
    expect(stocktake.sheets).toEqual(
      expect.arrayContaining([
        { sheetKey: `bay-${loc.bayA}`, rows: 3 },
        { sheetKey: `bay-${loc.bayB}`, rows: 2 },
      ]),
    );

    const lines = await variances();
    const pick = (l: (typeof lines)[number]) => ({
      productId: l.productId,
      bayId: l.bayId,
      batchNumber: l.batchNumber,
      expectedQuantity: l.expectedQuantity,
      countedQuantity: l.countedQuantity,
      variance: l.variance,
      missingSerials: l.missingSerials,
      newSerials: l.newSerials,
      misplacedSerials: l.misplacedSerials,
    });
    const none = { missingSerials: [], newSerials: [], misplacedSerials: [] };
    expect(lines.map(pick)).toEqual(
      expect.arrayContaining([
        { productId: plain.id, bayId: loc.bayA, batchNumber: null, expectedQuantity: 20, countedQuantity: 18, variance: -2, ...none },
        { productId: plain.id, bayId: loc.bayB, batchNumber: null, expectedQuantity: 5, countedQuantity: 5, variance: 0, ...none },
        { productId: batch.id, bayId: loc.bayA, batchNumber: 'L-0042', expectedQuantity: 10, countedQuantity: 10, variance: 0, ...none },
        { productId: batch.id, bayId: loc.bayB, batchNumber: '0007', expectedQuantity: 4, countedQuantity: 3, variance: -1, ...none },
        {
          productId: serial.id,
          bayId: loc.bayA,
          batchNumber: null,
          expectedQuantity: 3,
          countedQuantity: 3,
          variance: 0,
          missingSerials: ['SN-0003'],
          newSerials: ['00999'],
          misplacedSerials: [],
        },
      ]),
    );
    expect(lines).toHaveLength(5);

    // The same file again applies once: the same answer, nothing changes.
    const again = await upload(stocktakeId, warehouseToken, body);
    expect(again.body).toEqual(answer);
    expect((await variances()).map(pick)).toEqual(lines.map(pick));
  });

  it('answers a bad row with its sheet row number and column, and saves nothing of that sheet', async () => {
    const before = await variances();
    let badRow = 0;
    const body = await filled((_a, b) => {
      badRow = rowsWhere(b, { SKU: 'PLN-1' })[0]!;
      cellOf(b, badRow, 'Counted').value = -1;
      cellOf(b, rowsWhere(b, { SKU: 'BAT-1' })[0]!, 'Counted').value = 4; // would clear the batch variance if saved
    });
    const { status, body: answer } = await upload(stocktakeId, warehouseToken, body);
    expect(status).toBe(200);
    const sheetB = answer.sheets.find((s) => s.sheetName === 'B-02')!;
    expect(sheetB.saved).toBe(false);
    expect(sheetB.problems).toEqual([{ row: badRow, column: 'Counted', reason: 'INVALID_INPUT', message: 'A count cannot be negative' }]);
    expect(badRow).toBe(3);
    expect(await variances()).toEqual(before);
  });

  it('points a problem with one serial at the rows that hold it', async () => {
    let rows: number[] = [];
    const body = await filled((a) => {
      const extra = rowsWhere(a, { SKU: 'SER-1', Serial: null })[0]!;
      cellOf(a, extra, 'Serial').value = '00123'; // already marked found above
      rows = [rowsWhere(a, { Serial: '00123', Expected: 1 })[0]!, extra];
    });
    const { body: answer } = await upload(stocktakeId, warehouseToken, body);
    const sheetA = answer.sheets.find((s) => s.sheetName === 'A-01')!;
    expect(sheetA.saved).toBe(false);
    expect(sheetA.problems.map((p) => [p.row, p.column, p.reason])).toEqual(rows.map((r) => [r, 'Serial', 'DUPLICATE_SERIAL']));
  });

  it('reports rows it cannot read (a count that is not a number) without submitting that sheet', async () => {
    const before = await variances();
    const body = await filled((a) => {
      cellOf(a, rowsWhere(a, { SKU: 'PLN-1' })[0]!, 'Counted').value = 'about ten';
    });
    const { body: answer } = await upload(stocktakeId, warehouseToken, body);
    const sheetA = answer.sheets.find((s) => s.sheetName === 'A-01')!;
    expect(sheetA).toMatchObject({
      saved: false,
      problems: [{ row: 3, column: 'Counted', reason: 'INVALID_INPUT', message: '"about ten" is not a number' }],
    });
    expect(await variances()).toEqual(before);
  });

  it("refuses a wrong token (401), a viewer (403), a file that is not a count sheet or is another stocktake's (400)", async () => {
    const body = await filled();
    const wrong = await upload(stocktakeId, 'not-a-token', body);
    expect(wrong).toMatchObject({ status: 401, body: { reason: 'UNAUTHENTICATED' } });
    const viewer = await upload(stocktakeId, viewerToken, body);
    expect(viewer.status).toBe(403);
    expect(viewer.body).toMatchObject({ reason: 'FORBIDDEN', message: expect.stringContaining('viewer') });
    const notXlsx = await upload(stocktakeId, warehouseToken, Buffer.from('SKU,Counted\nPLN-1,3\n'));
    expect(notXlsx).toMatchObject({
      status: 400,
      body: { reason: 'INVALID_INPUT', message: expect.stringContaining('not an .xlsx workbook') },
    });
    const plainWorkbook = new ExcelJS.Workbook();
    plainWorkbook.addWorksheet('Sheet1').addRow(HEADER);
    const foreign = await upload(stocktakeId, warehouseToken, Buffer.from(await plainWorkbook.xlsx.writeBuffer()));
    expect(foreign).toMatchObject({
      status: 400,
      body: { reason: 'INVALID_INPUT', message: expect.stringContaining('not a Stocksheet count sheet') },
    });
    const other = await client(warehouseToken).stocktakes.create.mutate({ locationId: loc.id });
    const elsewhere = await upload(other.id, warehouseToken, body);
    expect(elsewhere).toMatchObject({
      status: 400,
      body: { reason: 'INVALID_INPUT', message: expect.stringContaining(`stocktake #${stocktakeId}, not #${other.id}`) },
    });
    const missing = await upload(999_999, warehouseToken, body);
    expect(missing.status).toBe(404);
  });

  it('refuses a role that may not count with 403 and the message tRPC gives, before reading the file', async () => {
    const body = await filled();
    const viaTrpc = await trpcRefusal(
      client(viewerToken).stocktakes.submitCounts.mutate({ stocktakeId, sheetKey: `bay-${loc.bayA}`, rows: [], idempotencyKey: key() }),
    );
    expect(viaTrpc.status).toBe(403);
    expect(viaTrpc.body.message).toContain('(viewer)');
    for (const role of [viewerToken, accountantToken]) {
      const refused = await upload(stocktakeId, role, body);
      const expected = await trpcRefusal(
        client(role).stocktakes.submitCounts.mutate({ stocktakeId, sheetKey: `bay-${loc.bayA}`, rows: [], idempotencyKey: key() }),
      );
      expect(refused).toMatchObject(expected);
    }
  });

  it('answers a conflict with 409 and a closed stocktake with 412, as tRPC does', async () => {
    const other = await client(warehouseToken).stocktakes.create.mutate({ locationId: loc.id, bayIds: [loc.bayA] });
    await client(warehouseToken).stocktakes.start.mutate({ id: other.id });
    const workbook = await load(await download(other.id, warehouseToken));
    const a = workbook.getWorksheet('A-01')!;
    cellOf(a, rowsWhere(a, { SKU: 'PLN-1' })[0]!, 'Counted').value = 19;
    const body = Buffer.from(await workbook.xlsx.writeBuffer());
    // The key this upload's sheet is submitted under, already used (through tRPC) for other counts.
    const sheetKey = `bay-${loc.bayA}`;
    const idempotencyKey = uploadIdempotencyKey(body, sheetKey);
    const counter = client(warehouseToken).stocktakes;
    await counter.submitCounts.mutate({ stocktakeId: other.id, sheetKey, rows: [], idempotencyKey });
    const conflict = await upload(other.id, warehouseToken, body);
    const conflictViaTrpc = await trpcRefusal(
      counter.submitCounts.mutate({ stocktakeId: other.id, sheetKey, rows: [{ productId: plain.id, countedQuantity: 1 }], idempotencyKey }),
    );
    expect(conflictViaTrpc).toMatchObject({ status: 409, body: { reason: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(conflict).toMatchObject(conflictViaTrpc);

    await counter.cancel.mutate({ id: other.id });
    cellOf(a, rowsWhere(a, { SKU: 'PLN-1' })[0]!, 'Counted').value = 18; // another file, so another key
    const closed = await upload(other.id, warehouseToken, Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(closed).toMatchObject({ status: 412, body: { reason: 'STOCKTAKE_NOT_OPEN', message: `Stocktake #${other.id} was cancelled.` } });
  });

  it('leaves a sheet with nothing counted alone rather than clearing what it reported', async () => {
    const before = await variances();
    const workbook = await load(await download(stocktakeId, warehouseToken));
    const { body: answer } = await upload(stocktakeId, warehouseToken, Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(answer.sheets.map((s) => [s.sheetName, s.saved, s.rows, s.problems])).toEqual([
      ['A-01', false, 0, []],
      ['B-02', false, 0, []],
    ]);
    expect(answer.sheets[0]!.note).toMatch(/Nothing is counted/);
    expect(await variances()).toEqual(before);
  });
});
