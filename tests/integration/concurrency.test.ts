import { describe, expect, it } from 'vitest';
import { key, useTestApp } from '../helpers/app.ts';
import { all, succeeded, refused } from '../helpers/races.ts';
import { onPostgres } from '../helpers/database.ts';
import { batchProduct, location, plainProduct, serialisedProduct } from '../helpers/fixtures.ts';

// Many requests at once through Promise.all. On PostgreSQL they run on separate connections and
// meet on real row locks and unique indexes; on PGlite (one connection) they are serialised.

const app = useTestApp();
const admin = app.as('admin');
const warehouse = app.as('warehouse');

// ---- local helpers --------------------------------------------------------------------------

async function serialsOf(productId: number) {
  const { items } = await warehouse.serials.list({ productId, limit: 1000 });
  return items;
}

async function levels(productId: number) {
  const { items } = await warehouse.stock.levels({ productId, limit: 1000 });
  return items.map(({ locationId, bayId, batchNumber, quantity }) => ({ locationId, bayId, batchNumber, quantity }));
}

const movements = (productId: number) => app.db.prisma.stockMovement.findMany({ where: { productId }, orderBy: { id: 'asc' } });
const adjustment = { glCode: '630', unitCost: 2 };

describe(`concurrent requests (${onPostgres ? 'PostgreSQL: real row locks' : 'PGlite: serialised'})`, () => {
  it('10 serials.add sharing one serial: exactly one succeeds, the others add nothing', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse);
    const outcomes = await all(
      Array.from(
        { length: 10 },
        (_, i) => () =>
          warehouse.serials.add({
            productId: product.id,
            locationId: loc.id,
            serials: [`OWN${i}-1`, 'SHARED', `OWN${i}-2`],
            idempotencyKey: key(),
          }),
      ),
    );
    const wins = succeeded(outcomes);
    expect(wins).toHaveLength(1);
    expect(wins[0]!.added).toBe(3);
    const losses = refused(outcomes);
    expect(losses).toHaveLength(9);
    for (const r of losses) {
      expect(r).toMatchObject({ code: 'CONFLICT', reason: 'SERIAL_EXISTS' });
      expect(r.problems.length).toBeGreaterThan(0);
      expect(r.problems.every((p) => p.reason === 'SERIAL_EXISTS')).toBe(true);
    }
    // The losers whose check ran after the winner committed point at the shared serial.
    for (const r of losses.filter((l) => l.problems[0]!.index !== null)) {
      expect(r.problems).toEqual([expect.objectContaining({ index: 1, token: 'SHARED' })]);
    }
    const winner = outcomes.findIndex((o) => o.ok);
    expect((await serialsOf(product.id)).map((s) => s.serial).sort()).toEqual([`OWN${winner}-1`, `OWN${winner}-2`, 'SHARED'].sort());
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 3 }]);
    expect(await movements(product.id)).toHaveLength(1);
    expect(await app.db.prisma.stockMovementSerial.count({ where: { movement: { productId: product.id } } })).toBe(3);
  });

  it('20 removals of 1 from a stock of 10: exactly 10 succeed and the level ends at 0', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse, ['A']);
    const place = { productId: product.id, locationId: loc.id, bayId: loc.bayIds[0] };
    await warehouse.stock.adjust({ ...place, quantity: 10, ...adjustment, idempotencyKey: key() });
    const outcomes = await all(
      Array.from({ length: 20 }, () => () => warehouse.stock.adjust({ ...place, quantity: -1, ...adjustment, idempotencyKey: key() })),
    );
    expect(succeeded(outcomes)).toHaveLength(10);
    const losses = refused(outcomes);
    expect(losses).toHaveLength(10);
    for (const r of losses) {
      expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'INSUFFICIENT_STOCK' });
      expect(r.message).toMatch(/Only 0 /);
    }
    expect(await levels(product.id)).toEqual([]);
    const level = await app.db.prisma.stockLevel.findFirstOrThrow({ where: { productId: product.id } });
    expect(Number(level.quantity)).toBe(0);
    const rows = await movements(product.id);
    expect(rows).toHaveLength(11);
    expect(rows.reduce((sum, m) => sum + Number(m.quantity), 0)).toBe(0);
    // Never negative along the way: the running sum of the ledger stays at or above zero.
    let running = 0;
    for (const m of rows) {
      running += Number(m.quantity);
      expect(running).toBeGreaterThanOrEqual(0);
    }
  });

  it('receipts and removals of the same product at once all apply (no deadlock)', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse, ['A', 'B']);
    const [a, b] = loc.bayIds;
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      bayId: a,
      quantity: 20,
      ...adjustment,
      idempotencyKey: key(),
    });
    await warehouse.stock.adjust({
      productId: product.id,
      locationId: loc.id,
      bayId: b,
      quantity: 20,
      ...adjustment,
      idempotencyKey: key(),
    });
    const outcomes = await all(
      Array.from(
        { length: 24 },
        (_, i) => () =>
          warehouse.stock.adjust({
            productId: product.id,
            locationId: loc.id,
            bayId: i % 3 === 0 ? b : a,
            quantity: i % 2 ? -1 : 1,
            glCode: '630',
            unitCost: 2,
            idempotencyKey: key(),
          }),
      ),
    );
    expect(refused(outcomes)).toEqual([]);
    // Bay A: 16 requests, 8 in and 8 out; bay B: 8 requests, 4 in and 4 out.
    expect(await levels(product.id)).toEqual(
      expect.arrayContaining([
        { locationId: loc.id, bayId: a, batchNumber: null, quantity: 20 },
        { locationId: loc.id, bayId: b, batchNumber: null, quantity: 20 },
      ]),
    );
    expect(await movements(product.id)).toHaveLength(26);
    expect((await warehouse.products.get({ id: product.id })).averageCost).toBe(2);
  });

  it('the same idempotency key 5 times at once applies once and answers all 5 alike', async () => {
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    const input = { productId: product.id, locationId: loc.id, quantity: 7, ...adjustment, idempotencyKey: key() };
    const outcomes = await all(Array.from({ length: 5 }, () => () => warehouse.stock.adjust(input)));
    const results = succeeded(outcomes);
    expect(results).toHaveLength(5);
    for (const r of results) expect(r).toEqual(results[0]);
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 7 }]);
    expect(await movements(product.id)).toHaveLength(1);
    expect(await app.db.prisma.idempotencyKey.count({ where: { key: input.idempotencyKey } })).toBe(1);
  });

  it('the same serials.add and serials.adjust key 5 times at once applies once', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse);
    const add = { productId: product.id, locationId: loc.id, text: 'K001-K100', idempotencyKey: key() };
    const adds = await all(Array.from({ length: 5 }, () => () => warehouse.serials.add(add)));
    expect(succeeded(adds)).toHaveLength(5);
    for (const r of succeeded(adds)) expect(r).toEqual({ added: 100, productId: product.id, locationId: loc.id, bayId: null });
    const adjust = {
      productId: product.id,
      locationId: loc.id,
      remove: ['K001', 'K002'],
      add: ['K101'],
      ...adjustment,
      idempotencyKey: key(),
    };
    const adjusts = await all(Array.from({ length: 5 }, () => () => warehouse.serials.adjust(adjust)));
    expect(succeeded(adjusts)).toEqual(Array(5).fill({ added: 1, removed: 2 }));
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 99 }]);
    expect(await movements(product.id)).toHaveLength(3);
  });

  it('5 write-offs of the same serial at once: exactly one succeeds', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse);
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['ONE', 'TWO'], unitCost: 9, idempotencyKey: key() });
    const outcomes = await all(
      Array.from(
        { length: 5 },
        () => () =>
          warehouse.serials.adjust({ productId: product.id, locationId: loc.id, remove: ['ONE'], glCode: '630', idempotencyKey: key() }),
      ),
    );
    expect(succeeded(outcomes)).toEqual([{ added: 0, removed: 1 }]);
    for (const r of refused(outcomes)) {
      expect(r.reason).toBe('SERIAL_NOT_IN_STOCK');
      expect(r.message).toMatch(/written off/);
    }
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 1 }]);
    expect(await movements(product.id)).toHaveLength(2);
  });

  it('serial adjustments crossing the same bays in opposite orders all apply (no deadlock)', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse, ['X', 'Y', 'Z']);
    const [x, y, z] = loc.bayIds as [number, number, number];
    await warehouse.serials.add({
      productId: product.id,
      locationId: loc.id,
      bayId: x,
      text: 'X001-X030',
      unitCost: 1,
      idempotencyKey: key(),
    });
    await warehouse.serials.add({
      productId: product.id,
      locationId: loc.id,
      bayId: y,
      text: 'Y001-Y030',
      unitCost: 2,
      idempotencyKey: key(),
    });
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, text: 'N001-N030', unitCost: 3, idempotencyKey: key() });
    const calls = Array.from({ length: 24 }, (_, i) => () => {
      const n = String(i + 1).padStart(3, '0');
      const remove = [
        [`X${n}`, `Y${n}`, `N${n}`],
        [`Y${n}`, `N${n}`, `X${n}`],
        [`N${n}`, `X${n}`, `Y${n}`],
      ][i % 3]!;
      // Some also add, into a bay that sorts before or after the ones they remove from.
      const add = i % 4 === 0 ? { add: [`NEW${n}`], bayId: [z, x, null][i % 3], unitCost: 5 } : {};
      return warehouse.serials.adjust({ productId: product.id, locationId: loc.id, remove, glCode: '630', ...add, idempotencyKey: key() });
    });
    // …while single-place receipts and write-offs run too.
    const others = [
      () =>
        warehouse.serials.add({
          productId: product.id,
          locationId: loc.id,
          bayId: y,
          serials: ['EXTRA1'],
          unitCost: 2,
          idempotencyKey: key(),
        }),
      () =>
        warehouse.serials.add({
          productId: product.id,
          locationId: loc.id,
          bayId: x,
          serials: ['EXTRA2'],
          unitCost: 2,
          idempotencyKey: key(),
        }),
      () => warehouse.serials.adjust({ productId: product.id, locationId: loc.id, remove: ['X030'], glCode: '630', idempotencyKey: key() }),
    ];
    const outcomes = await all<unknown>([...calls, ...others]);
    expect(refused(outcomes)).toEqual([]);
    const byBay = new Map((await levels(product.id)).map((l) => [l.bayId, l.quantity]));
    // 30 each, minus 24 removed (and X030), plus the adds: i = 0, 12 into Z; 4, 16 into X; 8, 20 into no bay.
    expect(byBay.get(x)).toBe(30 - 24 - 1 + 2 + 1);
    expect(byBay.get(y)).toBe(30 - 24 + 1);
    expect(byBay.get(null)).toBe(30 - 24 + 2);
    expect(byBay.get(z)).toBe(2);
    const rows = await app.db.prisma.stockLevel.findMany({ where: { productId: product.id } });
    const inStock = await app.db.prisma.serialNumber.groupBy({
      by: ['bayId'],
      where: { productId: product.id, status: 'in_stock' },
      _count: true,
    });
    for (const row of rows) expect(Number(row.quantity)).toBe(inStock.find((g) => g.bayId === row.bayId)?._count ?? 0);
  });

  it('concurrent ~ adds never create the same serial twice', async () => {
    const product = await serialisedProduct(admin);
    const loc = await location(warehouse);
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['N100'], idempotencyKey: key() });
    const outcomes = await all(
      Array.from(
        { length: 5 },
        () => () => warehouse.serials.add({ productId: product.id, locationId: loc.id, text: '~+1', idempotencyKey: key() }),
      ),
    );
    for (const r of refused(outcomes)) expect(r.reason).toBe('SERIAL_EXISTS');
    const wins = succeeded(outcomes).length;
    expect(wins).toBeGreaterThanOrEqual(1);
    const serials = (await serialsOf(product.id)).map((s) => s.serial);
    expect(new Set(serials).size).toBe(serials.length);
    expect(serials).toHaveLength(1 + 2 * wins);
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 1 + 2 * wins }]);
  });

  it('concurrent receipts of different serials, batches and costs all land, averaged correctly', async () => {
    const loc = await location(warehouse, ['A', 'B']);
    const serial = await serialisedProduct(admin);
    const batch = await batchProduct(admin);
    const plain = await plainProduct(admin);
    const outcomes = await all<unknown>([
      ...Array.from(
        { length: 8 },
        (_, i) => () =>
          warehouse.serials.add({
            productId: serial.id,
            locationId: loc.id,
            bayId: loc.bayIds[i % 2],
            text: `R${i}-001::010`,
            unitCost: 10,
            idempotencyKey: key(),
          }),
      ),
      ...Array.from(
        { length: 8 },
        () => () =>
          warehouse.batches.add({
            productId: batch.id,
            locationId: loc.id,
            number: 'SAME-LOT',
            expiry: '2029-01-01',
            quantity: 5,
            unitCost: 3,
            idempotencyKey: key(),
          }),
      ),
      ...Array.from(
        { length: 8 },
        (_, i) => () =>
          warehouse.stock.adjust({
            productId: plain.id,
            locationId: loc.id,
            quantity: 1,
            glCode: '630',
            unitCost: i + 1,
            idempotencyKey: key(),
          }),
      ),
    ]);
    expect(refused(outcomes)).toEqual([]);
    expect(await levels(serial.id)).toEqual(
      expect.arrayContaining([
        { locationId: loc.id, bayId: loc.bayIds[0], batchNumber: null, quantity: 40 },
        { locationId: loc.id, bayId: loc.bayIds[1], batchNumber: null, quantity: 40 },
      ]),
    );
    expect(await levels(batch.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: 'SAME-LOT', quantity: 40 }]);
    expect(await app.db.prisma.batch.count({ where: { productId: batch.id } })).toBe(1);
    expect(await levels(plain.id)).toEqual([{ locationId: loc.id, bayId: null, batchNumber: null, quantity: 8 }]);
    expect((await warehouse.products.get({ id: plain.id })).averageCost).toBeCloseTo(4.5, 5); // (1+…+8) / 8, each step stored to 6 decimals
    expect((await warehouse.products.get({ id: serial.id })).averageCost).toBe(10);
    expect((await warehouse.products.get({ id: batch.id })).averageCost).toBe(3);
  });
});
