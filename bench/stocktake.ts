import { randomUUID } from 'node:crypto';
import type { createTRPCClient } from '@trpc/client';
import type { PrismaClient } from '../server/db/generated/client.ts';
import type { AppRouter } from '../server/router.ts';

const PRODUCTS = Number(process.env.BENCH_STOCKTAKE_PRODUCTS ?? 5_000);
const BAYS = 10;

/**
 * A 50,000-line stocktake (5,000 products in 10 bays) through the API: start (freeze), submit one
 * sheet per bay, compute variances, move to review, finalise. One line in a hundred is counted one short.
 * The stock is set up directly in the tables (setup is not what is measured). `beforeFinalise`, when
 * given, runs (untimed) once the stocktake is in review, just before it is finalised.
 */
export async function stocktakeBench(
  api: ReturnType<typeof createTRPCClient<AppRouter>>,
  prisma: PrismaClient,
  seconds: (work: () => Promise<unknown>) => Promise<number>,
  options: { beforeFinalise?: () => Promise<unknown> } = {},
) {
  const location = await api.locations.create.mutate({ name: `Stocktake bench ${randomUUID().slice(0, 8)}` });
  const bays: number[] = [];
  for (let b = 0; b < BAYS; b++) bays.push((await api.locations.addBay.mutate({ locationId: location.id, name: `Bay ${b + 1}` })).id);
  const prefix = `ST-${randomUUID().slice(0, 8)}`;
  await prisma.product.createMany({
    data: Array.from({ length: PRODUCTS }, (_, i) => ({ sku: `${prefix}-${i}`, name: 'Bench item', stockTracked: true, averageCost: 2 })),
  });
  const products = (
    await prisma.product.findMany({ where: { sku: { startsWith: prefix } }, select: { id: true }, orderBy: { id: 'asc' } })
  ).map((p) => p.id);
  await prisma.$executeRaw`
    INSERT INTO stock_level (product_id, location_id, bay_id, quantity)
    SELECT p, ${location.id}, b, 10 FROM unnest(${products}::int[]) AS p, unnest(${bays}::int[]) AS b`;
  const stocktake = await api.stocktakes.create.mutate({ locationId: location.id });
  const timings = { start: 0, submit: 0, variances: 0, finalise: 0 };
  timings.start = await seconds(() => api.stocktakes.start.mutate({ id: stocktake.id }));
  timings.submit = await seconds(async () => {
    for (const [b, bayId] of bays.entries()) {
      const rows = products.map((productId, i) => ({ productId, bayId, countedQuantity: (i + b) % 100 === 0 ? 9 : 10 }));
      const result = await api.stocktakes.submitCounts.mutate({
        stocktakeId: stocktake.id,
        sheetKey: `bay-${bayId}`,
        rows,
        idempotencyKey: randomUUID(),
      });
      if (!result.saved) throw new Error('bench counts were refused');
    }
  });
  let lines = 0;
  timings.variances = await seconds(async () => {
    lines = (await api.stocktakes.variances.query({ stocktakeId: stocktake.id })).lines.length;
  });
  await api.stocktakes.review.mutate({ id: stocktake.id }); // review is the approval step before finalising (not timed)
  await options.beforeFinalise?.();
  timings.finalise = await seconds(() => api.stocktakes.finalise.mutate({ stocktakeId: stocktake.id, idempotencyKey: randomUUID() }));
  if (lines !== PRODUCTS * BAYS) throw new Error(`expected ${PRODUCTS * BAYS} variance lines, got ${lines}`);
  return { lines, ...timings, total: timings.start + timings.submit + timings.variances + timings.finalise };
}
