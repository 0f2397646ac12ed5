import { describe, expect, it } from 'vitest';
import { type Caller, key, refusal, useTestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { batchProduct, location, plainProduct, purchasableCodes, serialisedProduct } from '../helpers/fixtures.ts';

const app = useTestApp();
const admin = app.as('admin');
const purchasing = app.as('purchasing');
const warehouse = app.as('warehouse');

// ---- local helpers --------------------------------------------------------------------------

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 9)}`;

type LineInput = { productId: number; quantity: number; unitCost: number };
type Order = Awaited<ReturnType<Caller['purchaseOrders']['get']>>;

const serialised = () => serialisedProduct(admin, purchasableCodes);
const batched = () => batchProduct(admin, purchasableCodes);
const plain = () => plainProduct(admin, purchasableCodes);
/** Purchasable but not stock tracked (a service, freight): received without stock. */
const untracked = () => admin.products.create({ sku: unique('SVC'), name: 'Freight', ...purchasableCodes });

async function supplier() {
  return purchasing.suppliers.create({ name: unique('Supplier') });
}

interface OrderOptions {
  locationId: number;
  bayId?: number | null;
  currency?: string;
  exchangeRate?: number;
}

/** A draft order from a new supplier. */
async function draft(options: OrderOptions, lines: LineInput[]) {
  const s = await supplier();
  return purchasing.purchaseOrders.create({
    supplierId: s.id,
    locationId: options.locationId,
    bayId: options.bayId,
    currency: options.currency ?? 'AUD',
    exchangeRate: options.exchangeRate ?? 1,
    lines,
  });
}

/** An issued order (ready to receive). */
async function issued(options: OrderOptions, lines: LineInput[]) {
  const order = await draft(options, lines);
  return purchasing.purchaseOrders.issue({ id: order.id });
}

const get = (id: number) => purchasing.purchaseOrders.get({ id });
const lineOf = (order: Order, lineNumber: number) => order.lines.find((l) => l.lineNumber === lineNumber)!;

async function serialsOf(productId: number) {
  const { items } = await warehouse.serials.list({ productId, limit: 1000 });
  return items.map(({ serial, status, locationId, bayId, unitCost }) => ({ serial, status, locationId, bayId, unitCost }));
}

/** Serials in serial order (receipts create them bay by bay, so id order is not the entry order). */
const bySerial = <T extends { serial: string }>(list: T[]) =>
  [...list].sort((a, b) => (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0));

async function levelsOf(productId: number) {
  const { items } = await warehouse.stock.levels({ productId, limit: 1000 });
  return items.map(({ locationId, bayId, batchNumber, quantity }) => ({ locationId, bayId, batchNumber, quantity }));
}

async function batchesOf(productId: number) {
  const { items } = await warehouse.batches.list({ productId, limit: 1000 });
  return items.map(({ number, expiry, quantity, locationId, bayId, unitCost }) => ({
    number,
    expiry,
    quantity,
    locationId,
    bayId,
    unitCost,
  }));
}

const receiptMovements = (orderId: number) =>
  app.db.prisma.stockMovement.findMany({ where: { documentType: 'purchase_order', documentId: orderId }, orderBy: { id: 'asc' } });

/** Everything a user can see about an order and its products, to show a refusal changed nothing. */
async function state(orderIds: number[], productIds: number[]) {
  const prisma = app.db.prisma;
  return {
    orders: await Promise.all(orderIds.map(get)),
    serials: await Promise.all(productIds.map(serialsOf)),
    levels: await Promise.all(productIds.map(levelsOf)),
    batches: await Promise.all(productIds.map(batchesOf)),
    averageCosts: await Promise.all(productIds.map(async (id) => (await admin.products.get({ id })).averageCost)),
    movements: await prisma.stockMovement.count({ where: { productId: { in: productIds } } }),
    movementSerials: await prisma.stockMovementSerial.count({ where: { movement: { productId: { in: productIds } } } }),
    pendingSerials: await prisma.serialNumber.count({ where: { productId: { in: productIds }, status: 'on_order' } }),
    receipts: await prisma.receipt.count({ where: { purchaseOrderId: { in: orderIds } } }),
  };
}

/** The refusal of a call that must leave the orders and products exactly as they were. */
async function refusedUnchanged(orderIds: number[], productIds: number[], call: () => Promise<unknown>) {
  const before = await state(orderIds, productIds);
  const r = await refusal(call());
  expect(await state(orderIds, productIds)).toEqual(before);
  return r;
}

/** Input validation (zod) refusals: BAD_REQUEST with the ZodError as the cause. */
async function invalidInput(call: Promise<unknown>) {
  const r = await refusal(call);
  expect(r.code).toBe('BAD_REQUEST');
  expect(r.reason).toBeUndefined();
  return r.message;
}

// ---- suppliers --------------------------------------------------------------------------------

describe('suppliers', () => {
  it('creates suppliers and lists them by name', async () => {
    const zed = await purchasing.suppliers.create({ name: `Zed Imports ${unique('')}` });
    const acme = await purchasing.suppliers.create({ name: `  Acme Pty ${unique('')}  ` });
    expect(acme.name).toMatch(/^Acme Pty /);
    expect(acme.name).not.toMatch(/\s$/);
    const { items } = await warehouse.suppliers.list();
    const names = items.map((s) => s.name);
    expect(names).toContain(zed.name);
    expect(names).toContain(acme.name);
    expect(names.indexOf(acme.name)).toBeLessThan(names.indexOf(zed.name));
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('refuses a duplicate name with SUPPLIER_NAME_TAKEN, adding nothing', async () => {
    const name = unique('Globex');
    await purchasing.suppliers.create({ name });
    const before = (await purchasing.suppliers.list()).items;
    const r = await refusal(purchasing.suppliers.create({ name }));
    expect(r).toMatchObject({ code: 'CONFLICT', reason: 'SUPPLIER_NAME_TAKEN' });
    expect(r.message).toContain(name);
    expect((await purchasing.suppliers.list()).items).toEqual(before);
  });

  it('refuses a blank name', async () => {
    expect(await invalidInput(purchasing.suppliers.create({ name: '   ' }))).toMatch(/blank/);
  });
});

// ---- orders: create, update, issue, cancel, list ----------------------------------------------

describe('purchaseOrders.create', () => {
  it('creates a draft with numbered lines, each with an id', async () => {
    const loc = await location(warehouse, ['R1']);
    const [a, b] = [await serialised(), await plain()];
    const s = await supplier();
    const order = await purchasing.purchaseOrders.create({
      supplierId: s.id,
      locationId: loc.id,
      bayId: loc.bayIds[0],
      currency: 'USD',
      exchangeRate: 1.5,
      expectedDate: '2027-03-31',
      reference: 'Quote 42',
      lines: [
        { productId: a.id, quantity: 3, unitCost: 10 },
        { productId: b.id, quantity: 2.5, unitCost: 4.25 },
      ],
    });
    expect(order).toMatchObject({
      status: 'draft',
      currency: 'USD',
      exchangeRate: 1.5,
      expectedDate: '2027-03-31',
      reference: 'Quote 42',
      supplier: { id: s.id, name: s.name },
      location: { id: loc.id, name: loc.name },
      bay: { id: loc.bayIds[0], name: 'R1' },
      receipts: [],
    });
    expect(order.lines.map((l) => [l.lineNumber, l.productId, l.quantity, l.unitCost, l.receivedQuantity])).toEqual([
      [1, a.id, 3, 10, 0],
      [2, b.id, 2.5, 4.25, 0],
    ]);
    expect(order.lines.every((l) => Number.isInteger(l.id) && l.id > 0)).toBe(true);
    expect(new Set(order.lines.map((l) => l.id)).size).toBe(2);
    expect(order.lines[0]!.product.sku).toBe(a.sku);
    expect(order.lines.map((l) => l.pendingSerials)).toEqual([[], []]);
    expect(await get(order.id)).toEqual(order);
  });

  it('refuses a product that is not purchasable, naming its SKU, and creates nothing', async () => {
    const loc = await location(warehouse);
    const ok = await plain();
    const notForSale = await plainProduct(admin);
    const s = await supplier();
    const before = await purchasing.purchaseOrders.list({ limit: 1000 });
    const r = await refusal(
      purchasing.purchaseOrders.create({
        supplierId: s.id,
        locationId: loc.id,
        currency: 'AUD',
        exchangeRate: 1,
        lines: [
          { productId: ok.id, quantity: 1, unitCost: 1 },
          { productId: notForSale.id, quantity: 1, unitCost: 1 },
        ],
      }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'PRODUCT_NOT_PURCHASABLE' });
    expect(r.message).toContain(notForSale.sku);
    expect(await purchasing.purchaseOrders.list({ limit: 1000 })).toEqual(before);
  });

  it('refuses a bay of another location', async () => {
    const here = await location(warehouse, ['H1']);
    const there = await location(warehouse, ['T1']);
    const p = await plain();
    const s = await supplier();
    const r = await refusal(
      purchasing.purchaseOrders.create({
        supplierId: s.id,
        locationId: here.id,
        bayId: there.bayIds[0],
        currency: 'AUD',
        exchangeRate: 1,
        lines: [{ productId: p.id, quantity: 1, unitCost: 1 }],
      }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'BAY_NOT_IN_LOCATION' });
    expect(r.message).toContain('T1');
    expect(r.message).toContain(here.name);
  });

  it('refuses unknown suppliers and products, and malformed headers', async () => {
    const loc = await location(warehouse);
    const p = await plain();
    const s = await supplier();
    const base = {
      supplierId: s.id,
      locationId: loc.id,
      currency: 'AUD',
      exchangeRate: 1,
      lines: [{ productId: p.id, quantity: 1, unitCost: 1 }],
    };
    expect(await refusal(purchasing.purchaseOrders.create({ ...base, supplierId: 999_999 }))).toMatchObject({ reason: 'NOT_FOUND' });
    expect(
      await refusal(purchasing.purchaseOrders.create({ ...base, lines: [{ productId: 999_999, quantity: 1, unitCost: 1 }] })),
    ).toMatchObject({ reason: 'NOT_FOUND' });
    expect(await invalidInput(purchasing.purchaseOrders.create({ ...base, currency: 'usd' }))).toMatch(/ISO/);
    expect(await invalidInput(purchasing.purchaseOrders.create({ ...base, exchangeRate: 0 }))).toMatch(/exchangeRate/);
    expect(await invalidInput(purchasing.purchaseOrders.create({ ...base, lines: [] }))).toMatch(/at least one line/);
    expect(
      await invalidInput(purchasing.purchaseOrders.create({ ...base, lines: [{ productId: p.id, quantity: 0, unitCost: 1 }] })),
    ).toMatch(/more than zero/);
    expect(
      await invalidInput(purchasing.purchaseOrders.create({ ...base, lines: [{ productId: p.id, quantity: 1, unitCost: -1 }] })),
    ).toMatch(/negative/);
  });
});

describe('purchaseOrders.update', () => {
  it('replaces the lines: kept lines by id, removed ones gone, new ones numbered after the highest', async () => {
    const loc = await location(warehouse);
    const [a, b, c] = [await plain(), await plain(), await serialised()];
    const order = await draft({ locationId: loc.id }, [
      { productId: a.id, quantity: 1, unitCost: 1 },
      { productId: b.id, quantity: 2, unitCost: 2 },
    ]);
    const [first] = order.lines;
    const updated = await purchasing.purchaseOrders.update({
      id: order.id,
      reference: 'Revised',
      lines: [
        { id: first!.id, productId: a.id, quantity: 5, unitCost: 1.5 },
        { productId: c.id, quantity: 3, unitCost: 9 },
      ],
    });
    expect(updated.reference).toBe('Revised');
    expect(updated.lines.map((l) => [l.lineNumber, l.productId, l.quantity, l.unitCost])).toEqual([
      [1, a.id, 5, 1.5],
      [3, c.id, 3, 9],
    ]);
    expect(updated.lines[0]!.id).toBe(first!.id);
    expect(await get(order.id)).toEqual(updated);
  });

  it('a line whose product changes loses the serials entered for the old product', async () => {
    const loc = await location(warehouse);
    const [a, b] = [await serialised(), await serialised()];
    const order = await draft({ locationId: loc.id }, [{ productId: a.id, quantity: 2, unitCost: 1 }]);
    const lineId = order.lines[0]!.id;
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['CH-1', 'CH-2'], idempotencyKey: key() });
    const updated = await purchasing.purchaseOrders.update({
      id: order.id,
      lines: [{ id: lineId, productId: b.id, quantity: 2, unitCost: 1 }],
    });
    expect(updated.lines[0]).toMatchObject({ id: lineId, productId: b.id, pendingSerials: [] });
    // The serials are free again for the old product.
    const other = await draft({ locationId: loc.id }, [{ productId: a.id, quantity: 2, unitCost: 1 }]);
    await warehouse.purchaseOrders.setLineSerials({ lineId: other.lines[0]!.id, serials: ['CH-1', 'CH-2'], idempotencyKey: key() });
  });

  it('after a receipt: a received line keeps its product, cannot drop below what was received nor be removed', async () => {
    const loc = await location(warehouse);
    const [a, b, c] = [await plain(), await plain(), await plain()];
    const order = await issued({ locationId: loc.id }, [
      { productId: a.id, quantity: 10, unitCost: 2 },
      { productId: b.id, quantity: 4, unitCost: 3 },
    ]);
    const [l1, l2] = order.lines;
    await warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId: l1!.id, quantity: 6 }], idempotencyKey: key() });
    const ids = [order.id];
    const products = [a.id, b.id];
    const keepL2 = { id: l2!.id, productId: b.id, quantity: 4, unitCost: 3 };

    const below = await refusedUnchanged(ids, products, () =>
      purchasing.purchaseOrders.update({ id: order.id, lines: [{ id: l1!.id, productId: a.id, quantity: 5, unitCost: 2 }, keepL2] }),
    );
    expect(below).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'OVER_RECEIPT' });
    expect(below.message).toMatch(/Line 1 .*received 6/);

    const removed = await refusedUnchanged(ids, products, () => purchasing.purchaseOrders.update({ id: order.id, lines: [keepL2] }));
    expect(removed).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'ORDER_HAS_RECEIPTS' });
    expect(removed.message).toMatch(/Line 1 has receipts and cannot be removed/);

    const otherProduct = await refusedUnchanged(ids, products, () =>
      purchasing.purchaseOrders.update({ id: order.id, lines: [{ id: l1!.id, productId: c.id, quantity: 10, unitCost: 2 }, keepL2] }),
    );
    expect(otherProduct).toMatchObject({ reason: 'ORDER_HAS_RECEIPTS' });
    expect(otherProduct.message).toMatch(/Line 1 has receipts, so its product cannot change/);

    // What is allowed: the received line down to exactly what was received, the unreceived line removed or changed.
    const fine = await purchasing.purchaseOrders.update({
      id: order.id,
      lines: [
        { id: l1!.id, productId: a.id, quantity: 6, unitCost: 2 },
        { id: l2!.id, productId: c.id, quantity: 1, unitCost: 3 },
      ],
    });
    expect(fine.lines.map((l) => [l.lineNumber, l.productId, l.quantity, l.receivedQuantity])).toEqual([
      [1, a.id, 6, 6],
      [2, c.id, 1, 0],
    ]);
  });

  it('after a receipt: currency, exchange rate and location are fixed; other header fields still change', async () => {
    const loc = await location(warehouse, ['F1', 'F2']);
    const elsewhere = await location(warehouse);
    const p = await plain();
    const order = await issued({ locationId: loc.id, bayId: loc.bayIds[0], currency: 'USD', exchangeRate: 1.5 }, [
      { productId: p.id, quantity: 4, unitCost: 10 },
    ]);
    await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 1 }],
      idempotencyKey: key(),
    });
    for (const patch of [
      { currency: 'EUR' },
      { exchangeRate: 2 },
      { locationId: elsewhere.id, bayId: null },
      { bayId: loc.bayIds[1] },
      { bayId: null },
    ]) {
      const r = await refusedUnchanged([order.id], [p.id], () => purchasing.purchaseOrders.update({ id: order.id, ...patch }));
      expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'ORDER_HAS_RECEIPTS' });
      expect(r.message).toMatch(/currency, exchange rate and location/);
    }
    const s = await supplier();
    // The whole header sent back unchanged, as a form does, with the fields that may change.
    const changed = await purchasing.purchaseOrders.update({
      id: order.id,
      supplierId: s.id,
      expectedDate: '2027-05-01',
      reference: 'Backorder',
      currency: 'USD',
      exchangeRate: 1.5,
      locationId: loc.id,
      bayId: loc.bayIds[0],
    });
    expect(changed).toMatchObject({
      supplier: { id: s.id },
      expectedDate: '2027-05-01',
      reference: 'Backorder',
      currency: 'USD',
      exchangeRate: 1.5,
      status: 'partially_received',
    });
  });

  it('before any receipt the header can change; a bay must be in the (new) location', async () => {
    const loc = await location(warehouse, ['G1']);
    const other = await location(warehouse, ['O1']);
    const p = await plain();
    const order = await issued({ locationId: loc.id, bayId: loc.bayIds[0] }, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    // Moving to another location while keeping a bay of the old one is refused.
    const r = await refusedUnchanged([order.id], [p.id], () => purchasing.purchaseOrders.update({ id: order.id, locationId: other.id }));
    expect(r.reason).toBe('BAY_NOT_IN_LOCATION');
    const moved = await purchasing.purchaseOrders.update({
      id: order.id,
      locationId: other.id,
      bayId: other.bayIds[0],
      currency: 'NZD',
      exchangeRate: 0.9,
    });
    expect(moved).toMatchObject({ location: { id: other.id }, bay: { id: other.bayIds[0] }, currency: 'NZD', exchangeRate: 0.9 });
  });

  it('a serialised line is ordered in whole units', async () => {
    const loc = await location(warehouse);
    const [s, n] = [await serialised(), await plain()];
    const sup = await supplier();
    const before = await purchasing.purchaseOrders.list({ limit: 1000 });
    const r = await refusal(
      purchasing.purchaseOrders.create({
        supplierId: sup.id,
        locationId: loc.id,
        currency: 'AUD',
        exchangeRate: 1,
        lines: [
          { productId: n.id, quantity: 2.5, unitCost: 1 },
          { productId: s.id, quantity: 2.5, unitCost: 1 },
        ],
      }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_INPUT' });
    expect(r.message).toContain('Line 2');
    expect(r.message).toContain(s.sku);
    expect(await purchasing.purchaseOrders.list({ limit: 1000 })).toEqual(before);
    const order = await draft({ locationId: loc.id }, [{ productId: s.id, quantity: 2, unitCost: 1 }]);
    const u = await refusedUnchanged([order.id], [s.id], () =>
      purchasing.purchaseOrders.update({ id: order.id, lines: [{ id: order.lines[0]!.id, productId: s.id, quantity: 1.5, unitCost: 1 }] }),
    );
    expect(u.reason).toBe('INVALID_INPUT');
  });

  it('a line cannot be cut below the serials or batches already entered on it', async () => {
    const loc = await location(warehouse);
    const [s, b] = [await serialised(), await batched()];
    const order = await issued({ locationId: loc.id }, [
      { productId: s.id, quantity: 3, unitCost: 1 },
      { productId: b.id, quantity: 5, unitCost: 1 },
    ]);
    const [ls, lb] = order.lines;
    await warehouse.purchaseOrders.setLineSerials({ lineId: ls!.id, serials: ['CUT-1', 'CUT-2', 'CUT-3'], idempotencyKey: key() });
    await warehouse.purchaseOrders.setLineSerials({ lineId: lb!.id, batches: [{ number: 'CUT-LOT', quantity: 4 }], idempotencyKey: key() });
    const keepB = { id: lb!.id, productId: b.id, quantity: 5, unitCost: 1 };
    const keepS = { id: ls!.id, productId: s.id, quantity: 3, unitCost: 1 };
    const serialCut = await refusedUnchanged([order.id], [s.id, b.id], () =>
      purchasing.purchaseOrders.update({ id: order.id, lines: [{ ...keepS, quantity: 2 }, keepB] }),
    );
    expect(serialCut).toMatchObject({ code: 'BAD_REQUEST', reason: 'SERIAL_COUNT_MISMATCH' });
    expect(serialCut.message).toContain(`Line 1 (${s.sku})`);
    expect(serialCut.message).toMatch(/3 entered/);
    const batchCut = await refusedUnchanged([order.id], [s.id, b.id], () =>
      purchasing.purchaseOrders.update({ id: order.id, lines: [keepS, { ...keepB, quantity: 3 }] }),
    );
    expect(batchCut.reason).toBe('SERIAL_COUNT_MISMATCH');
    expect(batchCut.message).toContain(`Line 2 (${b.sku})`);
    // With the extra serial taken off first, the line can be cut, received, and nothing is left waiting.
    await warehouse.purchaseOrders.setLineSerials({ lineId: ls!.id, serials: ['CUT-1', 'CUT-2'], idempotencyKey: key() });
    await purchasing.purchaseOrders.update({
      id: order.id,
      lines: [
        { ...keepS, quantity: 2 },
        { ...keepB, quantity: 4 },
      ],
    });
    await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [
        { lineId: ls!.id, quantity: 2 },
        { lineId: lb!.id, quantity: 4 },
      ],
      idempotencyKey: key(),
    });
    expect((await get(order.id)).status).toBe('received');
    const next = await issued({ locationId: loc.id }, [{ productId: s.id, quantity: 1, unitCost: 1 }]);
    await warehouse.purchaseOrders.setLineSerials({ lineId: next.lines[0]!.id, serials: ['CUT-3'], idempotencyKey: key() });
  });

  it('refuses a line id of another order', async () => {
    const loc = await location(warehouse);
    const p = await plain();
    const a = await draft({ locationId: loc.id }, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    const b = await draft({ locationId: loc.id }, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    const r = await refusedUnchanged([a.id, b.id], [p.id], () =>
      purchasing.purchaseOrders.update({ id: a.id, lines: [{ id: b.lines[0]!.id, productId: p.id, quantity: 2, unitCost: 1 }] }),
    );
    expect(r.reason).toBe('LINE_NOT_ON_ORDER');
  });

  it('the status follows the receipts when lines change: cutting the short line completes the order', async () => {
    const loc = await location(warehouse);
    const [a, b] = [await plain(), await plain()];
    const order = await issued({ locationId: loc.id }, [
      { productId: a.id, quantity: 3, unitCost: 1 },
      { productId: b.id, quantity: 5, unitCost: 1 },
    ]);
    const [l1, l2] = order.lines;
    await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [
        { lineId: l1!.id, quantity: 3 },
        { lineId: l2!.id, quantity: 2 },
      ],
      idempotencyKey: key(),
    });
    expect((await get(order.id)).status).toBe('partially_received');
    // The supplier cannot send the other 3: the line is cut to what came.
    const cut = await purchasing.purchaseOrders.update({
      id: order.id,
      lines: [
        { id: l1!.id, productId: a.id, quantity: 3, unitCost: 1 },
        { id: l2!.id, productId: b.id, quantity: 2, unitCost: 1 },
      ],
    });
    expect(cut.status).toBe('received');
    expect((await purchasing.purchaseOrders.list({ status: 'received', limit: 1000 })).items.map((o) => o.id)).toContain(order.id);
  });

  it('refuses moving to another location while entered serials sit in bays of the old one', async () => {
    const loc = await location(warehouse, ['M1']);
    const other = await location(warehouse, ['N1']);
    const p = await serialised();
    const order = await issued({ locationId: loc.id }, [{ productId: p.id, quantity: 2, unitCost: 1 }]);
    await warehouse.purchaseOrders.setSerialTable({
      purchaseOrderId: order.id,
      rows: [
        { line: 1, serial: 'MV-1', bay: 'M1' },
        { line: 1, serial: 'MV-2' },
      ],
      idempotencyKey: key(),
    });
    const r = await refusedUnchanged([order.id], [p.id], () => purchasing.purchaseOrders.update({ id: order.id, locationId: other.id }));
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'BAY_NOT_IN_LOCATION' });
    expect(r.message).toContain('M1');
    expect(r.message).toContain(p.sku);
    // Once the serials no longer name the old bay, the order can move; the receipt puts them at the new place.
    await warehouse.purchaseOrders.setLineSerials({ lineId: order.lines[0]!.id, serials: ['MV-1', 'MV-2'], idempotencyKey: key() });
    await purchasing.purchaseOrders.update({ id: order.id, locationId: other.id, bayId: other.bayIds[0] });
    await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 2 }],
      idempotencyKey: key(),
    });
    expect((await serialsOf(p.id)).map((s) => [s.serial, s.locationId, s.bayId])).toEqual([
      ['MV-1', other.id, other.bayIds[0]],
      ['MV-2', other.id, other.bayIds[0]],
    ]);
  });
});

describe('issue, cancel and list', () => {
  it('issues a draft once', async () => {
    const loc = await location(warehouse);
    const p = await plain();
    const order = await draft({ locationId: loc.id }, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    const out = await purchasing.purchaseOrders.issue({ id: order.id });
    expect(out.status).toBe('issued');
    const again = await refusedUnchanged([order.id], [p.id], () => purchasing.purchaseOrders.issue({ id: order.id }));
    expect(again).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'ORDER_NOT_OPEN' });
    expect(again.message).toMatch(/issued already/);
  });

  it('a cancelled order cannot be issued, and says it is cancelled', async () => {
    const loc = await location(warehouse);
    const p = await plain();
    const order = await draft({ locationId: loc.id }, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    await purchasing.purchaseOrders.cancel({ id: order.id });
    const r = await refusedUnchanged([order.id], [p.id], () => purchasing.purchaseOrders.issue({ id: order.id }));
    expect(r.reason).toBe('ORDER_NOT_OPEN');
    expect(r.message).toContain('cancelled');
    expect(r.message).not.toMatch(/issued already/);
  });

  it('cancelling releases the entered serials: the same serials can then go on another order', async () => {
    const loc = await location(warehouse);
    const p = await serialised();
    const first = await issued({ locationId: loc.id }, [{ productId: p.id, quantity: 3, unitCost: 1 }]);
    const second = await issued({ locationId: loc.id }, [{ productId: p.id, quantity: 3, unitCost: 1 }]);
    await warehouse.purchaseOrders.setLineSerials({ lineId: first.lines[0]!.id, text: 'CX1-CX3', idempotencyKey: key() });
    const taken = await refusal(
      warehouse.purchaseOrders.setLineSerials({ lineId: second.lines[0]!.id, serials: ['CX1', 'CX2', 'CX3'], idempotencyKey: key() }),
    );
    expect(taken).toMatchObject({ code: 'CONFLICT', reason: 'SERIAL_ON_OTHER_ORDER' });
    expect(taken.problems.map((q) => q.index)).toEqual([0, 1, 2]);

    const cancelled = await purchasing.purchaseOrders.cancel({ id: first.id });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.lines[0]!.pendingSerials).toEqual([]);
    await warehouse.purchaseOrders.setLineSerials({ lineId: second.lines[0]!.id, serials: ['CX1', 'CX2', 'CX3'], idempotencyKey: key() });
    expect((await get(second.id)).lines[0]!.pendingSerials).toEqual(['CX1', 'CX2', 'CX3']);

    // Nothing more happens on a cancelled order.
    const ids = [first.id, second.id];
    for (const call of [
      () => purchasing.purchaseOrders.cancel({ id: first.id }),
      () => purchasing.purchaseOrders.update({ id: first.id, reference: 'x' }),
      () => warehouse.purchaseOrders.setLineSerials({ lineId: first.lines[0]!.id, serials: ['CY-1'], idempotencyKey: key() }),
      () =>
        warehouse.purchaseOrders.receive({
          purchaseOrderId: first.id,
          lines: [{ lineId: first.lines[0]!.id, quantity: 1 }],
          idempotencyKey: key(),
        }),
    ]) {
      const r = await refusedUnchanged(ids, [p.id], call);
      expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'ORDER_NOT_OPEN' });
      expect(r.message).toContain('cancelled');
    }
  });

  it('cancelling a partly received order keeps what was received', async () => {
    const loc = await location(warehouse);
    const p = await plain();
    const order = await issued({ locationId: loc.id }, [{ productId: p.id, quantity: 5, unitCost: 2 }]);
    await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 2 }],
      idempotencyKey: key(),
    });
    const cancelled = await purchasing.purchaseOrders.cancel({ id: order.id });
    expect(cancelled).toMatchObject({ status: 'cancelled', lines: [expect.objectContaining({ receivedQuantity: 2 })] });
    expect(cancelled.receipts).toHaveLength(1);
    expect(await levelsOf(p.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 2 }]);
  });

  it('lists orders by status and supplier', async () => {
    const loc = await location(warehouse);
    const p = await plain();
    const d = await draft({ locationId: loc.id }, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    const i = await issued({ locationId: loc.id }, [
      { productId: p.id, quantity: 2, unitCost: 1 },
      { productId: p.id, quantity: 1, unitCost: 1 },
    ]);
    const c = await draft({ locationId: loc.id }, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    await purchasing.purchaseOrders.cancel({ id: c.id });
    const ids = async (status?: 'draft' | 'issued' | 'cancelled' | 'received' | 'partially_received') =>
      (await warehouse.purchaseOrders.list({ status, limit: 1000 })).items.map((o) => o.id);
    expect(await ids('draft')).toContain(d.id);
    expect(await ids('draft')).not.toContain(i.id);
    expect(await ids('issued')).toContain(i.id);
    expect(await ids('issued')).not.toContain(d.id);
    expect(await ids('cancelled')).toContain(c.id);
    expect(await ids('cancelled')).not.toContain(d.id);
    expect(await ids()).toEqual(expect.arrayContaining([d.id, i.id, c.id]));
    for (const status of ['draft', 'issued', 'cancelled'] as const) {
      expect((await warehouse.purchaseOrders.list({ status, limit: 1000 })).items.every((o) => o.status === status)).toBe(true);
    }
    const bySupplier = await warehouse.purchaseOrders.list({ supplierId: i.supplier.id, limit: 10 });
    expect(bySupplier.items).toEqual([expect.objectContaining({ id: i.id, lineCount: 2, status: 'issued' })]);
    // Pages follow the cursor.
    const first = await warehouse.purchaseOrders.list({ limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const next = await warehouse.purchaseOrders.list({ limit: 1, cursor: first.nextCursor! });
    expect(next.items[0]!.id).toBeGreaterThan(first.items[0]!.id);
  });
});

// ---- serials and batches on a line --------------------------------------------------------------

describe('previewLineSerials / setLineSerials', () => {
  async function serialLine(quantity: number, options: Partial<OrderOptions> & { bays?: string[] } = {}) {
    const loc = await location(warehouse, options.bays ?? []);
    const p = await serialised();
    const order = await issued({ locationId: loc.id, ...options }, [{ productId: p.id, quantity, unitCost: 5 }]);
    return { loc, p, order, lineId: order.lines[0]!.id };
  }

  it('previews a list and a text with the serial syntax', async () => {
    const { lineId } = await serialLine(8);
    expect(await warehouse.purchaseOrders.previewLineSerials({ lineId, serials: [' A-1 ', 'A-2'] })).toEqual({
      serials: ['A-1', 'A-2'],
      errors: [],
    });
    expect(await warehouse.purchaseOrders.previewLineSerials({ lineId, text: 'PS001-PS003\nQ1,Q2;Q3' })).toEqual({
      serials: ['PS001', 'PS002', 'PS003', 'Q1', 'Q2', 'Q3'],
      errors: [],
    });
    expect((await warehouse.purchaseOrders.previewLineSerials({ lineId, text: 'R0009::11' })).serials).toEqual(['R0009', 'R0010', 'R0011']);
  });

  it('reports every problem at once, with its index: duplicates, existing, on another order, too many', async () => {
    const { loc, p, order, lineId } = await serialLine(4);
    await warehouse.serials.add({ productId: p.id, locationId: loc.id, serials: ['IN-STOCK'], idempotencyKey: key() });
    const other = await issued({ locationId: loc.id }, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    await warehouse.purchaseOrders.setLineSerials({ lineId: other.lines[0]!.id, serials: ['ELSEWHERE'], idempotencyKey: key() });

    const serials = ['OK-1', 'DUP', 'DUP', 'IN-STOCK', 'ELSEWHERE', '', 'OK-2'];
    const preview = await warehouse.purchaseOrders.previewLineSerials({ lineId, serials });
    expect(preview.errors).toEqual([
      expect.objectContaining({ index: 2, token: 'DUP', reason: 'DUPLICATE_SERIAL', firstIndex: 1 }),
      expect.objectContaining({ index: 3, token: 'IN-STOCK', reason: 'SERIAL_EXISTS' }),
      expect.objectContaining({ index: 4, token: 'ELSEWHERE', reason: 'SERIAL_ON_OTHER_ORDER' }),
      expect.objectContaining({ index: 5, reason: 'EMPTY_SERIAL' }),
      expect.objectContaining({ index: null, token: null, reason: 'SERIAL_COUNT_MISMATCH' }),
    ]);
    expect(preview.errors[1]!.message).toContain(p.sku);
    expect(preview.errors[2]!.message).toContain(`purchase order #${other.id} line 1`);
    expect(preview.errors[4]!.message).toMatch(/Line 1 .* expects 4 more, but 7 are entered: remove 3/);
    expect(preview.errors[4]!.message).toContain(p.sku);

    // Saving the same list is refused whole, with the same problems, and changes nothing.
    const r = await refusedUnchanged([order.id, other.id], [p.id], () =>
      warehouse.purchaseOrders.setLineSerials({ lineId, serials, idempotencyKey: key() }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_SERIALS' });
    expect(r.message).toMatch(/^Nothing was saved/);
    expect(r.problems).toEqual(preview.errors);
  });

  it('points text problems at the token they came from', async () => {
    const { lineId } = await serialLine(10);
    const r = await warehouse.purchaseOrders.previewLineSerials({ lineId, text: 'T1-T3 X T2 SN9-SN3' });
    expect(r.errors).toEqual([
      expect.objectContaining({ index: 2, token: 'T2', reason: 'DUPLICATE_SERIAL', firstIndex: 0 }),
      expect.objectContaining({ index: 3, token: 'SN9-SN3', reason: 'INVALID_RANGE' }),
    ]);
  });

  it('one reason when all problems share it: a SERIAL_ON_OTHER_ORDER refusal names the order', async () => {
    const { loc, p, lineId } = await serialLine(2);
    const other = await issued({ locationId: loc.id }, [{ productId: p.id, quantity: 2, unitCost: 1 }]);
    await warehouse.purchaseOrders.setLineSerials({ lineId: other.lines[0]!.id, serials: ['OO-1'], idempotencyKey: key() });
    const r = await refusal(warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['OO-0', 'OO-1'], idempotencyKey: key() }));
    expect(r).toMatchObject({ code: 'CONFLICT', reason: 'SERIAL_ON_OTHER_ORDER' });
    expect(r.problems).toEqual([expect.objectContaining({ index: 1, token: 'OO-1' })]);
    expect(r.message).toContain(`#${other.id}`);
  });

  it('the same serial on a line of another product is no clash', async () => {
    const { loc, lineId } = await serialLine(1);
    const q = await serialised();
    const other = await issued({ locationId: loc.id }, [{ productId: q.id, quantity: 1, unitCost: 1 }]);
    await warehouse.purchaseOrders.setLineSerials({ lineId: other.lines[0]!.id, serials: ['SAME'], idempotencyKey: key() });
    expect(await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['SAME'], idempotencyKey: key() })).toMatchObject({
      serials: 1,
    });
  });

  it('setLineSerials replaces the line’s previous serials; the replaced ones are free again', async () => {
    const { loc, p, order, lineId } = await serialLine(3, { bays: ['B1'] });
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['RP-1', 'RP-2', 'RP-3'], idempotencyKey: key() });
    // The same serials again (as a replacement of this line) are no clash with themselves.
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['RP-3', 'RP-2', 'RP-1'], idempotencyKey: key() });
    expect(lineOf(await get(order.id), 1).pendingSerials).toEqual(['RP-3', 'RP-2', 'RP-1']);
    const saved = await warehouse.purchaseOrders.setLineSerials({ lineId, text: 'RP-4', bayId: loc.bayIds[0], idempotencyKey: key() });
    expect(saved).toMatchObject({ lineId, serials: 1 });
    const line = lineOf(await get(order.id), 1);
    expect(line.pendingSerials).toEqual(['RP-4']);
    expect(line.pendingSerialBays).toEqual(['B1']);
    const other = await issued({ locationId: loc.id }, [{ productId: p.id, quantity: 3, unitCost: 1 }]);
    await warehouse.purchaseOrders.setLineSerials({ lineId: other.lines[0]!.id, serials: ['RP-1', 'RP-2', 'RP-3'], idempotencyKey: key() });
    // An empty list clears the line.
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: [], idempotencyKey: key() });
    expect(lineOf(await get(order.id), 1).pendingSerials).toEqual([]);
  });

  it('fewer serials than the line expects are fine before the receipt', async () => {
    const { order, lineId } = await serialLine(5);
    const r = await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['FW-1', 'FW-2'], idempotencyKey: key() });
    expect(r).toMatchObject({ serials: 2 });
    expect(lineOf(await get(order.id), 1).pendingSerials).toEqual(['FW-1', 'FW-2']);
  });

  it('is applied once per idempotency key; a key reused for another request is refused', async () => {
    const { p, order, lineId } = await serialLine(3);
    const k = key();
    const first = await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['ID-1', 'ID-2'], idempotencyKey: k });
    // Someone else changes the line in between; the retry must not put the old list back.
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['ID-3'], idempotencyKey: key() });
    const retry = await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['ID-1', 'ID-2'], idempotencyKey: k });
    expect(retry).toEqual(first);
    expect(lineOf(await get(order.id), 1).pendingSerials).toEqual(['ID-3']);
    const reused = await refusedUnchanged([order.id], [p.id], () =>
      warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['ID-9'], idempotencyKey: k }),
    );
    expect(reused).toMatchObject({ code: 'CONFLICT', reason: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('refuses a bay of another location', async () => {
    const { p, order, lineId } = await serialLine(1, { bays: ['K1'] });
    const other = await location(warehouse, ['K2']);
    const r = await refusedUnchanged([order.id], [p.id], () =>
      warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['BY-1'], bayId: other.bayIds[0], idempotencyKey: key() }),
    );
    expect(r).toMatchObject({ reason: 'BAY_NOT_IN_LOCATION' });
    expect(r.message).toContain('K2');
    expect((await refusal(warehouse.purchaseOrders.previewLineSerials({ lineId, serials: ['BY-1'], bayId: other.bayIds[0] }))).reason).toBe(
      'BAY_NOT_IN_LOCATION',
    );
  });

  it('a batch’s bay must be in the order’s location, and the preview says so as saving does', async () => {
    const loc = await location(warehouse, ['KB1']);
    const other = await location(warehouse, ['KB2']);
    const b = await batched();
    const order = await issued({ locationId: loc.id }, [{ productId: b.id, quantity: 5, unitCost: 1 }]);
    const lineId = order.lines[0]!.id;
    const batches = [{ number: 'BAYLOT', quantity: 2, bayId: other.bayIds[0] }];
    const saving = await refusedUnchanged([order.id], [b.id], () =>
      warehouse.purchaseOrders.setLineSerials({ lineId, batches, idempotencyKey: key() }),
    );
    expect(saving).toMatchObject({ code: 'BAD_REQUEST', reason: 'BAY_NOT_IN_LOCATION' });
    expect(saving.message).toContain('KB2');
    const preview = await refusal(warehouse.purchaseOrders.previewLineSerials({ lineId, batches }));
    expect(preview).toMatchObject({ reason: 'BAY_NOT_IN_LOCATION', message: saving.message });
  });

  it('takes exactly one of serials, text or batches', async () => {
    const { lineId } = await serialLine(1);
    expect(await invalidInput(warehouse.purchaseOrders.previewLineSerials({ lineId, serials: ['A'], text: 'A' }))).toMatch(/one of/);
    expect(await invalidInput(warehouse.purchaseOrders.setLineSerials({ lineId, idempotencyKey: key() }))).toMatch(/one of/);
  });

  it('refuses an unknown line', async () => {
    expect(await refusal(warehouse.purchaseOrders.previewLineSerials({ lineId: 999_999, serials: ['A'] }))).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'NOT_FOUND',
    });
  });

  it('serials only on serialised lines, batches only on batch lines', async () => {
    const loc = await location(warehouse);
    const [s, b, n] = [await serialised(), await batched(), await plain()];
    const order = await issued({ locationId: loc.id }, [
      { productId: s.id, quantity: 2, unitCost: 1 },
      { productId: b.id, quantity: 5, unitCost: 1 },
      { productId: n.id, quantity: 5, unitCost: 1 },
    ]);
    const [ls, lb, ln] = order.lines;
    const ids = [order.id];
    const products = [s.id, b.id, n.id];
    const onBatch = await refusedUnchanged(ids, products, () =>
      warehouse.purchaseOrders.setLineSerials({ lineId: lb!.id, serials: ['X1', 'X2'], idempotencyKey: key() }),
    );
    expect(onBatch).toMatchObject({ reason: 'PRODUCT_NOT_SERIALISED' });
    expect(onBatch.problems.map((q) => q.index)).toEqual([0, 1]);
    expect(onBatch.message).toContain(b.sku);
    const onSerial = await refusedUnchanged(ids, products, () =>
      warehouse.purchaseOrders.setLineSerials({ lineId: ls!.id, batches: [{ number: 'L1', quantity: 2 }], idempotencyKey: key() }),
    );
    expect(onSerial).toMatchObject({ reason: 'PRODUCT_NOT_BATCH_TRACKED' });
    expect(onSerial.problems).toEqual([expect.objectContaining({ index: 0 })]);
    const onPlain = await refusedUnchanged(ids, products, () =>
      warehouse.purchaseOrders.setLineSerials({ lineId: ln!.id, serials: ['X1'], idempotencyKey: key() }),
    );
    expect(onPlain).toMatchObject({ reason: 'PRODUCT_NOT_SERIALISED' });
    expect(onPlain.message).toContain(n.sku);
  });

  it('batch lines take batches: number, expiry and quantity, checked against known batches', async () => {
    const loc = await location(warehouse, ['BB1']);
    const b = await batched();
    await warehouse.batches.add({
      productId: b.id,
      locationId: loc.id,
      number: 'KNOWN',
      expiry: '2027-06-30',
      quantity: 1,
      idempotencyKey: key(),
    });
    const order = await issued({ locationId: loc.id }, [{ productId: b.id, quantity: 10, unitCost: 3 }]);
    const lineId = order.lines[0]!.id;

    const saved = await warehouse.purchaseOrders.setLineSerials({
      lineId,
      batches: [
        { number: 'KNOWN', expiry: '2027-06-30', quantity: 4 },
        { number: 'NEW-1', expiry: '2028-01-31', quantity: 3, bayId: loc.bayIds[0] },
        { number: 'NEW-2', quantity: 2.5 },
      ],
      idempotencyKey: key(),
    });
    expect(saved).toMatchObject({ lineId, batches: 3 });
    expect(lineOf(await get(order.id), 1).pendingBatches).toEqual([
      { number: 'KNOWN', expiry: '2027-06-30', quantity: 4, bayName: null },
      { number: 'NEW-1', expiry: '2028-01-31', quantity: 3, bayName: 'BB1' },
      { number: 'NEW-2', expiry: null, quantity: 2.5, bayName: null },
    ]);

    const mismatch = await refusedUnchanged([order.id], [b.id], () =>
      warehouse.purchaseOrders.setLineSerials({
        lineId,
        batches: [
          { number: 'OK', quantity: 1 },
          { number: 'KNOWN', expiry: '2027-07-01', quantity: 2 },
        ],
        idempotencyKey: key(),
      }),
    );
    expect(mismatch).toMatchObject({ code: 'CONFLICT', reason: 'BATCH_EXPIRY_MISMATCH' });
    expect(mismatch.problems).toEqual([expect.objectContaining({ index: 1, token: 'KNOWN', reason: 'BATCH_EXPIRY_MISMATCH' })]);
    expect(mismatch.message).toContain('2027-06-30');

    const twoExpiries = await warehouse.purchaseOrders.previewLineSerials({
      lineId,
      batches: [
        { number: 'TWICE', expiry: '2027-01-01', quantity: 1 },
        { number: 'TWICE', expiry: '2027-02-01', quantity: 1 },
      ],
    });
    expect(twoExpiries.errors).toEqual([expect.objectContaining({ index: 1, reason: 'BATCH_EXPIRY_MISMATCH' })]);

    const tooMany = await refusedUnchanged([order.id], [b.id], () =>
      warehouse.purchaseOrders.setLineSerials({ lineId, batches: [{ number: 'BIG', quantity: 10.5 }], idempotencyKey: key() }),
    );
    expect(tooMany).toMatchObject({ reason: 'SERIAL_COUNT_MISMATCH' });
    expect(tooMany.problems).toEqual([expect.objectContaining({ index: null })]);
    expect(tooMany.message).toMatch(/expects 10 more, but 10.5 are entered/);
  });

  it('batch quantities with decimals add up exactly (0.1 + 0.2 fills a line of 0.3)', async () => {
    const loc = await location(warehouse);
    const b = await batched();
    const order = await issued({ locationId: loc.id }, [{ productId: b.id, quantity: 0.3, unitCost: 10 }]);
    const lineId = order.lines[0]!.id;
    const batches = [
      { number: 'D1', quantity: 0.1 },
      { number: 'D2', quantity: 0.2 },
    ];
    expect((await warehouse.purchaseOrders.previewLineSerials({ lineId, batches })).errors).toEqual([]);
    await warehouse.purchaseOrders.setLineSerials({ lineId, batches, idempotencyKey: key() });
    const r = await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId, quantity: 0.3 }],
      idempotencyKey: key(),
    });
    expect(r.status).toBe('received');
    expect((await batchesOf(b.id)).map((x) => x.quantity).sort()).toEqual([0.1, 0.2]);
  });

  it('the same batch number twice on a line (same bay) adds up to one batch', async () => {
    const loc = await location(warehouse);
    const b = await batched();
    const order = await issued({ locationId: loc.id }, [{ productId: b.id, quantity: 5, unitCost: 3 }]);
    const lineId = order.lines[0]!.id;
    const preview = await warehouse.purchaseOrders.previewLineSerials({
      lineId,
      batches: [
        { number: 'LOT', quantity: 2 },
        { number: 'LOT', quantity: 3 },
      ],
    });
    expect(preview.errors).toEqual([]);
    await warehouse.purchaseOrders.setLineSerials({
      lineId,
      batches: [
        { number: 'LOT', quantity: 2 },
        { number: 'LOT', quantity: 3 },
      ],
      idempotencyKey: key(),
    });
    expect(lineOf(await get(order.id), 1).pendingBatches).toEqual([{ number: 'LOT', expiry: null, quantity: 5, bayName: null }]);
    await warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 5 }], idempotencyKey: key() });
    expect(await batchesOf(b.id)).toEqual([{ number: 'LOT', expiry: null, quantity: 5, locationId: loc.id, bayId: null, unitCost: 3 }]);
  });

  it('on a received or cancelled order nothing can be entered (ORDER_NOT_OPEN)', async () => {
    const { p, order, lineId } = await serialLine(1);
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['DONE-1'], idempotencyKey: key() });
    await warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 1 }], idempotencyKey: key() });
    const r = await refusedUnchanged([order.id], [p.id], () =>
      warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['DONE-2'], idempotencyKey: key() }),
    );
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'ORDER_NOT_OPEN' });
    expect(r.message).toMatch(/fully received/);
    expect((await refusal(warehouse.purchaseOrders.previewLineSerials({ lineId, serials: ['DONE-2'] }))).reason).toBe('ORDER_NOT_OPEN');
  });

  it('serials can be entered on a draft, and on a partly received line up to what is still to come', async () => {
    const loc = await location(warehouse);
    const p = await serialised();
    const order = await draft({ locationId: loc.id }, [{ productId: p.id, quantity: 3, unitCost: 1 }]);
    const lineId = order.lines[0]!.id;
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['PR-1', 'PR-2'], idempotencyKey: key() });
    await purchasing.purchaseOrders.issue({ id: order.id });
    await warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 2 }], idempotencyKey: key() });
    const tooMany = await warehouse.purchaseOrders.previewLineSerials({ lineId, serials: ['PR-3', 'PR-4'] });
    expect(tooMany.errors).toEqual([expect.objectContaining({ reason: 'SERIAL_COUNT_MISMATCH', index: null })]);
    expect(tooMany.errors[0]!.message).toMatch(/expects 1 more, but 2 are entered/);
    // A received serial is now in stock: entering it again is SERIAL_EXISTS.
    const again = await warehouse.purchaseOrders.previewLineSerials({ lineId, serials: ['PR-1'] });
    expect(again.errors).toEqual([expect.objectContaining({ index: 0, reason: 'SERIAL_EXISTS' })]);
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['PR-3'], idempotencyKey: key() });
  });
});

