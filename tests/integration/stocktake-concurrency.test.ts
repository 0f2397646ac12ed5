import { describe, expect, it } from 'vitest';
import { key, useTestApp } from '../helpers/app.ts';
import { settle } from '../helpers/races.ts';
import { onPostgres } from '../helpers/database.ts';
import { location, plainProduct, serialisedProduct } from '../helpers/fixtures.ts';

// Stocktake requests racing each other and stock changes, through Promise.all. On PostgreSQL they
// run on separate connections and meet on real locks; on PGlite (one connection) they are
// serialised, and every outcome must still be one a person could explain.

const app = useTestApp();
const admin = app.as('admin');
const warehouse = app.as('warehouse');
const accountant = app.as('accountant');

// ---- local helpers --------------------------------------------------------------------------

/** Resolves after a few milliseconds, so racing calls start at slightly different moments. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const later = async <T>(ms: number, call: () => Promise<T>) => {
  await pause(ms);
  return call();
};

const ROUNDS = onPostgres ? 8 : 3;

function adjust(productId: number, locationId: number, bayId: number | null, quantity: number, unitCost = 2) {
  return warehouse.stock.adjust({ productId, locationId, bayId, quantity, unitCost, glCode: '630', idempotencyKey: key() });
}

async function levelAt(productId: number, locationId: number, bayId: number | null) {
  const { items } = await warehouse.stock.levels({ productId, locationId, limit: 1000 });
  return items.filter((l) => l.bayId === bayId).reduce((sum, l) => sum + l.quantity, 0);
}

async function inStockAt(productId: number, locationId: number, bayId: number | null) {
  const { items } = await warehouse.serials.list({ productId, locationId, status: 'in_stock', limit: 1000 });
  return items
    .filter((s) => s.bayId === bayId)
    .map((s) => s.serial)
    .sort();
}

async function lineOf(stocktakeId: number, productId: number, bayId: number | null) {
  const { lines } = await accountant.stocktakes.variances({ stocktakeId });
  const found = lines.filter((l) => l.productId === productId && l.bayId === bayId);
  expect(found).toHaveLength(1);
  return found[0]!;
}

// ---- races ----------------------------------------------------------------------------------

describe(`stocktake races (${onPostgres ? 'PostgreSQL: real locks' : 'PGlite: serialised'})`, () => {
  it('a stock change racing start() is either frozen or moved since the freeze, never both or neither', async () => {
    const seen = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const loc = await location(warehouse, ['A']);
      const bayA = loc.bayIds[0]!;
      const plain = await plainProduct(admin);
      const ser = await serialisedProduct(admin);
      await adjust(plain.id, loc.id, bayA, 10);
      await warehouse.serials.add({
        productId: ser.id,
        locationId: loc.id,
        bayId: bayA,
        serials: ['R1', 'R2', 'R3'],
        unitCost: 5,
        idempotencyKey: key(),
      });
      const draft = await warehouse.stocktakes.create({ locationId: loc.id });

      // Start anywhere from well before the changes to well after them.
      const startAt = [0, 4, 10, 25][round % 4]!;
      const [start, receipt, removal, addition] = await Promise.all([
        settle(later(startAt, () => warehouse.stocktakes.start({ id: draft.id }))),
        settle(later(round % 3, () => adjust(plain.id, loc.id, bayA, 3))),
        settle(
          later(2 * (round % 4), () =>
            warehouse.serials.adjust({ productId: ser.id, locationId: loc.id, remove: ['R2'], glCode: '630', idempotencyKey: key() }),
          ),
        ),
        settle(
          later(5 - (round % 4), () =>
            warehouse.serials.add({
              productId: ser.id,
              locationId: loc.id,
              bayId: bayA,
              serials: ['R9'],
              unitCost: 5,
              idempotencyKey: key(),
            }),
          ),
        ),
      ]);
      for (const outcome of [start, receipt, removal, addition]) expect(outcome.ok, JSON.stringify(outcome)).toBe(true);

      // Counted right: what is on the shelf now.
      const shelf = await inStockAt(ser.id, loc.id, bayA);
      expect(shelf).toEqual(['R1', 'R3', 'R9']);
      await warehouse.stocktakes.submitCounts({
        stocktakeId: draft.id,
        sheetKey: `bay-${bayA}`,
        idempotencyKey: key(),
        rows: [
          { productId: plain.id, bayId: bayA, countedQuantity: await levelAt(plain.id, loc.id, bayA) },
          { productId: ser.id, bayId: bayA, serials: shelf },
        ],
      });

      const p = await lineOf(draft.id, plain.id, bayA);
      expect([
        [10, 3],
        [13, 0],
      ]).toContainEqual([p.expectedQuantity, p.movedSinceFreeze]);
      expect(p).toMatchObject({ countedQuantity: 13, variance: 0, value: 0 });
      const s = await lineOf(draft.id, ser.id, bayA);
      expect(s.expectedQuantity + s.movedSinceFreeze).toBe(3);
      expect(s).toMatchObject({ countedQuantity: 3, variance: 0, value: 0, missingSerials: [], newSerials: [], misplacedSerials: [] });
      seen.add(`${p.expectedQuantity}/${s.expectedQuantity}`);

      // Finalising a right count (after review, the approval step) changes nothing.
      await warehouse.stocktakes.review({ id: draft.id });
      const done = await accountant.stocktakes.finalise({ stocktakeId: draft.id, idempotencyKey: key() });
      expect(done).toMatchObject({ adjustedLines: 0, serials: { writtenOff: 0, created: 0, reinstated: 0, moved: 0 } });
      expect(await levelAt(plain.id, loc.id, bayA)).toBe(13);
      expect(await levelAt(ser.id, loc.id, bayA)).toBe(3);
    }
    expect(seen.size).toBeGreaterThan(0);
  });

  it('several sheets of one stocktake submitted at once all land', async () => {
    const loc = await location(warehouse, ['A', 'B', 'C', 'D']);
    const products = await Promise.all([plainProduct(admin), plainProduct(admin)]);
    for (const bayId of loc.bayIds) for (const p of products) await adjust(p.id, loc.id, bayId, 5);
    const draft = await warehouse.stocktakes.create({ locationId: loc.id });
    await warehouse.stocktakes.start({ id: draft.id });

    const outcomes = await Promise.all(
      loc.bayIds.flatMap((bayId, i) => [
        settle(
          warehouse.stocktakes.submitCounts({
            stocktakeId: draft.id,
            sheetKey: `bay-${bayId}`,
            idempotencyKey: key(),
            rows: products.map((p) => ({ productId: p.id, bayId, countedQuantity: 4 + i })),
          }),
        ),
        // A second team counting the same bays on sheets of their own.
        settle(
          admin.stocktakes.submitCounts({
            stocktakeId: draft.id,
            sheetKey: `extra-${bayId}`,
            idempotencyKey: key(),
            rows: [{ productId: products[0]!.id, bayId, countedQuantity: 1 }],
          }),
        ),
      ]),
    );
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const got = await warehouse.stocktakes.get({ id: draft.id });
    expect(got.sheets).toHaveLength(loc.bayIds.length * 2);
    const { lines } = await accountant.stocktakes.variances({ stocktakeId: draft.id });
    expect(lines).toHaveLength(loc.bayIds.length * 2);
    loc.bayIds.forEach((bayId, i) => {
      const first = lines.find((l) => l.productId === products[0]!.id && l.bayId === bayId)!;
      const second = lines.find((l) => l.productId === products[1]!.id && l.bayId === bayId)!;
      expect(first).toMatchObject({ countedQuantity: 5 + i, variance: i });
      expect(second).toMatchObject({ countedQuantity: 4 + i, variance: i - 1 });
    });
  });

  it('finalise racing a submit: the submit is refused as finalised, or it landed first and was adjusted', async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const loc = await location(warehouse, ['A']);
      const bayA = loc.bayIds[0]!;
      const plain = await plainProduct(admin);
      const ser = await serialisedProduct(admin);
      await adjust(plain.id, loc.id, bayA, 10, 2);
      await warehouse.serials.add({
        productId: ser.id,
        locationId: loc.id,
        bayId: bayA,
        serials: ['F1', 'F2'],
        unitCost: 5,
        idempotencyKey: key(),
      });
      const draft = await warehouse.stocktakes.create({ locationId: loc.id });
      await warehouse.stocktakes.start({ id: draft.id });
      await warehouse.stocktakes.submitCounts({
        stocktakeId: draft.id,
        sheetKey: 'team-1',
        idempotencyKey: key(),
        rows: [
          { productId: plain.id, bayId: bayA, countedQuantity: 6 },
          { productId: ser.id, bayId: bayA, serials: ['F1'] },
        ],
      });
      // In review (the approval step) counts are still taken, as a recount: that is what races.
      await warehouse.stocktakes.review({ id: draft.id });

      const stagger = round % 3;
      const [finalise, late] = await Promise.all([
        settle(later(stagger, () => accountant.stocktakes.finalise({ stocktakeId: draft.id, idempotencyKey: key(), glCode: '631' }))),
        settle(
          later(2 - stagger, () =>
            warehouse.stocktakes.submitCounts({
              stocktakeId: draft.id,
              sheetKey: 'team-2',
              idempotencyKey: key(),
              rows: [
                { productId: plain.id, bayId: bayA, countedQuantity: 3 },
                { productId: ser.id, bayId: bayA, serials: ['F2', 'F3'] },
              ],
            }),
          ),
        ),
      ]);
      expect(finalise.ok, JSON.stringify(finalise)).toBe(true);
      const ledger = await app.db.prisma.stockMovement.findMany({ where: { documentType: 'stocktake', documentId: draft.id } });
      const net = (productId: number) => ledger.filter((r) => r.productId === productId).reduce((sum, r) => sum + Number(r.quantity), 0);
      if (late.ok) {
        outcomes.add('submit first');
        expect(late.value.saved).toBe(true);
        // Counted 6 + 3 of 10; serials F1, F2 found and F3 new.
        expect(net(plain.id)).toBe(-1);
        expect(await levelAt(plain.id, loc.id, bayA)).toBe(9);
        expect(await inStockAt(ser.id, loc.id, bayA)).toEqual(['F1', 'F2', 'F3']);
        expect(await levelAt(ser.id, loc.id, bayA)).toBe(3);
        expect((await warehouse.stocktakes.get({ id: draft.id })).sheets).toHaveLength(2);
      } else {
        outcomes.add('finalise first');
        expect(late.refusal).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'STOCKTAKE_FINALISED' });
        expect(net(plain.id)).toBe(-4);
        expect(await levelAt(plain.id, loc.id, bayA)).toBe(6);
        expect(await inStockAt(ser.id, loc.id, bayA)).toEqual(['F1']);
        expect(await levelAt(ser.id, loc.id, bayA)).toBe(1);
        expect((await warehouse.stocktakes.get({ id: draft.id })).sheets).toEqual([{ sheetKey: 'team-1', rows: 2 }]);
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });

  it('finalise racing a write-off of a serial it finds missing: the serial leaves stock once', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const loc = await location(warehouse, ['A']);
      const bayA = loc.bayIds[0]!;
      const ser = await serialisedProduct(admin);
      await warehouse.serials.add({
        productId: ser.id,
        locationId: loc.id,
        bayId: bayA,
        serials: ['M1', 'M2', 'M3', 'M4', 'M5'],
        unitCost: 5,
        idempotencyKey: key(),
      });
      const draft = await warehouse.stocktakes.create({ locationId: loc.id });
      await warehouse.stocktakes.start({ id: draft.id });
      await warehouse.stocktakes.submitCounts({
        stocktakeId: draft.id,
        sheetKey: 'x',
        idempotencyKey: key(),
        rows: [{ productId: ser.id, bayId: bayA, serials: ['M1'] }],
      });
      await warehouse.stocktakes.review({ id: draft.id });

      const stagger = [0, 3, 8, 20][round % 4]!;
      const [finalise, writeOff] = await Promise.all([
        settle(later(stagger, () => accountant.stocktakes.finalise({ stocktakeId: draft.id, idempotencyKey: key() }))),
        settle(
          later(10 - Math.min(stagger, 10), () =>
            warehouse.serials.adjust({ productId: ser.id, locationId: loc.id, remove: ['M2'], glCode: '630', idempotencyKey: key() }),
          ),
        ),
      ]);
      expect(finalise.ok, JSON.stringify(finalise)).toBe(true);
      if (!writeOff.ok) expect(writeOff.refusal.reason).toBe('SERIAL_NOT_IN_STOCK');

      // The stock level agrees with the serials in stock, and M2 was written off exactly once.
      expect(await inStockAt(ser.id, loc.id, bayA)).toEqual(['M1']);
      expect(await levelAt(ser.id, loc.id, bayA)).toBe(1);
      const history = await warehouse.serials.history({ productId: ser.id, serial: 'M2' });
      expect(history.movements.filter((m) => m.statusAfter === 'written_off')).toHaveLength(1);
    }
  });
});
