// Issue #11: what one request may make the server do. An .xlsx upload is limited unzipped (from the
// zip's directory, and again while inflating, so a lying header stops there) and in rows and cells
// while it is parsed, and /health keeps answering meanwhile; numbers a sheet holds that the database
// cannot store are refused at their cell; a tRPC batch has at most 50 calls. Over real HTTP, on
// PGlite, or on PostgreSQL with TEST_DATABASE_URL.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { TRPCClientError } from '@trpc/client';
import ExcelJS from 'exceljs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import { errorResponse } from '../../server/http/respond.ts';
import { MAX_BATCH_CALLS } from '../../server/http/server.ts';
import type { AppRouter } from '../../server/router.ts';
import { INTERNAL_ERROR_MESSAGE } from '../../server/trpc.ts';
import { openXlsxUpload, readUploadBody, UPLOAD_LIMITS, UploadTooLarge } from '../../server/uploads/guard.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';
import { apiClient } from '../helpers/api-client.ts';

const ADMIN_TOKEN = 'hardening-admin-token-0123456789abcdef';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MB = 1024 * 1024;

let app: RunningApp;
let database: TestDatabase | undefined;
let dataDir: string;
let warehouseToken: string;
let stocktakeId: number;
let plainId: number;
let bayId: number;

function client(token: string) {
  return apiClient(app.url, token);
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-hardening-'));
  if (onPostgres) database = await freshDatabase();
  app = await startApp(
    { port: 0, tls: false, adminToken: ADMIN_TOKEN, logLevel: 'silent', dataDir, databaseUrl: database?.url ?? undefined },
    pino({ level: 'silent' }),
  );
  const admin = client(ADMIN_TOKEN);
  warehouseToken = (await admin.users.create.mutate({ name: 'counter', role: 'warehouse' })).token;
  const location = await admin.locations.create.mutate({ name: 'Store' });
  bayId = (await admin.locations.addBay.mutate({ locationId: location.id, name: 'A-01' })).id;
  plainId = (await admin.products.create.mutate({ sku: 'PLN-1', name: 'Plain thing', stockTracked: true })).id;
  await admin.stock.adjust.mutate({
    productId: plainId,
    locationId: location.id,
    bayId,
    quantity: 20,
    glCode: '630',
    unitCost: 2,
    idempotencyKey: randomUUID(),
  });
  const counter = client(warehouseToken);
  stocktakeId = (await counter.stocktakes.create.mutate({ locationId: location.id })).id;
  await counter.stocktakes.start.mutate({ id: stocktakeId });
});