// ---- the table form --------------------------------------------------------------------------

describe('previewSerialTable / setSerialTable', () => {
  /** An order with the same serialised SKU on two lines, another serialised SKU and a batch SKU. */
  async function tableOrder() {
    const loc = await location(warehouse, ['A1', 'A2']);
    const elsewhere = await location(warehouse, ['Z9']);
    const [s, t, b] = [await serialised(), await serialised(), await batched()];
    const order = await issued({ locationId: loc.id }, [
      { productId: s.id, quantity: 3, unitCost: 1 },
      { productId: s.id, quantity: 2, unitCost: 1 },
      { productId: t.id, quantity: 2, unitCost: 1 },
      { productId: b.id, quantity: 10, unitCost: 1 },
    ]);
    return { loc, elsewhere, s, t, b, order, products: [s.id, t.id, b.id] };
  }

  it('fills several lines at once: rows by line number or SKU, serial or batch, optional bay', async () => {
    const { s, t, b, order } = await tableOrder();
    const rows = [
      { line: 1, serial: 'TB-1', bay: 'A1' },
      { line: 1, serial: 'TB-2' },
      { line: 2, serial: 'TB-3', bay: ' a2 ' },
      { sku: t.sku.toLowerCase(), serial: 'TB-1' }, // another product: the same serial is fine
      { sku: b.sku, batch: 'LOT-A', expiry: '2027-12-31', quantity: 6, bay: 'A2' },
      { line: 4, batch: 'LOT-B', quantity: 3 },
    ];
    const preview = await warehouse.purchaseOrders.previewSerialTable({ purchaseOrderId: order.id, rows });
    expect(preview.errors).toEqual([]);
    expect(preview.lines).toEqual([
      { lineId: order.lines[0]!.id, lineNumber: 1, sku: s.sku, entered: 2, expected: 3 },
      { lineId: order.lines[1]!.id, lineNumber: 2, sku: s.sku, entered: 1, expected: 2 },
      { lineId: order.lines[2]!.id, lineNumber: 3, sku: t.sku, entered: 1, expected: 2 },
      { lineId: order.lines[3]!.id, lineNumber: 4, sku: b.sku, entered: 9, expected: 10 },
    ]);
    const saved = await warehouse.purchaseOrders.setSerialTable({ purchaseOrderId: order.id, rows, idempotencyKey: key() });
    expect(saved.lines).toEqual(preview.lines);
    const after = await get(order.id);
    expect(after.lines.map((l) => [l.pendingSerials, l.pendingSerialBays])).toEqual([
      [
        ['TB-1', 'TB-2'],
        ['A1', null],
      ],
      [['TB-3'], ['A2']],
      [['TB-1'], [null]],
      [[], []],
    ]);
    expect(lineOf(after, 4).pendingBatches).toEqual([
      { number: 'LOT-A', expiry: '2027-12-31', quantity: 6, bayName: 'A2' },
      { number: 'LOT-B', expiry: null, quantity: 3, bayName: null },
    ]);
  });

  it('reports every bad row with its index and field, and saves nothing', async () => {
    const { s, b, order, products, loc } = await tableOrder();
    await warehouse.serials.add({ productId: s.id, locationId: loc.id, serials: ['EXISTS'], idempotencyKey: key() });
    await warehouse.purchaseOrders.setSerialTable({
      purchaseOrderId: order.id,
      rows: [{ line: 1, serial: 'KEEP-1' }],
      idempotencyKey: key(),
    });
    const rows = [
      { line: 1, serial: 'GOOD-1' }, // 0
      { sku: s.sku, serial: 'AMBIGUOUS' }, // 1: the SKU is on lines 1 and 2
      { line: 9, serial: 'X' }, // 2: no such line
      { sku: 'NO-SUCH-SKU', serial: 'X' }, // 3
      { line: 1, serial: 'Y', bay: 'Z9' }, // 4: bay of another location
      { line: 1 }, // 5: no serial
      { line: 2, serial: 'GOOD-1' }, // 6: same product, repeats row 0
      { sku: b.sku, batch: 'NOQTY' }, // 7: batch without quantity
      { serial: 'WHICH-LINE' }, // 8: neither SKU nor line
      { line: 2, serial: 'Q', quantity: 2 }, // 9: a serial is one unit
      { line: 2, serial: 'Q2', batch: 'W' }, // 10: both
      { line: 2, serial: 'EXISTS' }, // 11
      { line: 4, serial: 'S-ON-BATCH' }, // 12
      { line: 3, batch: 'B-ON-SERIAL', quantity: 1 }, // 13
    ];
    const preview = await warehouse.purchaseOrders.previewSerialTable({ purchaseOrderId: order.id, rows });
    const seen = preview.errors.map((e) => [e.index, e.field, e.reason]);
    expect(seen).toEqual([
      [1, 'sku', 'LINE_NOT_ON_ORDER'],
      [2, 'line', 'LINE_NOT_ON_ORDER'],
      [3, 'sku', 'LINE_NOT_ON_ORDER'],
      [4, 'bay', 'BAY_NOT_IN_LOCATION'],
      [5, 'serial', 'EMPTY_SERIAL'],
      [6, 'serial', 'DUPLICATE_SERIAL'],
      [7, 'quantity', 'BATCH_QUANTITY_MISMATCH'],
      [8, 'sku', 'INVALID_ROWS'],
      [9, 'quantity', 'INVALID_ROWS'],
      [10, 'batch', 'INVALID_ROWS'],
      [11, 'serial', 'SERIAL_EXISTS'],
      [12, 'serial', 'PRODUCT_NOT_SERIALISED'],
      [13, 'batch', 'PRODUCT_NOT_BATCH_TRACKED'],
    ]);
    const byIndex = new Map(preview.errors.map((e) => [e.index, e]));
    expect(byIndex.get(1)!.message).toMatch(/lines 1 and 2: give the line number/);
    expect(byIndex.get(1)!.message).toContain(s.sku);
    expect(byIndex.get(2)!.message).toContain('no line 9');
    expect(byIndex.get(3)!.message).toContain('NO-SUCH-SKU');
    expect(byIndex.get(4)!.message).toContain('Z9');
    expect(byIndex.get(6)).toMatchObject({ firstIndex: 0, token: 'GOOD-1' });
    expect(byIndex.get(11)!.message).toContain('EXISTS');

    const r = await refusedUnchanged([order.id], products, () =>
      warehouse.purchaseOrders.setSerialTable({ purchaseOrderId: order.id, rows, idempotencyKey: key() }),
    );
    expect(r).toMatchObject({ reason: 'INVALID_SERIALS' });
    expect(r.message).toMatch(/Fix the rows listed/);
    expect(r.problems).toEqual(preview.errors);
    expect(lineOf(await get(order.id), 1).pendingSerials).toEqual(['KEEP-1']);
  });

  it('a row giving both a line number and a SKU must agree on them', async () => {
    const { s, t, order } = await tableOrder();
    const preview = await warehouse.purchaseOrders.previewSerialTable({
      purchaseOrderId: order.id,
      rows: [
        { line: 1, sku: s.sku, serial: 'AG-1' },
        { line: 1, sku: t.sku, serial: 'AG-2' },
        { line: 3, sku: ` ${t.sku.toLowerCase()} `, serial: 'AG-3' },
      ],
    });
    expect(preview.errors).toEqual([expect.objectContaining({ index: 1, field: 'sku', reason: 'LINE_NOT_ON_ORDER' })]);
    expect(preview.errors[0]!.message).toContain(`Line 1 is for ${s.sku}, not ${t.sku}`);
  });

  it('the per-line summary counts fractional quantities exactly', async () => {
    const loc = await location(warehouse);
    const b = await batched();
    const order = await issued({ locationId: loc.id }, [{ productId: b.id, quantity: 0.3, unitCost: 1 }]);
    await warehouse.purchaseOrders.setLineSerials({
      lineId: order.lines[0]!.id,
      batches: [{ number: 'FR', quantity: 0.1 }],
      idempotencyKey: key(),
    });
    await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 0.1 }],
      idempotencyKey: key(),
    });
    const preview = await warehouse.purchaseOrders.previewSerialTable({
      purchaseOrderId: order.id,
      rows: [
        { line: 1, batch: 'FR2', quantity: 0.1 },
        { line: 1, batch: 'FR3', quantity: 0.1 },
      ],
    });
    expect(preview.errors).toEqual([]);
    expect(preview.lines).toEqual([expect.objectContaining({ entered: 0.2, expected: 0.2 })]);
    const third = await warehouse.purchaseOrders.previewSerialTable({
      purchaseOrderId: order.id,
      rows: [
        { line: 1, batch: 'FR2', quantity: 0.1 },
        { line: 1, batch: 'FR3', quantity: 0.2 },
      ],
    });
    expect(third.lines).toEqual([expect.objectContaining({ entered: 0.3, expected: 0.2 })]);
    expect(third.errors).toEqual([expect.objectContaining({ reason: 'SERIAL_COUNT_MISMATCH', index: null })]);
  });

  it('a line given more than it still expects is reported for the line (index null)', async () => {
    const { t, order } = await tableOrder();
    const rows = [
      { sku: t.sku, serial: 'M1' },
      { sku: t.sku, serial: 'M2' },
      { sku: t.sku, serial: 'M3' },
    ];
    const preview = await warehouse.purchaseOrders.previewSerialTable({ purchaseOrderId: order.id, rows });
    expect(preview.errors).toEqual([expect.objectContaining({ index: null, reason: 'SERIAL_COUNT_MISMATCH' })]);
    expect(preview.errors[0]!.message).toContain(`Line 3 (${t.sku}) expects 2 more, but 3 are entered`);
    expect(preview.lines[2]).toMatchObject({ lineNumber: 3, entered: 3, expected: 2 });
    expect(
      (await refusal(warehouse.purchaseOrders.setSerialTable({ purchaseOrderId: order.id, rows, idempotencyKey: key() }))).reason,
    ).toBe('SERIAL_COUNT_MISMATCH');
  });

  it('saving replaces only the lines the table names', async () => {
    const { t, b, order } = await tableOrder();
    await warehouse.purchaseOrders.setSerialTable({
      purchaseOrderId: order.id,
      rows: [
        { line: 1, serial: 'ON-1' },
        { line: 2, serial: 'ON-2' },
        { line: 3, serial: 'ON-3' },
        { sku: b.sku, batch: 'LOT', quantity: 5 },
      ],
      idempotencyKey: key(),
    });
    const out = await warehouse.purchaseOrders.setSerialTable({
      purchaseOrderId: order.id,
      rows: [
        { sku: t.sku, serial: 'NEW-3' },
        { sku: t.sku, serial: 'NEW-4' },
      ],
      idempotencyKey: key(),
    });
    expect(out.lines).toEqual([{ lineId: order.lines[2]!.id, lineNumber: 3, sku: t.sku, entered: 2, expected: 2 }]);
    const after = await get(order.id);
    expect(after.lines.map((l) => l.pendingSerials)).toEqual([['ON-1'], ['ON-2'], ['NEW-3', 'NEW-4'], []]);
    expect(lineOf(after, 4).pendingBatches).toEqual([expect.objectContaining({ number: 'LOT', quantity: 5 })]);
  });

  it('moves a serial from one line to another of the same product when the table names both lines', async () => {
    const { order } = await tableOrder();
    await warehouse.purchaseOrders.setSerialTable({
      purchaseOrderId: order.id,
      rows: [{ line: 1, serial: 'MOVE' }],
      idempotencyKey: key(),
    });
    // Naming only line 2: the serial is still entered on line 1 of this order.
    const only2 = await warehouse.purchaseOrders.previewSerialTable({ purchaseOrderId: order.id, rows: [{ line: 2, serial: 'MOVE' }] });
    expect(only2.errors).toEqual([expect.objectContaining({ index: 0, reason: 'SERIAL_ON_OTHER_ORDER' })]);
    expect(only2.errors[0]!.message).toContain(`#${order.id} line 1`);
    await warehouse.purchaseOrders.setSerialTable({
      purchaseOrderId: order.id,
      rows: [
        { line: 1, serial: 'STAY' },
        { line: 2, serial: 'MOVE' },
      ],
      idempotencyKey: key(),
    });
    expect((await get(order.id)).lines.map((l) => l.pendingSerials).slice(0, 2)).toEqual([['STAY'], ['MOVE']]);
  });

  it('is applied once per idempotency key', async () => {
    const { order } = await tableOrder();
    const k = key();
    const rows = [{ line: 1, serial: 'IT-1' }];
    const first = await warehouse.purchaseOrders.setSerialTable({ purchaseOrderId: order.id, rows, idempotencyKey: k });
    await warehouse.purchaseOrders.setSerialTable({
      purchaseOrderId: order.id,
      rows: [{ line: 1, serial: 'IT-2' }],
      idempotencyKey: key(),
    });
    expect(await warehouse.purchaseOrders.setSerialTable({ purchaseOrderId: order.id, rows, idempotencyKey: k })).toEqual(first);
    expect(lineOf(await get(order.id), 1).pendingSerials).toEqual(['IT-2']);
  });

  it('a received or cancelled order takes no table (ORDER_NOT_OPEN)', async () => {
    const { order, products } = await tableOrder();
    await purchasing.purchaseOrders.cancel({ id: order.id });
    const r = await refusedUnchanged([order.id], products, () =>
      warehouse.purchaseOrders.setSerialTable({ purchaseOrderId: order.id, rows: [{ line: 1, serial: 'C' }], idempotencyKey: key() }),
    );
    expect(r.reason).toBe('ORDER_NOT_OPEN');
    expect(
      (await refusal(warehouse.purchaseOrders.previewSerialTable({ purchaseOrderId: order.id, rows: [{ line: 1, serial: 'C' }] }))).reason,
    ).toBe('ORDER_NOT_OPEN');
  });
});

