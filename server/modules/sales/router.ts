import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { id, idempotencyKey, quantity, serialList, serialText } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import { allocateSerials, suggestSerials } from './allocation.ts';
import * as orders from './orders.ts';

const STATUSES = ['open', 'partially_shipped', 'shipped', 'cancelled'] as const;
const oneOf = (input: { serials?: unknown; text?: unknown }) => (input.serials === undefined) !== (input.text === undefined);

export const customersRouter = router({
  create: writeProcedure('sales.edit')
    .input(z.object({ name: z.string().trim().min(1, 'name cannot be blank').max(200) }))
    .mutation(({ ctx, input }) => orders.createCustomer(ctx.db.prisma, input.name)),
  list: readProcedure.query(({ ctx }) => orders.listCustomers(ctx.db.prisma)),
});

export const salesOrdersRouter = router({
  create: writeProcedure('sales.edit')
    .input(
      z.object({
        customerId: id,
        locationId: id,
        reference: z.string().trim().max(100).nullish(),
        lines: z
          .array(z.object({ productId: id, quantity: quantity.refine((n) => n > 0, 'quantity must be more than zero'), unitPrice: z.number().min(0).max(1e12) }))
          .min(1, 'an order needs at least one line')
          .max(1000),
      }),
    )
    .mutation(({ ctx, input }) => orders.createSalesOrder(ctx.db.prisma, ctx.user.id, input)),
  get: readProcedure.input(z.object({ id })).query(({ ctx, input }) => orders.getSalesOrder(ctx.db.prisma, input.id)),
  list: readProcedure
    .input(z.object({ status: z.enum(STATUSES).optional(), customerId: id.optional(), ...pageInput }).default({ limit: 100 }))
    .query(({ ctx, input }) => orders.listSalesOrders(ctx.db.prisma, input)),
  cancel: writeProcedure('sales.edit').input(z.object({ id })).mutation(({ ctx, input }) => orders.cancelSalesOrder(ctx.db.prisma, ctx.user.id, input.id)),
  allocateSerials: writeProcedure('sales.allocate')
    .input(
      z
        .object({ lineId: id, serials: serialList.optional(), text: serialText.optional(), idempotencyKey })
        .refine(oneOf, { message: 'Send either `serials` (one per cell) or `text` (serial syntax), not both or neither.' }),
    )
    .mutation(({ ctx, input }) => allocateSerials(ctx.db.prisma, ctx.user.id, input)),
  suggestSerials: readProcedure.input(z.object({ lineId: id })).query(({ ctx, input }) => suggestSerials(ctx.db.prisma, input.lineId)),
});
