import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import {
  batchNumber,
  exchangeRate,
  expiry,
  id,
  idempotencyKey,
  name,
  quantity,
  reference,
  serialList,
  serialText,
  text,
  unitCost,
} from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import * as entries from './entry-service.ts';
import * as orders from './orders.ts';
import { receive } from './receive.ts';
import { createSupplier, listSuppliers } from './suppliers.ts';

const STATUSES = ['draft', 'issued', 'partially_received', 'received', 'cancelled'] as const;
const date = z.iso.date('dates look like 2027-03-31');
const positive = quantity.refine((n) => n > 0, 'quantity must be more than zero');
const line = z.object({ id: id.optional(), productId: id, quantity: positive, unitCost });
const header = {
  supplierId: id,
  locationId: id,
  bayId: id.nullish(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency is a three-letter ISO code such as USD'),
  exchangeRate,
  expectedDate: date.nullish(),
  reference,
};
const batch = z.object({ number: batchNumber, expiry, quantity: positive, bayId: id.nullish() });
const lineSerials = {
  lineId: id,
  serials: serialList.optional(),
  text: serialText.optional(),
  batches: z.array(batch).max(10_000).optional(),
  bayId: id.nullish(),
};
const exactlyOne = (input: { serials?: unknown; text?: unknown; batches?: unknown }) =>
  [input.serials, input.text, input.batches].filter((v) => v !== undefined).length === 1;
const ONE_KIND = { message: 'Send one of `serials` (one per cell), `text` (serial syntax) or `batches`.' };
const tableRow = z.object({
  line: id.optional(),
  sku: text('sku', { max: 64, trim: false }).optional(),
  serial: text('serial', { max: 1000, trim: false }).optional(),
  bay: text('bay', { max: 100, trim: false }).optional(),
  batch: text('batch', { max: 100, trim: false }).optional(),
  expiry,
  quantity: quantity.optional(),
});
const table = { purchaseOrderId: id, rows: z.array(tableRow).min(1).max(100_000) };

export const suppliersRouter = router({
  create: writeProcedure('purchasing.edit')
    .input(z.object({ name: name('name', { max: 200 }) }))
    .mutation(({ ctx, input }) => createSupplier(ctx.db.prisma, input.name)),
  list: readProcedure.query(({ ctx }) => listSuppliers(ctx.db.prisma)),
});

export const purchaseOrdersRouter = router({
  create: writeProcedure('purchasing.edit')
    .input(
      z.object({
        ...header,
        lines: z
          .array(line.omit({ id: true }))
          .min(1, 'an order needs at least one line')
          .max(1000),
      }),
    )
    .mutation(({ ctx, input }) => orders.createOrder(ctx.db.prisma, ctx.user.id, input)),
  update: writeProcedure('purchasing.edit')
    .input(z.object({ id, ...z.object(header).partial().shape, lines: z.array(line).min(1).max(1000).optional() }))
    .mutation(({ ctx, input: { id, ...patch } }) => orders.updateOrder(ctx.db.prisma, id, patch)),
  get: readProcedure.input(z.object({ id })).query(({ ctx, input }) => orders.getOrder(ctx.db.prisma, input.id)),
  list: readProcedure
    .input(z.object({ status: z.enum(STATUSES).optional(), supplierId: id.optional(), ...pageInput }).default({ limit: 100 }))
    .query(({ ctx, input }) => orders.listOrders(ctx.db.prisma, input)),
  issue: writeProcedure('purchasing.edit')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => orders.issueOrder(ctx.db.prisma, input.id)),
  cancel: writeProcedure('purchasing.edit')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => orders.cancelOrder(ctx.db.prisma, input.id)),
  previewLineSerials: readProcedure
    .input(z.object(lineSerials).refine(exactlyOne, ONE_KIND))
    .query(({ ctx, input }) => entries.previewLineSerials(ctx.db.prisma, input)),
  setLineSerials: writeProcedure('purchasing.receive')
    .input(z.object({ ...lineSerials, idempotencyKey }).refine(exactlyOne, ONE_KIND))
    .mutation(({ ctx, input }) => entries.setLineSerials(ctx.db.prisma, ctx.user.id, input)),
  previewSerialTable: readProcedure.input(z.object(table)).query(({ ctx, input }) => entries.previewTable(ctx.db.prisma, input)),
  setSerialTable: writeProcedure('purchasing.receive')
    .input(z.object({ ...table, idempotencyKey }))
    .mutation(({ ctx, input }) => entries.setTable(ctx.db.prisma, ctx.user.id, input)),
  receive: writeProcedure('purchasing.receive')
    .input(
      z.object({
        purchaseOrderId: id,
        lines: z
          .array(z.object({ lineId: id, quantity: positive, serials: serialList.optional() }))
          .min(1, 'receive at least one line')
          .max(1000),
        idempotencyKey,
      }),
    )
    .mutation(({ ctx, input }) => receive(ctx.db.prisma, ctx.user.id, input)),
});