// ---- receiving ------------------------------------------------------------------------------

describe('receive', () => {
  it('refuses a draft: issue it first', async () => {
    const loc = await location(warehouse);
    const p = await plain();
    const order = await draft({ locationId: loc.id }, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    const r = await refusedUnchanged([order.id], [p.id], () =>
      warehouse.purchaseOrders.receive({
        purchaseOrderId: order.id,
        lines: [{ lineId: order.lines[0]!.id, quantity: 1 }],
        idempotencyKey: key(),
      }),
    );
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'ORDER_NOT_OPEN' });
    expect(r.message).toMatch(/draft: issue it/);
  });

  it('a USD order at 1.5 into the base currency: every kind of line, over two receipts', async () => {
    const loc = await location(warehouse, ['DOCK', 'SHELF']);
    const [dock, shelf] = loc.bayIds;
    const [s, n, b, f] = [await serialised(), await plain(), await batched(), await untracked()];
    const products = [s.id, n.id, b.id, f.id];
    const order = await issued({ locationId: loc.id, bayId: dock, currency: 'USD', exchangeRate: 1.5 }, [
      { productId: s.id, quantity: 4, unitCost: 10 },
      { productId: n.id, quantity: 5, unitCost: 4 },
      { productId: b.id, quantity: 6, unitCost: 2 },
      { productId: f.id, quantity: 2, unitCost: 7 },
    ]);
    const [ls, ln, lb, lf] = order.lines;
    await warehouse.purchaseOrders.setSerialTable({
      purchaseOrderId: order.id,
      rows: [
        { line: 1, serial: 'USD-1', bay: 'SHELF' },
        { line: 1, serial: 'USD-2' },
        { line: 1, serial: 'USD-3' },
        { line: 1, serial: 'USD-4', bay: 'SHELF' },
        { line: 3, batch: 'B-OLD', expiry: '2027-01-31', quantity: 4 },
        { line: 3, batch: 'B-NEW', quantity: 1, bay: 'SHELF' },
      ],
      idempotencyKey: key(),
    });

    // Two of the four entered serials, without naming which: refused.
    const unnamed = await refusedUnchanged([order.id], products, () =>
      warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId: ls!.id, quantity: 2 }], idempotencyKey: key() }),
    );
    expect(unnamed).toMatchObject({ code: 'BAD_REQUEST', reason: 'SERIAL_COUNT_MISMATCH' });
    expect(unnamed.message).toMatch(/Line 1 .*receiving 2 needs exactly 2 serials, but 4 are entered/);
    expect(unnamed.message).toContain(s.sku);
    expect(unnamed.problems).toEqual([expect.objectContaining({ index: 0, field: 'lines' })]);

    // Over-receipt of the plain line.
    const over = await refusedUnchanged([order.id], products, () =>
      warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId: ln!.id, quantity: 6 }], idempotencyKey: key() }),
    );
    expect(over).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'OVER_RECEIPT' });
    expect(over.message).toMatch(/Line 2 .*5 ordered and 0 received, so at most 5 more can be received, not 6/);

    // Batches must add up to what is received.
    const batchShort = await refusedUnchanged([order.id], products, () =>
      warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId: lb!.id, quantity: 6 }], idempotencyKey: key() }),
    );
    expect(batchShort).toMatchObject({ code: 'BAD_REQUEST', reason: 'BATCH_QUANTITY_MISMATCH' });
    expect(batchShort.message).toMatch(/Line 3 .*adding up to 6, but the entered batches add up to 5/);

    // First receipt: two named serials, 2 of the plain line.
    const first = await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [
        { lineId: ls!.id, quantity: 2, serials: ['USD-1', 'USD-2'] },
        { lineId: ln!.id, quantity: 2 },
      ],
      idempotencyKey: key(),
    });
    expect(first).toMatchObject({ purchaseOrderId: order.id, status: 'partially_received' });
    let now = await get(order.id);
    expect(now.status).toBe('partially_received');
    expect(now.lines.map((l) => l.receivedQuantity)).toEqual([2, 2, 0, 0]);
    expect(lineOf(now, 1).pendingSerials).toEqual(['USD-3', 'USD-4']);
    expect(now.receipts).toEqual([expect.objectContaining({ id: first.receiptId, userName: 'warehouse-user' })]);
    expect(now.receipts[0]!.lines).toEqual([
      { lineId: ls!.id, quantity: 2, unitCost: 15 },
      { lineId: ln!.id, quantity: 2, unitCost: 6 },
    ]);
    expect(bySerial(await serialsOf(s.id))).toEqual([
      { serial: 'USD-1', status: 'in_stock', locationId: loc.id, bayId: shelf, unitCost: 15 },
      { serial: 'USD-2', status: 'in_stock', locationId: loc.id, bayId: dock, unitCost: 15 },
    ]);

    // Over-receipt after a receipt counts what came before.
    const overAfter = await refusedUnchanged([order.id], products, () =>
      warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId: ln!.id, quantity: 4 }], idempotencyKey: key() }),
    );
    expect(overAfter.message).toMatch(/5 ordered and 2 received, so at most 3 more/);

    // Second receipt: everything else.
    await warehouse.purchaseOrders.setSerialTable({
      purchaseOrderId: order.id,
      rows: [
        { line: 3, batch: 'B-NEW', quantity: 2, bay: 'SHELF' },
        { line: 3, batch: 'B-OLD', expiry: '2027-01-31', quantity: 4 },
      ],
      idempotencyKey: key(),
    });
    const second = await purchasing.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [
        { lineId: ls!.id, quantity: 2 },
        { lineId: ln!.id, quantity: 3 },
        { lineId: lb!.id, quantity: 6 },
        { lineId: lf!.id, quantity: 2 },
      ],
      idempotencyKey: key(),
    });
    expect(second.status).toBe('received');
    now = await get(order.id);
    expect(now.status).toBe('received');
    expect(now.lines.map((l) => l.receivedQuantity)).toEqual([4, 5, 6, 2]);
    expect(now.lines.map((l) => [l.pendingSerials, l.pendingBatches])).toEqual([
      [[], []],
      [[], []],
      [[], []],
      [[], []],
    ]);
    expect(now.receipts).toHaveLength(2);

    // Stock: serials at their bays, the plain line at the order's bay, batches at theirs; the service line has none.
    expect(bySerial(await serialsOf(s.id))).toEqual([
      { serial: 'USD-1', status: 'in_stock', locationId: loc.id, bayId: shelf, unitCost: 15 },
      { serial: 'USD-2', status: 'in_stock', locationId: loc.id, bayId: dock, unitCost: 15 },
      { serial: 'USD-3', status: 'in_stock', locationId: loc.id, bayId: dock, unitCost: 15 },
      { serial: 'USD-4', status: 'in_stock', locationId: loc.id, bayId: shelf, unitCost: 15 },
    ]);
    expect(await levelsOf(s.id)).toEqual(
      expect.arrayContaining([
        { locationId: loc.id, bayId: dock, batchNumber: null, quantity: 2 },
        { locationId: loc.id, bayId: shelf, batchNumber: null, quantity: 2 },
      ]),
    );
    expect(await levelsOf(n.id)).toEqual([{ locationId: loc.id, bayId: dock, batchNumber: null, quantity: 5 }]);
    expect(await batchesOf(b.id)).toEqual(
      expect.arrayContaining([
        { number: 'B-NEW', expiry: null, quantity: 2, locationId: loc.id, bayId: shelf, unitCost: 3 },
        { number: 'B-OLD', expiry: '2027-01-31', quantity: 4, locationId: loc.id, bayId: dock, unitCost: 3 },
      ]),
    );
    expect(await batchesOf(b.id)).toHaveLength(2);
    expect(await levelsOf(f.id)).toEqual([]);

    // The ledger: receipt rows for the order, valued in base currency.
    const ledger = await receiptMovements(order.id);
    expect(ledger.every((m) => m.kind === 'receipt' && m.documentType === 'purchase_order' && m.documentId === order.id)).toBe(true);
    const rows = ledger.map((m) => [m.productId, m.bayId, Number(m.quantity), Number(m.unitCost)]);
    expect(rows).toEqual(
      expect.arrayContaining([
        [s.id, shelf, 1, 15],
        [s.id, dock, 1, 15],
        [n.id, dock, 2, 6],
        [n.id, dock, 3, 6],
        [b.id, dock, 4, 3],
        [b.id, shelf, 2, 3],
      ]),
    );
    expect(ledger.filter((m) => m.productId === s.id).reduce((sum, m) => sum + Number(m.quantity), 0)).toBe(4);
    expect(ledger.some((m) => m.productId === f.id)).toBe(false);
    expect(ledger.every((m) => m.narrative?.includes(`Purchase order #${order.id}`))).toBe(true);

    // One serial end to end: its history shows the receipt.
    const history = await warehouse.serials.history({ productId: s.id, serial: 'USD-3' });
    expect(history.serial).toMatchObject({ status: 'in_stock', locationId: loc.id, bayId: dock, unitCost: 15 });
    expect(history.movements).toEqual([
      expect.objectContaining({
        kind: 'receipt',
        documentType: 'purchase_order',
        documentId: order.id,
        unitCost: 15,
        statusAfter: 'in_stock',
        quantity: 1,
      }),
    ]);
    expect(history.movements[0]!.narrative).toContain(`receipt #${second.receiptId}`);

    // Average costs in base currency.
    expect((await admin.products.get({ id: s.id })).averageCost).toBe(15);
    expect((await admin.products.get({ id: n.id })).averageCost).toBe(6);
    expect((await admin.products.get({ id: b.id })).averageCost).toBe(3);

    // A received order takes nothing more.
    const done = await refusedUnchanged([order.id], products, () =>
      warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId: ln!.id, quantity: 1 }], idempotencyKey: key() }),
    );
    expect(done).toMatchObject({ reason: 'ORDER_NOT_OPEN' });
    expect(done.message).toMatch(/fully received; nothing more can be received/);
    expect((await refusal(purchasing.purchaseOrders.update({ id: order.id, reference: 'late' }))).reason).toBe('ORDER_NOT_OPEN');
  });

  it('a serialised line needs exactly as many serials as it receives', async () => {
    const loc = await location(warehouse);
    const s = await serialised();
    const order = await issued({ locationId: loc.id }, [{ productId: s.id, quantity: 5, unitCost: 2 }]);
    const lineId = order.lines[0]!.id;
    const receive = (lines: { lineId: number; quantity: number; serials?: string[] }[]) => () =>
      warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines, idempotencyKey: key() });

    // Nothing entered.
    const none = await refusedUnchanged([order.id], [s.id], receive([{ lineId, quantity: 1 }]));
    expect(none.reason).toBe('SERIAL_COUNT_MISMATCH');
    expect(none.message).toMatch(/needs exactly 1 serials, but 0 are entered; enter 1 more/);

    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['EX-1', 'EX-2', 'EX-3'], idempotencyKey: key() });
    // More than entered.
    expect((await refusedUnchanged([order.id], [s.id], receive([{ lineId, quantity: 4 }]))).message).toMatch(
      /but 3 are entered; enter 1 more/,
    );
    // Named serials that are not entered on the line.
    const notEntered = await refusedUnchanged([order.id], [s.id], receive([{ lineId, quantity: 2, serials: ['EX-1', 'NOPE'] }]));
    expect(notEntered).toMatchObject({ code: 'NOT_FOUND', reason: 'SERIAL_NOT_FOUND' });
    expect(notEntered.message).toContain('NOPE');
    // Named, but not as many as received (a repeat counts once).
    expect((await refusedUnchanged([order.id], [s.id], receive([{ lineId, quantity: 2, serials: ['EX-1', 'EX-1'] }]))).message).toMatch(
      /but 1 are named/,
    );
    // Fractions of a serialised unit.
    expect((await refusedUnchanged([order.id], [s.id], receive([{ lineId, quantity: 1.5 }]))).reason).toBe('INVALID_INPUT');

    // All three entered, without naming them.
    const r = await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId, quantity: 3 }],
      idempotencyKey: key(),
    });
    expect(r.lines).toEqual([{ lineId, quantity: 3, serials: 3, batches: 0 }]);
    expect((await serialsOf(s.id)).map((x) => x.serial)).toEqual(['EX-1', 'EX-2', 'EX-3']);
    expect(lineOf(await get(order.id), 1)).toMatchObject({ receivedQuantity: 3, pendingSerials: [] });
  });

  it('reports every bad line at once, by its index in the request', async () => {
    const loc = await location(warehouse);
    const [s, n] = [await serialised(), await plain()];
    const order = await issued({ locationId: loc.id }, [
      { productId: s.id, quantity: 2, unitCost: 1 },
      { productId: n.id, quantity: 2, unitCost: 1 },
    ]);
    const elsewhere = await issued({ locationId: loc.id }, [{ productId: n.id, quantity: 1, unitCost: 1 }]);
    const [ls, ln] = order.lines;
    const r = await refusedUnchanged([order.id, elsewhere.id], [s.id, n.id], () =>
      warehouse.purchaseOrders.receive({
        purchaseOrderId: order.id,
        lines: [
          { lineId: ln!.id, quantity: 1 },
          { lineId: ls!.id, quantity: 2 },
          { lineId: ln!.id, quantity: 1 },
          { lineId: elsewhere.lines[0]!.id, quantity: 1 },
        ],
        idempotencyKey: key(),
      }),
    );
    expect(r.reason).toBe('INVALID_SERIALS');
    expect(r.message).toMatch(/Fix the lines listed/);
    expect(r.problems.map((q) => [q.index, q.reason])).toEqual([
      [1, 'SERIAL_COUNT_MISMATCH'],
      [2, 'INVALID_ROWS'],
      [3, 'LINE_NOT_ON_ORDER'],
    ]);
  });

  it('serials named for a line that takes none are refused, not ignored', async () => {
    const loc = await location(warehouse);
    const n = await plain();
    const order = await issued({ locationId: loc.id }, [{ productId: n.id, quantity: 2, unitCost: 1 }]);
    const r = await refusedUnchanged([order.id], [n.id], () =>
      warehouse.purchaseOrders.receive({
        purchaseOrderId: order.id,
        lines: [{ lineId: order.lines[0]!.id, quantity: 1, serials: ['NOT-1'] }],
        idempotencyKey: key(),
      }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'PRODUCT_NOT_SERIALISED' });
    expect(r.message).toContain(n.sku);
  });

  it('a plain stock-tracked line receives its quantity over many receipts; the status follows', async () => {
    const loc = await location(warehouse);
    const n = await plain();
    const order = await issued({ locationId: loc.id }, [{ productId: n.id, quantity: 10, unitCost: 1.25 }]);
    const lineId = order.lines[0]!.id;
    const statuses: string[] = [];
    for (const quantity of [3, 3.5, 3.5]) {
      const r = await warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity }], idempotencyKey: key() });
      statuses.push(r.status);
      expect((await get(order.id)).status).toBe(r.status);
    }
    expect(statuses).toEqual(['partially_received', 'partially_received', 'received']);
    expect(await levelsOf(n.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 10 }]);
    expect((await receiptMovements(order.id)).map((m) => Number(m.quantity))).toEqual([3, 3.5, 3.5]);
    expect((await get(order.id)).receipts).toHaveLength(3);
  });

  it('a purchasable product that is not stock tracked is received without stock', async () => {
    const loc = await location(warehouse);
    const f = await untracked();
    const order = await issued({ locationId: loc.id }, [{ productId: f.id, quantity: 1, unitCost: 50 }]);
    const r = await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 1 }],
      idempotencyKey: key(),
    });
    expect(r.status).toBe('received');
    expect(await levelsOf(f.id)).toEqual([]);
    expect(await receiptMovements(order.id)).toEqual([]);
    expect((await get(order.id)).receipts[0]!.lines).toEqual([{ lineId: order.lines[0]!.id, quantity: 1, unitCost: 50 }]);
  });

  it('updates the product’s average cost with what was on hand', async () => {
    const loc = await location(warehouse);
    const s = await serialised();
    await warehouse.serials.add({ productId: s.id, locationId: loc.id, serials: ['AV-1', 'AV-2'], unitCost: 5, idempotencyKey: key() });
    expect((await admin.products.get({ id: s.id })).averageCost).toBe(5);
    const order = await issued({ locationId: loc.id, currency: 'EUR', exchangeRate: 2 }, [{ productId: s.id, quantity: 2, unitCost: 7.5 }]);
    await warehouse.purchaseOrders.setLineSerials({ lineId: order.lines[0]!.id, serials: ['AV-3', 'AV-4'], idempotencyKey: key() });
    await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 2 }],
      idempotencyKey: key(),
    });
    expect((await admin.products.get({ id: s.id })).averageCost).toBe(10);
  });

  it('is applied once per idempotency key', async () => {
    const loc = await location(warehouse);
    const [s, n] = [await serialised(), await plain()];
    const order = await issued({ locationId: loc.id }, [
      { productId: s.id, quantity: 2, unitCost: 1 },
      { productId: n.id, quantity: 10, unitCost: 1 },
    ]);
    const [ls, ln] = order.lines;
    await warehouse.purchaseOrders.setLineSerials({ lineId: ls!.id, serials: ['IK-1', 'IK-2'], idempotencyKey: key() });
    const input = {
      purchaseOrderId: order.id,
      lines: [
        { lineId: ls!.id, quantity: 2 },
        { lineId: ln!.id, quantity: 4 },
      ],
      idempotencyKey: key(),
    };
    const first = await warehouse.purchaseOrders.receive(input);
    const after = await state([order.id], [s.id, n.id]);
    const retry = await warehouse.purchaseOrders.receive(input);
    expect(retry).toEqual(first);
    expect(await state([order.id], [s.id, n.id])).toEqual(after);
    expect(after.orders[0]!.lines.map((l) => l.receivedQuantity)).toEqual([2, 4]);
    expect(after.receipts).toBe(1);
    // The same key for a different receipt is refused, not answered with the first one.
    const reused = await refusedUnchanged([order.id], [s.id, n.id], () =>
      warehouse.purchaseOrders.receive({ ...input, lines: [{ lineId: ln!.id, quantity: 1 }] }),
    );
    expect(reused.reason).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a serial entered on an order is one row for the product: it cannot reach stock another way meanwhile', async () => {
    const loc = await location(warehouse);
    const s = await serialised();
    const order = await issued({ locationId: loc.id }, [{ productId: s.id, quantity: 2, unitCost: 1 }]);
    const lineId = order.lines[0]!.id;
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['LATE-1', 'LATE-2'], idempotencyKey: key() });
    // Not through the API (refused as on order, tested elsewhere), not even straight into the table.
    await expect(app.db.prisma.$executeRaw`
      INSERT INTO serial_number (product_id, serial, status, location_id) VALUES (${s.id}, 'LATE-2', 'in_stock', ${loc.id})`).rejects.toThrow();
    const receipt = await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId, quantity: 2 }],
      idempotencyKey: key(),
    });
    expect(receipt.status).toBe('received');
    expect((await serialsOf(s.id)).map((x) => x.serial).sort()).toEqual(['LATE-1', 'LATE-2']);
  });
});

