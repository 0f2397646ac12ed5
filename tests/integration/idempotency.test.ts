import { describe, expect, it } from 'vitest';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { batchProduct, location, plainProduct, serialisedProduct } from '../helpers/fixtures.ts';
import { productSnapshot } from '../helpers/reads.ts';

const app = useTestApp();
const admin = app.as('admin');
const warehouse = app.as('warehouse');

// ---- local helpers --------------------------------------------------------------------------

async function serialsOf(productId: number) {
  const { items } = await warehouse.serials.list({ productId, limit: 1000 });
  return items.map(({ serial, status, locationId, bayId }) => ({ serial, status, locationId, bayId }));
}

async function levels(productId: number) {
  const { items } = await warehouse.stock.levels({ productId, limit: 1000 });
  return items.map(({ locationId, bayId, batchNumber, quantity }) => ({ locationId, bayId, batchNumber, quantity }));
}

const snapshot = (productId: number) => productSnapshot(app, warehouse, productId);

const storedKeys = (k: string) => app.db.prisma.idempotencyKey.count({ where: { key: k } });
const adjustment = { glCode: '630', unitCost: 3 };

// ---- the same request twice -----------------------------------------------------------------

describe('the same idempotency key twice applies once', () => {
  it('serials.add returns the first result and adds nothing more', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse, ['A']);
    const k = key();
    const input = { productId: product.id, locationId: loc.id, bayId: loc.bayIds[0], text: 'I001-I010', unitCost: 2, idempotencyKey: k };
    const first = await warehouse.serials.add(input);
    expect(first).toEqual({ added: 10, productId: product.id, locationId: loc.id, bayId: loc.bayIds[0] });
    const after = await snapshot(product.id);
    // Without the key this would be refused with SERIAL_EXISTS; with it, the stored result.
    const second = await warehouse.serials.add({ ...input });
    expect(second).toEqual(first);
    expect(await snapshot(product.id)).toEqual(after);
    expect(after.serials).toHaveLength(10);
    expect(after.movements).toBe(1);
    expect(await storedKeys(k)).toBe(1);
  });

  it('serials.add with ~ is not continued again on the retry', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse);
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['T7'], idempotencyKey: key() });
    const input = { productId: product.id, locationId: loc.id, text: '~+4', idempotencyKey: key() };
    const first = await warehouse.serials.add(input);
    const second = await warehouse.serials.add(input);
    expect(second).toEqual(first);
    expect((await serialsOf(product.id)).map((s) => s.serial)).toEqual(['T7', 'T8', 'T9', 'T10', 'T11', 'T12']);
  });

  it('serials.adjust returns the first result; the retried removal is not refused as not in stock', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse);
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['W1', 'W2'], unitCost: 5, idempotencyKey: key() });
    const input = { productId: product.id, locationId: loc.id, add: ['W3'], remove: ['W1'], ...adjustment, idempotencyKey: key() };
    const first = await warehouse.serials.adjust(input);
    expect(first).toEqual({ added: 1, removed: 1 });
    const after = await snapshot(product.id);
    expect(await warehouse.serials.adjust(input)).toEqual(first);
    expect(await warehouse.serials.adjust(input)).toEqual(first);
    expect(await snapshot(product.id)).toEqual(after);
  });

  it('batches.add returns the first result and adds the quantity once', async () => {
    const product = await batchProduct(admin);
    const loc = await location(warehouse);
    const input = {
      productId: product.id,
      locationId: loc.id,
      number: 'LOT-7',
      expiry: '2026-12-31',
      quantity: 8,
      unitCost: 1,
      idempotencyKey: key(),
    };
    const first = await warehouse.batches.add(input);
    expect(await warehouse.batches.add(input)).toEqual(first);
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: 'LOT-7', quantity: 8 }]);
    expect(await app.db.prisma.stockMovement.count({ where: { productId: product.id } })).toBe(1);
  });

  it('stock.adjust returns the first result (same movement) and moves stock once', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    await warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: 10, ...adjustment, idempotencyKey: key() });
    const input = { productId: product.id, locationId: loc.id, quantity: -4, ...adjustment, narrative: 'broken', idempotencyKey: key() };
    const first = await warehouse.stock.adjust(input);
    const second = await warehouse.stock.adjust(input);
    expect(second).toEqual(first);
    expect(second.movementId).toBe(first.movementId);
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 6 }]);
    expect(await app.db.prisma.stockMovement.count({ where: { productId: product.id } })).toBe(2);
  });

  it('does not depend on the order of the fields in the request', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    const k = key();
    const first = await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      quantity: 2,
      glCode: '630',
      unitCost: 1,
      idempotencyKey: k,
    });
    const second = await warehouse.stock.adjust({
      idempotencyKey: k,
      unitCost: 1,
      glCode: '630',
      quantity: 2,
      locationId: loc.id,
      productId: product.id,
    });
    expect(second).toEqual(first);
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 2 }]);
  });
});

