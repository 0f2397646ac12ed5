import type { Tx, Db } from '../../db/types.ts';
import type { AllocationTarget, DocumentType } from '../../domain/allocation.ts';
import { unitsOut } from '../../domain/allocation.ts';
import { DomainError, found } from '../../domain/errors.ts';
import { holdProduct } from '../stock/ledger.ts';

/** A document line serials or batches are allocated to, with what the rules and messages need. */
export interface LineTarget extends AllocationTarget {
  documentId: number;
  lineNumber: number;
  product: { id: number; sku: string; serialised: boolean; batchTracked: boolean; stockTracked: boolean };
  /** How many serials (or batch units) the line must name. */
  needed: number;
  /** "Sales order #3 line 1 (SKU-1)", for narratives and messages. */
  label: string;
  /** The document the allocation ledger rows point at: the order holding the serials. */
  ledger: { documentType: 'sales_order' | 'work_order'; documentId: number; customerId: number | null };
}

const NAMES: Record<DocumentType, string> = { salesOrder: 'Sales order', shipment: 'Shipment', invoice: 'Invoice', workOrder: 'Work order' };

const PRODUCT = { select: { id: true, sku: true, serialised: true, batchTracked: true, stockTracked: true } } as const;

/** Locks (when asked) the order row a line's allocations hang off: changes to one order queue. */
async function lockRow(tx: Db, table: 'sales_order' | 'work_order', id: number, lock: boolean) {
  if (!lock) return;
  if (table === 'sales_order') await tx.$queryRaw`SELECT id FROM sales_order WHERE id = ${id} FOR UPDATE`;
  else await tx.$queryRaw`SELECT id FROM work_order WHERE id = ${id} FOR UPDATE`;
}

function notOpen(type: DocumentType, id: number, status: string): never {
  const reason = type === 'salesOrder' ? 'ORDER_NOT_OPEN' : 'DOCUMENT_NOT_OPEN';
  throw new DomainError(reason, `${NAMES[type]} #${id} is ${status.replace('_', ' ')}; its allocations can no longer change.`);
}

/**
 * Finds the line, locks its order (so allocating, shipping and cancelling one order go one at a
 * time, from any server process), checks the document still takes allocations, and says how many
 * units the line must name. `lock: false` reads only (checks, suggestions).
 */
export async function resolveTarget(tx: Tx | Db, type: DocumentType, lineId: number, options: { lock: boolean }): Promise<LineTarget> {
  const target = await readTarget(tx, type, lineId, options.lock);
  if (options.lock) await holdProduct(tx, target.product.id);
  return target;
}

async function readTarget(tx: Db, type: DocumentType, lineId: number, lock: boolean): Promise<LineTarget> {
  if (type === 'workOrder') {
    const line = found(await tx.workOrderLine.findUnique({ where: { id: lineId }, select: { id: true, lineNumber: true, role: true, quantity: true, workOrderId: true, product: PRODUCT } }), 'Work order line', lineId);
    if (line.role !== 'input') {
      throw new DomainError('INVALID_INPUT', `Line ${line.lineNumber} of work order #${line.workOrderId} is an output: name its new serials or batches when completing the work order.`);
    }
    await lockRow(tx, 'work_order', line.workOrderId, lock);
    const order = await tx.workOrder.findUniqueOrThrow({ where: { id: line.workOrderId }, select: { status: true, location: { select: { id: true, name: true } } } });
    if (order.status !== 'draft') notOpen(type, line.workOrderId, order.status);
    return {
      type, lineId, soLineId: null, locationId: order.location.id, locationName: order.location.name, documentId: line.workOrderId, lineNumber: line.lineNumber,
      product: line.product, needed: Number(line.quantity), label: `Work order #${line.workOrderId} line ${line.lineNumber} (${line.product.sku})`,
      ledger: { documentType: 'work_order', documentId: line.workOrderId, customerId: null },
    };
  }
  const sub = type === 'shipment'
    ? await tx.shipmentLine.findUnique({ where: { id: lineId }, select: { soLineId: true, quantity: true, lineNumber: true, shipment: { select: { id: true, status: true } } } }).then((l) => l && { soLineId: l.soLineId, quantity: Number(l.quantity), lineNumber: l.lineNumber, id: l.shipment.id, status: l.shipment.status as string, open: l.shipment.status === 'to_pick' })
    : type === 'invoice'
      ? await tx.invoiceLine.findUnique({ where: { id: lineId }, select: { soLineId: true, quantity: true, lineNumber: true, invoice: { select: { id: true, status: true } } } }).then((l) => l && { soLineId: l.soLineId, quantity: Number(l.quantity), lineNumber: l.lineNumber, id: l.invoice.id, status: l.invoice.status as string, open: l.invoice.status === 'draft' })
      : null;
  if (type !== 'salesOrder' && !sub) found(null, `${NAMES[type]} line`, lineId);
  const soLineId = sub?.soLineId ?? lineId;
  const line = found(
    await tx.salesOrderLine.findUnique({ where: { id: soLineId }, select: { id: true, lineNumber: true, quantity: true, shippedQuantity: true, invoicedQuantity: true, salesOrderId: true, product: PRODUCT } }),
    'Sales order line',
    soLineId,
  );
  await lockRow(tx, 'sales_order', line.salesOrderId, lock);
  const order = await tx.salesOrder.findUniqueOrThrow({ where: { id: line.salesOrderId }, select: { status: true, customerId: true, location: { select: { id: true, name: true } } } });
  if (sub) {
    if (!sub.open) notOpen(type, sub.id, sub.status);
  } else if (!['open', 'partially_shipped'].includes(order.status)) {
    notOpen(type, line.salesOrderId, order.status);
  }
  const needed = sub ? sub.quantity : Number(line.quantity) - unitsOut({ shippedQuantity: Number(line.shippedQuantity), invoicedQuantity: Number(line.invoicedQuantity) });
  const label = sub ? `${NAMES[type]} #${sub.id} line ${sub.lineNumber} (${line.product.sku})` : `Sales order #${line.salesOrderId} line ${line.lineNumber} (${line.product.sku})`;
  return {
    type, lineId, soLineId, locationId: order.location.id, locationName: order.location.name, documentId: sub?.id ?? line.salesOrderId,
    lineNumber: sub?.lineNumber ?? line.lineNumber, product: line.product, needed, label,
    ledger: { documentType: 'sales_order', documentId: line.salesOrderId, customerId: order.customerId },
  };
}