// ---- a receipt that fails part-way ---------------------------------------------------------

describe('a receipt whose transaction fails part-way leaves nothing behind', () => {
  it('a serial failing to go into stock after a good line and good serials rolls back everything', async () => {
    const loc = await location(warehouse, ['FB']);
    const [n, s] = [await plain(), await serialised()];
    const products = [n.id, s.id];
    const order = await issued({ locationId: loc.id, bayId: loc.bayIds[0] }, [
      { productId: n.id, quantity: 5, unitCost: 3 },
      { productId: s.id, quantity: 3, unitCost: 4 },
    ]);
    const [ln, ls] = order.lines;
    const poison = unique('BOOM');
    await warehouse.purchaseOrders.setLineSerials({ lineId: ls!.id, serials: ['FINE-1', 'FINE-2', poison], idempotencyKey: key() });
    const before = await state([order.id], products);

    const suffix = Math.random().toString(36).slice(2, 8);
    const fn = `purchasing_test_fail_${suffix}`;
    await app.db.prisma.$executeRawUnsafe(`
      CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.serial = '${poison}' THEN RAISE EXCEPTION 'test trigger refuses serial %', NEW.serial; END IF;
        RETURN NEW;
      END $$`);
    await app.db.prisma.$executeRawUnsafe(`CREATE TRIGGER ${fn} BEFORE UPDATE ON serial_number FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    const input = {
      purchaseOrderId: order.id,
      lines: [
        { lineId: ln!.id, quantity: 5 },
        { lineId: ls!.id, quantity: 3 },
      ],
      idempotencyKey: key(),
    };
    try {
      const failed = await warehouse.purchaseOrders.receive(input).then(
        () => null,
        (e: unknown) => e,
      );
      expect(failed, 'the receipt should have failed').not.toBeNull();

      const after = await state([order.id], products);
      expect(after).toEqual(before);
      expect(after.receipts).toBe(0);
      expect(after.orders[0]!.status).toBe('issued');
      expect(after.orders[0]!.lines.map((l) => l.receivedQuantity)).toEqual([0, 0]);
      expect(after.orders[0]!.lines[1]!.pendingSerials).toEqual(['FINE-1', 'FINE-2', poison]);
      expect(after.serials).toEqual([[], []]);
      expect(after.levels).toEqual([[], []]);
      expect(after.movements).toBe(0);
      expect(await receiptMovements(order.id)).toEqual([]);
      expect(await app.db.prisma.receiptLine.count({ where: { lineId: { in: [ln!.id, ls!.id] } } })).toBe(0);
      expect(await app.db.prisma.batch.count({ where: { productId: { in: products } } })).toBe(0);
    } finally {
      await app.db.prisma.$executeRawUnsafe(`DROP TRIGGER IF EXISTS ${fn} ON serial_number`);
      await app.db.prisma.$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${fn}()`);
    }

    // The same receipt, with the same key, now goes through: the failed attempt did not use it up.
    const ok = await warehouse.purchaseOrders.receive(input);
    expect(ok.status).toBe('received');
    expect((await serialsOf(s.id)).map((x) => x.serial)).toEqual(['FINE-1', 'FINE-2', poison]);
    expect(await levelsOf(n.id)).toEqual([{ locationId: loc.id, bayId: loc.bayIds[0], batchNumber: null, quantity: 5 }]);
    expect(await receiptMovements(order.id)).toHaveLength(2);
  });

  it('a failing batch receipt rolls back the batches created before it', async () => {
    const loc = await location(warehouse);
    const b = await batched();
    const order = await issued({ locationId: loc.id }, [{ productId: b.id, quantity: 6, unitCost: 2 }]);
    const lineId = order.lines[0]!.id;
    const poison = unique('BADLOT');
    await warehouse.purchaseOrders.setLineSerials({
      lineId,
      batches: [
        { number: 'GOOD-LOT', quantity: 4 },
        { number: poison, quantity: 2 },
      ],
      idempotencyKey: key(),
    });
    const before = await state([order.id], [b.id]);
    const fn = `purchasing_test_fail_${Math.random().toString(36).slice(2, 8)}`;
    await app.db.prisma.$executeRawUnsafe(`
      CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.number = '${poison}' THEN RAISE EXCEPTION 'test trigger refuses batch %', NEW.number; END IF;
        RETURN NEW;
      END $$`);
    await app.db.prisma.$executeRawUnsafe(`CREATE TRIGGER ${fn} BEFORE INSERT ON batch FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    try {
      const failed = await warehouse.purchaseOrders
        .receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 6 }], idempotencyKey: key() })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(failed).not.toBeNull();
      expect(await state([order.id], [b.id])).toEqual(before);
      expect(await app.db.prisma.batch.count({ where: { productId: b.id } })).toBe(0);
    } finally {
      await app.db.prisma.$executeRawUnsafe(`DROP TRIGGER IF EXISTS ${fn} ON batch`);
      await app.db.prisma.$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${fn}()`);
    }
  });
});

