import type { Tx } from '../../db/types.ts';
import { salesOrderProgress, unitsLeaving } from '../../domain/allocation.ts';
import { DomainError, type Problem } from '../../domain/errors.ts';
import { holdProducts } from '../stock/ledger.ts';
import { takeFromLocation, takeOutSerials } from '../stock/take-out.ts';
import { documentHeader } from './documents.ts';
import { KIND, type SalesDocumentKind } from './kinds.ts';
import { lockSalesOrder } from './orders.ts';

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
    if (line.serialised && line.named !== line.quantity) {
      problems.push({
        index,
        token: line.sku,
        reason: 'SERIALS_REQUIRED',
        message: `${label} names ${line.named} of its ${line.quantity} serials`,
      });
    } else if (line.batch_tracked && Number(line.batches_held) + 1e-9 < line.leaving) {
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
    const out = { ...movement, documentLineId: line.id };
    if (line.serialised) {
      const rows = await tx.$queryRaw<{ id: number; bay_id: number | null; unit_cost: string }[]>`
        SELECT id, bay_id, unit_cost::text FROM serial_number
        WHERE status = 'allocated' AND ${KIND[kind].serialColumn} = ${line.id}
        ORDER BY id FOR UPDATE`;
      await takeOutSerials(
        tx,
        line.product_id,
        order.location_id,
        rows.map((r) => ({ id: r.id, bayId: r.bay_id, unitCost: r.unit_cost })),
        out,
        'shipped',
      );
    } else if (line.batch_tracked) {
      await takeAllocatedBatches(tx, line.so_line_id, line.product_id, order.location_id, line.leaving, out);
    } else if (line.stock_tracked) {
      await takeFromLocation(
        tx,
        { productId: line.product_id, locationId: order.location_id, batchId: null },
        line.leaving,
        Number(line.average_cost),
        out,
      );
    }
    await tx.salesOrderLine.update({
      where: { id: line.so_line_id },
      data: { shippedQuantity: line.after.shippedQuantity, invoicedQuantity: line.after.invoicedQuantity },
    });
  }
  if (kind === 'shipment') await tx.shipment.update({ where: { id }, data: { status: 'shipped', shippedAt: new Date() } });
  else await tx.invoice.update({ where: { id }, data: { status: 'issued', issuedAt: new Date() } });
  await refreshOrderStatus(tx, salesOrderId);
}

/** Takes units out of the batches an order line (or work order line) holds, earliest expiry first. */
export async function takeAllocatedBatches(
  tx: Tx,
  holder: number | { workOrderLineId: number },
  productId: number,
  locationId: number,
  quantity: number,
  movement: Parameters<typeof takeFromLocation>[4],
) {
  const so = typeof holder === 'number' ? holder : null;
  const wo = typeof holder === 'number' ? null : holder.workOrderLineId;
  const held = await tx.$queryRaw<{ id: number; batch_id: number; quantity: string; unit_cost: string }[]>`
    SELECT a.id, a.batch_id, a.quantity::text, b.unit_cost::text FROM batch_allocation a JOIN batch b ON b.id = a.batch_id
    WHERE a.so_line_id = ${so} OR a.wo_line_id = ${wo}
    ORDER BY b.expiry NULLS LAST, b.number FOR UPDATE OF a`;
  let left = quantity;
  let value = 0;
  for (const allocation of held) {
    if (left <= 1e-9) break;
    const take = Math.min(left, Number(allocation.quantity));
    value += await takeFromLocation(
      tx,
      { productId, locationId, batchId: allocation.batch_id },
      take,
      Number(allocation.unit_cost),
      movement,
    );
    if (take >= Number(allocation.quantity)) await tx.$executeRaw`DELETE FROM batch_allocation WHERE id = ${allocation.id}`;
    else await tx.$executeRaw`UPDATE batch_allocation SET quantity = quantity - ${String(take)}::numeric WHERE id = ${allocation.id}`;
    left -= take;
  }
  return value;
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
