import { describe, expect, it } from 'vitest';
import { type Caller, key, refusal, useTestApp } from '../helpers/app.ts';
import { batchProduct, location, plainProduct, serialisedProduct } from '../helpers/fixtures.ts';

const app = useTestApp();
const admin = app.as('admin');
const warehouse = app.as('warehouse');

// ---- local helpers --------------------------------------------------------------------------

async function levels(productId: number) {
  const { items } = await warehouse.stock.levels({ productId, limit: 1000 });
  return items.map(({ locationId, bayId, batchNumber, quantity }) => ({ locationId, bayId, batchNumber, quantity }));
}

async function batches(productId: number) {
  const { items } = await warehouse.batches.list({ productId, limit: 1000 });
  return items.map(({ number, expiry, quantity, locationId, bayId }) => ({ number, expiry, quantity, locationId, bayId }));
}

/** What a user (stock.levels, batches.list, products.get) and the ledger show for one product. */
async function snapshot(productId: number) {
  const prisma = app.db.prisma;
  return {
    levels: await levels(productId),
    batches: await batches(productId),
    averageCost: (await warehouse.products.get({ id: productId })).averageCost,
    movements: await prisma.stockMovement.count({ where: { productId } }),
    batchRows: await prisma.batch.count({ where: { productId } }),
  };
}

const adjustment = { glCode: '630', unitCost: 4, narrative: 'cycle count' };
const onHand = async (productId: number) => (await levels(productId)).reduce((sum, l) => sum + l.quantity, 0);

/** A refusal by input validation (zod): BAD_REQUEST whose cause is the ZodError; returns its message. */
async function zodRefusal(call: Promise<unknown>) {
  const r = await refusal(call);
  expect(r.code).toBe('BAD_REQUEST');
  expect(r.reason).toBeUndefined();
  return r.message;
}

// ---- batches --------------------------------------------------------------------------------

