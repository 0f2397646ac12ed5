import { describe, expect, it } from 'vitest';
import { inTransaction } from '../../server/db/transaction.ts';
import { DomainError } from '../../server/domain/errors.ts';
import { moveStockMany } from '../../server/ledger/index.ts';
import { key, useTestApp } from '../helpers/app.ts';
import { location, plainProduct } from '../helpers/fixtures.ts';

// moveStockMany is how a stocktake applies tens of thousands of lines: the same rules as one
// stock.adjust at a time, in a few statements.
const app = useTestApp();

describe('many stock changes at once', () => {
  it('refuses the whole set when one removal would go below zero, changing nothing', async () => {
    const admin = app.as('admin');
    const loc = await location(admin, ['A', 'B']);
    const [a, b] = [await plainProduct(admin), await plainProduct(admin)];
    for (const p of [a, b])
      await admin.stock.adjust({
        productId: p.id,
        locationId: loc.id,
        bayId: loc.bayIds[0],
        quantity: 5,
        glCode: '630',
        unitCost: 2,
        idempotencyKey: key(),
      });
    const movementsBefore = await app.db.prisma.stockMovement.count();
    const user = await app.db.prisma.user.findFirstOrThrow({ where: { role: 'admin' } });
    const attempt = inTransaction(app.db.prisma, (tx) =>
      moveStockMany(
        tx,
        [
          { place: { productId: a.id, locationId: loc.id, bayId: loc.bayIds[0]!, batchId: null }, quantity: -2, unitCost: 2 },
          { place: { productId: b.id, locationId: loc.id, bayId: loc.bayIds[0]!, batchId: null }, quantity: -6, unitCost: 2 },
        ],
        { kind: 'stocktake', userId: user.id },
      ),
    );
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).reason).toBe('INSUFFICIENT_STOCK');
    expect((error as DomainError).message).toContain(b.sku);
    const levels = await admin.stock.levels({ locationId: loc.id });
    expect(levels.items.map((l) => l.quantity)).toEqual([5, 5]);
    expect(await app.db.prisma.stockMovement.count()).toBe(movementsBefore);
  });

  it('adds and removes across places, averaging the cost of what comes in, with one ledger row each', async () => {
    const admin = app.as('admin');
    const loc = await location(admin, ['A', 'B']);
    const p = await plainProduct(admin);
    await admin.stock.adjust({
      productId: p.id,
      locationId: loc.id,
      bayId: loc.bayIds[0],
      quantity: 10,
      glCode: '630',
      unitCost: 4,
      idempotencyKey: key(),
    });
    const user = await app.db.prisma.user.findFirstOrThrow({ where: { role: 'admin' } });
    const written = await inTransaction(app.db.prisma, (tx) =>
      moveStockMany(
        tx,
        [
          { place: { productId: p.id, locationId: loc.id, bayId: loc.bayIds[0]!, batchId: null }, quantity: -4, unitCost: 4 },
          { place: { productId: p.id, locationId: loc.id, bayId: loc.bayIds[1]!, batchId: null }, quantity: 6, unitCost: 10 },
        ],
        { kind: 'stocktake', userId: user.id, narrative: 'Stocktake #99', documentType: 'stocktake', documentId: 99 },
      ),
    );
    expect(written).toBe(2);
    const levels = await admin.stock.levels({ productId: p.id });
    expect(levels.items.map((l) => [l.bayName, l.quantity])).toEqual([
      ['A', 6],
      ['B', 6],
    ]);
    // 6 left at 4, then 6 in at 10: (24 + 60) / 12 = 7.
    expect((await admin.products.get({ id: p.id })).averageCost).toBe(7);
    const rows = await app.db.prisma.stockMovement.findMany({
      where: { documentId: 99, documentType: 'stocktake' },
      select: { quantity: true, unitCost: true },
    });
    expect(rows.map((r) => [Number(r.quantity), Number(r.unitCost)]).sort()).toEqual([
      [-4, 4],
      [6, 10],
    ]);
  });
});
