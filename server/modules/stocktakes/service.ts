import type { PrismaClient } from '../../db/generated/client.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { Db, Tx } from '../../db/types.ts';
import { DomainError, found } from '../../domain/errors.ts';
import type { RoleName } from '../../domain/roles.ts';
import { assertChangeable, seesExpected, type StocktakeStatus } from '../../domain/stocktake.ts';
import { resolvePlace } from '../locations/service.ts';
import { page } from '../pagination.ts';
import { countSheets } from './sheet.ts';
import { variancesOf } from './variances.ts';
import { countSheetWorkbook } from './xlsx.ts';

export interface StocktakeScope {
  locationId: number;
  bayIds?: number[];
  productIds?: number[];
  blind?: boolean;
}

/** Locks the stocktake row: starting, counting and finalising one stocktake go one at a time. */
export async function lockStocktake(tx: Tx, id: number) {
  const [row] = await tx.$queryRaw<
    {
      id: number;
      status: StocktakeStatus;
      location_id: number;
      bay_ids: number[];
      product_ids: number[];
      blind: boolean;
      frozen_movement_id: number | null;
    }[]
  >`
    SELECT id, status::text AS status, location_id, bay_ids, product_ids, blind, frozen_movement_id
    FROM stocktake WHERE id = ${id} FOR UPDATE`;
  return found(row, 'Stocktake', id);
}

export function createStocktake(prisma: PrismaClient, userId: number, input: StocktakeScope) {
  return inTransaction(prisma, async (tx) => {
    const { location } = await resolvePlace(tx, input.locationId, null);
    for (const bayId of input.bayIds ?? []) await resolvePlace(tx, location.id, bayId);
    const productIds = [...new Set(input.productIds ?? [])];
    if (productIds.length > 0) {
      const products = await tx.product.findMany({
        where: { id: { in: productIds } },
        select: { id: true, sku: true, stockTracked: true },
      });
      for (const id of productIds) {
        const product = products.find((p) => p.id === id);
        if (!product) throw new DomainError('NOT_FOUND', `Product ${id} does not exist.`);
        if (!product.stockTracked)
          throw new DomainError('PRODUCT_NOT_STOCK_TRACKED', `${product.sku} is not stock tracked, so there is nothing of it to count.`);
      }
    }
    const created = await tx.stocktake.create({
      data: {
        locationId: location.id,
        bayIds: [...new Set(input.bayIds ?? [])],
        productIds,
        blind: input.blind ?? false,
        createdById: userId,
      },
      select: { id: true },
    });
    return getStocktake(tx, created.id);
  });
}

/**
 * Starts counting: freezes what the system holds in scope (quantities per product, bay and batch at
 * their cost, and the serials expected where) and the ledger's high-water mark. The ledger is
 * locked against new rows for that moment, so the frozen stock and the mark agree exactly.
 */
export function startStocktake(prisma: PrismaClient, id: number) {
  return inTransaction(prisma, async (tx) => {
    const stocktake = await lockStocktake(tx, id);
    if (stocktake.status !== 'draft') {
      assertChangeable(id, stocktake.status);
      throw new DomainError('STOCKTAKE_NOT_OPEN', `Stocktake #${id} has started already.`);
    }
    await tx.$executeRawUnsafe('LOCK TABLE stock_movement IN SHARE MODE');
    const [{ mark }] = await tx.$queryRaw<[{ mark: number }]>`SELECT COALESCE(MAX(id), 0)::int AS mark FROM stock_movement`;
    const bays = stocktake.bay_ids;
    const products = stocktake.product_ids;
    await tx.$executeRaw`
      INSERT INTO stocktake_expected (stocktake_id, product_id, bay_id, batch_id, quantity, unit_cost)
      SELECT ${id}, l.product_id, l.bay_id, l.batch_id, l.quantity, COALESCE(b.unit_cost, p.average_cost)
      FROM stock_level l JOIN product p ON p.id = l.product_id LEFT JOIN batch b ON b.id = l.batch_id
      WHERE l.location_id = ${stocktake.location_id} AND l.quantity > 0
        AND (cardinality(${bays}::int[]) = 0 OR l.bay_id = ANY(${bays}::int[]))
        AND (cardinality(${products}::int[]) = 0 OR l.product_id = ANY(${products}::int[]))`;
    // Allocated serials are still on the shelf: they are expected too.
    await tx.$executeRaw`
      INSERT INTO stocktake_expected_serial (stocktake_id, serial_id, product_id, bay_id)
      SELECT ${id}, s.id, s.product_id, s.bay_id FROM serial_number s
      WHERE s.location_id = ${stocktake.location_id} AND s.status IN ('in_stock', 'allocated')
        AND (cardinality(${bays}::int[]) = 0 OR s.bay_id = ANY(${bays}::int[]))
        AND (cardinality(${products}::int[]) = 0 OR s.product_id = ANY(${products}::int[]))`;
    await tx.stocktake.update({ where: { id }, data: { status: 'counting', frozenMovementId: mark, frozenAt: new Date() } });
    return getStocktake(tx, id);
  });
}

