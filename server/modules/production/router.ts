import { z } from 'zod';
import { allocatePermission } from '../../domain/documents.ts';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { allocate, lineAllocationInput, suggest } from '../allocations/index.ts';
import { batchQuantities, expiry, id, idempotencyKey, positiveQuantity, reference, serialList, serialText } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import * as workOrders from './service.ts';
import { createWorkOrder, getWorkOrder, listWorkOrders } from './work-orders.ts';

const lines = z.array(z.object({ productId: id, quantity: positiveQuantity })).max(1000);

const outputDetail = z
  .object({
    lineId: id,
    serials: serialList.optional(),
    text: serialText.optional(),
    batches: z.array(batchQuantities.element.extend({ expiry })).min(1).max(10_000).optional(),
  })
  .refine((o) => [o.serials, o.text, o.batches].filter((v) => v !== undefined).length <= 1, {
    message: 'Give an output line one of `serials`, `text` (serial syntax or ~) or `batches`.',
  });

const changeInput = z.object({ id, idempotencyKey: idempotencyKey.optional() });

export const workOrdersRouter = router({
  create: writeProcedure('production.edit')
    .input(
      z.object({
        locationId: id,
        reference,
        inputs: lines,
        outputs: lines.min(1, 'a work order makes at least one product'),
      }),
    )
    .mutation(({ ctx, input }) => createWorkOrder(ctx.db.prisma, ctx.user.id, input)),
  get: readProcedure.input(z.object({ id })).query(({ ctx, input }) => getWorkOrder(ctx.db.prisma, input.id)),
  list: readProcedure
    .input(
      z.object({ status: z.enum(['draft', 'in_progress', 'completed', 'cancelled']).optional(), ...pageInput }).default({ limit: 100 }),
    )
    .query(({ ctx, input }) => listWorkOrders(ctx.db.prisma, input)),
  allocateSerials: writeProcedure(allocatePermission('workOrder'))
    .input(lineAllocationInput)
    .mutation(({ ctx, input }) => allocate(ctx.db.prisma, ctx.user, { type: 'workOrder', ...input })),
  suggestSerials: readProcedure
    .input(z.object({ lineId: id }))
    .query(({ ctx, input }) => suggest(ctx.db.prisma, 'workOrder', input.lineId)),
  start: writeProcedure('production.edit')
    .input(changeInput)
    .mutation(({ ctx, input }) => workOrders.start(ctx.db.prisma, ctx.user.id, input)),
  complete: writeProcedure('production.edit')
    .input(changeInput.extend({ outputs: z.array(outputDetail).max(1000).optional() }))
    .mutation(({ ctx, input }) => workOrders.complete(ctx.db.prisma, ctx.user.id, input)),
  cancel: writeProcedure('production.edit')
    .input(changeInput)
    .mutation(({ ctx, input }) => workOrders.cancel(ctx.db.prisma, ctx.user.id, input)),
});
