// The .xlsx count sheet in a real spreadsheet program: LibreOffice (headless) opens the generated
// workbook and exports every worksheet to CSV, and a filled workbook saved again by LibreOffice
// uploads with the same meaning (same counts, same serials). Needs `soffice` (Debian package
// libreoffice-calc-nogui, which .ci/run installs); skipped with a warning without it.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import { COUNT_COLUMNS, readCountSheet } from '../../server/domain/count-sheet.ts';
import { readCountSheetWorkbook } from '../../server/modules/stocktakes/xlsx.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';
import { apiClient } from '../helpers/api-client.ts';
import { convert, CSV_FILTER, LIBREOFFICE_TIMEOUT, parseCsv, SOFFICE } from '../helpers/libreoffice.ts';

if (!SOFFICE) {
  console.warn(
    'SKIPPED: the LibreOffice count sheet test needs LibreOffice (apt-get install libreoffice-calc-nogui); .ci/run installs it.',
  );
}
const ADMIN_TOKEN = 'lo-admin-token-0123456789abcdef';
const HEADER = [...COUNT_COLUMNS, 'Status'];
const key = () => randomUUID();

let app: RunningApp;
let database: TestDatabase | undefined;
let dir: string;
let warehouseToken: string;
let accountantToken: string;
let loc: { id: number; bayA: number; bayB: number };
let plain: { id: number };
let batch: { id: number };
let serial: { id: number };
let stocktakeId: number;

function client(token: string) {
  return apiClient(app.url, token);
}

const sheetUrl = (id: number) => `${app.url}/stocktakes/${id}/count-sheet.xlsx`;

