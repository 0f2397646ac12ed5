import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { glCode, id, idempotencyKey, narrative, search, serialList, serialText, text, unitCost } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import * as serials from './service.ts';

const SERIAL_STATUSES = ['on_order', 'in_stock', 'allocated', 'shipped', 'consumed', 'written_off', 'retired'] as const;
const oneOf = (input: { serials?: unknown; text?: unknown }) => (input.serials === undefined) !== (input.text === undefined);
const ONE_OF_MESSAGE = { message: 'Send either `serials` (one per cell) or `text` (serial syntax), not both or neither.' };

export const serialsRouter = router({
  preview: readProcedure
    .input(
      z
        .object({
          productId: id,
          serials: serialList.optional(),
          text: serialText.optional(),
          quantity: z
            .number()
            .int('must be a whole number')
            .min(0, 'cannot be negative')
            .max(100_000, 'must be at most 100,000')
            .optional(),
        })
        .refine(oneOf, ONE_OF_MESSAGE),
    )
    .query(({ ctx, input }) => serials.previewSerials(ctx.db.prisma, input)),
  add: writeProcedure('serials.add')
    .input(
      z
        .object({
          productId: id,
          locationId: id,
          bayId: id.nullish(),
          serials: serialList.optional(),
          text: serialText.optional(),
          unitCost: unitCost.optional(),
          narrative,
          idempotencyKey,
        })
        .refine(oneOf, ONE_OF_MESSAGE),
    )
    .mutation(({ ctx, input }) => serials.addSerials(ctx.db.prisma, ctx.user.id, input)),
  adjust: writeProcedure('stock.adjust')
    .input(
      z.object({
        productId: id,
        locationId: id,
        bayId: id.nullish(),
        add: serialList.optional(),
        remove: serialList.optional(),
        glCode,
        unitCost: unitCost.optional(),
        narrative,
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => serials.adjustSerials(ctx.db.prisma, ctx.user.id, input)),
  list: readProcedure
    .input(
      z
        .object({
          productId: id.optional(),
          locationId: id.optional(),
          status: z.enum(SERIAL_STATUSES).optional(),
          search,
          ...pageInput,
        })
        .default({ limit: 100 }),
    )
    .query(({ ctx, input }) => serials.listSerials(ctx.db.prisma, input)),
  history: readProcedure
    .input(z.object({ productId: id, serial: text('serial', { min: 1, max: 100 }) }))
    .query(({ ctx, input }) => serials.serialHistory(ctx.db.prisma, input.productId, input.serial)),
});
