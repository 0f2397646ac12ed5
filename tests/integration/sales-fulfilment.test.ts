// Shipments, invoices and batch allocation on sales orders (issue 6): stock leaves once, only
// when every serialised and batch line is complete. Runs on PGlite, or PostgreSQL with TEST_DATABASE_URL.
import { describe, expect, it } from 'vitest';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { batchProduct, location, plainProduct, sellableCodes, serialisedProduct } from '../helpers/fixtures.ts';
import { allSerialsOf, productSnapshot } from '../helpers/reads.ts';

const app = useTestApp();
const admin = app.as('admin');
const sales = app.as('sales');
const warehouse = app.as('warehouse');
const accountant = app.as('accountant');
const viewer = app.as('viewer');

let n = 0;
const uniq = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

/** A location with a sellable serialised product and these serials in stock there. */
async function serialStock(serials: string[]) {
  const loc = await location(admin);
  const product = await serialisedProduct(admin, sellableCodes);
  await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials, unitCost: 40, idempotencyKey: key() });
  return { loc, product };
}

async function order(locationId: number, lines: { productId: number; quantity: number }[]) {
  const customer = await sales.customers.create({ name: uniq('Customer') });
  return sales.salesOrders.create({ customerId: customer.id, locationId, lines: lines.map((l) => ({ ...l, unitPrice: 99 })) });
}

async function onHand(productId: number, locationId: number) {
  const { items } = await viewer.stock.levels({ productId, locationId, limit: 1000 });
  return items.reduce((sum, l) => sum + l.quantity, 0);
}

const statusOf = async (productId: number) => Object.fromEntries((await allSerialsOf(viewer, productId)).map((s) => [s.serial, s.status]));

function saleMovements(documentType: 'shipment' | 'invoice', documentId: number) {
  return app.db.prisma.stockMovement.findMany({
    where: { documentType, documentId, kind: 'sale' },
    select: {
      quantity: true,
      customerId: true,
      narrative: true,
      serials: { select: { serial: { select: { serial: true } }, status: true } },
    },
  });
}