// ---- roles --------------------------------------------------------------------------------

describe('roles', () => {
  it('purchasing creates and receives; warehouse receives and enters serials but does not create; sales and viewer only read', async () => {
    const loc = await location(warehouse);
    const s = await serialised();
    const sup = await purchasing.suppliers.create({ name: unique('Role supplier') });
    const lines = [{ productId: s.id, quantity: 4, unitCost: 1 }];
    const header = { supplierId: sup.id, locationId: loc.id, currency: 'AUD', exchangeRate: 1 };
    const order = await purchasing.purchaseOrders.issue({ id: (await purchasing.purchaseOrders.create({ ...header, lines })).id });
    const lineId = order.lines[0]!.id;

    for (const role of ['warehouse', 'sales', 'viewer', 'accountant'] as const) {
      const caller = app.as(role);
      for (const call of [
        () => caller.suppliers.create({ name: unique('Nope') }),
        () => caller.purchaseOrders.create({ ...header, lines }),
        () => caller.purchaseOrders.update({ id: order.id, reference: 'nope' }),
        () => caller.purchaseOrders.issue({ id: order.id }),
        () => caller.purchaseOrders.cancel({ id: order.id }),
      ]) {
        const r = await refusedUnchanged([order.id], [s.id], call);
        expect(r).toMatchObject({ code: 'FORBIDDEN', reason: 'FORBIDDEN' });
        expect(r.message).toContain(`(${role})`);
        expect(r.message).toContain('purchasing');
      }
    }
    for (const role of ['sales', 'viewer', 'accountant'] as const) {
      const caller = app.as(role);
      for (const call of [
        () => caller.purchaseOrders.setLineSerials({ lineId, serials: ['R-1'], idempotencyKey: key() }),
        () =>
          caller.purchaseOrders.setSerialTable({ purchaseOrderId: order.id, rows: [{ line: 1, serial: 'R-1' }], idempotencyKey: key() }),
        () => caller.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 1 }], idempotencyKey: key() }),
      ]) {
        const r = await refusedUnchanged([order.id], [s.id], call);
        expect(r).toMatchObject({ code: 'FORBIDDEN', reason: 'FORBIDDEN' });
        expect(r.message).toMatch(/receive goods/);
      }
      // Reading is open to every role.
      expect((await caller.purchaseOrders.get({ id: order.id })).id).toBe(order.id);
      expect((await caller.purchaseOrders.list({ limit: 10 })).items.length).toBeGreaterThan(0);
      expect((await caller.suppliers.list()).items.length).toBeGreaterThan(0);
      expect((await caller.purchaseOrders.previewLineSerials({ lineId, serials: ['R-1'] })).errors).toEqual([]);
    }

    // Warehouse enters serials and receives.
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['W-1', 'W-2'], idempotencyKey: key() });
    await warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 2 }], idempotencyKey: key() });
    // Purchasing too.
    await purchasing.purchaseOrders.setSerialTable({
      purchaseOrderId: order.id,
      rows: [
        { line: 1, serial: 'P-1' },
        { line: 1, serial: 'P-2' },
      ],
      idempotencyKey: key(),
    });
    const done = await purchasing.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId, quantity: 2 }],
      idempotencyKey: key(),
    });
    expect(done.status).toBe('received');
    expect((await serialsOf(s.id)).map((x) => x.serial)).toEqual(['W-1', 'W-2', 'P-1', 'P-2']);
  });

  it('anonymous callers are refused', async () => {
    const r = await refusal(app.anonymous.purchaseOrders.list({ limit: 1 }));
    expect(r).toMatchObject({ code: 'UNAUTHORIZED', reason: 'UNAUTHENTICATED' });
  });

  it(`runs on ${onPostgres ? 'PostgreSQL' : 'PGlite'}`, () => {
    expect(app.db.kind).toBe(onPostgres ? 'postgresql' : 'pglite');
  });
});