// ---- the same key for another request -------------------------------------------------------

describe('the same key with a different request', () => {
  it('is refused with IDEMPOTENCY_KEY_REUSED for every procedure, changing nothing', async () => {
    const loc = await location(warehouse);
    const serial = await serialisedProduct(admin);
    const batch = await batchProduct(admin);
    const plain = await plainProduct(admin);

    const k1 = key();
    await warehouse.serials.add({ productId: serial.id, locationId: loc.id, serials: ['A1'], idempotencyKey: k1 });
    const k2 = key();
    await warehouse.serials.adjust({ productId: serial.id, locationId: loc.id, add: ['A2'], ...adjustment, idempotencyKey: k2 });
    const k3 = key();
    await warehouse.batches.add({ productId: batch.id, locationId: loc.id, number: 'L1', quantity: 5, idempotencyKey: k3 });
    const k4 = key();
    await warehouse.stock.adjust({ productId: plain.id, locationId: loc.id, quantity: 5, ...adjustment, idempotencyKey: k4 });
    const before = await Promise.all([serial, batch, plain].map((p) => snapshot(p.id)));

    const reused = [
      () => warehouse.serials.add({ productId: serial.id, locationId: loc.id, serials: ['A9'], idempotencyKey: k1 }),
      () =>
        warehouse.serials.adjust({ productId: serial.id, locationId: loc.id, add: ['A2'], ...adjustment, unitCost: 4, idempotencyKey: k2 }),
      () => warehouse.serials.adjust({ productId: serial.id, locationId: loc.id, remove: ['A1'], glCode: '630', idempotencyKey: k2 }),
      () => warehouse.batches.add({ productId: batch.id, locationId: loc.id, number: 'L1', quantity: 6, idempotencyKey: k3 }),
      () => warehouse.stock.adjust({ productId: plain.id, locationId: loc.id, quantity: -5, ...adjustment, idempotencyKey: k4 }),
      // The same key on another procedure is another request too.
      () => warehouse.stock.adjust({ productId: plain.id, locationId: loc.id, quantity: 5, ...adjustment, idempotencyKey: k1 }),
      () => warehouse.batches.add({ productId: batch.id, locationId: loc.id, number: 'L1', quantity: 5, idempotencyKey: k4 }),
    ];
    for (const call of reused) {
      const r = await refusal(call());
      expect(r).toMatchObject({ code: 'CONFLICT', reason: 'IDEMPOTENCY_KEY_REUSED' });
      expect(r.message).toMatch(/new key/);
    }
    expect(await Promise.all([serial, batch, plain].map((p) => snapshot(p.id)))).toEqual(before);
    for (const k of [k1, k2, k3, k4]) expect(await storedKeys(k)).toBe(1);
  });
});

// ---- refused requests -----------------------------------------------------------------------

