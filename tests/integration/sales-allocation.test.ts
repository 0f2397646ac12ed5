// Customers, sales orders and serial allocation on sales order lines (issue 6, first slice).
// Runs on PGlite, or on PostgreSQL with TEST_DATABASE_URL.
import { describe, expect, it } from 'vitest';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { location, plainProduct, sellableCodes, serialisedProduct } from '../helpers/fixtures.ts';

const app = useTestApp();
const admin = app.as('admin');
const sales = app.as('sales');
const warehouse = app.as('warehouse');
const viewer = app.as('viewer');

const uniq = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

async function customer() {
  return sales.customers.create({ name: uniq('Customer') });
}

/** A location and a sellable serialised product with these serials in stock there (one add per serial, so each is older than the next). */
async function stocked(serials: string[], oneByOne = false) {
  const loc = await location(admin);
  const product = await serialisedProduct(admin, sellableCodes);
  if (oneByOne) {
    for (const s of serials)
      await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: [s], idempotencyKey: key() });
  } else if (serials.length > 0) {
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials, idempotencyKey: key() });
  }
  return { loc, product };
}

async function order(locationId: number, lines: { productId: number; quantity: number }[]) {
  const c = await customer();
  return sales.salesOrders.create({ customerId: c.id, locationId, lines: lines.map((l) => ({ ...l, unitPrice: 10 })) });
}

const serialsOfLine = async (orderId: number, lineIndex = 0) => (await sales.salesOrders.get({ id: orderId })).lines[lineIndex]!.serials;

async function statuses(productId: number) {
  const { items } = await viewer.serials.list({ productId, limit: 1000 });
  return Object.fromEntries(items.map((s) => [s.serial, s.status]));
}

async function allocationRows(productId: number, serial: string) {
  const h = await viewer.serials.history({ productId, serial });
  return h.movements
    .filter((m) => m.kind === 'allocation')
    .map((m) => ({ statusAfter: m.statusAfter, documentType: m.documentType, documentId: m.documentId }));
}

// ---- customers ------------------------------------------------------------------------------

describe('customers', () => {
  it('creates and lists customers, refusing a duplicate name', async () => {
    const name = uniq('Acme');
    const c = await sales.customers.create({ name });
    expect(c).toMatchObject({ id: expect.any(Number), name });
    const r = await refusal(sales.customers.create({ name }));
    expect(r).toMatchObject({ code: 'CONFLICT', reason: 'CUSTOMER_NAME_TAKEN' });
    expect(r.message).toContain(name);
    const list = await viewer.customers.list();
    expect(list.items.filter((x) => x.name === name)).toEqual([expect.objectContaining({ id: c.id, name })]);
  });

  it('only sales (and admin) create customers', async () => {
    expect((await refusal(viewer.customers.create({ name: uniq('V') }))).code).toBe('FORBIDDEN');
    expect((await refusal(warehouse.customers.create({ name: uniq('W') }))).code).toBe('FORBIDDEN');
  });
});

// ---- sales orders -----------------------------------------------------------------------------