/** Counting is done: the stocktake goes to review (counts may still be corrected there). */
export function reviewStocktake(prisma: PrismaClient, id: number) {
  return inTransaction(prisma, async (tx) => {
    const stocktake = await lockStocktake(tx, id);
    if (stocktake.status !== 'counting') {
      assertChangeable(id, stocktake.status);
      throw new DomainError(
        'STOCKTAKE_NOT_OPEN',
        `Stocktake #${id} is ${stocktake.status === 'draft' ? 'not started' : 'in review already'}.`,
      );
    }
    await tx.stocktake.update({ where: { id }, data: { status: 'review' } });
    return getStocktake(tx, id);
  });
}

export function cancelStocktake(prisma: PrismaClient, id: number) {
  return inTransaction(prisma, async (tx) => {
    const stocktake = await lockStocktake(tx, id);
    assertChangeable(id, stocktake.status);
    await tx.stocktake.update({ where: { id }, data: { status: 'cancelled' } });
    return getStocktake(tx, id);
  });
}

const STOCKTAKE_SELECT = {
  id: true,
  status: true,
  blind: true,
  bayIds: true,
  productIds: true,
  frozenAt: true,
  finalisedAt: true,
  createdAt: true,
  location: { select: { id: true, name: true } },
  createdBy: { select: { name: true } },
} as const;

export async function getStocktake(db: Db, id: number) {
  const stocktake = found(await db.stocktake.findUnique({ where: { id }, select: STOCKTAKE_SELECT }), 'Stocktake', id);
  const sheets = await db.stocktakeCountRow.groupBy({ by: ['sheetKey'], where: { stocktakeId: id }, _count: { _all: true } });
  return { ...stocktake, sheets: sheets.map((s) => ({ sheetKey: s.sheetKey, rows: s._count._all })) };
}

export async function listStocktakes(db: Db, input: { status?: StocktakeStatus; locationId?: number; cursor?: number; limit: number }) {
  const rows = await db.stocktake.findMany({
    where: { status: input.status, locationId: input.locationId, ...(input.cursor ? { id: { gt: input.cursor } } : {}) },
    orderBy: { id: 'asc' },
    take: input.limit + 1,
    select: STOCKTAKE_SELECT,
  });
  return page(rows, input.limit);
}

/** Whether this role sees the stocktake's expected stock now (the blind-count rule). */
async function expectedShown(db: Db, stocktakeId: number, role: RoleName): Promise<boolean> {
  const stocktake = found(
    await db.stocktake.findUnique({ where: { id: stocktakeId }, select: { blind: true, status: true } }),
    'Stocktake',
    stocktakeId,
  );
  return seesExpected(stocktake, role);
}

/** The count sheets as this role may see them: a blind count leaves out expected quantities and serials. */
export async function countSheetsFor(db: Db, stocktakeId: number, role: RoleName) {
  return countSheets(db, stocktakeId, await expectedShown(db, stocktakeId, role));
}

/** The count sheet workbook (.xlsx), under the same rule as `countSheetsFor`. */
export async function countSheetWorkbookFor(db: Db, stocktakeId: number, role: RoleName): Promise<Buffer> {
  return countSheetWorkbook(db, stocktakeId, await expectedShown(db, stocktakeId, role));
}

/** The variance lines, refused while a blind count hides the expected stock from this role. */
export async function variancesFor(db: Db, stocktakeId: number, role: RoleName) {
  if (!(await expectedShown(db, stocktakeId, role))) {
    throw new DomainError('STOCKTAKE_BLIND', `Stocktake #${stocktakeId} is counted blind: variances show once it is in review.`);
  }
  return variancesOf(db, stocktakeId);
}