describe('shipments of serialised lines', () => {
  it('ships the serials the order holds: out of stock, ledger names the shipment and customer, order shipped', async () => {
    const { loc, product } = await serialStock(['SH-1', 'SH-2', 'SH-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['SH-1', 'SH-3'], idempotencyKey: key() });

    const shipment = await warehouse.shipments.create({ salesOrderId: o.id });
    expect(shipment).toMatchObject({ status: 'to_pick', salesOrderId: o.id, lines: [{ quantity: 2, serials: ['SH-1', 'SH-3'] }] });
    const shipped = await warehouse.shipments.ship({ id: shipment.id });
    expect(shipped.status).toBe('shipped');

    expect(await statusOf(product.id)).toEqual({ 'SH-1': 'shipped', 'SH-2': 'in_stock', 'SH-3': 'shipped' });
    expect(await onHand(product.id, loc.id)).toBe(1);
    const got = await sales.salesOrders.get({ id: o.id });
    expect(got).toMatchObject({ status: 'shipped', lines: [{ shippedQuantity: 2, invoicedQuantity: 0 }] });
    const movements = await saleMovements('shipment', shipment.id);
    expect(movements).toHaveLength(1);
    expect(Number(movements[0]!.quantity)).toBe(-2);
    expect(movements[0]!.customerId).toBe(o.customer.id);
    expect(movements[0]!.narrative).toContain(o.customer.name);
    expect(movements[0]!.serials.map((s) => [s.serial.serial, s.status]).sort()).toEqual([
      ['SH-1', 'shipped'],
      ['SH-3', 'shipped'],
    ]);
    const history = await viewer.serials.history({ productId: product.id, serial: 'SH-1' });
    expect(history.movements.at(-1)).toMatchObject({
      kind: 'sale',
      documentType: 'shipment',
      documentId: shipment.id,
      statusAfter: 'shipped',
      customer: { id: o.customer.id, name: o.customer.name },
    });
  });

  it('refuses to ship until every serialised line names its serials (SERIALS_REQUIRED), changing nothing', async () => {
    const { loc, product } = await serialStock(['SR-1', 'SR-2', 'SR-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 3 }]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, text: 'SR-1', idempotencyKey: key() }).catch(() => undefined);
    const shipment = await warehouse.shipments.create({ salesOrderId: o.id });
    expect(shipment.lines[0]!.serials).toEqual([]);
    const before = await productSnapshot(app, viewer, product.id);
    const r = await refusal(warehouse.shipments.ship({ id: shipment.id }));
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'SERIALS_REQUIRED' });
    expect(r.message).toContain(`Shipment #${shipment.id}`);
    expect(r.message).toContain('names 0 of its 3 serials');
    expect(await productSnapshot(app, viewer, product.id)).toEqual(before);
    expect((await viewer.shipments.get({ id: shipment.id })).status).toBe('to_pick');
  });

  it('ships a shipment made before the order line was allocated: it carries what the order line holds', async () => {
    const { loc, product } = await serialStock(['SB-1', 'SB-2', 'SB-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    const shipment = await warehouse.shipments.create({ salesOrderId: o.id });
    expect(shipment.lines[0]!.serials).toEqual([]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['SB-1', 'SB-3'], idempotencyKey: key() });
    // The pane shows the shipment complete as soon as its order line is.
    expect((await viewer.shipments.get({ id: shipment.id })).lines[0]!.serials).toEqual(['SB-1', 'SB-3']);
    const doc = await viewer.allocations.document({ type: 'shipment', id: shipment.id });
    expect(doc.lines[0]).toMatchObject({ allocated: 2, needed: 2, complete: true });

    expect((await warehouse.shipments.ship({ id: shipment.id })).status).toBe('shipped');
    expect(await statusOf(product.id)).toEqual({ 'SB-1': 'shipped', 'SB-2': 'in_stock', 'SB-3': 'shipped' });
    expect((await saleMovements('shipment', shipment.id))[0]!.serials.map((s) => s.serial.serial).sort()).toEqual(['SB-1', 'SB-3']);
  });

  it('issues an invoice made before the order line was allocated: it carries what the order line holds', async () => {
    const { loc, product } = await serialStock(['SI-1', 'SI-2']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    const invoice = await sales.invoices.create({ salesOrderId: o.id });
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['SI-2'], idempotencyKey: key() });
    expect((await sales.invoices.issue({ id: invoice.id })).status).toBe('issued');
    expect(await statusOf(product.id)).toEqual({ 'SI-1': 'in_stock', 'SI-2': 'shipped' });
    expect(await onHand(product.id, loc.id)).toBe(1);
    expect((await saleMovements('invoice', invoice.id))[0]!.serials.map((s) => s.serial.serial)).toEqual(['SI-2']);
  });

  it('ships the serials named on the shipment itself, not others its order line holds', async () => {
    const { loc, product } = await serialStock(['SN-1', 'SN-2', 'SN-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    const lineId = o.lines[0]!.id;
    const first = await warehouse.shipments.create({ salesOrderId: o.id, lines: [{ lineId, quantity: 1 }] });
    await sales.salesOrders.allocateSerials({ lineId, serials: ['SN-1', 'SN-2'], idempotencyKey: key() });
    expect((await viewer.shipments.get({ id: first.id })).lines[0]!.serials).toEqual(['SN-1']);
    await warehouse.shipments.allocateSerials({ lineId: first.lines[0]!.id, serials: ['SN-2'], idempotencyKey: key() });
    await warehouse.shipments.ship({ id: first.id });
    expect(await statusOf(product.id)).toEqual({ 'SN-1': 'allocated', 'SN-2': 'shipped', 'SN-3': 'in_stock' });
    const second = await warehouse.shipments.create({ salesOrderId: o.id });
    expect(second.lines[0]!.serials).toEqual(['SN-1']);
  });

  it('ships part of an order; the rest stays back-ordered and cannot be over-shipped', async () => {
    const { loc, product } = await serialStock(['PS-1', 'PS-2', 'PS-3', 'PS-4']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 4 }]);
    const lineId = o.lines[0]!.id;
    await sales.salesOrders.allocateSerials({ lineId, serials: ['PS-1', 'PS-2', 'PS-3', 'PS-4'], idempotencyKey: key() });

    const first = await warehouse.shipments.create({ salesOrderId: o.id, lines: [{ lineId, quantity: 1 }] });
    expect(first.lines[0]!.serials).toEqual(['PS-1']);
    await warehouse.shipments.ship({ id: first.id });
    expect((await sales.salesOrders.get({ id: o.id })).status).toBe('partially_shipped');

    // Three left; an open shipment of two leaves one; asking for two more is refused.
    const second = await warehouse.shipments.create({ salesOrderId: o.id, lines: [{ lineId, quantity: 2 }] });
    const r = await refusal(warehouse.shipments.create({ salesOrderId: o.id, lines: [{ lineId, quantity: 2 }] }));
    expect(r).toMatchObject({ reason: 'OVER_SHIPMENT' });
    expect(r.message).toContain('has 1 left to ship');
    // Naming the line twice cannot get round it.
    const twice = await refusal(
      warehouse.shipments.create({
        salesOrderId: o.id,
        lines: [
          { lineId, quantity: 1 },
          { lineId, quantity: 1 },
        ],
      }),
    );
    expect(twice.problems).toEqual([expect.objectContaining({ index: 1, reason: 'INVALID_INPUT' })]);
    expect(twice.message).toContain('named twice');
    // The second shipment named the next serials, not the first shipment's.
    expect(second.lines[0]!.serials).toEqual(['PS-2', 'PS-3']);
    // Whatever is left goes on the next shipment by default.
    const rest = await warehouse.shipments.create({ salesOrderId: o.id });
    expect(rest.lines).toMatchObject([{ quantity: 1, serials: ['PS-4'] }]);
    await warehouse.shipments.ship({ id: second.id });
    await warehouse.shipments.ship({ id: rest.id });
    expect(await sales.salesOrders.get({ id: o.id })).toMatchObject({ status: 'shipped', lines: [{ shippedQuantity: 4 }] });
    expect(await onHand(product.id, loc.id)).toBe(0);
    expect((await refusal(warehouse.shipments.create({ salesOrderId: o.id }))).reason).toBe('ORDER_NOT_OPEN');
  });

  it('lets a shipment line name other serials: free ones join the order line, the surplus goes back to stock', async () => {
    const { loc, product } = await serialStock(['SW-1', 'SW-2', 'SW-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['SW-1', 'SW-2'], idempotencyKey: key() });
    const shipment = await warehouse.shipments.create({ salesOrderId: o.id, lines: [{ lineId: o.lines[0]!.id, quantity: 1 }] });
    expect(shipment.lines[0]!.serials).toEqual(['SW-1']);

    await warehouse.shipments.allocateSerials({ lineId: shipment.lines[0]!.id, serials: ['SW-3'], idempotencyKey: key() });
    expect((await viewer.shipments.get({ id: shipment.id })).lines[0]!.serials).toEqual(['SW-3']);
    // The order line holds two: SW-3 (on the shipment) and SW-2; SW-1 went back to stock.
    expect((await sales.salesOrders.get({ id: o.id })).lines[0]!.serials).toEqual(['SW-2', 'SW-3']);
    expect(await statusOf(product.id)).toEqual({ 'SW-1': 'in_stock', 'SW-2': 'allocated', 'SW-3': 'allocated' });
  });

  it('refuses a serial another open shipment of the same line carries, naming it', async () => {
    const { loc, product } = await serialStock(['SO-1', 'SO-2']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    const lineId = o.lines[0]!.id;
    await sales.salesOrders.allocateSerials({ lineId, serials: ['SO-1', 'SO-2'], idempotencyKey: key() });
    const a = await warehouse.shipments.create({ salesOrderId: o.id, lines: [{ lineId, quantity: 1 }] });
    const b = await warehouse.shipments.create({ salesOrderId: o.id, lines: [{ lineId, quantity: 1 }] });
    const r = await refusal(warehouse.shipments.allocateSerials({ lineId: b.lines[0]!.id, serials: ['SO-1'], idempotencyKey: key() }));
    expect(r).toMatchObject({ reason: 'SERIAL_ALLOCATED' });
    expect(r.message).toContain(`shipment #${a.id} line 1`);
    // Cancelling the first shipment frees SO-1 for the second; the order keeps it.
    await warehouse.shipments.cancel({ id: a.id });
    await warehouse.shipments.allocateSerials({ lineId: b.lines[0]!.id, serials: ['SO-1'], idempotencyKey: key() });
    await warehouse.shipments.ship({ id: b.id });
    expect(await statusOf(product.id)).toEqual({ 'SO-1': 'shipped', 'SO-2': 'allocated' });
  });

  it('ships once per idempotency key; shipping again without one is refused', async () => {
    const { loc, product } = await serialStock(['SI-1']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['SI-1'], idempotencyKey: key() });
    const shipment = await warehouse.shipments.create({ salesOrderId: o.id });
    const k = key();
    const first = await warehouse.shipments.ship({ id: shipment.id, idempotencyKey: k });
    const again = await warehouse.shipments.ship({ id: shipment.id, idempotencyKey: k });
    expect(again).toEqual(first);
    expect(await saleMovements('shipment', shipment.id)).toHaveLength(1);
    const r = await refusal(warehouse.shipments.ship({ id: shipment.id }));
    expect(r).toMatchObject({ reason: 'DOCUMENT_NOT_OPEN' });
    expect(r.message).toContain('shipped');
  });

  it('ships on its own (no order first): the order behind it holds and traces the serials', async () => {
    const { loc, product } = await serialStock(['SA-1', 'SA-2']);
    const customer = await sales.customers.create({ name: uniq('Walk-in') });
    const shipment = await warehouse.shipments.create({
      customerId: customer.id,
      locationId: loc.id,
      lines: [{ productId: product.id, quantity: 1, unitPrice: 5 }],
    });
    expect(shipment.customer).toEqual({ id: customer.id, name: customer.name });
    await warehouse.shipments.allocateSerials({ lineId: shipment.lines[0]!.id, serials: ['SA-2'], idempotencyKey: key() });
    await warehouse.shipments.ship({ id: shipment.id });
    expect(await statusOf(product.id)).toEqual({ 'SA-1': 'in_stock', 'SA-2': 'shipped' });
    expect((await sales.salesOrders.get({ id: shipment.salesOrderId })).status).toBe('shipped');
  });
});

describe('invoices and shipments for the same goods', () => {
  it('takes stock out once when the shipment comes first, then the invoice', async () => {
    const { loc, product } = await serialStock(['IS-1', 'IS-2']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['IS-1', 'IS-2'], idempotencyKey: key() });
    const shipment = await warehouse.shipments.create({ salesOrderId: o.id });
    await warehouse.shipments.ship({ id: shipment.id });
    const invoice = await accountant.invoices.create({ salesOrderId: o.id });
    expect(invoice).toMatchObject({ status: 'draft', lines: [{ quantity: 2, unitPrice: 99, serials: ['IS-1', 'IS-2'] }] });
    const before = await productSnapshot(app, viewer, product.id);
    await accountant.invoices.issue({ id: invoice.id });
    expect(await saleMovements('invoice', invoice.id)).toEqual([]);
    expect(await productSnapshot(app, viewer, product.id)).toEqual(before);
    expect(await sales.salesOrders.get({ id: o.id })).toMatchObject({
      status: 'invoiced',
      lines: [{ shippedQuantity: 2, invoicedQuantity: 2 }],
    });
  });

  it('takes stock out once when the invoice comes first, then the shipment', async () => {
    const { loc, product } = await serialStock(['SI2-1', 'SI2-2', 'SI2-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 3 }]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['SI2-1', 'SI2-2', 'SI2-3'], idempotencyKey: key() });
    const invoice = await sales.invoices.create({ salesOrderId: o.id, lines: [{ lineId: o.lines[0]!.id, quantity: 2 }] });
    await sales.invoices.issue({ id: invoice.id });
    expect(await onHand(product.id, loc.id)).toBe(1);
    expect((await sales.salesOrders.get({ id: o.id })).status).toBe('partially_shipped');

    // The shipment carries the invoiced (already out) serials first, then the last one.
    const shipment = await warehouse.shipments.create({ salesOrderId: o.id });
    expect(shipment.lines[0]!.serials).toEqual(['SI2-1', 'SI2-2', 'SI2-3']);
    await warehouse.shipments.ship({ id: shipment.id });
    expect(await onHand(product.id, loc.id)).toBe(0);
    const out = (await saleMovements('invoice', invoice.id)).concat(await saleMovements('shipment', shipment.id));
    expect(out.reduce((sum, m) => sum + Number(m.quantity), 0)).toBe(-3);
    expect(await sales.salesOrders.get({ id: o.id })).toMatchObject({
      status: 'shipped',
      lines: [{ shippedQuantity: 3, invoicedQuantity: 2 }],
    });
  });

  it('takes plain stock out once across an invoice and a shipment of the same line', async () => {
    const loc = await location(admin);
    const product = await plainProduct(admin, sellableCodes);
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      quantity: 10,
      unitCost: 3,
      glCode: '630',
      idempotencyKey: key(),
    });
    const o = await order(loc.id, [{ productId: product.id, quantity: 6 }]);
    await accountant.invoices.issue({
      id: (await accountant.invoices.create({ salesOrderId: o.id, lines: [{ lineId: o.lines[0]!.id, quantity: 4 }] })).id,
    });
    expect(await onHand(product.id, loc.id)).toBe(6);
    await warehouse.shipments.ship({ id: (await warehouse.shipments.create({ salesOrderId: o.id })).id });
    expect(await onHand(product.id, loc.id)).toBe(4);
    await accountant.invoices.issue({ id: (await accountant.invoices.create({ salesOrderId: o.id })).id });
    expect(await onHand(product.id, loc.id)).toBe(4);
    expect((await sales.salesOrders.get({ id: o.id })).status).toBe('invoiced');
  });

  it('refuses to ship more plain stock than is on hand, changing nothing', async () => {
    const loc = await location(admin);
    const product = await plainProduct(admin, sellableCodes);
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      quantity: 2,
      unitCost: 3,
      glCode: '630',
      idempotencyKey: key(),
    });
    const o = await order(loc.id, [{ productId: product.id, quantity: 5 }]);
    const shipment = await warehouse.shipments.create({ salesOrderId: o.id });
    const before = await productSnapshot(app, viewer, product.id);
    const r = await refusal(warehouse.shipments.ship({ id: shipment.id }));
    expect(r).toMatchObject({ reason: 'INSUFFICIENT_STOCK' });
    expect(r.message).toContain('Only 2');
    expect(await productSnapshot(app, viewer, product.id)).toEqual(before);
    expect((await sales.salesOrders.get({ id: o.id })).lines[0]!.shippedQuantity).toBe(0);
  });

  it('lets sales and warehouse ship, sales and accountants invoice, nobody else', async () => {
    const { loc, product } = await serialStock(['RO-1']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    expect((await refusal(accountant.shipments.create({ salesOrderId: o.id }))).code).toBe('FORBIDDEN');
    expect((await refusal(warehouse.invoices.create({ salesOrderId: o.id }))).code).toBe('FORBIDDEN');
    expect(
      (await refusal(viewer.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['RO-1'], idempotencyKey: key() }))).code,
    ).toBe('FORBIDDEN');
  });
});

