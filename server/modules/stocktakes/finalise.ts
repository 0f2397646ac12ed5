import type { PrismaClient } from '../../db/generated/client.ts';
import type { Tx } from '../../db/types.ts';
import { DomainError, type Problem } from '../../domain/errors.ts';
import { assertFinalisable, type Variances } from '../../domain/stocktake.ts';
import { applyOnce } from '../idempotency.ts';
import { lockStocktake } from './service.ts';
import { stocktakeVariances } from './variances.ts';
import { batchFor, moveStockMany, placeSerials, stockInSerials, takeOutSerials, type MovementInfo } from '../../ledger/index.ts';

type Movement = MovementInfo;

/**
 * Turns the variances into stock changes in one transaction, with ledger rows that name the
 * stocktake (GL code, cost recorded for the serial or batch, or the frozen average cost), then
 * closes it for good. Only a stocktake in review is finalised (review is the approval step). Lines
 * nobody counted are refused unless `zeroUncounted` says they are empty.
 */
export function finaliseStocktake(
  prisma: PrismaClient,
  userId: number,
  input: { stocktakeId: number; idempotencyKey: string; glCode?: string; zeroUncounted?: boolean },
) {
  const { idempotencyKey, ...request } = input;
  return applyOnce(prisma, { userId, procedure: 'stocktakes.finalise', key: idempotencyKey, input: request }, async (tx) => {
    const stocktake = await lockStocktake(tx, input.stocktakeId);
    assertFinalisable(stocktake.id, stocktake.status);
    // Hold every serial this stocktake expected or found, in id order (as serial adjustments do):
    // a write-off or move of one of them racing this waits and then sees what finalising did, and
    // one that committed first is seen here, so no serial leaves (or enters) stock twice.
    await tx.$queryRaw`
      SELECT s.id FROM serial_number s
      WHERE s.id IN (SELECT serial_id FROM stocktake_expected_serial WHERE stocktake_id = ${stocktake.id})
         OR (s.product_id, s.serial) IN (SELECT product_id, unnest(serials) FROM stocktake_count_row WHERE stocktake_id = ${stocktake.id})
      ORDER BY s.id
      FOR UPDATE`;
    const variances = await stocktakeVariances(tx, stocktake, { zeroUncounted: input.zeroUncounted });
    // Uncounted and holding stock (frozen or moved there since): a place with nothing to count, such as a
    // bay outside the stocktake that a serial found elsewhere came from, needs no count.
    const uncounted = variances.lines.filter((l) => l.countedQuantity === null && l.expectedQuantity + l.movedSinceFreeze !== 0);
    if (uncounted.length > 0 && !input.zeroUncounted) {
      const problems: Problem[] = uncounted.map((l) => ({
        index: null,
        token: l.sku,
        reason: 'UNCOUNTED_LINES',
        message: `${l.sku}${l.batchNumber ? ` batch ${l.batchNumber}` : ''}${l.bayId ? ` in bay ${l.bayId}` : ''} was not counted`,
      }));
      throw new DomainError(
        'UNCOUNTED_LINES',
        `${uncounted.length} line(s) were not counted: count them, or finalise with "count missing lines as zero".`,
        problems,
      );
    }
    const settings = await tx.settings.findUnique({ where: { id: 1 }, select: { stocktakeGlCode: true } });
    const movement: Movement = {
      kind: 'stocktake',
      userId,
      glCode: input.glCode ?? settings?.stocktakeGlCode ?? null,
      narrative: `Stocktake #${stocktake.id}`,
      documentType: 'stocktake',
      documentId: stocktake.id,
    };
    const locationId = stocktake.location_id;
    const quantities = await applyQuantities(tx, stocktake.id, locationId, variances, movement);
    const serials = await applySerials(tx, locationId, variances, movement);
    await tx.stocktake.update({
      where: { id: stocktake.id },
      data: { status: 'finalised', finalisedAt: new Date(), finalLines: variances.lines as unknown as object[] },
    });
    const value = variances.lines.reduce(
      (sum, l) => sum + (l.value ?? (l.countedQuantity === null ? -(l.expectedQuantity + l.movedSinceFreeze) * l.unitCost : 0)),
      0,
    );
    return {
      stocktakeId: stocktake.id,
      status: 'finalised' as const,
      adjustedLines: quantities,
      serials,
      value: Math.round(value * 100) / 100,
    };
  });
}