describe('serials expected on an order, entered elsewhere', () => {
  it('serials.add and serials.adjust refuse a serial that waits on an open order line, naming the order', async () => {
    const loc = await location(warehouse);
    const p = await serialised();
    const order = await issued({ locationId: loc.id }, [{ productId: p.id, quantity: 2, unitCost: 4 }]);
    await warehouse.purchaseOrders.setLineSerials({ lineId: order.lines[0]!.id, serials: ['EXP-1', 'EXP-2'], idempotencyKey: key() });

    const preview = await warehouse.serials.preview({ productId: p.id, serials: ['FREE-1', 'EXP-2'] });
    expect(preview.errors).toEqual([
      expect.objectContaining({
        index: 1,
        reason: 'SERIAL_ON_OTHER_ORDER',
        message: expect.stringContaining(`purchase order #${order.id} line 1`),
      }),
    ]);
    const added = await refusedUnchanged([order.id], [p.id], () =>
      warehouse.serials.add({ productId: p.id, locationId: loc.id, serials: ['FREE-1', 'EXP-2'], idempotencyKey: key() }),
    );
    expect(added.reason).toBe('SERIAL_ON_OTHER_ORDER');
    const adjusted = await refusal(
      warehouse.serials.adjust({ productId: p.id, locationId: loc.id, add: ['EXP-1'], glCode: '630', unitCost: 1, idempotencyKey: key() }),
    );
    expect(adjusted.problems).toEqual([expect.objectContaining({ index: 0, field: 'add', reason: 'SERIAL_ON_OTHER_ORDER' })]);

    // Received on the order, the serials are in stock as expected.
    await warehouse.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 2 }],
      idempotencyKey: key(),
    });
    expect((await serialsOf(p.id)).map((s) => s.serial).sort()).toEqual(['EXP-1', 'EXP-2']);
  });
});