async function download(): Promise<Buffer> {
  const res = await fetch(sheetUrl(stocktakeId), { headers: { authorization: `Bearer ${warehouseToken}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  if (!SOFFICE) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-lo-'));
  if (onPostgres) database = await freshDatabase();
  app = await startApp(
    {
      port: 0,
      tls: false,
      adminToken: ADMIN_TOKEN,
      logLevel: 'silent',
      dataDir: path.join(dir, 'data'),
      databaseUrl: database?.url ?? undefined,
    },
    pino({ level: 'silent' }),
  );
  const admin = client(ADMIN_TOKEN);
  warehouseToken = (await admin.users.create.mutate({ name: 'counter', role: 'warehouse' })).token;
  accountantToken = (await admin.users.create.mutate({ name: 'books', role: 'accountant' })).token;
  const location = await admin.locations.create.mutate({ name: 'Main: Store' });
  const bayA = (await admin.locations.addBay.mutate({ locationId: location.id, name: 'A-01' })).id;
  const bayB = (await admin.locations.addBay.mutate({ locationId: location.id, name: 'B/02' })).id;
  loc = { id: location.id, bayA, bayB };
  plain = await admin.products.create.mutate({ sku: '000123', name: '=2+3 plain thing', stockTracked: true });
  batch = await admin.products.create.mutate({ sku: 'BAT-1', name: 'Batch, "quoted" thing', batchTracked: true });
  serial = await admin.products.create.mutate({ sku: 'SER-1', name: 'Serialised thing', serialised: true });
  await admin.stock.adjust.mutate({
    productId: plain.id,
    locationId: loc.id,
    bayId: bayA,
    quantity: 20,
    glCode: '630',
    unitCost: 2,
    idempotencyKey: key(),
  });
  await admin.stock.adjust.mutate({
    productId: plain.id,
    locationId: loc.id,
    bayId: bayB,
    quantity: 2.5,
    glCode: '630',
    unitCost: 2,
    idempotencyKey: key(),
  });
  await admin.batches.add.mutate({
    productId: batch.id,
    locationId: loc.id,
    bayId: bayA,
    number: '0042',
    expiry: '2027-03-31',
    quantity: 10,
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
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!SOFFICE)('the .xlsx count sheet in LibreOffice', () => {
  it(
    'opens, and exports every worksheet to CSV with the layout, SKUs, text serials and expected quantities',
    { timeout: LIBREOFFICE_TIMEOUT * 2 },
    async () => {
      const file = path.join(dir, 'count.xlsx');
      fs.writeFileSync(file, await download());
      const outdir = await convert(dir, file, CSV_FILTER);
      // LibreOffice 7.2+ (Debian 12 has 7.4) writes <name>-<worksheet>.csv per worksheet for sheet option -1.
      expect(fs.readdirSync(outdir).sort()).toEqual(['count-A-01.csv', 'count-B-02.csv', 'count-_stocksheet.csv']);
      const csv = (sheet: string) => parseCsv(fs.readFileSync(path.join(outdir, `count-${sheet}.csv`), 'utf8'));

      const a = csv('A-01');
      expect(a[0]).toEqual(HEADER);
      const col = (name: string) => HEADER.indexOf(name);
      const pick = (row: string[]) => [
        row[col('SKU')],
        row[col('Product')],
        row[col('Bay')],
        row[col('Batch')],
        row[col('Expiry')],
        row[col('Serial')],
        row[col('Expected')],
        row[col('Product ID')],
        row[col('Bay ID')],
      ];
      const A = String(loc.bayA);
      expect(a.slice(1).map(pick)).toEqual([
        // SKU 000123 keeps its zeros, the "=2+3" name stays text (not 5), the batch 0042 stays text.
        ['000123', '=2+3 plain thing', 'A-01', '', '', '', '20', String(plain.id), A],
        ['BAT-1', 'Batch, "quoted" thing', 'A-01', '0042', '2027-03-31', '', '10', String(batch.id), A],
        // Serials as text, unchanged: 00123 is not 123, 1E5 is not 100000.
        ['SER-1', 'Serialised thing', 'A-01', '', '', '00123', '1', String(serial.id), A],
        ['SER-1', 'Serialised thing', 'A-01', '', '', '1E5', '1', String(serial.id), A],
        ['SER-1', 'Serialised thing', 'A-01', '', '', 'SN-0003', '1', String(serial.id), A],
        ...Array.from({ length: 5 }, () => ['SER-1', 'Serialised thing', 'A-01', '', '', '', '', String(serial.id), A]),
      ]);
      const b = csv('B-02');
      expect(b[0]).toEqual(HEADER);
      expect(b.slice(1).map(pick)).toEqual([['000123', '=2+3 plain thing', 'B/02', '', '', '', '2.5', String(plain.id), String(loc.bayB)]]);
      // The hidden sheet is in the workbook LibreOffice read: which stocktake and sheet keys.
      const meta = csv('_stocksheet');
      expect(meta[1]?.slice(0, 2)).toEqual(['Stocktake', String(stocktakeId)]);
      expect(meta.slice(3).map((r) => r.slice(0, 2))).toEqual([
        ['A-01', `bay-${loc.bayA}`],
        ['B-02', `bay-${loc.bayB}`],
      ]);
    },
  );

  it(
    "is protected as laid out, in LibreOffice's own terms: keys locked, count columns unlocked, Serial and Batch text",
    { timeout: LIBREOFFICE_TIMEOUT * 2 },
    async () => {
      const file = path.join(dir, 'protected.xlsx');
      fs.writeFileSync(file, await download());
      // Flat ODF: LibreOffice's reading of the workbook, as XML.
      const fods = fs.readFileSync(path.join(await convert(dir, file, 'fods'), 'protected.fods'), 'utf8');
      const cellStyles = new Map(
        [...fods.matchAll(/<style:style style:name="([^"]+)" style:family="table-cell"[\s\S]*?<\/style:style>/g)].map((m) => [
          m[1]!,
          {
            protect: /style:cell-protect="([^"]+)"/.exec(m[0])?.[1] ?? 'protected',
            dataStyle: /style:data-style-name="([^"]+)"/.exec(m[0])?.[1],
          },
        ]),
      );
      const textStyles = new Set([...fods.matchAll(/<number:text-style style:name="([^"]+)"/g)].map((m) => m[1]));
      const table = /<table:table table:name="A-01"([^>]*)>([\s\S]*?)<\/table:table>/.exec(fods)!;
      expect(table[1]).toContain('table:protected="true"');
      expect(table[1]).not.toContain('table:protection-key'); // no password
      /** Expands table:number-columns-repeated: one entry per column, each the attribute text. */
      const expand = (elements: RegExpMatchArray[]) =>
        elements
          .flatMap((m) => Array<string>(Number(/table:number-columns-repeated="(\d+)"/.exec(m[1]!)?.[1] ?? 1)).fill(m[1]!))
          .slice(0, HEADER.length);
      const styleOf = (attributes: string) => /table:(?:default-cell-)?style-name="([^"]+)"/.exec(attributes)?.[1];
      const columnStyles = expand([...table[2]!.matchAll(/<table:table-column\b([^>]*)\/>/g)]).map(
        (a) => /table:default-cell-style-name="([^"]+)"/.exec(a)?.[1],
      );
      const rows = [...table[2]!.matchAll(/<table:table-row\b[^>]*>([\s\S]*?)<\/table:table-row>/g)].map((m) => m[1]!);
      const firstDataRow = expand([...rows[1]!.matchAll(/<table:table-cell\b([^>]*?)\/?>/g)]);
      const seen = HEADER.map((column, i) => {
        const style = cellStyles.get(styleOf(firstDataRow[i] ?? '') ?? columnStyles[i] ?? '');
        const columnStyle = cellStyles.get(columnStyles[i] ?? '');
        return {
          column,
          locked: (style?.protect ?? 'protected') !== 'none',
          typedLocked: (columnStyle?.protect ?? 'protected') !== 'none',
          text: textStyles.has(columnStyle?.dataStyle ?? ''),
        };
      });
      const editable = ['Batch', 'Expiry', 'Serial', 'Counted', 'Found'];
      expect(seen).toEqual(
        HEADER.map((column) => ({
          column,
          locked: !editable.includes(column),
          typedLocked: !editable.includes(column),
          text: column === 'Batch' || column === 'Serial',
        })),
      );
    },
  );

  it(
    'comes back unchanged in meaning when LibreOffice saves a filled workbook again as .xlsx',
    { timeout: LIBREOFFICE_TIMEOUT * 2 },
    async () => {
      // Filled as a counter would: a short count, SN-0003 unmarked (missing), an extra serial, a batch count.
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await download()) as unknown as ExcelJS.Buffer);
      const a = workbook.getWorksheet('A-01')!;
      const b = workbook.getWorksheet('B-02')!;
      const at = (name: string) => HEADER.indexOf(name) + 1;
      const rowOf = (sheet: ExcelJS.Worksheet, column: string, value: unknown) => {
        const rows: number[] = [];
        sheet.eachRow((row, n) => void (n > 1 && (row.getCell(at(column)).value ?? null) === value && rows.push(n)));
        return rows[0]!;
      };
      a.getCell(rowOf(a, 'SKU', '000123'), at('Counted')).value = 18;
      a.getCell(rowOf(a, 'SKU', 'BAT-1'), at('Counted')).value = 9.5;
      a.getCell(rowOf(a, 'SKU', 'BAT-1'), at('Expiry')).value = new Date(Date.UTC(2027, 2, 31));
      a.getCell(rowOf(a, 'Serial', '00123'), at('Found')).value = 'x';
      a.getCell(rowOf(a, 'Serial', '1E5'), at('Found')).value = 'x';
      const extra = rowOf(a, 'Serial', 'SN-0003') + 1; // the first empty row for extra serials
      expect(a.getCell(extra, at('SKU')).value).toBe('SER-1');
      a.getCell(extra, at('Serial')).value = '007E3';
      b.getCell(rowOf(b, 'SKU', '000123'), at('Counted')).value = 2.5;
      const original = path.join(dir, 'filled.xlsx');
      fs.writeFileSync(original, Buffer.from(await workbook.xlsx.writeBuffer()));

      const outdir = await convert(dir, original, 'xlsx');
      const resaved = fs.readFileSync(path.join(outdir, 'filled.xlsx'));
      expect(resaved.equals(fs.readFileSync(original))).toBe(false); // LibreOffice wrote its own file

      // Read the same: the stocktake, the sheet keys, and the count rows each sheet gives.
      const before = await readCountSheetWorkbook(fs.readFileSync(original));
      const after = await readCountSheetWorkbook(resaved);
      expect(after.stocktakeId).toBe(stocktakeId);
      expect(after.sheets.map((s) => [s.sheetName, s.sheetKey])).toEqual([
        ['A-01', `bay-${loc.bayA}`],
        ['B-02', `bay-${loc.bayB}`],
      ]);
      const counts = (read: typeof before) => read.sheets.map((s) => readCountSheet(s.values));
      expect(counts(after)).toEqual(counts(before));
      expect(counts(after)[0]!.rows).toEqual([
        { productId: plain.id, bayId: loc.bayA, countedQuantity: 18, batchNumber: null, expiry: null },
        { productId: batch.id, bayId: loc.bayA, countedQuantity: 9.5, batchNumber: '0042', expiry: '2027-03-31' },
        { productId: serial.id, bayId: loc.bayA, serials: ['00123', '1E5', '007E3'] },
      ]);

      // What LibreOffice kept for the next counter: text serials, protection, unlocked count cells, validation.
      const lo = new ExcelJS.Workbook();
      await lo.xlsx.load(resaved as unknown as ExcelJS.Buffer);
      expect(lo.worksheets.map((ws) => [ws.name, ws.state])).toEqual([
        ['A-01', 'visible'],
        ['B-02', 'visible'],
        ['_stocksheet', 'hidden'],
      ]);
      const loA = lo.getWorksheet('A-01')!;
      expect(loA.getCell(extra, at('Serial')).value).toBe('007E3');
      expect(loA.getCell(extra + 1, at('Serial')).numFmt).toBe('@');
      // Still protected, without a password. (LibreOffice writes booleans as "true"/"false", which ExcelJS
      // reads only as "1"/"0", so which cells are locked is checked in LibreOffice's own terms above.)
      const protection = (loA as unknown as { sheetProtection: Record<string, unknown> | null | undefined }).sheetProtection;
      expect(protection).toBeTruthy();
      expect(protection).not.toHaveProperty('hashValue');
      // (LibreOffice adds an unused second formula to each rule.)
      expect(loA.getCell(2, at('Counted')).dataValidation).toMatchObject({
        type: 'decimal',
        operator: 'greaterThanOrEqual',
        formulae: [0, 0],
      });
      expect(loA.getCell(2, at('Found')).dataValidation).toMatchObject({ type: 'list', formulae: ['"x"', '0'] });

      // And the server takes LibreOffice's file: the variances are those of the counts above.
      const res = await fetch(sheetUrl(stocktakeId), {
        method: 'POST',
        headers: { authorization: `Bearer ${warehouseToken}` },
        body: new Uint8Array(resaved),
      });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { sheets: { sheetName: string; saved: boolean; problems: unknown[] }[] };
      expect(answer.sheets.map((s) => [s.sheetName, s.saved, s.problems])).toEqual([
        ['A-01', true, []],
        ['B-02', true, []],
      ]);
      const lines = (await client(accountantToken).stocktakes.variances.query({ stocktakeId })).lines;
      expect(
        lines.map((l) => [
          l.productId,
          l.bayId,
          l.batchNumber,
          l.expectedQuantity,
          l.countedQuantity,
          l.variance,
          l.missingSerials,
          l.newSerials,
        ]),
      ).toEqual(
        expect.arrayContaining([
          [plain.id, loc.bayA, null, 20, 18, -2, [], []],
          [plain.id, loc.bayB, null, 2.5, 2.5, 0, [], []],
          [batch.id, loc.bayA, '0042', 10, 9.5, -0.5, [], []],
          [serial.id, loc.bayA, null, 3, 3, 0, ['SN-0003'], ['007E3']],
        ]),
      );
      expect(lines).toHaveLength(4);
    },
  );
});
