// Input the schemas allowed but the database could not take (issue #11), and refusals that said
// nothing about why: each class is refused with its reason (never a 500) and changes nothing.
// Over HTTP through the real server (the error formatter gives input refusals their reason), and
// through callers for the refusals services make. Runs on PGlite, or PostgreSQL with TEST_DATABASE_URL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AuthUser } from '../../server/context.ts';
import { DomainError } from '../../server/domain/errors.ts';
import { createServer } from '../../server/http/server.ts';
import { checkAllocation } from '../../server/modules/allocations/service.ts';
import { checkNewSerials } from '../../server/modules/serials/check.ts';
import { adjustSerials } from '../../server/modules/serials/service.ts';
import { createUser } from '../../server/modules/users/service.ts';
import { appRouter } from '../../server/router.ts';
import { INTERNAL_ERROR_MESSAGE, publicProcedure, router } from '../../server/trpc.ts';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { location, plainProduct, purchasableCodes, sellableCodes, serialisedProduct } from '../helpers/fixtures.ts';

const app = useTestApp();
const admin = app.as('admin');
const warehouse = app.as('warehouse');
const silent = pino({ level: 'silent' });

let server: http.Server;
let base: string;
let token: string;
let user: AuthUser;

beforeAll(async () => {
  ({ token, user } = await createUser(app.db.prisma, { name: 'hardening-admin', role: 'admin' }));
  server = createServer({ db: app.db, log: silent, tls: null });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server?.close(resolve)));

interface ErrorBody {
  message: string;
  code: string;
  data: { reason?: string; httpStatus: number; fieldErrors?: Record<string, string[]> };
}

/** One tRPC call over HTTP as admin (POST, superjson), answered with its status and error shape. */
async function send(path: string, init: { body?: string; method?: string; headers?: Record<string, string>; url?: string } = {}) {
  const res = await fetch(init.url ?? `${base}/trpc/${path}`, {
    method: init.method ?? 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    body: init.body,
  });
  const text = await res.text();
  const body = JSON.parse(text) as { error?: { json: ErrorBody }; result?: { data: { json: unknown } } };
  return { status: res.status, error: body.error?.json, result: body.result?.data.json, text };
}
const call = (path: string, input: unknown) => send(path, { body: JSON.stringify(superjson.serialize(input)) });