describe('salesOrders.create, get, list', () => {
  it('creates an open order with numbered lines; get and list show it', async () => {
    const { loc, product } = await stocked([]);
    const c = await customer();
    const created = await sales.salesOrders.create({
      customerId: c.id,
      locationId: loc.id,
      reference: 'PO-77',
      lines: [{ productId: product.id, quantity: 2, unitPrice: 12.5 }],
    });
    expect(created).toMatchObject({
      status: 'open',
      reference: 'PO-77',
      customer: { id: c.id, name: c.name },
      location: { id: loc.id },
      lines: [
        { id: expect.any(Number), lineNumber: 1, productId: product.id, quantity: 2, unitPrice: 12.5, shippedQuantity: 0, serials: [] },
      ],
    });
    expect(await viewer.salesOrders.get({ id: created.id })).toEqual(created);
    const list = await viewer.salesOrders.list({ customerId: c.id, limit: 10 });
    expect(list.items.map((o) => o.id)).toEqual([created.id]);
    expect((await viewer.salesOrders.list({ status: 'cancelled', customerId: c.id, limit: 10 })).items).toEqual([]);
  });

  it('refuses a product that is not sellable', async () => {
    const loc = await location(admin);
    const product = await serialisedProduct(admin);
    const c = await customer();
    const r = await refusal(
      sales.salesOrders.create({ customerId: c.id, locationId: loc.id, lines: [{ productId: product.id, quantity: 1, unitPrice: 1 }] }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'PRODUCT_NOT_SELLABLE' });
    expect(r.message).toContain(product.sku);
  });

  it('refuses a fractional quantity of a serialised product', async () => {
    const { loc, product } = await stocked([]);
    const c = await customer();
    const r = await refusal(
      sales.salesOrders.create({ customerId: c.id, locationId: loc.id, lines: [{ productId: product.id, quantity: 1.5, unitPrice: 1 }] }),
    );
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain(product.sku);
    expect((await viewer.salesOrders.list({ customerId: c.id, limit: 10 })).items).toEqual([]);
  });

  it('roles: sales creates; viewer and warehouse may not; warehouse may allocate', async () => {
    const { loc, product } = await stocked(['RL-1']);
    const c = await customer();
    const input = { customerId: c.id, locationId: loc.id, lines: [{ productId: product.id, quantity: 1, unitPrice: 1 }] };
    expect((await refusal(viewer.salesOrders.create(input))).code).toBe('FORBIDDEN');
    expect((await refusal(warehouse.salesOrders.create(input))).code).toBe('FORBIDDEN');
    const o = await sales.salesOrders.create(input);
    const lineId = o.lines[0]!.id;
    expect((await refusal(viewer.salesOrders.allocateSerials({ lineId, serials: ['RL-1'], idempotencyKey: key() }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await refusal(warehouse.salesOrders.cancel({ id: o.id }))).code).toBe('FORBIDDEN');
    expect(await warehouse.salesOrders.allocateSerials({ lineId, serials: ['RL-1'], idempotencyKey: key() })).toEqual({
      lineId,
      allocated: 1,
    });
    expect(await serialsOfLine(o.id)).toEqual(['RL-1']);
  });
});

// ---- allocateSerials --------------------------------------------------------------------------

describe('salesOrders.allocateSerials', () => {
  it('allocates by list: serials become allocated, with a ledger row naming the order', async () => {
    const { loc, product } = await stocked(['AL-1', 'AL-2', 'AL-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    const lineId = o.lines[0]!.id;
    expect(await sales.salesOrders.allocateSerials({ lineId, serials: ['AL-3', 'AL-1'], idempotencyKey: key() })).toEqual({
      lineId,
      allocated: 2,
    });
    expect(await serialsOfLine(o.id)).toEqual(['AL-1', 'AL-3']);
    expect(await statuses(product.id)).toEqual({ 'AL-1': 'allocated', 'AL-2': 'in_stock', 'AL-3': 'allocated' });
    expect(await allocationRows(product.id, 'AL-1')).toEqual([{ statusAfter: 'allocated', documentType: 'sales_order', documentId: o.id }]);
    expect(await allocationRows(product.id, 'AL-2')).toEqual([]);
    // Allocation moves nothing: stock on hand is unchanged.
    const { items } = await viewer.stock.levels({ productId: product.id, limit: 10 });
    expect(items.reduce((s, l) => s + l.quantity, 0)).toBe(3);
  });

  it('allocates by text with the serial syntax', async () => {
    const { loc, product } = await stocked(['TX-01', 'TX-02', 'TX-03', 'TX-04']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 3 }]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, text: 'TX-01::03', idempotencyKey: key() });
    expect(await serialsOfLine(o.id)).toEqual(['TX-01', 'TX-02', 'TX-03']);
  });

  it('refuses both or neither of serials and text', async () => {
    const { loc, product } = await stocked(['BN-1']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    const lineId = o.lines[0]!.id;
    expect(
      (await refusal(sales.salesOrders.allocateSerials({ lineId, serials: ['BN-1'], text: 'BN-1', idempotencyKey: key() }))).code,
    ).toBe('BAD_REQUEST');
    expect((await refusal(sales.salesOrders.allocateSerials({ lineId, idempotencyKey: key() }))).code).toBe('BAD_REQUEST');
  });

  it('needs exactly as many serials as the line quantity (SERIAL_COUNT_MISMATCH)', async () => {
    const { loc, product } = await stocked(['CM-1', 'CM-2', 'CM-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    const lineId = o.lines[0]!.id;
    const few = await refusal(sales.salesOrders.allocateSerials({ lineId, serials: ['CM-1'], idempotencyKey: key() }));
    expect(few).toMatchObject({ code: 'BAD_REQUEST', reason: 'SERIAL_COUNT_MISMATCH' });
    const many = await refusal(sales.salesOrders.allocateSerials({ lineId, serials: ['CM-1', 'CM-2', 'CM-3'], idempotencyKey: key() }));
    expect(many.reason).toBe('SERIAL_COUNT_MISMATCH');
    expect(await serialsOfLine(o.id)).toEqual([]);
    expect(Object.values(await statuses(product.id))).toEqual(['in_stock', 'in_stock', 'in_stock']);
  });

  it('refuses a serial allocated to another order, naming the order and line', async () => {
    const { loc, product } = await stocked(['SA-1', 'SA-2']);
    const first = await order(loc.id, [
      { productId: product.id, quantity: 1 },
      { productId: product.id, quantity: 1 },
    ]);
    await sales.salesOrders.allocateSerials({ lineId: first.lines[1]!.id, serials: ['SA-1'], idempotencyKey: key() });
    const second = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    const r = await refusal(sales.salesOrders.allocateSerials({ lineId: second.lines[0]!.id, serials: ['SA-1'], idempotencyKey: key() }));
    expect(r).toMatchObject({ code: 'CONFLICT', reason: 'SERIAL_ALLOCATED' });
    expect(r.message).toContain('SA-1');
    expect(r.message).toContain(`sales order #${first.id} line 2`);
    expect(r.problems).toEqual([expect.objectContaining({ index: 0, token: 'SA-1', reason: 'SERIAL_ALLOCATED' })]);
    expect(await serialsOfLine(first.id, 1)).toEqual(['SA-1']);
    expect(await serialsOfLine(second.id)).toEqual([]);
  });

  it('refuses a serial no longer in stock (written off)', async () => {
    const { loc, product } = await stocked(['WO-1', 'WO-2']);
    await warehouse.serials.adjust({
      productId: product.id,
      locationId: loc.id,
      remove: ['WO-1'],
      glCode: '630',
      narrative: 'broken',
      idempotencyKey: key(),
    });
    const o = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    const r = await refusal(sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['WO-1'], idempotencyKey: key() }));
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'SERIAL_NOT_IN_STOCK' });
    expect(r.message).toContain('WO-1');
    expect(r.message).toMatch(/not in stock/);
  });

  it('refuses a serial in stock at another location, naming where it is', async () => {
    const { loc, product } = await stocked(['HERE-1']);
    const elsewhere = await location(admin);
    await warehouse.serials.add({ productId: product.id, locationId: elsewhere.id, serials: ['THERE-1'], idempotencyKey: key() });
    const o = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    const r = await refusal(sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['THERE-1'], idempotencyKey: key() }));
    expect(r).toMatchObject({ reason: 'SERIAL_NOT_IN_STOCK' });
    expect(r.message).toContain('THERE-1');
    expect(r.message).toContain(elsewhere.name);
  });

  it('refuses an unknown serial (SERIAL_NOT_FOUND)', async () => {
    const { loc, product } = await stocked(['KN-1']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    const r = await refusal(sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['NOPE-9'], idempotencyKey: key() }));
    expect(r).toMatchObject({ code: 'NOT_FOUND', reason: 'SERIAL_NOT_FOUND' });
    expect(r.message).toContain('NOPE-9');
  });

  it('reports every problem at once, by index, and changes nothing', async () => {
    const { loc, product } = await stocked(['EP-1', 'EP-2', 'EP-3', 'EP-4']);
    const other = await location(admin);
    await warehouse.serials.add({ productId: product.id, locationId: other.id, serials: ['EP-X'], idempotencyKey: key() });
    await warehouse.serials.adjust({
      productId: product.id,
      locationId: loc.id,
      remove: ['EP-4'],
      glCode: '630',
      narrative: 'lost',
      idempotencyKey: key(),
    });
    const holder = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    await sales.salesOrders.allocateSerials({ lineId: holder.lines[0]!.id, serials: ['EP-2'], idempotencyKey: key() });
    const o = await order(loc.id, [{ productId: product.id, quantity: 5 }]);
    const r = await refusal(
      sales.salesOrders.allocateSerials({
        lineId: o.lines[0]!.id,
        serials: ['EP-1', 'EP-2', 'EP-X', 'EP-4', 'GHOST'],
        idempotencyKey: key(),
      }),
    );
    expect(r.reason).toBe('INVALID_SERIALS');
    expect(r.problems.map((p) => [p.index, p.token, p.reason])).toEqual([
      [1, 'EP-2', 'SERIAL_ALLOCATED'],
      [2, 'EP-X', 'SERIAL_NOT_IN_STOCK'],
      [3, 'EP-4', 'SERIAL_NOT_IN_STOCK'],
      [4, 'GHOST', 'SERIAL_NOT_FOUND'],
    ]);
    expect(r.problems[0]!.message).toContain(`sales order #${holder.id} line 1`);
    expect(r.problems[1]!.message).toContain(other.name);
    expect(r.message).toMatch(/Nothing was saved/);
    expect(await serialsOfLine(o.id)).toEqual([]);
    expect((await statuses(product.id))['EP-1']).toBe('in_stock');
  });

  it('a refused request keeps the line’s previous allocation', async () => {
    const { loc, product } = await stocked(['KP-1', 'KP-2', 'KP-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    const lineId = o.lines[0]!.id;
    await sales.salesOrders.allocateSerials({ lineId, serials: ['KP-1', 'KP-2'], idempotencyKey: key() });
    const r = await refusal(sales.salesOrders.allocateSerials({ lineId, serials: ['KP-3', 'NOPE'], idempotencyKey: key() }));
    expect(r.reason).toBe('SERIAL_NOT_FOUND');
    expect(await serialsOfLine(o.id)).toEqual(['KP-1', 'KP-2']);
    expect(await statuses(product.id)).toEqual({ 'KP-1': 'allocated', 'KP-2': 'allocated', 'KP-3': 'in_stock' });
    expect(await allocationRows(product.id, 'KP-1')).toHaveLength(1);
  });

  it('re-allocating replaces the line’s allocation; released serials go back in stock, and history shows both', async () => {
    const { loc, product } = await stocked(['RP-1', 'RP-2', 'RP-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    const lineId = o.lines[0]!.id;
    await sales.salesOrders.allocateSerials({ lineId, serials: ['RP-1', 'RP-2'], idempotencyKey: key() });
    // The line may keep one of its own serials.
    await sales.salesOrders.allocateSerials({ lineId, serials: ['RP-2', 'RP-3'], idempotencyKey: key() });
    expect(await serialsOfLine(o.id)).toEqual(['RP-2', 'RP-3']);
    expect(await statuses(product.id)).toEqual({ 'RP-1': 'in_stock', 'RP-2': 'allocated', 'RP-3': 'allocated' });
    const doc = { documentType: 'sales_order', documentId: o.id };
    expect(await allocationRows(product.id, 'RP-1')).toEqual([
      { statusAfter: 'allocated', ...doc },
      { statusAfter: 'in_stock', ...doc },
    ]);
    expect((await allocationRows(product.id, 'RP-2')).at(-1)).toEqual({ statusAfter: 'allocated', ...doc });
    // The released serial is free for another order.
    const other = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    await sales.salesOrders.allocateSerials({ lineId: other.lines[0]!.id, serials: ['RP-1'], idempotencyKey: key() });
    expect(await serialsOfLine(other.id)).toEqual(['RP-1']);
  });

  it('is idempotent with the same key', async () => {
    const { loc, product } = await stocked(['ID-1', 'ID-2']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    const lineId = o.lines[0]!.id;
    const k = key();
    const first = await sales.salesOrders.allocateSerials({ lineId, serials: ['ID-1'], idempotencyKey: k });
    const again = await sales.salesOrders.allocateSerials({ lineId, serials: ['ID-1'], idempotencyKey: k });
    expect(again).toEqual(first);
    expect(await allocationRows(product.id, 'ID-1')).toHaveLength(1);
    const reused = await refusal(sales.salesOrders.allocateSerials({ lineId, serials: ['ID-2'], idempotencyKey: k }));
    expect(reused.reason).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await serialsOfLine(o.id)).toEqual(['ID-1']);
  });

  it('refuses serials on a line whose product is not serialised', async () => {
    const loc = await location(admin);
    const product = await plainProduct(admin, sellableCodes);
    const o = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    const r = await refusal(sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['X'], idempotencyKey: key() }));
    expect(r.reason).toBe('PRODUCT_NOT_SERIALISED');
  });
});