describe('batch allocation on sales orders', () => {
  async function batches() {
    const loc = await location(admin);
    const product = await batchProduct(admin, sellableCodes);
    const add = (number: string, expiry: string | null, quantity: number) =>
      warehouse.batches.add({ productId: product.id, locationId: loc.id, number, expiry, quantity, unitCost: 2, idempotencyKey: key() });
    await add('LATE', '2099-12-31', 10);
    await add('SOON', '2098-01-31', 4);
    await add('NONE', null, 10);
    await add('OLD', '2020-01-31', 10);
    return { loc, product };
  }

  it('suggests earliest expiry first, never an expired batch, and the suggestion allocates as it stands', async () => {
    const { loc, product } = await batches();
    const o = await order(loc.id, [{ productId: product.id, quantity: 7 }]);
    const lineId = o.lines[0]!.id;
    const suggestion = await sales.salesOrders.suggestSerials({ lineId });
    expect(suggestion).toEqual({
      serials: [],
      needed: 7,
      batches: [
        { batch: 'SOON', quantity: 4 },
        { batch: 'LATE', quantity: 3 },
      ],
    });
    await sales.salesOrders.allocateSerials({ lineId, batches: suggestion.batches, idempotencyKey: key() });
    expect((await sales.salesOrders.get({ id: o.id })).lines[0]!.batches).toEqual([
      { batch: 'SOON', expiry: '2098-01-31', quantity: 4 },
      { batch: 'LATE', expiry: '2099-12-31', quantity: 3 },
    ]);
  });

  it('refuses an expired batch, quantities that do not add up, and more than is free of a batch', async () => {
    const { loc, product } = await batches();
    const holder = await order(loc.id, [{ productId: product.id, quantity: 8 }]);
    await sales.salesOrders.allocateSerials({
      lineId: holder.lines[0]!.id,
      batches: [{ batch: 'LATE', quantity: 8 }],
      idempotencyKey: key(),
    });
    const o = await order(loc.id, [{ productId: product.id, quantity: 5 }]);
    const lineId = o.lines[0]!.id;

    const expired = await refusal(
      sales.salesOrders.allocateSerials({ lineId, batches: [{ batch: 'OLD', quantity: 5 }], idempotencyKey: key() }),
    );
    expect(expired).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'BATCH_EXPIRED' });
    expect(expired.message).toContain('2020-01-31');
    const short = await refusal(
      sales.salesOrders.allocateSerials({ lineId, batches: [{ batch: 'NONE', quantity: 3 }], idempotencyKey: key() }),
    );
    expect(short).toMatchObject({ reason: 'BATCH_QUANTITY_MISMATCH' });
    expect(short.message).toContain('needs 5');
    // LATE has 10, of which 8 are promised to the other order.
    const taken = await refusal(
      sales.salesOrders.allocateSerials({
        lineId,
        batches: [
          { batch: 'LATE', quantity: 3 },
          { batch: 'NONE', quantity: 2 },
        ],
        idempotencyKey: key(),
      }),
    );
    expect(taken).toMatchObject({ reason: 'INSUFFICIENT_STOCK' });
    expect(taken.problems).toEqual([expect.objectContaining({ index: 0, token: 'LATE', reason: 'INSUFFICIENT_STOCK' })]);
    expect(taken.message).toContain('Only 2 of batch LATE');
    expect((await sales.salesOrders.get({ id: o.id })).lines[0]!.batches).toEqual([]);
  });

  it('ships from the allocated batches and frees them; shipping without batches is refused', async () => {
    const { loc, product } = await batches();
    const o = await order(loc.id, [{ productId: product.id, quantity: 6 }]);
    const lineId = o.lines[0]!.id;
    const shipment = await warehouse.shipments.create({ salesOrderId: o.id });
    const r = await refusal(warehouse.shipments.ship({ id: shipment.id }));
    expect(r).toMatchObject({ reason: 'SERIALS_REQUIRED' });
    expect(r.message).toContain('batches for 0 of the 6 units');

    await sales.salesOrders.allocateSerials({
      lineId,
      batches: [
        { batch: 'SOON', quantity: 4 },
        { batch: 'NONE', quantity: 2 },
      ],
      idempotencyKey: key(),
    });
    expect((await viewer.shipments.get({ id: shipment.id })).lines[0]!.batches.map((b) => b.batch)).toEqual(['SOON', 'NONE']);
    await warehouse.shipments.ship({ id: shipment.id });
    const { items } = await viewer.stock.levels({ productId: product.id, locationId: loc.id, limit: 100 });
    expect(Object.fromEntries(items.map((l) => [l.batchNumber, l.quantity]))).toEqual({ LATE: 10, NONE: 8, OLD: 10 });
    expect((await viewer.shipments.get({ id: shipment.id })).lines[0]!.batches).toEqual([
      { batch: 'SOON', expiry: '2098-01-31', quantity: 4 },
      { batch: 'NONE', expiry: null, quantity: 2 },
    ]);
    expect((await sales.salesOrders.get({ id: o.id })).lines[0]!.batches).toEqual([]);
  });
});

