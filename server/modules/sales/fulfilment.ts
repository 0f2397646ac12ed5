import type { PrismaClient } from '../../db/generated/client.ts';
import { inTransaction } from '../../db/transaction.ts';
import { applyOnceIfKeyed } from '../idempotency.ts';
import { deliverSalesDocument } from './deliver.ts';
import { cancelSalesDocument, createSalesDocument, getSalesDocument } from './documents.ts';
import type { SalesDocumentKind } from './kinds.ts';
import { insertSalesOrder, type NewSalesOrder } from './orders.ts';

export type NewSalesDocument =
  { salesOrderId: number; lines?: { lineId: number; quantity: number }[] } | (NewSalesOrder & { salesOrderId?: undefined });

/**
 * A shipment or invoice from an order (all of it, or the lines and quantities named; the rest stays
 * back-ordered), or on its own: then an order is written behind it, so its serials are held and
 * traced the same way, and the document takes all of it.
 */
export function createDocument(prisma: PrismaClient, userId: number, kind: SalesDocumentKind, input: NewSalesDocument) {
  return inTransaction(prisma, async (tx) => {
    const salesOrderId = input.salesOrderId ?? (await insertSalesOrder(tx, userId, input as NewSalesOrder));
    const id = await createSalesDocument(tx, userId, kind, salesOrderId, 'lines' in input && input.salesOrderId ? input.lines : undefined);
    return getSalesDocument(tx, kind, id);
  });
}

export function deliverDocument(
  prisma: PrismaClient,
  userId: number,
  kind: SalesDocumentKind,
  input: { id: number; idempotencyKey?: string },
) {
  return applyOnceIfKeyed(
    prisma,
    { userId, procedure: `${kind}.deliver`, key: input.idempotencyKey, input: { id: input.id } },
    async (tx) => {
      await deliverSalesDocument(tx, userId, kind, input.id);
      return getSalesDocument(tx, kind, input.id);
    },
  );
}

export function cancelDocument(prisma: PrismaClient, kind: SalesDocumentKind, id: number) {
  return inTransaction(prisma, async (tx) => {
    await cancelSalesDocument(tx, kind, id);
    return getSalesDocument(tx, kind, id);
  });
}
