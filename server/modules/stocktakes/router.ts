import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { code, expiry, glCode, id, idempotencyKey, quantity, serialList, text } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import { submitCounts } from './counts.ts';
import { finaliseStocktake } from './finalise.ts';
import * as stocktakes from './service.ts';

const STATUSES = ['draft', 'counting', 'review', 'finalised', 'cancelled'] as const;
const countRow = z.object({
  productId: id,
  bayId: id.nullish(),
  countedQuantity: quantity.nullish(),
  batchNumber: code('batch number', { max: 100, min: 0 }).nullish(),
  expiry,
  serials: serialList.optional(),
});

export const stocktakesRouter = router({
  create: writeProcedure('stocktakes.count')
    .input(
      z.object({
        locationId: id,
        bayIds: z.array(id).max(1000).optional(),
        productIds: z.array(id).max(10_000).optional(),
        blind: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) => stocktakes.createStocktake(ctx.db.prisma, ctx.user.id, input)),
  get: readProcedure.input(z.object({ id })).query(({ ctx, input }) => stocktakes.getStocktake(ctx.db.prisma, input.id)),
  list: readProcedure
    .input(z.object({ status: z.enum(STATUSES).optional(), locationId: id.optional(), ...pageInput }).default({ limit: 100 }))
    .query(({ ctx, input }) => stocktakes.listStocktakes(ctx.db.prisma, input)),
  start: writeProcedure('stocktakes.count')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => stocktakes.startStocktake(ctx.db.prisma, input.id)),
  review: writeProcedure('stocktakes.count')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => stocktakes.reviewStocktake(ctx.db.prisma, input.id)),
  cancel: writeProcedure('stocktakes.count')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => stocktakes.cancelStocktake(ctx.db.prisma, input.id)),
  countSheets: readProcedure
    .input(z.object({ stocktakeId: id }))
    .query(({ ctx, input }) => stocktakes.countSheetsFor(ctx.db.prisma, input.stocktakeId, ctx.user.role)),
  submitCounts: writeProcedure('stocktakes.count')
    .input(
      z.object({ stocktakeId: id, sheetKey: text('sheetKey', { min: 1, max: 100 }), rows: z.array(countRow).max(100_000), idempotencyKey }),
    )
    .mutation(({ ctx, input }) => submitCounts(ctx.db.prisma, ctx.user.id, input)),
  variances: readProcedure
    .input(z.object({ stocktakeId: id }))
    .query(({ ctx, input }) => stocktakes.variancesFor(ctx.db.prisma, input.stocktakeId, ctx.user.role)),
  finalise: writeProcedure('stocktakes.finalise')
    .input(z.object({ stocktakeId: id, idempotencyKey, glCode: glCode.optional(), zeroUncounted: z.boolean().optional() }))
    .mutation(({ ctx, input }) => finaliseStocktake(ctx.db.prisma, ctx.user.id, input)),
});
