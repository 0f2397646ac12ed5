import { describe, expect, it } from 'vitest';
import { key, useTestApp } from '../helpers/app.ts';
import { all, succeeded, refused } from '../helpers/races.ts';
import { onPostgres } from '../helpers/database.ts';
import { batchProduct, location, plainProduct, purchasableCodes, serialisedProduct } from '../helpers/fixtures.ts';

// Purchasing requests at the same moment through Promise.all. On PostgreSQL they run on separate
// connections and meet on the order's row lock and the pending-serial unique index; on PGlite (one
// connection) they run one after the other. The invariants hold either way.

const app = useTestApp();
const admin = app.as('admin');
const purchasing = app.as('purchasing');
const warehouse = app.as('warehouse');

// ---- local helpers --------------------------------------------------------------------------

type LineInput = { productId: number; quantity: number; unitCost: number };

async function issued(locationId: number, lines: LineInput[]) {
  const s = await purchasing.suppliers.create({ name: `Supplier-${Math.random().toString(36).slice(2, 10)}` });
  const order = await purchasing.purchaseOrders.create({ supplierId: s.id, locationId, currency: 'AUD', exchangeRate: 1, lines });
  return purchasing.purchaseOrders.issue({ id: order.id });
}

const get = (id: number) => warehouse.purchaseOrders.get({ id });

async function serialsOf(productId: number) {
  const { items } = await warehouse.serials.list({ productId, limit: 1000 });
  return items.map((s) => s.serial);
}

async function onHand(productId: number) {
  const { items } = await warehouse.stock.levels({ productId, limit: 1000 });
  return items.reduce((sum, level) => sum + level.quantity, 0);
}

const receiptRows = (orderId: number) =>
  app.db.prisma.stockMovement.findMany({ where: { documentType: 'purchase_order', documentId: orderId } });