describe('two lines of one batch product', () => {
  it('shows on each shipped line the batches that line took out', async () => {
    const loc = await location(admin);
    const product = await batchProduct(admin, sellableCodes);
    for (const [number, expiry] of [
      ['B-SOON', '2098-01-31'],
      ['B-LATE', '2099-12-31'],
    ] as const) {
      await warehouse.batches.add({
        productId: product.id,
        locationId: loc.id,
        number,
        expiry,
        quantity: 5,
        unitCost: 2,
        idempotencyKey: key(),
      });
    }
    const o = await order(loc.id, [
      { productId: product.id, quantity: 2 },
      { productId: product.id, quantity: 3 },
    ]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, batches: [{ batch: 'B-SOON', quantity: 2 }], idempotencyKey: key() });
    await sales.salesOrders.allocateSerials({ lineId: o.lines[1]!.id, batches: [{ batch: 'B-LATE', quantity: 3 }], idempotencyKey: key() });
    const shipped = await warehouse.shipments.ship({ id: (await warehouse.shipments.create({ salesOrderId: o.id })).id });
    expect(shipped.lines.map((l) => l.batches)).toEqual([
      [{ batch: 'B-SOON', expiry: '2098-01-31', quantity: 2 }],
      [{ batch: 'B-LATE', expiry: '2099-12-31', quantity: 3 }],
    ]);
  });
});