// ---- suggestSerials ---------------------------------------------------------------------------

describe('salesOrders.suggestSerials', () => {
  it('suggests the oldest free serials in stock at the order’s location, as many as the line needs', async () => {
    // Received one at a time, Z first: oldest first is not alphabetical.
    const { loc, product } = await stocked(['SG-Z', 'SG-A', 'SG-M', 'SG-B', 'SG-C'], true);
    const elsewhere = await location(admin);
    await warehouse.serials.add({ productId: product.id, locationId: elsewhere.id, serials: ['SG-0'], idempotencyKey: key() });
    const holder = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    await sales.salesOrders.allocateSerials({ lineId: holder.lines[0]!.id, serials: ['SG-A'], idempotencyKey: key() });
    await warehouse.serials.adjust({
      productId: product.id,
      locationId: loc.id,
      remove: ['SG-M'],
      glCode: '630',
      narrative: 'gone',
      idempotencyKey: key(),
    });

    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    const lineId = o.lines[0]!.id;
    expect(await viewer.salesOrders.suggestSerials({ lineId })).toEqual({ serials: ['SG-Z', 'SG-B'], batches: [], needed: 2 });
    const big = await order(loc.id, [{ productId: product.id, quantity: 10 }]);
    expect(await viewer.salesOrders.suggestSerials({ lineId: big.lines[0]!.id })).toEqual({
      serials: ['SG-Z', 'SG-B', 'SG-C'],
      batches: [],
      needed: 10,
    });
    // A suggestion can be allocated as it stands.
    const { serials } = await sales.salesOrders.suggestSerials({ lineId });
    await sales.salesOrders.allocateSerials({ lineId, serials, idempotencyKey: key() });
    expect(await serialsOfLine(o.id)).toEqual(['SG-B', 'SG-Z']);
  });
});