describe('a refused request with a key', () => {
  it('fails the same way when retried, and never returns a stored success', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    await warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: 2, ...adjustment, idempotencyKey: key() });
    const before = await snapshot(product.id);
    const input = { productId: product.id, locationId: loc.id, quantity: -3, ...adjustment, idempotencyKey: key() };
    for (let i = 0; i < 3; i++) {
      const r = await refusal(warehouse.stock.adjust(input));
      expect(r).toMatchObject({ reason: 'INSUFFICIENT_STOCK' });
      expect(r.message).toContain('Only 2');
    }
    expect(await storedKeys(input.idempotencyKey)).toBe(0);
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('fails the same way for serials.add and serials.adjust, listing the same problems', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse);
    const other = await location(warehouse);
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['X2'], idempotencyKey: key() });
    await warehouse.serials.add({ productId: product.id, locationId: other.id, serials: ['Y1'], idempotencyKey: key() });
    const before = await snapshot(product.id);
    const add = { productId: product.id, locationId: loc.id, serials: ['X1', 'X2', 'X3'], idempotencyKey: key() };
    const firstAdd = await refusal(warehouse.serials.add(add));
    expect(firstAdd.reason).toBe('SERIAL_EXISTS');
    expect(await refusal(warehouse.serials.add(add))).toEqual(firstAdd);
    const adjust = { productId: product.id, locationId: loc.id, remove: ['Y1'], glCode: '630', idempotencyKey: key() };
    const firstAdjust = await refusal(warehouse.serials.adjust(adjust));
    expect(firstAdjust.reason).toBe('SERIAL_NOT_IN_STOCK');
    expect(await refusal(warehouse.serials.adjust(adjust))).toEqual(firstAdjust);
    expect(await storedKeys(add.idempotencyKey)).toBe(0);
    expect(await storedKeys(adjust.idempotencyKey)).toBe(0);
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('leaves no trace: once the cause is gone, the same request with the same key applies', async () => {
    // A refused request changes nothing, its key included; a retry is judged afresh.
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    const input = { productId: product.id, locationId: loc.id, quantity: -1, ...adjustment, idempotencyKey: key() };
    expect((await refusal(warehouse.stock.adjust(input))).reason).toBe('INSUFFICIENT_STOCK');
    await warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: 1, ...adjustment, idempotencyKey: key() });
    const applied = await warehouse.stock.adjust(input);
    expect(applied.quantity).toBe(-1);
    expect(await warehouse.stock.adjust(input)).toEqual(applied);
    expect(await levels(product.id)).toEqual([]);
  });

  it('refused by role or validation stores nothing', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    const k = key();
    await refusal(
      app.as('viewer').stock.adjust({ productId: product.id, locationId: loc.id, quantity: 1, ...adjustment, idempotencyKey: k }),
    );
    await refusal(warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: 0, ...adjustment, idempotencyKey: k }));
    expect(await storedKeys(k)).toBe(0);
    await warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: 1, ...adjustment, idempotencyKey: k });
    expect(await storedKeys(k)).toBe(1);
  });
});

// ---- keys belong to a user ------------------------------------------------------------------

describe('keys are per user', () => {
  it('two users sending the same key both apply', async () => {
    const product = await plainProduct(admin);
    const serial = await serialisedProduct(admin);
    const loc = await location(warehouse);
    const k = key();
    const input = { productId: product.id, locationId: loc.id, quantity: 3, ...adjustment, idempotencyKey: k };
    const a = await warehouse.stock.adjust(input);
    const b = await app.as('accountant').stock.adjust(input);
    expect(b.movementId).not.toBe(a.movementId);
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 6 }]);

    const k2 = key();
    await warehouse.serials.add({ productId: serial.id, locationId: loc.id, serials: ['P1'], idempotencyKey: k2 });
    await app.as('purchasing').serials.add({ productId: serial.id, locationId: loc.id, serials: ['P2'], idempotencyKey: k2 });
    expect((await serialsOf(serial.id)).map((s) => s.serial)).toEqual(['P1', 'P2']);
    expect(await storedKeys(k)).toBe(2);
    expect(await storedKeys(k2)).toBe(2);
  });
});
