import type { Tx } from '../../db/types.ts';
import { isFullyAllocated, salesOrderProgress, unitsLeaving } from '../../domain/allocation.ts';
import { DomainError, type Problem } from '../../domain/errors.ts';
import { documentHeader } from './documents.ts';
import { KIND, type SalesDocumentKind } from './kinds.ts';
import { lockSalesOrder } from './orders.ts';
import { holdProducts } from '../../ledger/index.ts';
import { carryOwnerSerials, takeLineOut } from '../allocations/index.ts';

interface DeliveryLine {
  id: number;
  line_number: number;
  quantity: string;
  so_line_id: number;
  so_line_number: number;
  shipped_quantity: string;
  invoiced_quantity: string;
  product_id: number;
  sku: string;
  serialised: boolean;
  batch_tracked: boolean;
  stock_tracked: boolean;
  average_cost: string;
  named: number;
  batches_held: string;
}

async function orderLinesOf(tx: Tx, kind: SalesDocumentKind, id: number) {
  const k = KIND[kind];
  const rows = await tx.$queryRaw<{ so_line_id: number }[]>`SELECT so_line_id FROM ${k.lineTable} WHERE ${k.parent} = ${id}`;
  return rows.map((r) => r.so_line_id);
}

async function deliveryLines(tx: Tx, kind: SalesDocumentKind, id: number) {
  const k = KIND[kind];
  const lines = await tx.$queryRaw<DeliveryLine[]>`
    SELECT d.id, d.line_number, d.quantity::text, d.so_line_id, l.line_number AS so_line_number, l.shipped_quantity::text, l.invoiced_quantity::text,
           p.id AS product_id, p.sku, p.serialised, p.batch_tracked, p.stock_tracked, p.average_cost::text,
           (SELECT count(*)::int FROM serial_number s WHERE s.${k.serialColumn} = d.id) AS named,
           COALESCE((SELECT SUM(quantity) FROM batch_allocation a WHERE a.so_line_id = l.id), 0)::text AS batches_held
    FROM ${k.lineTable} d JOIN sales_order_line l ON l.id = d.so_line_id JOIN product p ON p.id = l.product_id
    WHERE d.${k.parent} = ${id} ORDER BY d.line_number`;
  return lines.map((l) => {
    const before = { shippedQuantity: Number(l.shipped_quantity), invoicedQuantity: Number(l.invoiced_quantity) };
    const after =
      kind === 'shipment'
        ? { ...before, shippedQuantity: before.shippedQuantity + Number(l.quantity) }
        : { ...before, invoicedQuantity: before.invoicedQuantity + Number(l.quantity) };
    return { ...l, quantity: Number(l.quantity), leaving: unitsLeaving(before, after), after };
  });
}

/** Serialised lines name exactly their quantity; batch lines' order lines hold what leaves. */
function missingAllocations(kind: SalesDocumentKind, id: number, lines: Awaited<ReturnType<typeof deliveryLines>>): Problem[] {
  const problems: Problem[] = [];
  lines.forEach((line, index) => {
    const label = `Line ${line.line_number} (${line.sku})`;
    const product = { serialised: line.serialised, batchTracked: line.batch_tracked };
    if (line.serialised && !isFullyAllocated(product, line.named, line.quantity)) {
      problems.push({
        index,
        token: line.sku,
        reason: 'SERIALS_REQUIRED',
        message: `${label} names ${line.named} of its ${line.quantity} serials`,
      });
    } else if (line.batch_tracked && !isFullyAllocated(product, Number(line.batches_held), line.leaving)) {
      problems.push({
        index,
        token: line.sku,
        reason: 'SERIALS_REQUIRED',
        message: `${label} has batches for ${Number(line.batches_held)} of the ${line.leaving} units leaving stock; allocate batches on sales order line ${line.so_line_number}`,
      });
    }
  });
  if (problems.length > 0) {
    const verb = kind === 'shipment' ? 'shipped' : 'issued';
    throw new DomainError(
      'SERIALS_REQUIRED',
      `${KIND[kind].name} #${id} cannot be ${verb} until every serialised and batch line is complete: ${problems.map((p) => p.message).join('; ')}.`,
      problems,
    );
  }
  return problems;
}

/**
 * Ships a shipment or issues an invoice, in one transaction: every serialised and batch line must be
 * complete first (SERIALS_REQUIRED). Stock leaves once per unit: serials still allocated go out
 * (those an earlier invoice or shipment took stay out), batch and plain lines take out only what
 * the other kind of document has not already taken. The ledger records the document and customer.
 */
export async function deliverSalesDocument(tx: Tx, userId: number, kind: SalesDocumentKind, id: number) {
  const { salesOrderId } = await documentHeader(tx, kind, id);
  const order = await lockSalesOrder(tx, salesOrderId);
  const header = await documentHeader(tx, kind, id);
  if (header.status !== KIND[kind].open) {
    throw new DomainError(
      'DOCUMENT_NOT_OPEN',
      `${KIND[kind].name} #${id} is ${header.status.replace('_', ' ')}; it cannot be ${kind === 'shipment' ? 'shipped' : 'issued'} again.`,
    );
  }
  const [{ customer_id: customerId, customer }] = (await tx.$queryRaw<{ customer_id: number; customer: string }[]>`
    SELECT c.id AS customer_id, c.name AS customer FROM sales_order o JOIN customer c ON c.id = o.customer_id WHERE o.id = ${salesOrderId}`) as [
    { customer_id: number; customer: string },
  ];
  // A document made from its order before the order line's serials were allocated carries them now.
  await carryOwnerSerials(tx, 'salesOrder', await orderLinesOf(tx, kind, id));
  const lines = await deliveryLines(tx, kind, id);
  missingAllocations(kind, id, lines);
  const movement = {
    kind: 'sale' as const,
    userId,
    documentType: kind,
    documentId: id,
    customerId,
    narrative: `${KIND[kind].name} #${id} to ${customer} (sales order #${salesOrderId})`,
  };

  await holdProducts(
    tx,
    lines.map((l) => l.product_id),
  );
  for (const line of lines) {
    const leaving = {
      type: kind,
      lineId: line.id,
      ownerLineId: line.so_line_id,
      productId: line.product_id,
      serialised: line.serialised,
      batchTracked: line.batch_tracked,
      stockTracked: line.stock_tracked,
      averageCost: Number(line.average_cost),
      quantity: line.leaving,
    };
    await takeLineOut(tx, leaving, order.location_id, { ...movement, documentLineId: line.id }, 'shipped');
    await tx.salesOrderLine.update({
      where: { id: line.so_line_id },
      data: { shippedQuantity: line.after.shippedQuantity, invoicedQuantity: line.after.invoicedQuantity },
    });
  }
  if (kind === 'shipment') await tx.shipment.update({ where: { id }, data: { status: 'shipped', shippedAt: new Date() } });
  else await tx.invoice.update({ where: { id }, data: { status: 'issued', issuedAt: new Date() } });
  await refreshOrderStatus(tx, salesOrderId);
}

export async function refreshOrderStatus(tx: Tx, salesOrderId: number) {
  const lines = await tx.salesOrderLine.findMany({
    where: { salesOrderId },
    select: { quantity: true, shippedQuantity: true, invoicedQuantity: true },
  });
  const status = salesOrderProgress(
    lines.map((l) => ({
      quantity: Number(l.quantity),
      shippedQuantity: Number(l.shippedQuantity),
      invoicedQuantity: Number(l.invoicedQuantity),
    })),
  );
  await tx.salesOrder.update({ where: { id: salesOrderId }, data: { status } });
}
