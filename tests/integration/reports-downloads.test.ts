// Issue #14: any report as a download over HTTP with the bearer token: CSV read back as a program
// would, and .xlsx opened in LibreOffice (headless): the same rows, text kept as text (leading
// zeros, long digit strings), numbers as numbers, the totals row; cost columns left out for roles
// that may not see costs; refusals answered before any file starts. The LibreOffice part needs
// `soffice` (.ci/run installs it) and says it is skipped without it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import { apiClient } from '../helpers/api-client.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';
import { convert, CSV_AS_SHOWN_FILTER, CSV_FILTER, LIBREOFFICE_TIMEOUT, parseCsv, SOFFICE } from '../helpers/libreoffice.ts';

if (!SOFFICE) console.warn('SKIPPED: the report .xlsx in LibreOffice needs LibreOffice (apt-get install libreoffice-calc-nogui).');

const ADMIN_TOKEN = 'report-download-admin-token-0123456789';
let app: RunningApp;
let database: TestDatabase | undefined;
let dir: string;
let accountantToken: string;
let warehouseToken: string;
let productId: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-reports-'));
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
  const admin = apiClient(app.url, ADMIN_TOKEN);
  accountantToken = (await admin.users.create.mutate({ name: 'books', role: 'accountant' })).token;
  warehouseToken = (await admin.users.create.mutate({ name: 'floor', role: 'warehouse' })).token;
  const location = await admin.locations.create.mutate({ name: 'Main, "North" store' });
  // A SKU with leading zeros and a name a spreadsheet would take for a formula.
  const plain = await admin.products.create.mutate({ sku: '00123', name: '=1+2 widget', stockTracked: true });
  const serialised = await admin.products.create.mutate({ sku: '1234567890123456789', name: 'Serialised thing', serialised: true });
  productId = plain.id;
  await admin.stock.adjust.mutate({
    productId: plain.id,
    locationId: location.id,
    quantity: 3,
    unitCost: 3.333333,
    glCode: '5150',
    idempotencyKey: 'download-adjust-1',
  });
  await admin.serials.add.mutate({
    productId: serialised.id,
    locationId: location.id,
    text: '0007,0008',
    unitCost: 12.5,
    idempotencyKey: 'download-serials-1',
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await database?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const download = (report: string, format: 'xlsx' | 'csv', token: string | null, params?: object, method: 'GET' | 'POST' = 'GET') => {
  const query = method === 'GET' && params ? `?params=${encodeURIComponent(JSON.stringify(params))}` : '';
  return fetch(`${app.url}/reports/${report}.${format}${query}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    },
    body: method === 'POST' ? JSON.stringify({ params }) : undefined,
  });
};

describe('CSV downloads', () => {
  it('stock on hand: the rows typed as the API gives them, text kept as typed, a formula-looking name defused', async () => {
    const res = await download('stockOnHand', 'csv', accountantToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="stockOnHand-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = Buffer.from(await res.arrayBuffer());
    // A UTF-8 byte-order mark first, so Excel reads it as UTF-8.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.subarray(3).toString('utf8'));
    expect(rows[0]).toEqual([
      'SKU',
      'Product',
      'Location',
      'Bay',
      'Batch',
      'Expiry',
      'On hand',
      'Allocated',
      'Available',
      'Unit cost',
      'Value',
    ]);
    const bySku = new Map(rows.slice(1).map((r) => [r[0], r]));
    expect(bySku.get('00123')).toEqual(['00123', "'=1+2 widget", 'Main, "North" store', '', '', '', '3', '0', '3', '3.333333', '10']);
    expect(bySku.get('1234567890123456789')).toEqual([
      '1234567890123456789',
      'Serialised thing',
      'Main, "North" store',
      '',
      '',
      '',
      '2',
      '0',
      '2',
      '12.5',
      '25',
    ]);
  });

  it('leaves cost columns out for a role that may not see costs', async () => {
    const rows = parseCsv(await (await download('stockOnHand', 'csv', warehouseToken)).text());
    expect(rows[0]).toEqual(['SKU', 'Product', 'Location', 'Bay', 'Batch', 'Expiry', 'On hand', 'Allocated', 'Available']);
  });

  it('takes the parameters in a POST body as well as in the URL', async () => {
    const viaGet = await (await download('movements', 'csv', accountantToken, { productId })).text();
    const viaPost = await (await download('movements', 'csv', accountantToken, { productId }, 'POST')).text();
    expect(viaPost).toBe(viaGet);
    const rows = parseCsv(viaGet);
    expect(rows).toHaveLength(2); // the header and the one adjustment
    expect(rows[1]![rows[0]!.indexOf('SKU')]).toBe('00123');
  });

  it('refuses before any file starts: no token 401, bad parameters 400 naming the field, an unknown report 404', async () => {
    const anonymous = await download('stockOnHand', 'csv', null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/json/);

    const bad = await download('movements', 'xlsx', accountantToken, { from: '01/07/2026' });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { reason: string; message: string };
    expect(body.reason).toBe('INVALID_INPUT');
    expect(body.message).toMatch(/from/);

    const notJson = await fetch(`${app.url}/reports/movements.csv?params=%7Bnot-json`, {
      headers: { authorization: `Bearer ${accountantToken}` },
    });
    expect(notJson.status).toBe(400);

    const unknown = await download('noSuchReport', 'csv', accountantToken);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { reason: string }).reason).toBe('REPORT_NOT_FOUND');
  });
});

describe.skipIf(!SOFFICE)('the .xlsx download in LibreOffice', () => {
  it(
    'opens with the same rows: text as text, numbers as numbers in their formats, a totals row, and an About sheet',
    { timeout: LIBREOFFICE_TIMEOUT * 2 },
    async () => {
      const res = await download('stockOnHand', 'xlsx', accountantToken);
      expect(res.status).toBe(200);
      const file = path.join(dir, 'stock.xlsx');
      fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));

      const raw = await convert(dir, file, CSV_FILTER);
      const sheet = (outdir: string, name: string) => parseCsv(fs.readFileSync(path.join(outdir, `stock-${name}.csv`), 'utf8'));
      const rows = sheet(raw, 'Stock on hand');
      expect(rows[0]).toEqual([
        'SKU',
        'Product',
        'Location',
        'Bay',
        'Batch',
        'Expiry',
        'On hand',
        'Allocated',
        'Available',
        'Unit cost',
        'Value',
      ]);
      const bySku = new Map(rows.slice(1).map((r) => [r[0], r]));
      // The SKU with leading zeros and the 19-digit one are text, not numbers LibreOffice rounded.
      expect(bySku.get('00123')!.slice(0, 3)).toEqual(['00123', '=1+2 widget', 'Main, "North" store']);
      expect(bySku.get('1234567890123456789')!.slice(6)).toEqual(['2', '0', '2', '12.5', '25']);
      expect(rows.at(-1)).toEqual(['Total', '', '', '', '', '', '5', '0', '5', '', '35']);

      const shown = sheet(await convert(dir, file, CSV_AS_SHOWN_FILTER), 'Stock on hand');
      // Unit costs to six decimals as the ledger keeps them (3.333333), values to the cent.
      expect(new Map(shown.slice(1).map((r) => [r[0], r])).get('00123')!.slice(9)).toEqual(['3.333333', '10.00']);

      const about = sheet(raw, 'About');
      expect(about.find((r) => r[0] === 'Report')).toEqual(['Report', 'Stock on hand']);
      expect(about.find((r) => r[0] === 'Rows')).toEqual(['Rows', '2']);
      expect(about.find((r) => r[0] === 'Run by')).toEqual(['Run by', 'books']);
    },
  );
});
