import type { Caller, TestApp } from './app.ts';

/** Every serial of a product through serials.list, all pages, in id order. */
export async function allSerialsOf(api: Caller, productId: number) {
  const out: { serial: string; status: string; locationId: number | null; bayId: number | null; unitCost: number }[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await api.serials.list({ productId, cursor, limit: 1000 });
    out.push(...page.items.map(({ serial, status, locationId, bayId, unitCost }) => ({ serial, status, locationId, bayId, unitCost })));
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
}

/**
 * What a user (serials.list, stock.levels, products.get) and the ledger show for one product: taken
 * before and after a refused or repeated request, the two must be equal.
 */
export async function productSnapshot(app: TestApp, api: Caller, productId: number) {
  const prisma = app.db.prisma;
  const { items: levels } = await api.stock.levels({ productId, limit: 1000 });
  return {
    serials: await allSerialsOf(api, productId),
    levels: levels.map(({ locationId, bayId, batchId, batchNumber, quantity }) => ({ locationId, bayId, batchId, batchNumber, quantity })),
    averageCost: (await api.products.get({ id: productId })).averageCost,
    movements: await prisma.stockMovement.count({ where: { productId } }),
    movementSerials: await prisma.stockMovementSerial.count({ where: { movement: { productId } } }),
  };
}