describe(`purchasing at the same moment (${onPostgres ? 'PostgreSQL: real row locks' : 'PGlite: serialised'})`, () => {
  it('two receipts of the whole of a serialised line: one wins, the other is OVER_RECEIPT', async () => {
    const loc = await location(warehouse);
    const p = await serialisedProduct(admin, purchasableCodes);
    const order = await issued(loc.id, [{ productId: p.id, quantity: 3, unitCost: 2 }]);
    const lineId = order.lines[0]!.id;
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['TW-1', 'TW-2', 'TW-3'], idempotencyKey: key() });

    const outcomes = await all(
      [warehouse, purchasing].map(
        (caller) => () =>
          caller.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 3 }], idempotencyKey: key() }),
      ),
    );
    expect(succeeded(outcomes)).toHaveLength(1);
    const [loss] = refused(outcomes);
    expect(loss).toMatchObject({ code: 'PRECONDITION_FAILED' });
    // The loser either saw the line received in full, or the order already received.
    expect(['OVER_RECEIPT', 'ORDER_NOT_OPEN']).toContain(loss!.reason);

    const after = await get(order.id);
    expect(after.status).toBe('received');
    expect(after.lines[0]).toMatchObject({ quantity: 3, receivedQuantity: 3, pendingSerials: [] });
    expect(after.receipts).toHaveLength(1);
    expect(await serialsOf(p.id)).toEqual(['TW-1', 'TW-2', 'TW-3']);
    expect(await onHand(p.id)).toBe(3);
    expect(await receiptRows(order.id)).toHaveLength(1);
  });

  it('two receipts of the entered part of a serialised line: the second finds no serials left (SERIAL_COUNT_MISMATCH)', async () => {
    const loc = await location(warehouse);
    const p = await serialisedProduct(admin, purchasableCodes);
    const order = await issued(loc.id, [{ productId: p.id, quantity: 6, unitCost: 2 }]);
    const lineId = order.lines[0]!.id;
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['HF-1', 'HF-2', 'HF-3'], idempotencyKey: key() });

    const outcomes = await all(
      [0, 1].map(
        () => () =>
          warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 3 }], idempotencyKey: key() }),
      ),
    );
    expect(succeeded(outcomes)).toHaveLength(1);
    const [loss] = refused(outcomes);
    expect(loss).toMatchObject({ code: 'BAD_REQUEST', reason: 'SERIAL_COUNT_MISMATCH' });
    expect(loss!.message).toMatch(/but 0 are entered/);

    const after = await get(order.id);
    expect(after.status).toBe('partially_received');
    expect(after.lines[0]).toMatchObject({ receivedQuantity: 3, pendingSerials: [] });
    expect(await serialsOf(p.id)).toEqual(['HF-1', 'HF-2', 'HF-3']);
    expect(await onHand(p.id)).toBe(3);
  });

  it('ten receipts of the whole of a serialised line: exactly one wins', async () => {
    const loc = await location(warehouse);
    const p = await serialisedProduct(admin, purchasableCodes);
    const order = await issued(loc.id, [{ productId: p.id, quantity: 4, unitCost: 2 }]);
    const lineId = order.lines[0]!.id;
    await warehouse.purchaseOrders.setLineSerials({ lineId, text: 'TN1-TN4', idempotencyKey: key() });

    const outcomes = await all(
      Array.from(
        { length: 10 },
        (_, i) => () =>
          (i % 2 ? warehouse : purchasing).purchaseOrders.receive({
            purchaseOrderId: order.id,
            lines: [{ lineId, quantity: 4 }],
            idempotencyKey: key(),
          }),
      ),
    );
    expect(succeeded(outcomes)).toHaveLength(1);
    const losses = refused(outcomes);
    expect(losses).toHaveLength(9);
    for (const r of losses) expect(['OVER_RECEIPT', 'ORDER_NOT_OPEN']).toContain(r.reason);

    const after = await get(order.id);
    expect(after.lines[0]).toMatchObject({ receivedQuantity: 4, pendingSerials: [] });
    expect(after.receipts).toHaveLength(1);
    expect(await serialsOf(p.id)).toEqual(['TN1', 'TN2', 'TN3', 'TN4']);
    expect(await onHand(p.id)).toBe(4);
    expect(await app.db.prisma.stockMovementSerial.count({ where: { movement: { productId: p.id } } })).toBe(4);
  });

  it('ten receipts of part of a plain line: never more than ordered, stock matches what was received', async () => {
    const loc = await location(warehouse);
    const p = await plainProduct(admin, purchasableCodes);
    const order = await issued(loc.id, [{ productId: p.id, quantity: 10, unitCost: 2 }]);
    const lineId = order.lines[0]!.id;

    const outcomes = await all(
      Array.from(
        { length: 10 },
        () => () =>
          warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 2 }], idempotencyKey: key() }),
      ),
    );
    expect(succeeded(outcomes)).toHaveLength(5);
    const losses = refused(outcomes);
    expect(losses).toHaveLength(5);
    for (const r of losses) expect(['OVER_RECEIPT', 'ORDER_NOT_OPEN']).toContain(r.reason);

    const after = await get(order.id);
    expect(after.status).toBe('received');
    expect(after.lines[0]).toMatchObject({ quantity: 10, receivedQuantity: 10 });
    expect(after.receipts).toHaveLength(5);
    expect(await onHand(p.id)).toBe(10);
    const ledger = await receiptRows(order.id);
    expect(ledger).toHaveLength(5);
    expect(ledger.reduce((sum, m) => sum + Number(m.quantity), 0)).toBe(10);
    // The statuses the winners reported tell the story in order: the last one completed it.
    expect(
      succeeded(outcomes)
        .map((r) => r.status)
        .sort(),
    ).toEqual(['partially_received', 'partially_received', 'partially_received', 'partially_received', 'received']);
  });

  it('receipts of different sizes at once: the total never exceeds the order', async () => {
    const loc = await location(warehouse);
    const p = await batchProduct(admin, purchasableCodes);
    const q = await plainProduct(admin, purchasableCodes);
    const order = await issued(loc.id, [
      { productId: p.id, quantity: 5, unitCost: 1 },
      { productId: q.id, quantity: 7, unitCost: 1 },
    ]);
    const [lb, lq] = order.lines;
    await warehouse.purchaseOrders.setLineSerials({ lineId: lb!.id, batches: [{ number: 'CC-LOT', quantity: 5 }], idempotencyKey: key() });
    const sizes = [4, 3, 3, 2, 1, 1, 5, 6, 2, 1];
    const outcomes = await all(
      sizes.map(
        (quantity, i) => () =>
          warehouse.purchaseOrders.receive({
            purchaseOrderId: order.id,
            lines:
              i === 0
                ? [
                    { lineId: lb!.id, quantity: 5 },
                    { lineId: lq!.id, quantity },
                  ]
                : [{ lineId: lq!.id, quantity }],
            idempotencyKey: key(),
          }),
      ),
    );
    for (const r of refused(outcomes)) expect(['OVER_RECEIPT', 'ORDER_NOT_OPEN']).toContain(r.reason);
    const after = await get(order.id);
    const received = after.lines[1]!.receivedQuantity;
    expect(received).toBeLessThanOrEqual(7);
    const winners = succeeded(outcomes).map((r) => r.lines.find((l) => l.lineId === lq!.id)!.quantity);
    expect(winners.reduce((a, b) => a + b, 0)).toBe(received);
    expect(await onHand(q.id)).toBe(received);
    // The batch line went in at most once.
    expect(after.lines[0]!.receivedQuantity).toBe(outcomes[0]!.ok ? 5 : 0);
    expect(await onHand(p.id)).toBe(after.lines[0]!.receivedQuantity);
  });

  it('a receipt and an order change at the same moment: quantity never drops below received', async () => {
    const loc = await location(warehouse);
    const p = await plainProduct(admin, purchasableCodes);
    const order = await issued(loc.id, [{ productId: p.id, quantity: 10, unitCost: 1 }]);
    const lineId = order.lines[0]!.id;
    const outcomes = await all<unknown>([
      () => warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 6 }], idempotencyKey: key() }),
      () => purchasing.purchaseOrders.update({ id: order.id, lines: [{ id: lineId, productId: p.id, quantity: 4, unitCost: 1 }] }),
    ]);
    expect(succeeded(outcomes)).toHaveLength(1);
    expect(refused(outcomes)[0]!.reason).toBe('OVER_RECEIPT');
    const line = (await get(order.id)).lines[0]!;
    expect(line.receivedQuantity).toBeLessThanOrEqual(line.quantity);
    expect(await onHand(p.id)).toBe(line.receivedQuantity);
  });

  it('a receipt and a direct stock-in of the same serial at the same moment: the receipt wins, the stock-in is told why', async () => {
    // A serial expected on an order is not entered directly: before the receipt it is refused as
    // waiting on the order, after it as existing. Either way the receipt takes it, once.
    const loc = await location(warehouse);
    const p = await serialisedProduct(admin, purchasableCodes);
    const order = await issued(loc.id, [{ productId: p.id, quantity: 2, unitCost: 3 }]);
    const lineId = order.lines[0]!.id;
    await warehouse.purchaseOrders.setLineSerials({ lineId, serials: ['RACE-1', 'RACE-2'], idempotencyKey: key() });
    const outcomes = await all<unknown>([
      () => warehouse.purchaseOrders.receive({ purchaseOrderId: order.id, lines: [{ lineId, quantity: 2 }], idempotencyKey: key() }),
      () => warehouse.serials.add({ productId: p.id, locationId: loc.id, serials: ['RACE-2'], idempotencyKey: key() }),
    ]);
    expect(outcomes[0]!.ok).toBe(true);
    const [loss] = refused(outcomes);
    expect(['SERIAL_ON_OTHER_ORDER', 'SERIAL_EXISTS']).toContain(loss!.reason);
    expect(loss!.message).toContain('RACE-2');
    const after = await get(order.id);
    expect(after.lines[0]).toMatchObject({ receivedQuantity: 2, pendingSerials: [] });
    expect((await serialsOf(p.id)).sort()).toEqual(['RACE-1', 'RACE-2']);
    expect(await onHand(p.id)).toBe(2);
  });

  it('two orders entering the same serial at the same moment: exactly one wins, the other is SERIAL_ON_OTHER_ORDER', async () => {
    const loc = await location(warehouse);
    const p = await serialisedProduct(admin, purchasableCodes);
    const a = await issued(loc.id, [{ productId: p.id, quantity: 2, unitCost: 1 }]);
    const b = await issued(loc.id, [{ productId: p.id, quantity: 2, unitCost: 1 }]);
    const outcomes = await all(
      [a, b].map(
        (order, i) => () =>
          warehouse.purchaseOrders.setLineSerials({ lineId: order.lines[0]!.id, serials: [`OWN-${i}`, 'SHARED'], idempotencyKey: key() }),
      ),
    );
    expect(succeeded(outcomes)).toHaveLength(1);
    const [loss] = refused(outcomes);
    expect(loss).toMatchObject({ code: 'CONFLICT', reason: 'SERIAL_ON_OTHER_ORDER' });
    const winner = outcomes.findIndex((o) => o.ok);
    const [winning, losing] = winner === 0 ? [a, b] : [b, a];
    expect(loss!.message).toContain(`#${winning.id}`);
    expect(loss!.problems).toEqual([expect.objectContaining({ index: 1, token: 'SHARED', reason: 'SERIAL_ON_OTHER_ORDER' })]);
    expect((await get(winning.id)).lines[0]!.pendingSerials).toEqual([`OWN-${winner}`, 'SHARED']);
    expect((await get(losing.id)).lines[0]!.pendingSerials).toEqual([]);
    expect(await app.db.prisma.serialNumber.count({ where: { productId: p.id, serial: 'SHARED', status: 'on_order' } })).toBe(1);
  });

  it('ten orders entering the same serial at the same moment, by list and by table: exactly one wins', async () => {
    const loc = await location(warehouse);
    const p = await serialisedProduct(admin, purchasableCodes);
    const orders: Awaited<ReturnType<typeof issued>>[] = [];
    for (let i = 0; i < 10; i++) orders.push(await issued(loc.id, [{ productId: p.id, quantity: 3, unitCost: 1 }]));
    const outcomes = await all<unknown>(
      orders.map(
        (order, i) => () =>
          i % 2
            ? warehouse.purchaseOrders.setLineSerials({
                lineId: order.lines[0]!.id,
                serials: [`T${i}-A`, 'TEN-SHARED', `T${i}-B`],
                idempotencyKey: key(),
              })
            : purchasing.purchaseOrders.setSerialTable({
                purchaseOrderId: order.id,
                rows: [
                  { line: 1, serial: `T${i}-A` },
                  { line: 1, serial: 'TEN-SHARED' },
                  { line: 1, serial: `T${i}-B` },
                ],
                idempotencyKey: key(),
              }),
      ),
    );
    expect(succeeded(outcomes)).toHaveLength(1);
    const losses = refused(outcomes);
    expect(losses).toHaveLength(9);
    for (const r of losses) {
      expect(r).toMatchObject({ code: 'CONFLICT', reason: 'SERIAL_ON_OTHER_ORDER' });
      expect(r.problems).toEqual([expect.objectContaining({ index: 1, token: 'TEN-SHARED' })]);
    }
    const winner = outcomes.findIndex((o) => o.ok);
    const pending = await app.db.prisma.serialNumber.findMany({ where: { productId: p.id, status: 'on_order' }, orderBy: { id: 'asc' } });
    expect(pending.map((x) => x.serial)).toEqual([`T${winner}-A`, 'TEN-SHARED', `T${winner}-B`]);
    expect(pending.every((x) => x.poLineId === orders[winner]!.lines[0]!.id)).toBe(true);
  });

  it('the winner’s serials can be received, the loser’s order can take others', async () => {
    const loc = await location(warehouse);
    const p = await serialisedProduct(admin, purchasableCodes);
    const a = await issued(loc.id, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    const b = await issued(loc.id, [{ productId: p.id, quantity: 1, unitCost: 1 }]);
    const outcomes = await all(
      [a, b].map(
        (order) => () =>
          warehouse.purchaseOrders.setLineSerials({ lineId: order.lines[0]!.id, serials: ['ONLY-ONE'], idempotencyKey: key() }),
      ),
    );
    const winner = outcomes.findIndex((o) => o.ok);
    const [winning, losing] = winner === 0 ? [a, b] : [b, a];
    await warehouse.purchaseOrders.setLineSerials({ lineId: losing.lines[0]!.id, serials: ['ANOTHER'], idempotencyKey: key() });
    const received = await all(
      [winning, losing].map(
        (order) => () =>
          warehouse.purchaseOrders.receive({
            purchaseOrderId: order.id,
            lines: [{ lineId: order.lines[0]!.id, quantity: 1 }],
            idempotencyKey: key(),
          }),
      ),
    );
    expect(received.every((o) => o.ok)).toBe(true);
    expect((await serialsOf(p.id)).sort()).toEqual(['ANOTHER', 'ONLY-ONE']);
  });
});

describe('entries that would deadlock', () => {
  it('two orders entering the same two serials in opposite order: one wins, the other is told why', async () => {
    // Each insert waits on the other's uncommitted index entry: PostgreSQL aborts one of them as a
    // deadlock. The aborted request is run again and then sees the winner's serials.
    const loc = await location(admin);
    const product = await serialisedProduct(admin, purchasableCodes);
    for (let round = 0; round < 6; round++) {
      const a = await issued(loc.id, [{ productId: product.id, quantity: 2, unitCost: 1 }]);
      const b = await issued(loc.id, [{ productId: product.id, quantity: 2, unitCost: 1 }]);
      const serials = [`DL${round}-A`, `DL${round}-B`];
      const outcomes = await all([
        () => warehouse.purchaseOrders.setLineSerials({ lineId: a.lines[0]!.id, serials, idempotencyKey: key() }),
        () => warehouse.purchaseOrders.setLineSerials({ lineId: b.lines[0]!.id, serials: [...serials].reverse(), idempotencyKey: key() }),
      ]);
      expect(succeeded(outcomes)).toHaveLength(1);
      expect(refused(outcomes).map((r) => r.reason)).toEqual(['SERIAL_ON_OTHER_ORDER']);
    }
  });
});