describe('cancelling', () => {
  it('cancels what is left of a partly shipped order: allocations go back to stock, open documents are cancelled', async () => {
    const { loc, product } = await serialStock(['CX-1', 'CX-2', 'CX-3']);
    const o = await order(loc.id, [{ productId: product.id, quantity: 3 }]);
    const lineId = o.lines[0]!.id;
    await sales.salesOrders.allocateSerials({ lineId, text: 'CX-1, CX-2, CX-3', idempotencyKey: key() });
    await warehouse.shipments.ship({ id: (await warehouse.shipments.create({ salesOrderId: o.id, lines: [{ lineId, quantity: 1 }] })).id });
    const open = await warehouse.shipments.create({ salesOrderId: o.id, lines: [{ lineId, quantity: 1 }] });
    const draft = await sales.invoices.create({ salesOrderId: o.id });

    await sales.salesOrders.cancel({ id: o.id });
    expect(await statusOf(product.id)).toEqual({ 'CX-1': 'shipped', 'CX-2': 'in_stock', 'CX-3': 'in_stock' });
    expect((await viewer.shipments.get({ id: open.id })).status).toBe('cancelled');
    expect((await viewer.invoices.get({ id: draft.id })).status).toBe('cancelled');
    expect((await refusal(warehouse.shipments.ship({ id: open.id }))).reason).toBe('DOCUMENT_NOT_OPEN');
  });
});