afterAll(async () => {
  await app?.stop();
  await database?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const sheetUrl = () => `${app.url}/stocktakes/${stocktakeId}/count-sheet.xlsx`;

async function download(): Promise<Buffer> {
  const res = await fetch(sheetUrl(), { headers: { authorization: `Bearer ${warehouseToken}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function upload(body: Buffer) {
  const res = await fetch(sheetUrl(), {
    method: 'POST',
    headers: { authorization: `Bearer ${warehouseToken}`, 'content-type': XLSX },
    body: new Uint8Array(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> & { reason?: string; message?: string } };
}

// A zip written and read by hand, so a test can put any bytes in it and make its directory say anything.
interface ZipFile {
  name: string;
  method: number;
  data: Buffer;
  size: number;
  crc: number;
}

function readZip(zip: Buffer): ZipFile[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(end + 16);
  const files: ZipFile[] = [];
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    files.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      data: zip.subarray(start, start + zip.readUInt32LE(at + 20)),
      size: zip.readUInt32LE(at + 24),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return files;
}

function writeZip(files: ZipFile[]): Buffer {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(file.method, 8);
    local.writeUInt32LE(file.crc, 14);
    local.writeUInt32LE(file.data.length, 18);
    local.writeUInt32LE(file.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(file.method, 10);
    central.writeUInt32LE(file.crc, 16);
    central.writeUInt32LE(file.data.length, 20);
    central.writeUInt32LE(file.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, file.data);
    directory.push(central, name);
    offset += 30 + name.length + file.data.length;
  }
  const cd = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}

/** Deflates the parts as they come (a bomb is never held unzipped in the test either). */
async function deflated(name: string, parts: Iterable<Buffer | string>): Promise<ZipFile> {
  const deflate = zlib.createDeflateRaw({ level: 1 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  let size = 0;
  let crc = 0;
  const write = async (bytes: Buffer) => {
    size += bytes.length;
    crc = zlib.crc32(bytes, crc);
    if (!deflate.write(bytes)) await once(deflate, 'drain');
  };
  // Small parts (a row each) are gathered into chunks of about 1 MB.
  let pending: string[] = [];
  let pendingLength = 0;
  for (const part of parts) {
    if (typeof part === 'string') {
      pending.push(part);
      pendingLength += part.length;
      if (pendingLength < MB) continue;
    }
    if (pending.length > 0) await write(Buffer.from(pending.join('')));
    pending = [];
    pendingLength = 0;
    if (typeof part !== 'string') await write(part);
  }
  if (pending.length > 0) await write(Buffer.from(pending.join('')));
  deflate.end();
  await once(deflate, 'end');
  return { name, method: 8, data: Buffer.concat(out), size, crc };
}

const SHEET_START =
  '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
const SHEET_END = '</sheetData></worksheet>';

/** The downloaded count sheet with its first count worksheet (A-01) replaced. */
async function withFirstSheet(sheet: ZipFile | ((name: string) => Promise<ZipFile>)): Promise<Buffer> {
  const files = readZip(await download());
  const name = 'xl/worksheets/sheet1.xml';
  expect(files.map((f) => f.name)).toContain(name);
  const replacement = typeof sheet === 'function' ? await sheet(name) : sheet;
  return writeZip(files.map((f) => (f.name === name ? replacement : f)));
}

/** The same 1 MB of identical rows, again and again: a few hundred KB zipped. */
function* identicalRows(megabytes: number): Generator<Buffer> {
  yield Buffer.from(SHEET_START);
  const row = '<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>';
  const chunk = Buffer.from(row.repeat(Math.ceil(MB / row.length)));
  for (let i = 0; i < megabytes; i++) yield chunk;
  yield Buffer.from(SHEET_END);
}

/** Samples the process's memory while `work` runs; the server runs in this process. */
async function peakMemoryGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growthMb: (peak - before) / MB };
  } finally {
    clearInterval(timer);
  }
}

const limitsInMessage = (message: string | undefined) => {
  expect(message).toContain('20 MB as sent');
  expect(message).toContain('150 MB unzipped');
  expect(message).toContain('200,000 rows');
  expect(message).toContain('2,500,000 cells');
};

describe('upload limits (the upload guard)', () => {
  it('refuses a workbook whose zip says it unzips past the limit, before inflating anything', async () => {
    const bomb = await withFirstSheet((name) => deflated(name, identicalRows(160)));
    expect(bomb.length).toBeLessThan(UPLOAD_LIMITS.bodyBytes);
    const started = performance.now();
    const { result, growthMb } = await peakMemoryGrowth(() => upload(bomb));
    expect(result.status).toBe(413);
    expect(result.body).toEqual({ reason: 'UPLOAD_TOO_LARGE', message: expect.stringContaining('unzips to more than 150 MB') });
    limitsInMessage(result.body.message);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(growthMb).toBeLessThan(200);
  });

  it('refuses a zip whose header lies about a file’s size, as soon as inflating passes it', async () => {
    const honest = await deflated('xl/worksheets/sheet1.xml', identicalRows(160));
    const lying = await withFirstSheet({ ...honest, size: 10_000 });
    const { result, growthMb } = await peakMemoryGrowth(() => upload(lying));
    expect(result.status).toBe(413);
    expect(result.body).toEqual({
      reason: 'UPLOAD_TOO_LARGE',
      message: expect.stringContaining('xl/worksheets/sheet1.xml in the upload unzips to more than the 10,000 bytes its zip header says'),
    });
    limitsInMessage(result.body.message);
    expect(growthMb).toBeLessThan(200);
  });

  it('refuses more rows than the limit while parsing, even when they unzip within it', async () => {
    const rows = function* () {
      yield SHEET_START;
      for (let r = 1; r <= 250_000; r++) yield `<row r="${r}"><c r="A${r}"><v>1</v></c></row>`;
      yield SHEET_END;
    };
    const body = await withFirstSheet((name) => deflated(name, rows()));
    const { result, growthMb } = await peakMemoryGrowth(() => upload(body));
    expect(result.status).toBe(413);
    expect(result.body).toEqual({ reason: 'UPLOAD_TOO_LARGE', message: expect.stringContaining('more than 200,000 rows') });
    expect(growthMb).toBeLessThan(300);
  });

  it('refuses a filled-in row past the row limit without making the rows before it', async () => {
    const far = 1_048_576;
    const body = await withFirstSheet((name) =>
      deflated(name, [SHEET_START, `<row r="${far}"><c r="A${far}"><v>1</v></c></row>`, SHEET_END]),
    );
    const result = await upload(body);
    expect(result.status).toBe(413);
    expect(result.body).toEqual({ reason: 'UPLOAD_TOO_LARGE', message: expect.stringContaining('Row 1,048,576 is filled in') });
  });

  it('counts cells against the limit, and the body too, both with the limits in the message', async () => {
    const sheet = await download();
    const error = await openXlsxUpload(sheet, { ...UPLOAD_LIMITS, cells: 10 })
      .then((workbook) => Promise.all(workbook.worksheets.map((ws) => workbook.values(ws.name))))
      .then(
        () => expect.fail('expected the cell limit to refuse'),
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(UploadTooLarge);
    expect((error as UploadTooLarge).message).toContain('more than 10 cells');

    // The body as sent (over HTTP the server answers before the client has sent it all, and closes).
    const body = Object.assign(Readable.from([Buffer.alloc(UPLOAD_LIMITS.bodyBytes), Buffer.alloc(1)]), { headers: {} });
    const tooBig = await readUploadBody(body as unknown as IncomingMessage).then(
      () => expect.fail('expected the body limit to refuse'),
      (e: unknown) => e as UploadTooLarge,
    );
    expect(tooBig).toBeInstanceOf(UploadTooLarge);
    expect(tooBig).toMatchObject({ status: 413, reason: 'UPLOAD_TOO_LARGE', headers: { connection: 'close' } });
    expect(tooBig.message).toContain('The upload is larger than 20 MB');
    limitsInMessage(tooBig.message);
  });

  it('keeps answering /health while a large allowed upload is parsed', async () => {
    const header = ['SKU', 'Product', 'Bay', 'Batch', 'Expiry', 'Serial', 'Expected', 'Counted', 'Found', 'Product ID', 'Bay ID'];
    const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
    const rows = function* () {
      yield SHEET_START;
      yield `<row r="1">${header.map((h, i) => cell(`${String.fromCharCode(65 + i)}1`, h)).join('')}</row>`;
      // 150,000 rows of notes: within the limits, and nothing counted on them.
      for (let r = 2; r <= 150_001; r++) yield `<row r="${r}">${cell(`A${r}`, 'note')}${cell(`B${r}`, `line ${r}`)}</row>`;
      yield SHEET_END;
    };
    const body = await withFirstSheet((name) => deflated(name, rows()));

    let done = false;
    const started = performance.now();
    const uploading = upload(body).finally(() => (done = true));
    const latencies: number[] = [];
    while (!done) {
      const asked = performance.now();
      const res = await fetch(`${app.url}/health`);
      expect(res.status).toBe(200);
      await res.json();
      latencies.push(performance.now() - asked);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const result = await uploading;
    const took = performance.now() - started;
    expect(result.status).toBe(200);
    expect(result.body.sheets).toEqual([expect.objectContaining({ sheetName: 'A-01', saved: false, rows: 0, problems: [] })]);
    // The upload took a while (seconds on these machines); /health answered all along.
    expect(took).toBeGreaterThan(200);
    expect(latencies.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  });
});

describe('numbers out of range in an uploaded sheet', () => {
  async function filled(change: (sheet: ExcelJS.Worksheet, row: number, column: (name: string) => number) => void) {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await download()) as unknown as ExcelJS.Buffer);
    const sheet = workbook.getWorksheet('A-01')!;
    const header = (sheet.getRow(1).values as unknown[]).map(String);
    const column = (name: string) => header.indexOf(name);
    let row = 0;
    sheet.eachRow((r, n) => {
      if (r.getCell(column('SKU')).value === 'PLN-1') row = n;
    });
    sheet.getCell(row, column('Counted')).value = 19;
    change(sheet, row, column);
    return { body: Buffer.from(await workbook.xlsx.writeBuffer()), row };
  }

  const noInternals = (text: string) => {
    for (const leak of ['node_modules', '/server/', '.ts:', 'prisma', 'Prisma', 'stack']) expect(text).not.toContain(leak);
  };

  it.each([
    ['Product ID', 2_147_483_648, 'Product ID 2147483648 is out of range: ids go up to 2,147,483,647'],
    ['Bay ID', 2_147_483_648, 'Bay ID 2147483648 is out of range: ids go up to 2,147,483,647'],
    ['Counted', 1e15, 'is out of range: a count is under 100,000,000,000,000'],
  ])('refuses %s %d at its cell, saving nothing of that sheet', async (columnName, value, message) => {
    const { body, row } = await filled((sheet, r, column) => (sheet.getCell(r, column(columnName)).value = value));
    const result = await upload(body);
    expect(result.status).toBe(200);
    noInternals(result.text);
    expect(result.body.sheets).toEqual([
      expect.objectContaining({
        sheetName: 'A-01',
        saved: false,
        problems: [{ row, column: columnName, reason: 'NUMBER_TOO_LARGE', message: expect.stringContaining(message) }],
      }),
    ]);
    const counted = await client(warehouseToken).stocktakes.get.query({ id: stocktakeId });
    expect(counted.sheets).toEqual([]);
  });

  it('never answers an internal message: anything but a refusal is a plain 500', () => {
    const internal = new Error('ENOENT: /work/main/server/modules/x.ts:12 Invalid `prisma.stocktakeCountRow.create()` invocation');
    expect(errorResponse(internal)).toEqual({
      status: 500,
      headers: {},
      body: { reason: 'INTERNAL_ERROR', message: INTERNAL_ERROR_MESSAGE },
    });
    expect(errorResponse('a string').body).toEqual({ reason: 'INTERNAL_ERROR', message: INTERNAL_ERROR_MESSAGE });
  });
});

describe('tRPC batches', () => {
  it(`refuses a batch of more than ${MAX_BATCH_CALLS} calls whole, before any call runs`, async () => {
    const admin = client(ADMIN_TOKEN);
    const calls = Array.from({ length: MAX_BATCH_CALLS + 1 }, (_, i) => admin.customers.create.mutate({ name: `over-${i}` }));
    const outcomes = await Promise.allSettled(calls);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as TRPCClientError<AppRouter>;
      expect(error).toBeInstanceOf(TRPCClientError);
      expect(error.data).toMatchObject({ reason: 'BATCH_TOO_LARGE', httpStatus: 413 });
      expect(error.message).toBe(
        `This request batches ${MAX_BATCH_CALLS + 1} calls; at most ${MAX_BATCH_CALLS} may go in one request (httpBatchLink's maxItems). Nothing was run.`,
      );
    }
    const { items } = await admin.customers.list.query();
    expect(items.filter((c) => c.name.startsWith('over-'))).toEqual([]);

    // The same refusal for a GET batch of queries, as plain JSON a client without tRPC can read.
    const paths = Array.from({ length: 1_100 }, () => 'users.me').join(',');
    const res = await fetch(`${app.url}/trpc/${paths}?batch=1&input={}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { json: { message: string; data: { reason: string } } } };
    expect(body.error.json.data.reason).toBe('BATCH_TOO_LARGE');
    expect(body.error.json.message).toContain('batches 1,100 calls; at most 50');
  });

  it(`runs a batch of exactly ${MAX_BATCH_CALLS} calls`, async () => {
    const admin = client(ADMIN_TOKEN);
    const created = await Promise.all(
      Array.from({ length: MAX_BATCH_CALLS }, (_, i) => admin.customers.create.mutate({ name: `at-cap-${i}` })),
    );
    expect(created).toHaveLength(MAX_BATCH_CALLS);
    expect(new Set(created.map((c) => c.id)).size).toBe(MAX_BATCH_CALLS);
  });
});