describe('batches.add and batches.list', () => {
  it('brings batches into stock at a location and bay, listed with number, expiry and quantity', async () => {
    const product = await batchProduct(admin);
    const loc = await location(warehouse, ['A', 'B']);
    const [bayA, bayB] = loc.bayIds;
    const r = await warehouse.batches.add({
      productId: product.id,
      locationId: loc.id,
      bayId: bayA,
      number: ' LOT-1 ',
      expiry: '2027-03-31',
      quantity: 10,
      unitCost: 2,
      idempotencyKey: key(),
    });
    expect(r).toMatchObject({ number: 'LOT-1', quantity: 10, locationId: loc.id, bayId: bayA });
    await warehouse.batches.add({
      productId: product.id,
      locationId: loc.id,
      bayId: bayB,
      number: 'LOT-1',
      expiry: '2027-03-31',
      quantity: 5,
      unitCost: 2,
      idempotencyKey: key(),
    });
    await warehouse.batches.add({
      productId: product.id,
      locationId: loc.id,
      bayId: bayA,
      number: 'LOT-1',
      quantity: 1,
      unitCost: 2,
      idempotencyKey: key(),
    });
    await warehouse.batches.add({ productId: product.id, locationId: loc.id, number: 'LOT-2', quantity: 3, idempotencyKey: key() });
    const list = (await warehouse.batches.list({ productId: product.id })).items;
    expect(list).toHaveLength(3);
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          number: 'LOT-1',
          expiry: '2027-03-31',
          quantity: 11,
          locationId: loc.id,
          locationName: loc.name,
          bayId: bayA,
          bayName: 'A',
        }),
        expect.objectContaining({ number: 'LOT-1', expiry: '2027-03-31', quantity: 5, bayId: bayB, bayName: 'B' }),
        expect.objectContaining({ number: 'LOT-2', expiry: null, quantity: 3, bayId: null, bayName: null }),
      ]),
    );
    expect((await warehouse.batches.list({ locationId: loc.id })).items).toHaveLength(3);
    expect(await levels(product.id)).toEqual(
      expect.arrayContaining([
        { locationId: loc.id, bayId: bayA, batchNumber: 'LOT-1', quantity: 11 },
        { locationId: loc.id, bayId: bayB, batchNumber: 'LOT-1', quantity: 5 },
        { locationId: loc.id, bayId: null, batchNumber: 'LOT-2', quantity: 3 },
      ]),
    );
    const rows = await app.db.prisma.stockMovement.findMany({
      where: { productId: product.id },
      orderBy: { id: 'asc' },
      include: { batch: true, user: true },
    });
    expect(rows.map((m) => [m.kind, Number(m.quantity), m.batch?.number, m.user.name])).toEqual([
      ['opening', 10, 'LOT-1', 'warehouse-user'],
      ['opening', 5, 'LOT-1', 'warehouse-user'],
      ['opening', 1, 'LOT-1', 'warehouse-user'],
      ['opening', 3, 'LOT-2', 'warehouse-user'],
    ]);
  });

  it('refuses an existing batch with another expiry (BATCH_EXPIRY_MISMATCH), changing nothing', async () => {
    const product = await batchProduct(admin);
    const loc = await location(warehouse);
    await warehouse.batches.add({
      productId: product.id,
      locationId: loc.id,
      number: 'LOT-9',
      expiry: '2027-01-31',
      quantity: 4,
      idempotencyKey: key(),
    });
    await warehouse.batches.add({ productId: product.id, locationId: loc.id, number: 'NOEXP', quantity: 4, idempotencyKey: key() });
    const before = await snapshot(product.id);
    const r = await refusal(
      warehouse.batches.add({
        productId: product.id,
        locationId: loc.id,
        number: 'LOT-9',
        expiry: '2027-02-28',
        quantity: 4,
        idempotencyKey: key(),
      }),
    );
    expect(r).toMatchObject({ code: 'CONFLICT', reason: 'BATCH_EXPIRY_MISMATCH' });
    expect(r.message).toContain('2027-01-31');
    expect(r.message).toContain('2027-02-28');
    const none = await refusal(
      warehouse.batches.add({
        productId: product.id,
        locationId: loc.id,
        number: 'LOT-9',
        expiry: null,
        quantity: 4,
        idempotencyKey: key(),
      }),
    );
    expect(none.reason).toBe('BATCH_EXPIRY_MISMATCH');
    const given = await refusal(
      warehouse.batches.add({
        productId: product.id,
        locationId: loc.id,
        number: 'NOEXP',
        expiry: '2030-01-01',
        quantity: 4,
        idempotencyKey: key(),
      }),
    );
    expect(given.reason).toBe('BATCH_EXPIRY_MISMATCH');
    // Through stock.adjust too.
    const adj = await refusal(
      warehouse.stock.adjust({
        productId: product.id,
        locationId: loc.id,
        batchNumber: 'LOT-9',
        expiry: '2027-02-28',
        quantity: 1,
        ...adjustment,
        idempotencyKey: key(),
      }),
    );
    expect(adj.reason).toBe('BATCH_EXPIRY_MISMATCH');
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('refuses products that are not batch tracked, bad input, bad places and roles', async () => {
    const plain = await plainProduct(admin);
    const untracked = await admin.products.create({ sku: `NT-${key().slice(0, 8)}`, name: 'Service' });
    const serial = await serialisedProduct(admin);
    const loc = await location(warehouse, ['A']);
    const other = await location(warehouse, ['Z']);
    const add = (productId: number, extra: Record<string, unknown> = {}) =>
      warehouse.batches.add({ productId, locationId: loc.id, number: 'L1', quantity: 1, idempotencyKey: key(), ...extra });
    expect(await refusal(add(plain.id))).toMatchObject({ reason: 'PRODUCT_NOT_BATCH_TRACKED' });
    expect(await refusal(add(serial.id))).toMatchObject({ reason: 'PRODUCT_NOT_BATCH_TRACKED' });
    expect(await refusal(add(untracked.id))).toMatchObject({ reason: 'PRODUCT_NOT_STOCK_TRACKED' });
    const product = await batchProduct(admin);
    expect(await zodRefusal(add(product.id, { quantity: 0 }))).toMatch(/more than zero/);
    expect(await zodRefusal(add(product.id, { quantity: -2 }))).toMatch(/more than zero/);
    expect(await zodRefusal(add(product.id, { number: '  ' }))).toMatch(/blank/);
    expect(await zodRefusal(add(product.id, { expiry: '31/03/2027' }))).toMatch(/date/);
    expect(await refusal(add(product.id, { bayId: other.bayIds[0] }))).toMatchObject({ reason: 'BAY_NOT_IN_LOCATION' });
    expect(
      await refusal(
        app.as('sales').batches.add({ productId: product.id, locationId: loc.id, number: 'L1', quantity: 1, idempotencyKey: key() }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
    for (const p of [plain, untracked, serial, product]) {
      expect(await snapshot(p.id)).toEqual({ levels: [], batches: [], averageCost: 0, movements: 0, batchRows: 0 });
    }
  });
});

// ---- stock.adjust ---------------------------------------------------------------------------

describe('stock.adjust', () => {
  it('adjusts a plain product up and down with signed quantities', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    const up = await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      quantity: 10,
      ...adjustment,
      idempotencyKey: key(),
    });
    expect(up).toMatchObject({ productId: product.id, locationId: loc.id, bayId: null, batchId: null, quantity: 10 });
    expect(typeof up.movementId).toBe('number');
    await warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: -3.5, ...adjustment, idempotencyKey: key() });
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 6.5 }]);
    await warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: -6.5, ...adjustment, idempotencyKey: key() });
    // A level of zero is not listed.
    expect(await levels(product.id)).toEqual([]);
    const rows = await app.db.prisma.stockMovement.findMany({ where: { productId: product.id }, orderBy: { id: 'asc' } });
    expect(rows.map((m) => Number(m.quantity))).toEqual([10, -3.5, -6.5]);
  });

  it('never takes stock below zero; the refusal says how much is on hand', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    await warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: 6, ...adjustment, idempotencyKey: key() });
    const before = await snapshot(product.id);
    const r = await refusal(
      warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: -7, ...adjustment, idempotencyKey: key() }),
    );
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'INSUFFICIENT_STOCK' });
    expect(r.message).toContain('Only 6');
    expect(r.message).toContain(product.sku);
    expect(r.message).toContain(loc.name);
    expect(r.message).toMatch(/cannot take out 7/);
    expect(await snapshot(product.id)).toEqual(before);

    // Nothing ever held at this location.
    const empty = await location(warehouse);
    const r2 = await refusal(
      warehouse.stock.adjust({ productId: product.id, locationId: empty.id, quantity: -1, ...adjustment, idempotencyKey: key() }),
    );
    expect(r2.reason).toBe('INSUFFICIENT_STOCK');
    expect(r2.message).toContain('Only 0');
    expect(await snapshot(product.id)).toEqual(before);

    // The database refuses a negative level too.
    await expect(
      app.db.prisma.$executeRawUnsafe(`UPDATE stock_level SET quantity = -1 WHERE product_id = ${product.id}`),
    ).rejects.toThrow();
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('keeps stock per bay: what is in one bay cannot be taken from another', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse, ['A', 'B']);
    const [bayA, bayB] = loc.bayIds;
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      bayId: bayA,
      quantity: 5,
      ...adjustment,
      idempotencyKey: key(),
    });
    const before = await snapshot(product.id);
    const r = await refusal(
      warehouse.stock.adjust({
        productId: product.id,
        locationId: loc.id,
        bayId: bayB,
        quantity: -1,
        ...adjustment,
        idempotencyKey: key(),
      }),
    );
    expect(r.reason).toBe('INSUFFICIENT_STOCK');
    expect(r.message).toMatch(/Only 0 .* bay B/);
    const noBay = await refusal(
      warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: -1, ...adjustment, idempotencyKey: key() }),
    );
    expect(noBay.reason).toBe('INSUFFICIENT_STOCK');
    const tooMany = await refusal(
      warehouse.stock.adjust({
        productId: product.id,
        locationId: loc.id,
        bayId: bayA,
        quantity: -6,
        ...adjustment,
        idempotencyKey: key(),
      }),
    );
    expect(tooMany.message).toMatch(/Only 5 .* bay A/);
    expect(await snapshot(product.id)).toEqual(before);
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      bayId: bayA,
      quantity: -2,
      ...adjustment,
      idempotencyKey: key(),
    });
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 3 }]);
  });

  it('adjusts batch products batch by batch, never below zero per batch', async () => {
    const product = await batchProduct(admin);
    const loc = await location(warehouse);
    const noBatch = await refusal(
      warehouse.stock.adjust({ productId: product.id, locationId: loc.id, quantity: 5, ...adjustment, idempotencyKey: key() }),
    );
    expect(noBatch).toMatchObject({ code: 'BAD_REQUEST', reason: 'BATCH_REQUIRED' });
    expect(noBatch.message).toContain(product.sku);
    expect(await snapshot(product.id)).toMatchObject({ levels: [], movements: 0, batchRows: 0 });

    // A positive adjustment may create the batch.
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      batchNumber: 'B1',
      expiry: '2028-06-30',
      quantity: 5,
      ...adjustment,
      idempotencyKey: key(),
    });
    await warehouse.batches.add({
      productId: product.id,
      locationId: loc.id,
      number: 'B2',
      quantity: 3,
      unitCost: 4,
      idempotencyKey: key(),
    });
    expect(await batches(product.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ number: 'B1', expiry: '2028-06-30', quantity: 5 }),
        expect.objectContaining({ number: 'B2', expiry: null, quantity: 3 }),
      ]),
    );
    const before = await snapshot(product.id);
    const r = await refusal(
      warehouse.stock.adjust({
        productId: product.id,
        locationId: loc.id,
        batchNumber: 'B2',
        quantity: -4,
        ...adjustment,
        idempotencyKey: key(),
      }),
    );
    expect(r.reason).toBe('INSUFFICIENT_STOCK');
    expect(r.message).toMatch(/Only 3 .* batch B2/);
    const unknown = await refusal(
      warehouse.stock.adjust({
        productId: product.id,
        locationId: loc.id,
        batchNumber: 'NOPE',
        quantity: -1,
        ...adjustment,
        idempotencyKey: key(),
      }),
    );
    expect(unknown.reason).toBe('INSUFFICIENT_STOCK');
    expect(unknown.message).toContain('NOPE');
    expect(await snapshot(product.id)).toEqual(before);

    await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      batchNumber: 'B1',
      quantity: -4,
      ...adjustment,
      idempotencyKey: key(),
    });
    expect(await batches(product.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ number: 'B1', quantity: 1 }),
        expect.objectContaining({ number: 'B2', quantity: 3 }),
      ]),
    );
    const rows = await app.db.prisma.stockMovement.findMany({
      where: { productId: product.id, kind: 'adjustment' },
      orderBy: { id: 'asc' },
      include: { batch: true },
    });
    expect(rows.map((m) => [m.batch?.number, Number(m.quantity), m.glCode])).toEqual([
      ['B1', 5, '630'],
      ['B1', -4, '630'],
    ]);
  });

  it('refuses serialised, untracked and non-batch products for what they are', async () => {
    const loc = await location(warehouse);
    const serial = await serialisedProduct(admin);
    await warehouse.serials.add({ productId: serial.id, locationId: loc.id, serials: ['S1'], idempotencyKey: key() });
    const serialBefore = await snapshot(serial.id);
    for (const quantity of [1, -1]) {
      const r = await refusal(
        warehouse.stock.adjust({ productId: serial.id, locationId: loc.id, quantity, ...adjustment, idempotencyKey: key() }),
      );
      expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'USE_SERIAL_ADJUSTMENT' });
      expect(r.message).toMatch(/serials\.adjust/);
    }
    expect(await snapshot(serial.id)).toEqual(serialBefore);

    const untracked = await admin.products.create({ sku: `NT-${key().slice(0, 8)}`, name: 'Freight' });
    const r = await refusal(
      warehouse.stock.adjust({ productId: untracked.id, locationId: loc.id, quantity: 1, ...adjustment, idempotencyKey: key() }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'PRODUCT_NOT_STOCK_TRACKED' });
    expect(await snapshot(untracked.id)).toMatchObject({ levels: [], movements: 0 });

    const plain = await plainProduct(admin);
    expect(
      await refusal(
        warehouse.stock.adjust({
          productId: plain.id,
          locationId: loc.id,
          batchNumber: 'X',
          quantity: 1,
          ...adjustment,
          idempotencyKey: key(),
        }),
      ),
    ).toMatchObject({
      reason: 'PRODUCT_NOT_BATCH_TRACKED',
    });
    expect(
      await refusal(warehouse.stock.adjust({ productId: 999_999, locationId: loc.id, quantity: 1, ...adjustment, idempotencyKey: key() })),
    ).toMatchObject({ code: 'NOT_FOUND' });
    expect(await snapshot(plain.id)).toMatchObject({ levels: [], movements: 0 });
  });

  it('refuses bad input, bad places and roles that may not adjust', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse, ['A']);
    const other = await location(warehouse, ['Z']);
    const adjust = (extra: Record<string, unknown>, api: Caller = warehouse) =>
      api.stock.adjust({ productId: product.id, locationId: loc.id, quantity: 1, ...adjustment, idempotencyKey: key(), ...extra } as never);
    expect(await zodRefusal(adjust({ quantity: 0 }))).toMatch(/cannot be zero/);
    expect(await zodRefusal(adjust({ quantity: 1.00001 }))).toMatch(/4 decimal places/);
    expect(await zodRefusal(adjust({ glCode: '' }))).toMatch(/GL code/);
    expect(await zodRefusal(adjust({ unitCost: -1 }))).toMatch(/negative/);
    expect(await zodRefusal(adjust({ unitCost: undefined }))).toBeTruthy();
    expect(await zodRefusal(adjust({ idempotencyKey: 'short' }))).toMatch(/at least 8/);
    expect(await refusal(adjust({ bayId: other.bayIds[0] }))).toMatchObject({ reason: 'BAY_NOT_IN_LOCATION' });
    const gone = await location(warehouse);
    await warehouse.locations.delete({ id: gone.id });
    expect(await refusal(adjust({ locationId: gone.id }))).toMatchObject({ code: 'NOT_FOUND' });
    for (const role of ['viewer', 'sales', 'purchasing'] as const) {
      expect(await refusal(adjust({}, app.as(role)))).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await snapshot(product.id)).toMatchObject({ levels: [], movements: 0 });
    await adjust({}, app.as('accountant'));
    expect(await onHand(product.id)).toBe(1);
  });
});