/** The refusal of a call over HTTP: 4xx with a reason; a message that is a sentence, never JSON. */
async function refused(path: string, input: unknown) {
  const r = await call(path, input);
  expect(r.error, `${path} ${r.text.slice(0, 300)}`).toBeDefined();
  expect(r.status).toBeLessThan(500);
  expect(r.error!.message).not.toMatch(/^\s*[[{]/);
  return { status: r.status, reason: r.error!.data.reason, message: r.error!.message, fieldErrors: r.error!.data.fieldErrors };
}

const counts = async () => ({
  products: await app.db.prisma.product.count(),
  locations: await app.db.prisma.location.count(),
  bays: await app.db.prisma.bay.count(),
  serials: await app.db.prisma.serialNumber.count(),
  movements: await app.db.prisma.stockMovement.count(),
  orders: await app.db.prisma.purchaseOrder.count(),
  salesOrders: await app.db.prisma.salesOrder.count(),
  stocktakes: await app.db.prisma.stocktake.count(),
  suppliers: await app.db.prisma.supplier.count(),
});

const PAST_INT4 = 2_147_483_648;

describe('ids past the int4 range', () => {
  it('are refused as invalid input naming the field and the limit, for ids, cursors, bay ids and line numbers', async () => {
    const loc = await location(warehouse, ['A']);
    const before = await counts();
    const cases: [string, unknown, string][] = [
      ['products.get', { id: PAST_INT4 }, 'id must be at most 2,147,483,647'],
      ['products.list', { cursor: PAST_INT4 }, 'cursor must be at most 2,147,483,647'],
      ['serials.list', { productId: PAST_INT4 }, 'productId must be at most 2,147,483,647'],
      ['stocktakes.create', { locationId: loc.id, bayIds: [loc.bayIds[0], PAST_INT4] }, 'bayIds.1 must be at most 2,147,483,647'],
      [
        'purchaseOrders.previewSerialTable',
        { purchaseOrderId: 1, rows: [{ line: PAST_INT4, serial: 'X' }] },
        'rows.0.line must be at most',
      ],
      ['locations.rename', { id: -1, name: 'Nowhere' }, 'id must be 1 or more'],
    ];
    for (const [path, input, message] of cases) {
      const r = await refused(path, input);
      expect(r, path).toMatchObject({ status: 400, reason: 'INVALID_INPUT' });
      expect(r.message, path).toContain(message);
    }
    expect(await counts()).toEqual(before);
  });

  it('are refused before the database through a caller too (BAD_REQUEST, the same sentence)', async () => {
    const r = await refusal(admin.products.get({ id: PAST_INT4 }));
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toBe('id must be at most 2,147,483,647 (no id is larger).');
  });
});

describe('NUL (U+0000) in any string', () => {
  it('is refused with INVALID_CHARACTERS naming the field, in every kind of string, and nothing is written', async () => {
    const product = await serialisedProduct(admin);
    const plain = await plainProduct(admin);
    const loc = await location(warehouse, ['A']);
    const before = await counts();
    const adjust = { productId: plain.id, locationId: loc.id, quantity: 1, glCode: '630', unitCost: 1, idempotencyKey: key() };
    const cases: [string, unknown, string][] = [
      ['products.create', { sku: 'NUL\u0000SKU', name: 'Nul' }, 'SKU contains a NUL character (U+0000)'],
      ['products.create', { sku: 'NUL-NAME', name: 'Nul\u0000' }, 'name contains a NUL character'],
      ['products.update', { id: plain.id, saleGlCode: '200\u0000' }, 'saleGlCode: code contains a NUL character'],
      ['products.list', { search: 'a\u0000' }, 'search contains a NUL character'],
      ['locations.create', { name: 'Main\u0000' }, 'name contains a NUL character'],
      ['suppliers.create', { name: '\u0000' }, 'name contains a NUL character'],
      [
        'serials.add',
        { productId: product.id, locationId: loc.id, serials: ['OK1', 'B\u0000D'], idempotencyKey: key() },
        'serials.1: serial contains',
      ],
      ['serials.preview', { productId: product.id, text: 'A1 A\u00002' }, 'text contains a NUL character'],
      [
        'serials.adjust',
        { productId: product.id, locationId: loc.id, remove: ['X\u0000'], glCode: '630', idempotencyKey: key() },
        'remove.0: serial',
      ],
      ['serials.list', { search: '\u0000' }, 'search contains'],
      ['serials.history', { productId: product.id, serial: 'S\u00001' }, 'serial contains'],
      ['stock.adjust', { ...adjust, glCode: '63\u00000' }, 'GL code contains a NUL character'],
      ['stock.adjust', { ...adjust, narrative: 'count\u0000' }, 'narrative contains a NUL character'],
      ['stock.adjust', { ...adjust, idempotencyKey: `${key()}\u0000` }, 'idempotencyKey contains a NUL character'],
      ['stocktakes.submitCounts', { stocktakeId: 1, sheetKey: 'A\u0000', rows: [], idempotencyKey: key() }, 'sheetKey contains'],
      [
        'stocktakes.submitCounts',
        { stocktakeId: 1, sheetKey: 'A', rows: [{ productId: product.id, serials: ['S\u00001'] }], idempotencyKey: key() },
        'rows.0.serials.0: serial contains',
      ],
      ['purchaseOrders.previewSerialTable', { purchaseOrderId: 1, rows: [{ sku: 'X\u0000', serial: 'S1' }] }, 'rows.0.sku: sku contains'],
    ];
    for (const [path, input, message] of cases) {
      const r = await refused(path, input);
      expect(r, path).toMatchObject({ status: 400, reason: 'INVALID_CHARACTERS' });
      expect(r.message, path).toContain(message);
    }
    expect(await counts()).toEqual(before);
  });
});

describe('numbers the schemas allowed but the columns cannot hold', () => {
  async function orderParts() {
    const product = await plainProduct(admin, purchasableCodes);
    const loc = await location(warehouse);
    const supplier = await admin.suppliers.create({ name: `Supplier ${key()}` });
    return { product, loc, supplier };
  }

  it('refuses a unit cost or price of 1e12 (numeric(18,6) holds less) with NUMBER_TOO_LARGE', async () => {
    const { product, loc, supplier } = await orderParts();
    const sellable = await plainProduct(admin, sellableCodes);
    const customer = await admin.customers.create({ name: `Customer ${key()}` });
    const before = await counts();
    const order = { supplierId: supplier.id, locationId: loc.id, currency: 'USD', exchangeRate: 1 };
    const cost = await refused('purchaseOrders.create', { ...order, lines: [{ productId: product.id, quantity: 1, unitCost: 1e12 }] });
    expect(cost).toMatchObject({ status: 400, reason: 'NUMBER_TOO_LARGE' });
    expect(cost.message).toContain('lines.0.unitCost: unit cost must be less than 1,000,000,000,000');
    const price = await refused('salesOrders.create', {
      customerId: customer.id,
      locationId: loc.id,
      lines: [{ productId: sellable.id, quantity: 1, unitPrice: 1e12 }],
    });
    expect(price).toMatchObject({ status: 400, reason: 'NUMBER_TOO_LARGE' });
    expect(price.message).toContain('unit price must be less than 1,000,000,000,000');
    const adjust = await refused('stock.adjust', {
      productId: product.id,
      locationId: loc.id,
      quantity: 1e13,
      glCode: '630',
      unitCost: 1,
      idempotencyKey: key(),
    });
    expect(adjust).toMatchObject({ status: 400, reason: 'NUMBER_TOO_LARGE' });
    expect(adjust.message).toContain('quantity must be at most 1,000,000,000,000');
    expect(await counts()).toEqual(before);
    // Just under the limit is fine.
    const fine = await admin.purchaseOrders.create({
      ...order,
      lines: [{ productId: product.id, quantity: 1, unitCost: 999_999_999_999.99 }],
    });
    expect(fine.lines[0]!.unitCost).toBe(999_999_999_999.99);
  });

  it('refuses an order whose unit cost times its exchange rate would not fit a unit cost, on create and on update', async () => {
    const { product, loc, supplier } = await orderParts();
    const before = await counts();
    const header = { supplierId: supplier.id, locationId: loc.id, currency: 'USD' };
    const created = await refusal(
      admin.purchaseOrders.create({ ...header, exchangeRate: 1e9, lines: [{ productId: product.id, quantity: 1, unitCost: 10_000 }] }),
    );
    expect(created).toMatchObject({ code: 'BAD_REQUEST', reason: 'NUMBER_TOO_LARGE' });
    expect(created.message).toContain("Line 1's unit cost in base currency");
    expect(created.message).toContain('must be less than 1,000,000,000,000');
    expect(await counts()).toEqual(before);

    const order = await admin.purchaseOrders.create({
      ...header,
      exchangeRate: 1.5,
      lines: [{ productId: product.id, quantity: 1, unitCost: 10_000 }],
    });
    const rate = await refusal(admin.purchaseOrders.update({ id: order.id, exchangeRate: 1e9 }));
    expect(rate).toMatchObject({ code: 'BAD_REQUEST', reason: 'NUMBER_TOO_LARGE' });
    const lines = await refusal(
      admin.purchaseOrders.update({
        id: order.id,
        lines: [{ id: order.lines[0]!.id, productId: product.id, quantity: 1, unitCost: 999_999_999_999 }],
      }),
    );
    expect(lines).toMatchObject({ code: 'BAD_REQUEST', reason: 'NUMBER_TOO_LARGE' });
    expect(await admin.purchaseOrders.get({ id: order.id })).toEqual(order);
    // What the order can take is still received fine.
    await admin.purchaseOrders.issue({ id: order.id });
    const receipt = await admin.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 1 }],
      idempotencyKey: key(),
    });
    expect(receipt).toBeDefined();
  });

  it('refuses an exchange rate the rate column would store as zero', async () => {
    const { product, loc, supplier } = await orderParts();
    const r = await refused('purchaseOrders.create', {
      supplierId: supplier.id,
      locationId: loc.id,
      currency: 'USD',
      exchangeRate: 1e-9,
      lines: [{ productId: product.id, quantity: 1, unitCost: 1 }],
    });
    expect(r).toMatchObject({ status: 400, reason: 'INVALID_INPUT' });
    expect(r.message).toContain('exchangeRate must be at least 0.00000001');
  });

  it('refuses the stock adjustment that would take a stock level past numeric(18,4), and the level stays', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    const adjust = (quantity: number) =>
      warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity, glCode: '630', unitCost: 0, idempotencyKey: key() });
    for (let i = 0; i < 99; i++) await adjust(1e12);
    const level = async () => (await warehouse.stock.levels({ productId: product.id })).items.map((l) => l.quantity);
    expect(await level()).toEqual([99e12]);
    const movements = await app.db.prisma.stockMovement.count({ where: { productId: product.id } });
    const r = await refusal(adjust(1e12));
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'NUMBER_TOO_LARGE' });
    expect(r.message).toContain('must be less than 100,000,000,000,000');
    expect(await level()).toEqual([99e12]);
    expect(await app.db.prisma.stockMovement.count({ where: { productId: product.id } })).toBe(movements);
    // Taking out, or adding what still fits, works.
    await adjust(-1e12);
    await adjust(1e12);
    expect(await level()).toEqual([99e12]);
  });
});

