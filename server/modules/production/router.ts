import type { PrismaClient } from '../../db/generated/client.ts';
import { z } from 'zod';
import { pgErrorCode } from '../../db/transaction.ts';
import type { Tx } from '../../db/types.ts';
import { DomainError } from '../../domain/errors.ts';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { lineAllocationInput } from '../allocations/inputs.ts';
import { allocate, suggest } from '../allocations/service.ts';
import { applyOnceIfKeyed } from '../idempotency.ts';
import { batchQuantities, expiry, id, idempotencyKey, positiveQuantity, serialList, serialText } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import { completeWorkOrder, type OutputDetail } from './complete.ts';
import { cancelWorkOrder, createWorkOrder, getWorkOrder, listWorkOrders, startWorkOrder } from './work-orders.ts';

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

/** A state change of a work order, once per key when the client sends one, then the order as it is. */
function change(
  prisma: PrismaClient,
  userId: number,
  procedure: string,
  input: { id: number; idempotencyKey?: string },
  work: (tx: Tx) => Promise<unknown>,
) {
  const { idempotencyKey: key, ...request } = input;
  return applyOnceIfKeyed(prisma, { userId, procedure, key, input: request }, async (tx) => {
    await work(tx);
    return getWorkOrder(tx, input.id);
  });
}

async function complete(prisma: PrismaClient, userId: number, input: { id: number; outputs?: OutputDetail[]; idempotencyKey?: string }) {
  try {
    return await change(prisma, userId, 'workOrders.complete', input, (tx) => completeWorkOrder(tx, userId, input.id, input.outputs ?? []));
  } catch (error) {
    // Two output lines (or a request racing this one) made the same new serial.
    if (pgErrorCode(error) === '23505')
      throw new DomainError(
        'SERIAL_EXISTS',
        `Work order #${input.id}: some of the new serials already exist (or are named on two output lines); name others.`,
      );
    throw error;
  }
}

const changeInput = z.object({ id, idempotencyKey: idempotencyKey.optional() });

export const workOrdersRouter = router({
  create: writeProcedure('production.edit')
    .input(
      z.object({
        locationId: id,
        reference: z.string().trim().max(100).nullish(),
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
  allocateSerials: writeProcedure('production.edit')
    .input(lineAllocationInput)
    .mutation(({ ctx, input }) => allocate(ctx.db.prisma, ctx.user.id, { type: 'workOrder', ...input })),
  suggestSerials: readProcedure
    .input(z.object({ lineId: id }))
    .query(({ ctx, input }) => suggest(ctx.db.prisma, 'workOrder', input.lineId)),
  start: writeProcedure('production.edit')
    .input(changeInput)
    .mutation(({ ctx, input }) => change(ctx.db.prisma, ctx.user.id, 'workOrders.start', input, (tx) => startWorkOrder(tx, input.id))),
  complete: writeProcedure('production.edit')
    .input(changeInput.extend({ outputs: z.array(outputDetail).max(1000).optional() }))
    .mutation(({ ctx, input }) => complete(ctx.db.prisma, ctx.user.id, input)),
  cancel: writeProcedure('production.edit')
    .input(changeInput)
    .mutation(({ ctx, input }) =>
      change(ctx.db.prisma, ctx.user.id, 'workOrders.cancel', input, (tx) => cancelWorkOrder(tx, ctx.user.id, input.id)),
    ),
});