// ---- average cost ---------------------------------------------------------------------------

describe('average cost', () => {
  it('is the weighted average of receipts at different costs; removals do not change it', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    const other = await location(warehouse);
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      quantity: 10,
      glCode: '630',
      unitCost: 5,
      idempotencyKey: key(),
    });
    expect((await warehouse.products.get({ id: product.id })).averageCost).toBe(5);
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: other.id,
      quantity: 30,
      glCode: '630',
      unitCost: 9,
      idempotencyKey: key(),
    });
    expect((await warehouse.products.get({ id: product.id })).averageCost).toBe(8); // (10×5 + 30×9) / 40
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: other.id,
      quantity: -20,
      glCode: '630',
      unitCost: 8,
      idempotencyKey: key(),
    });
    expect((await warehouse.products.get({ id: product.id })).averageCost).toBe(8);
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      quantity: 20,
      glCode: '630',
      unitCost: 2,
      idempotencyKey: key(),
    });
    expect((await warehouse.products.get({ id: product.id })).averageCost).toBe(5); // (20×8 + 20×2) / 40
    // A refused adjustment leaves it alone.
    await refusal(
      warehouse.stock.adjust({
        productId: product.id,
        locationId: other.id,
        quantity: -999,
        glCode: '630',
        unitCost: 100,
        idempotencyKey: key(),
      }),
    );
    expect((await warehouse.products.get({ id: product.id })).averageCost).toBe(5);
  });

  it('averages batch and serial receipts too', async () => {
    const loc = await location(warehouse);
    const batch = await batchProduct(admin);
    await warehouse.batches.add({ productId: batch.id, locationId: loc.id, number: 'A', quantity: 4, unitCost: 10, idempotencyKey: key() });
    await warehouse.batches.add({ productId: batch.id, locationId: loc.id, number: 'B', quantity: 6, unitCost: 20, idempotencyKey: key() });
    expect((await warehouse.products.get({ id: batch.id })).averageCost).toBe(16);
    const serial = await serialisedProduct(admin);
    await warehouse.serials.add({ productId: serial.id, locationId: loc.id, serials: ['S1', 'S2'], unitCost: 100, idempotencyKey: key() });
    await warehouse.serials.adjust({
      productId: serial.id,
      locationId: loc.id,
      add: ['S3', 'S4', 'S5', 'S6'],
      unitCost: 25,
      glCode: '630',
      idempotencyKey: key(),
    });
    expect((await warehouse.products.get({ id: serial.id })).averageCost).toBe(50); // (2×100 + 4×25) / 6
  });
});