describe('a serial the rules refuse never reaches the database', () => {
  // The input schemas refuse NUL before a service runs; a service called another way (a future
  // import, a script) must still judge such a value, not send it to PostgreSQL (22021 -> 500).
  const nul = 'SN\u00001';

  it('checking new serials, allocating and writing off name the bad value at its entry and look up the rest', async () => {
    const loc = await location(admin);
    const product = await serialisedProduct(admin, sellableCodes);
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['OK-1', 'OK-2'], idempotencyKey: key() });

    const checked = await checkNewSerials(app.db.prisma, product.id, { serials: [nul, 'OK-1', 'NEW-1'] });
    expect(checked.problems.map((p) => [p.index, p.reason])).toEqual([
      [0, 'INVALID_CHARACTERS'],
      [1, 'SERIAL_EXISTS'],
    ]);

    const customer = await admin.customers.create({ name: `Customer ${key()}` });
    const order = await admin.salesOrders.create({
      customerId: customer.id,
      locationId: loc.id,
      lines: [{ productId: product.id, quantity: 2, unitPrice: 1 }],
    });
    const allocation = await checkAllocation(app.db.prisma, { type: 'salesOrder', lineId: order.lines[0]!.id, serials: [nul, 'OK-2'] });
    expect(allocation.problems.map((p) => [p.index, p.reason])).toEqual([[0, 'INVALID_CHARACTERS']]);

    const before = await counts();
    const writeOff = await adjustSerials(app.db.prisma, user.id, {
      productId: product.id,
      locationId: loc.id,
      remove: [nul, 'OK-1'],
      glCode: '630',
      idempotencyKey: key(),
    }).catch((e: unknown) => e);
    expect(writeOff).toBeInstanceOf(DomainError);
    expect((writeOff as DomainError).problems?.map((p) => [p.index, p.reason])).toEqual([[0, 'INVALID_CHARACTERS']]);
    expect(await counts()).toEqual(before);
  });
});