/** Plain and batch lines: one adjustment per line that differs (an uncounted line counts as zero), set-based. */
async function applyQuantities(tx: Tx, stocktakeId: number, locationId: number, variances: Variances, movement: Movement) {
  const productIds = [...new Set(variances.lines.map((l) => l.productId))];
  const products = new Map(
    (await tx.product.findMany({ where: { id: { in: productIds } }, select: { id: true, sku: true, serialised: true } })).map((p) => [
      p.id,
      p,
    ]),
  );
  const lines = variances.lines
    .filter((line) => !products.get(line.productId)!.serialised)
    .map((line) => ({ line, variance: line.variance ?? -(line.expectedQuantity + line.movedSinceFreeze) }))
    .filter(({ variance }) => variance !== 0);
  // Batches by number: existing ones looked up at once; new ones (counted, unknown) created with their expiry.
  const batchIds = new Map<string, number>();
  const numbered = lines.filter(({ line }) => line.batchNumber);
  if (numbered.length > 0) {
    const known = await tx.$queryRaw<{ id: number; product_id: number; number: string }[]>`
      SELECT b.id, b.product_id, b.number FROM batch b
      JOIN unnest(${numbered.map(({ line }) => line.productId)}::int[], ${numbered.map(({ line }) => line.batchNumber!)}::text[]) AS w(product_id, number)
        ON b.product_id = w.product_id AND b.number = w.number`;
    for (const b of known) batchIds.set(`${b.product_id}|${b.number}`, b.id);
    for (const { line } of numbered) {
      const key = `${line.productId}|${line.batchNumber}`;
      if (batchIds.has(key)) continue;
      const counted = await tx.stocktakeCountRow.findFirst({
        where: { stocktakeId, productId: line.productId, batchNumber: line.batchNumber, expiry: { not: null } },
        select: { expiry: true },
      });
      batchIds.set(
        key,
        await batchFor(tx, products.get(line.productId)!, line.batchNumber!, counted?.expiry?.toISOString().slice(0, 10), line.unitCost),
      );
    }
  }
  await moveStockMany(
    tx,
    lines.map(({ line, variance }) => ({
      place: {
        productId: line.productId,
        locationId,
        bayId: line.bayId,
        batchId: line.batchNumber ? batchIds.get(`${line.productId}|${line.batchNumber}`)! : null,
      },
      quantity: variance,
      unitCost: line.unitCost,
    })),
    movement,
  );
  return lines.length;
}

/** Serials: missing ones written off, new ones created, found-again ones reinstated, misplaced ones moved. */
async function applySerials(tx: Tx, locationId: number, variances: Variances, movement: Movement) {
  const groupBy = <T>(items: T[], key: (item: T) => string) => {
    const groups = new Map<string, T[]>();
    for (const item of items) {
      const k = key(item);
      const group = groups.get(k);
      if (group) group.push(item);
      else groups.set(k, [item]);
    }
    return [...groups.values()];
  };
  for (const group of groupBy(variances.missing, (m) => String(m.productId))) {
    await takeOutSerials(
      tx,
      group[0]!.productId,
      locationId,
      group.map((m) => ({ id: m.serialId, bayId: m.bayId, unitCost: String(m.unitCost) })),
      movement,
    );
  }
  for (const group of groupBy(variances.created, (c) => `${c.productId}|${c.bayId ?? ''}`)) {
    const product = await tx.product.findUniqueOrThrow({ where: { id: group[0]!.productId }, select: { averageCost: true } });
    await stockInSerials(tx, {
      productId: group[0]!.productId,
      locationId,
      bayId: group[0]!.bayId,
      serials: group.map((c) => c.serial),
      movement: { ...movement, unitCost: Number(product.averageCost) },
    });
  }
  for (const group of groupBy(variances.reinstated, (r) => `${r.productId}|${r.bayId ?? ''}`)) {
    const ids = group.map((r) => r.serialId);
    const [cost] = await tx.$queryRaw<
      [{ avg: string }]
    >`SELECT COALESCE(AVG(unit_cost), 0)::text AS avg FROM serial_number WHERE id = ANY(${ids}::int[])`;
    await placeSerials(tx, { productId: group[0]!.productId, locationId, bayId: group[0]!.bayId }, ids, +1, {
      ...movement,
      unitCost: Number(cost.avg),
    });
  }
  for (const group of groupBy(variances.moves, (m) => `${m.productId}|${m.fromLocationId}|${m.fromBayId ?? ''}|${m.toBayId ?? ''}`)) {
    const { productId, fromLocationId, fromBayId, toBayId } = group[0]!;
    const ids = group.map((m) => m.serialId);
    const [cost] = await tx.$queryRaw<
      [{ avg: string }]
    >`SELECT COALESCE(AVG(unit_cost), 0)::text AS avg FROM serial_number WHERE id = ANY(${ids}::int[])`;
    const moveMovement = { ...movement, unitCost: Number(cost.avg), transfer: true };
    if (fromLocationId !== null) await placeSerials(tx, { productId, locationId: fromLocationId, bayId: fromBayId }, ids, -1, moveMovement);
    await placeSerials(tx, { productId, locationId, bayId: toBayId }, ids, +1, moveMovement);
  }
  return {
    writtenOff: variances.missing.length,
    created: variances.created.length,
    reinstated: variances.reinstated.length,
    moved: variances.moves.length,
  };
}
