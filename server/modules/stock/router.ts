import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { batchNumber, expiry, glCode, id, idempotencyKey, narrative, quantity, unitCost } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import * as stock from './service.ts';

const filters = z.object({ productId: id.optional(), locationId: id.optional(), ...pageInput }).default({ limit: 100 });

export const stockRouter = router({
  adjust: writeProcedure('stock.adjust')
    .input(
      z.object({
        productId: id,
        locationId: id,
        bayId: id.nullish(),
        quantity: quantity.refine((n) => n !== 0, 'quantity cannot be zero: positive adds stock, negative removes it'),
        batchNumber: batchNumber.optional(),
        expiry,
        glCode,
        unitCost,
        narrative,
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => stock.adjustStock(ctx.db.prisma, ctx.user.id, input)),
  levels: readProcedure.input(filters).query(({ ctx, input }) => stock.stockLevels(ctx.db.prisma, input)),
});

export const batchesRouter = router({
  add: writeProcedure('serials.add')
    .input(
      z.object({
        productId: id,
        locationId: id,
        bayId: id.nullish(),
        number: batchNumber,
        expiry,
        quantity: quantity.refine((n) => n > 0, 'quantity must be more than zero'),
        unitCost: unitCost.optional(),
        narrative,
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => stock.addBatch(ctx.db.prisma, ctx.user.id, input)),
  list: readProcedure.input(filters).query(({ ctx, input }) => stock.listBatches(ctx.db.prisma, input)),
});