describe('sums of entries that would not fit a stock level or a movement are refused where they are made', () => {
  const accountant = app.as('accountant');
  const levelOf = async (productId: number) => (await warehouse.stock.levels({ productId })).items.map((l) => l.quantity);

  /** A place holding 99e12, one entry (1e12) short of what a quantity column holds. */
  async function nearlyFull(productId: number, locationId: number) {
    for (let i = 0; i < 99; i++)
      await warehouse.stock.adjust({ productId, locationId, quantity: 1e12, glCode: '630', unitCost: 0, idempotencyKey: key() });
    expect(await levelOf(productId)).toEqual([99e12]);
  }

  it('a receipt that would take the level past numeric(18,4): refused, the order stays as it was', async () => {
    const product = await plainProduct(admin, purchasableCodes);
    const loc = await location(warehouse);
    const supplier = await admin.suppliers.create({ name: `Supplier ${key()}` });
    await nearlyFull(product.id, loc.id);
    const order = await admin.purchaseOrders.create({
      supplierId: supplier.id,
      locationId: loc.id,
      currency: 'NZD',
      exchangeRate: 1,
      lines: [{ productId: product.id, quantity: 1e12, unitCost: 1 }],
    });
    await admin.purchaseOrders.issue({ id: order.id });
    const before = await counts();
    const r = await refusal(
      admin.purchaseOrders.receive({
        purchaseOrderId: order.id,
        lines: [{ lineId: order.lines[0]!.id, quantity: 1e12 }],
        idempotencyKey: key(),
      }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'NUMBER_TOO_LARGE' });
    expect(r.message).toContain(
      `The stock of ${product.sku} at ${loc.name} after adding 1,000,000,000,000 to the 99,000,000,000,000 there`,
    );
    expect(r.message).toContain('must be less than 100,000,000,000,000');
    expect(await counts()).toEqual(before);
    expect(await levelOf(product.id)).toEqual([99e12]);
    expect((await admin.purchaseOrders.get({ id: order.id })).lines[0]).toMatchObject({ receivedQuantity: 0 });
  });

  it('a work order whose output would take the level past numeric(18,4): refused at completion, still in progress', async () => {
    const output = await plainProduct(admin);
    const loc = await location(warehouse);
    await nearlyFull(output.id, loc.id);
    const wo = await warehouse.workOrders.create({ locationId: loc.id, inputs: [], outputs: [{ productId: output.id, quantity: 1e12 }] });
    await warehouse.workOrders.start({ id: wo.id });
    const before = await counts();
    const r = await refusal(warehouse.workOrders.complete({ id: wo.id, idempotencyKey: key() }));
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'NUMBER_TOO_LARGE' });
    expect(r.message).toContain(`The stock of ${output.sku} at ${loc.name} after adding 1,000,000,000,000`);
    expect(await counts()).toEqual(before);
    expect((await warehouse.workOrders.get({ id: wo.id })).status).toBe('in_progress');
    expect(await levelOf(output.id)).toEqual([99e12]);
  });

  it('a stocktake whose counts add up past what one movement holds: refused at finalising, nothing adjusted', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    const created = await warehouse.stocktakes.create({ locationId: loc.id, productIds: [product.id] });
    await warehouse.stocktakes.start({ id: created.id });
    // 101 rows of 1e12, each a quantity one entry may be: together 1.01e14.
    const rows = Array.from({ length: 101 }, () => ({ productId: product.id, countedQuantity: 1e12 }));
    const submitted = await warehouse.stocktakes.submitCounts({ stocktakeId: created.id, sheetKey: 'all', rows, idempotencyKey: key() });
    expect(submitted.saved).toBe(true);
    await warehouse.stocktakes.review({ id: created.id });
    const before = await counts();
    const r = await refusal(accountant.stocktakes.finalise({ stocktakeId: created.id, idempotencyKey: key() }));
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'NUMBER_TOO_LARGE' });
    expect(r.message).toContain('One stock movement would be 101,000,000,000,000');
    expect(await counts()).toEqual(before);
    expect((await warehouse.stocktakes.get({ id: created.id })).status).toBe('review');
    expect(await levelOf(product.id)).toEqual([]);
  });
});