// ---- the ledger -----------------------------------------------------------------------------

describe('the stock movement ledger', () => {
  it('records every change with who, kind, GL code, narrative, cost and place', async () => {
    const loc = await location(warehouse, ['A']);
    const plain = await plainProduct(admin);
    const accountant = app.as('accountant');
    await accountant.stock.adjust({
      productId: plain.id,
      locationId: loc.id,
      bayId: loc.bayIds[0],
      quantity: 12,
      glCode: '631',
      unitCost: 1.5,
      narrative: 'found behind the rack',
      idempotencyKey: key(),
    });
    await warehouse.stock.adjust({
      productId: plain.id,
      locationId: loc.id,
      bayId: loc.bayIds[0],
      quantity: -2,
      glCode: '632',
      unitCost: 1.5,
      narrative: 'damaged',
      idempotencyKey: key(),
    });
    const rows = await app.db.prisma.stockMovement.findMany({
      where: { productId: plain.id },
      orderBy: { id: 'asc' },
      include: { user: true },
    });
    expect(
      rows.map((m) => ({
        kind: m.kind,
        user: m.user.name,
        gl: m.glCode,
        narrative: m.narrative,
        quantity: Number(m.quantity),
        cost: Number(m.unitCost),
        locationId: m.locationId,
        bayId: m.bayId,
      })),
    ).toEqual([
      {
        kind: 'adjustment',
        user: 'accountant-user',
        gl: '631',
        narrative: 'found behind the rack',
        quantity: 12,
        cost: 1.5,
        locationId: loc.id,
        bayId: loc.bayIds[0],
      },
      {
        kind: 'adjustment',
        user: 'warehouse-user',
        gl: '632',
        narrative: 'damaged',
        quantity: -2,
        cost: 1.5,
        locationId: loc.id,
        bayId: loc.bayIds[0],
      },
    ]);
    for (const m of rows) expect(m.createdAt).toBeInstanceOf(Date);

    // Serial adjustments list each serial under the movement.
    const serial = await serialisedProduct(admin);
    await warehouse.serials.adjust({
      productId: serial.id,
      locationId: loc.id,
      add: ['Q1', 'Q2'],
      unitCost: 3,
      glCode: '633',
      narrative: 'stocktake gain',
      idempotencyKey: key(),
    });
    await warehouse.serials.adjust({
      productId: serial.id,
      locationId: loc.id,
      remove: ['Q2'],
      glCode: '634',
      narrative: 'stolen',
      idempotencyKey: key(),
    });
    const serialRows = await app.db.prisma.stockMovement.findMany({
      where: { productId: serial.id },
      orderBy: { id: 'asc' },
      include: { user: true, serials: { include: { serial: true } } },
    });
    expect(
      serialRows.map((m) => [
        m.kind,
        m.user.name,
        m.glCode,
        m.narrative,
        Number(m.quantity),
        m.serials.map((s) => [s.serial.serial, s.status]),
      ]),
    ).toEqual([
      [
        'adjustment',
        'warehouse-user',
        '633',
        'stocktake gain',
        2,
        [
          ['Q1', 'in_stock'],
          ['Q2', 'in_stock'],
        ],
      ],
      ['adjustment', 'warehouse-user', '634', 'stolen', -1, [['Q2', 'written_off']]],
    ]);
  });

  it('is append-only: the database refuses UPDATE and DELETE of ledger rows', async () => {
    const loc = await location(warehouse);
    const serial = await serialisedProduct(admin);
    await warehouse.serials.add({
      productId: serial.id,
      locationId: loc.id,
      serials: ['U1', 'U2'],
      unitCost: 2,
      narrative: 'original',
      idempotencyKey: key(),
    });
    const prisma = app.db.prisma;
    const before = await prisma.stockMovement.findMany({ where: { productId: serial.id }, include: { serials: true } });
    expect(before).toHaveLength(1);
    const id = before[0]!.id;
    await expect(prisma.$executeRawUnsafe(`UPDATE stock_movement SET narrative = 'rewritten' WHERE id = ${id}`)).rejects.toThrow(
      /append-only/,
    );
    await expect(prisma.$executeRawUnsafe(`UPDATE stock_movement SET quantity = 0 WHERE id = ${id}`)).rejects.toThrow(/append-only/);
    await expect(prisma.$executeRawUnsafe(`DELETE FROM stock_movement WHERE id = ${id}`)).rejects.toThrow(/append-only/);
    await expect(
      prisma.$executeRawUnsafe(`UPDATE stock_movement_serial SET status = 'written_off' WHERE movement_id = ${id}`),
    ).rejects.toThrow(/append-only/);
    await expect(prisma.$executeRawUnsafe(`DELETE FROM stock_movement_serial WHERE movement_id = ${id}`)).rejects.toThrow(/append-only/);
    // Through the ORM as well.
    await expect(prisma.stockMovement.update({ where: { id }, data: { narrative: 'x' } })).rejects.toThrow();
    await expect(prisma.stockMovement.deleteMany({ where: { id } })).rejects.toThrow();
    const after = await prisma.stockMovement.findMany({ where: { productId: serial.id }, include: { serials: true } });
    expect(after).toEqual(before);
    expect(after[0]!.narrative).toBe('original');
  });
});
