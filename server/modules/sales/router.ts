import { z } from 'zod';
import { allocatePermission } from '../../domain/documents.ts';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { allocate, lineAllocationInput, suggest } from '../allocations/index.ts';
import { id, idempotencyKey, name, positiveQuantity, reference, unitPrice } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import { getSalesDocument, listSalesDocuments } from './documents.ts';
import { cancelDocument, createDocument, deliverDocument } from './fulfilment.ts';
import * as orders from './orders.ts';

const STATUSES = ['open', 'partially_shipped', 'shipped', 'invoiced', 'cancelled'] as const;

const newOrder = z.object({
  customerId: id,
  locationId: id,
  reference,
  lines: z
    .array(z.object({ productId: id, quantity: positiveQuantity, unitPrice }))
    .min(1, 'an order needs at least one line')
    .max(1000),
});

/** From an order (all of it, or these lines), or on its own (customer, location and product lines). */
const newDocument = z.union([
  z
    .object({
      salesOrderId: id,
      lines: z
        .array(z.object({ lineId: id, quantity: positiveQuantity }))
        .min(1)
        .max(1000)
        .optional(),
    })
    .strict(),
  newOrder.strict(),
]);

export const customersRouter = router({
  create: writeProcedure('sales.edit')
    .input(z.object({ name: name('name', { max: 200 }) }))
    .mutation(({ ctx, input }) => orders.createCustomer(ctx.db.prisma, input.name)),
  list: readProcedure.query(({ ctx }) => orders.listCustomers(ctx.db.prisma)),
});

export const salesOrdersRouter = router({
  create: writeProcedure('sales.edit')
    .input(newOrder)
    .mutation(({ ctx, input }) => orders.createSalesOrder(ctx.db.prisma, ctx.user.id, input)),
  get: readProcedure.input(z.object({ id })).query(({ ctx, input }) => orders.getSalesOrder(ctx.db.prisma, input.id)),
  list: readProcedure
    .input(z.object({ status: z.enum(STATUSES).optional(), customerId: id.optional(), ...pageInput }).default({ limit: 100 }))
    .query(({ ctx, input }) => orders.listSalesOrders(ctx.db.prisma, input)),
  cancel: writeProcedure('sales.edit')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => orders.cancelSalesOrder(ctx.db.prisma, ctx.user.id, input.id)),
  allocateSerials: writeProcedure(allocatePermission('salesOrder'))
    .input(lineAllocationInput)
    .mutation(({ ctx, input }) => allocate(ctx.db.prisma, ctx.user, { type: 'salesOrder', ...input })),
  suggestSerials: readProcedure
    .input(z.object({ lineId: id }))
    .query(({ ctx, input }) => suggest(ctx.db.prisma, 'salesOrder', input.lineId)),
});

/** Shipments and invoices share their procedures; only the kind and the role that may act differ. */
function documentProcedures(kind: 'shipment' | 'invoice', action: 'sales.ship' | 'sales.invoice') {
  return {
    create: writeProcedure(action)
      .input(newDocument)
      .mutation(({ ctx, input }) => createDocument(ctx.db.prisma, ctx.user.id, kind, input)),
    get: readProcedure.input(z.object({ id })).query(({ ctx, input }) => getSalesDocument(ctx.db.prisma, kind, input.id)),
    list: readProcedure
      .input(z.object({ salesOrderId: id.optional(), ...pageInput }).default({ limit: 100 }))
      .query(({ ctx, input }) => listSalesDocuments(ctx.db.prisma, kind, input)),
    cancel: writeProcedure(action)
      .input(z.object({ id }))
      .mutation(({ ctx, input }) => cancelDocument(ctx.db.prisma, kind, input.id)),
    allocateSerials: writeProcedure(allocatePermission('salesOrder'))
      .input(lineAllocationInput)
      .mutation(({ ctx, input }) => allocate(ctx.db.prisma, ctx.user, { type: kind, ...input })),
    suggestSerials: readProcedure.input(z.object({ lineId: id })).query(({ ctx, input }) => suggest(ctx.db.prisma, kind, input.lineId)),
  };
}

const deliverInput = z.object({ id, idempotencyKey: idempotencyKey.optional() });

export const shipmentsRouter = router({
  ...documentProcedures('shipment', 'sales.ship'),
  ship: writeProcedure('sales.ship')
    .input(deliverInput)
    .mutation(({ ctx, input }) => deliverDocument(ctx.db.prisma, ctx.user.id, 'shipment', input)),
});

export const invoicesRouter = router({
  ...documentProcedures('invoice', 'sales.invoice'),
  issue: writeProcedure('sales.invoice')
    .input(deliverInput)
    .mutation(({ ctx, input }) => deliverDocument(ctx.db.prisma, ctx.user.id, 'invoice', input)),
});