describe('refusals tRPC makes itself carry a reason and a message to act on', () => {
  it('a body that is not JSON: MALFORMED_REQUEST', async () => {
    const r = await send('locations.create', { body: '{"json": {"name": "half' });
    expect(r.status).toBe(400);
    expect(r.error!.data.reason).toBe('MALFORMED_REQUEST');
    expect(r.error!.message).toMatch(/not valid JSON/);
    expect(r.error!.message).not.toMatch(/Unexpected|position/);
  });

  it('input nested too deeply for the transformer: MALFORMED_REQUEST, not the stack overflow', async () => {
    // superjson walks its meta annotations recursively: a deep tree of them overflows the stack.
    const depth = 10_000;
    const tree = `${'{"a":'.repeat(depth)}["undefined"]${'}'.repeat(depth)}`;
    const r = await send('locations.create', { body: `{"json":{"name":"Deep"},"meta":{"values":${tree}}}` });
    expect(r.status).toBe(400);
    expect(r.error!.data.reason).toBe('MALFORMED_REQUEST');
    expect(r.error!.message).toMatch(/nested too deeply/);
    expect(r.error!.message).not.toMatch(/call stack/i);
    expect(await app.db.prisma.location.count({ where: { name: 'Deep' } })).toBe(0);
  });

  it('an unknown procedure: 404 UNKNOWN_PROCEDURE naming it', async () => {
    const r = await send('nothing.here', { method: 'GET', headers: {} });
    expect(r.status).toBe(404);
    expect(r.error!.data.reason).toBe('UNKNOWN_PROCEDURE');
    expect(r.error!.message).toContain('"nothing.here"');
  });

  it('a mutation sent as GET: 405 METHOD_NOT_ALLOWED', async () => {
    const input = encodeURIComponent(JSON.stringify(superjson.serialize({ name: 'By GET' })));
    const r = await send('', { method: 'GET', url: `${base}/trpc/locations.create?input=${input}` });
    expect(r.status).toBe(405);
    expect(r.error!.data.reason).toBe('METHOD_NOT_ALLOWED');
    expect(r.error!.message).toMatch(/mutations as POST/);
  });

  it('a body that is not JSON by its content type: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const r = await send('locations.create', { body: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(415);
    expect(r.error!.data.reason).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(r.error!.message).toMatch(/application\/json/);
  });

  it('a body past the size limit: 413 PAYLOAD_TOO_LARGE', async () => {
    const handler = createHTTPHandler({ router: appRouter, maxBodySize: 1_000, createContext: () => createContext(app.db, user) });
    const small = http.createServer(handler);
    await new Promise<void>((resolve) => small.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(small.address() as AddressInfo).port}/locations.create`;
      const r = await send('', { url, body: JSON.stringify({ json: { name: 'x'.repeat(5_000) } }) });
      expect(r.status).toBe(413);
      expect(r.error!.data.reason).toBe('PAYLOAD_TOO_LARGE');
      expect(r.error!.message).toMatch(/smaller parts/);
    } finally {
      await new Promise((resolve) => small.close(resolve));
    }
  });

  it('a failure inside the server: INTERNAL_ERROR with the generic message, never the detail', async () => {
    const failing = router({
      boom: publicProcedure.query(() => {
        throw new Error('relation "secret_table" does not exist');
      }),
    });
    const handler = createHTTPHandler({ router: failing, createContext: () => createContext(app.db, null) });
    const small = http.createServer(handler);
    await new Promise<void>((resolve) => small.listen(0, '127.0.0.1', resolve));
    try {
      const r = await send('', { method: 'GET', url: `http://127.0.0.1:${(small.address() as AddressInfo).port}/boom` });
      expect(r.status).toBe(500);
      expect(r.error!.data.reason).toBe('INTERNAL_ERROR');
      expect(r.error!.message).toBe(INTERNAL_ERROR_MESSAGE);
      expect(r.text).not.toContain('secret_table');
    } finally {
      await new Promise((resolve) => small.close(resolve));
    }
  });
});