describe('allocations for the pane', () => {
  it('shows any document in one shape, lists what a line may take, and checks without writing', async () => {
    const { loc, product } = await serialStock(['PA-1', 'PA-2', 'PA-3']);
    const holder = await order(loc.id, [{ productId: product.id, quantity: 1 }]);
    await sales.salesOrders.allocateSerials({ lineId: holder.lines[0]!.id, serials: ['PA-3'], idempotencyKey: key() });
    const o = await order(loc.id, [{ productId: product.id, quantity: 2 }]);
    await sales.salesOrders.allocateSerials({ lineId: o.lines[0]!.id, serials: ['PA-2', 'PA-1'], idempotencyKey: key() });

    const doc = await viewer.allocations.document({ type: 'salesOrder', id: o.id });
    expect(doc).toMatchObject({
      type: 'salesOrder',
      id: o.id,
      location: { id: loc.id },
      lines: [{ lineId: o.lines[0]!.id, role: 'line', quantity: 2, allocated: 2, complete: true }],
    });
    const available = await viewer.allocations.available({ type: 'salesOrder', lineId: o.lines[0]!.id });
    expect(available.kind).toBe('serials');
    expect(available.serials.map((s) => [s.serial, s.heldHere]).sort()).toEqual([
      ['PA-1', true],
      ['PA-2', true],
    ]);

    const check = await viewer.allocations.check({ type: 'salesOrder', lineId: o.lines[0]!.id, serials: ['PA-1', 'PA-3'] });
    expect(check.problems).toEqual([expect.objectContaining({ index: 1, token: 'PA-3', reason: 'SERIAL_ALLOCATED' })]);
    expect(check.problems[0]!.message).toContain(`sales order #${holder.id} line 1`);
    expect((await sales.salesOrders.get({ id: o.id })).lines[0]!.serials).toEqual(['PA-1', 'PA-2']);
    // Allocating to a work order through the generic procedure needs the production role.
    expect(
      (await refusal(sales.allocations.allocate({ type: 'workOrder', lineId: 1, serials: ['PA-1'], idempotencyKey: key() }))).code,
    ).toBe('FORBIDDEN');
  });
});