// ---- cancel -----------------------------------------------------------------------------------

describe('salesOrders.cancel', () => {
  it('releases the allocations, which another order can then take; the cancelled order refuses allocation', async () => {
    const { loc, product } = await stocked(['CN-1', 'CN-2', 'CN-3']);
    const o = await order(loc.id, [
      { productId: product.id, quantity: 2 },
      { productId: product.id, quantity: 1 },
    ]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['CN-1', 'CN-2'], idempotencyKey: key() });
    await sales.salesOrders.allocateSerials({ lineId: o.lines[1]!.id, serials: ['CN-3'], idempotencyKey: key() });
    const cancelled = await sales.salesOrders.cancel({ id: o.id });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.lines.map((l) => l.serials)).toEqual([[], []]);
    expect(await statuses(product.id)).toEqual({ 'CN-1': 'in_stock', 'CN-2': 'in_stock', 'CN-3': 'in_stock' });
    expect(await allocationRows(product.id, 'CN-3')).toEqual([
      { statusAfter: 'allocated', documentType: 'sales_order', documentId: o.id },
      { statusAfter: 'in_stock', documentType: 'sales_order', documentId: o.id },
    ]);

    const r = await refusal(
      sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['CN-1', 'CN-2'], idempotencyKey: key() }),
    );
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'ORDER_NOT_OPEN' });
    expect(r.message).toContain(`#${o.id}`);
    expect((await refusal(sales.salesOrders.cancel({ id: o.id }))).reason).toBe('ORDER_NOT_OPEN');
    expect((await refusal(sales.salesOrders.suggestSerials({ lineId: o.lines[0]!.id }))).reason).toBe('ORDER_NOT_OPEN');

    const other = await order(loc.id, [{ productId: product.id, quantity: 3 }]);
    await sales.salesOrders.allocateSerials({ lineId: other.lines[0]!.id, text: 'CN-1::3', idempotencyKey: key() });
    expect(await serialsOfLine(other.id)).toEqual(['CN-1', 'CN-2', 'CN-3']);
    expect((await viewer.salesOrders.list({ status: 'cancelled', limit: 1000 })).items.map((x) => x.id)).toContain(o.id);
  });
});