describe('INVALID_INPUT messages are sentences naming the field', () => {
  it('names the field and the bound, keeps fieldErrors', async () => {
    const product = await serialisedProduct(admin);
    const r = await refused('serials.preview', { productId: product.id, text: 'A1', quantity: 100_001 });
    expect(r).toMatchObject({ status: 400, reason: 'INVALID_INPUT' });
    expect(r.message).toBe('quantity must be at most 100,000.');
    expect(r.fieldErrors).toEqual({ quantity: [expect.any(String)] });
  });

  it('names nested fields by their path, and several problems at once', async () => {
    const { id: productId } = await plainProduct(admin, purchasableCodes);
    const loc = await location(warehouse);
    const line = { productId, quantity: 1, unitCost: 1 };
    const r = await refused('purchaseOrders.create', {
      supplierId: 1,
      locationId: loc.id,
      currency: 'usd',
      exchangeRate: 1,
      lines: [line, line, line, { ...line, unitCost: -1 }],
    });
    expect(r).toMatchObject({ status: 400, reason: 'INVALID_INPUT' });
    expect(r.message).toBe('currency is a three-letter ISO code such as USD; lines.3.unitCost: unit cost cannot be negative.');
    expect(Object.keys(r.fieldErrors!).sort()).toEqual(['currency', 'lines']);
  });

  it('says what is missing or of the wrong kind, and the caller sees the same sentence', async () => {
    const missing = await refused('locations.create', {});
    expect(missing.message).toBe('name is required.');
    const wrong = await refused('products.get', { id: 'seven' });
    expect(wrong.message).toBe('id must be a number.');
    const r = await refusal(warehouse.serials.preview({ productId: 1, text: 'A', quantity: 1.5 }));
    expect(r.message).toBe('quantity must be a whole number.');
  });
});

describe('smaller holes', () => {
  it('serials.list searches % and _ as themselves', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse);
    await warehouse.serials.add({
      productId: product.id,
      locationId: loc.id,
      serials: ['AB_1', 'ABX1', 'C%1', 'CZZ1'],
      idempotencyKey: key(),
    });
    const found = async (search: string) =>
      (await warehouse.serials.list({ productId: product.id, search })).items.map((s) => s.serial).sort();
    expect(await found('_')).toEqual(['AB_1']);
    expect(await found('%')).toEqual(['C%1']);
    expect(await found('b_')).toEqual(['AB_1']);
    expect(await found('ab')).toEqual(['ABX1', 'AB_1']);
  });

  it('refuses invisible characters in names and codes, and look-alikes after normalising are duplicates', async () => {
    const name = `Main ${key().slice(0, 8)}`;
    await warehouse.locations.create({ name });
    const before = await counts();
    const hidden = await refused('locations.create', { name: `${name}\u202e\u200b` });
    expect(hidden).toMatchObject({ status: 400, reason: 'INVALID_CHARACTERS' });
    expect(hidden.message).toContain('bidirectional-text control (U+202E)');
    const sku = await refused('products.create', { sku: 'LOOK\u200bALIKE', name: 'x' });
    expect(sku).toMatchObject({ reason: 'INVALID_CHARACTERS' });
    expect(sku.message).toContain('SKU contains a zero-width space (U+200B)');
    expect((await refused('suppliers.create', { name: 'Acme\u2066' })).reason).toBe('INVALID_CHARACTERS');
    expect(
      (await refused('stock.adjust', { productId: 1, locationId: 1, quantity: 1, glCode: '6\u200d30', unitCost: 1, idempotencyKey: key() }))
        .reason,
    ).toBe('INVALID_CHARACTERS');
    expect((await refusal(warehouse.locations.create({ name: `  ${name}  ` }))).reason).toBe('LOCATION_NAME_TAKEN');
    expect(await counts()).toEqual(before);

    const cafe = `Caf\u00e9 ${key().slice(0, 8)}`;
    await warehouse.locations.create({ name: cafe });
    const decomposed = cafe.normalize('NFD');
    expect(decomposed).not.toBe(cafe);
    expect((await refusal(warehouse.locations.create({ name: decomposed }))).reason).toBe('LOCATION_NAME_TAKEN');
    const product = await admin.products.create({ sku: `N-${key().slice(0, 8)}`, name: 'Cafe\u0301 au lait' });
    expect(product.name).toBe('Caf\u00e9 au lait');
  });

  it('refuses in a literal serial the whitespace the serial syntax splits on, as text splits it', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse);
    const before = await counts();
    const r = await refusal(
      warehouse.serials.add({
        productId: product.id,
        locationId: loc.id,
        serials: ['OK-1', 'A\u00a0B', 'C\u2028D'],
        idempotencyKey: key(),
      }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_CHARACTERS' });
    expect(r.problems.map((p) => [p.index, p.reason])).toEqual([
      [1, 'INVALID_CHARACTERS'],
      [2, 'INVALID_CHARACTERS'],
    ]);
    expect(r.problems[0]!.message).toContain('no-break space (U+00A0)');
    expect(await counts()).toEqual(before);
    const text = await warehouse.serials.preview({ productId: product.id, text: 'A\u00a0B C\u2028D' });
    expect(text).toEqual({ serials: ['A', 'B', 'C', 'D'], errors: [] });
    // A plain space inside a cell stays part of the serial.
    expect((await warehouse.serials.preview({ productId: product.id, serials: ['PART 7 REV B'] })).errors).toEqual([]);
  });
});
