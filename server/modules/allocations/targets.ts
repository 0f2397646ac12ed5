import type { Tx, Db } from '../../db/types.ts';
import { OPEN_STATUS, unitsOut, type AllocationTarget, type DocumentType } from '../../domain/allocation.ts';
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

const NAMES: Record<DocumentType, string> = {
  salesOrder: 'Sales order',
  shipment: 'Shipment',
  invoice: 'Invoice',
  workOrder: 'Work order',
};

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

interface TargetRow {
  order_id: number;
  status: string;
  location_id: number;
  location_name: string;
  customer_id: number | null;
  line_number: number;
  quantity: string;
  shipped: string;
  invoiced: string;
  so_line_id: number | null;
  sub_id: number | null;
  sub_line_number: number | null;
  sub_quantity: string | null;
  sub_status: string | null;
  role: string | null;
  product_id: number;
  sku: string;
  serialised: boolean;
  batch_tracked: boolean;
  stock_tracked: boolean;
}

/**
 * The order a line belongs to: looked up first, unlocked, so the order row can be locked before
 * anything that decides is read. Reading the line, its document's status and what is done after
 * the lock means a request that waited for a shipment to ship sees it shipped.
 */
async function orderOf(db: Db, type: DocumentType, lineId: number): Promise<number | null> {
  const [row] =
    type === 'workOrder'
      ? await db.$queryRaw<{ id: number }[]>`SELECT work_order_id AS id FROM work_order_line WHERE id = ${lineId}`
      : type === 'shipment'
        ? await db.$queryRaw<
            { id: number }[]
          >`SELECT l.sales_order_id AS id FROM shipment_line d JOIN sales_order_line l ON l.id = d.so_line_id WHERE d.id = ${lineId}`
        : type === 'invoice'
          ? await db.$queryRaw<
              { id: number }[]
            >`SELECT l.sales_order_id AS id FROM invoice_line d JOIN sales_order_line l ON l.id = d.so_line_id WHERE d.id = ${lineId}`
          : await db.$queryRaw<{ id: number }[]>`SELECT sales_order_id AS id FROM sales_order_line WHERE id = ${lineId}`;
  return row?.id ?? null;
}

async function readTarget(tx: Db, type: DocumentType, lineId: number, lock: boolean): Promise<LineTarget> {
  const orderId = found(await orderOf(tx, type, lineId), `${NAMES[type]} line`, lineId);
  await lockRow(tx, type === 'workOrder' ? 'work_order' : 'sales_order', orderId, lock);
  const [row] =
    type === 'workOrder'
      ? await tx.$queryRaw<TargetRow[]>`
        SELECT o.id AS order_id, o.status::text, loc.id AS location_id, loc.name AS location_name, NULL::int AS customer_id,
               l.line_number, l.quantity::text, '0' AS shipped, '0' AS invoiced, NULL::int AS so_line_id, NULL::int AS sub_id, NULL::int AS sub_line_number,
               NULL AS sub_quantity, NULL AS sub_status, l.role::text, p.id AS product_id, p.sku, p.serialised, p.batch_tracked, p.stock_tracked
        FROM work_order_line l JOIN work_order o ON o.id = l.work_order_id JOIN location loc ON loc.id = o.location_id JOIN product p ON p.id = l.product_id
        WHERE l.id = ${lineId}`
      : await tx.$queryRaw<TargetRow[]>`
        SELECT o.id AS order_id, o.status::text, loc.id AS location_id, loc.name AS location_name, o.customer_id,
               l.line_number, l.quantity::text, l.shipped_quantity::text AS shipped, l.invoiced_quantity::text AS invoiced, l.id AS so_line_id,
               COALESCE(sh.id, inv.id) AS sub_id, COALESCE(sl.line_number, il.line_number) AS sub_line_number,
               COALESCE(sl.quantity, il.quantity)::text AS sub_quantity, COALESCE(sh.status::text, inv.status::text) AS sub_status,
               NULL AS role, p.id AS product_id, p.sku, p.serialised, p.batch_tracked, p.stock_tracked
        FROM sales_order_line l
        JOIN sales_order o ON o.id = l.sales_order_id JOIN location loc ON loc.id = o.location_id JOIN product p ON p.id = l.product_id
        LEFT JOIN shipment_line sl ON ${type} = 'shipment' AND sl.id = ${lineId} LEFT JOIN shipment sh ON sh.id = sl.shipment_id
        LEFT JOIN invoice_line il ON ${type} = 'invoice' AND il.id = ${lineId} LEFT JOIN invoice inv ON inv.id = il.invoice_id
        WHERE l.id = CASE WHEN ${type} = 'shipment' THEN sl.so_line_id WHEN ${type} = 'invoice' THEN il.so_line_id ELSE ${lineId} END`;
  const t = row!;
  const product = { id: t.product_id, sku: t.sku, serialised: t.serialised, batchTracked: t.batch_tracked, stockTracked: t.stock_tracked };
  if (type === 'workOrder') {
    if (t.role !== 'input') {
      throw new DomainError(
        'INVALID_INPUT',
        `Line ${t.line_number} of work order #${orderId} is an output: name its new serials or batches when completing the work order.`,
      );
    }
    if (t.status !== OPEN_STATUS.workOrder) notOpen(type, orderId, t.status);
    return {
      type,
      lineId,
      soLineId: null,
      locationId: t.location_id,
      locationName: t.location_name,
      documentId: orderId,
      lineNumber: t.line_number,
      product,
      needed: Number(t.quantity),
      label: `Work order #${orderId} line ${t.line_number} (${t.sku})`,
      ledger: { documentType: 'work_order', documentId: orderId, customerId: null },
    };
  }
  const sub =
    type === 'salesOrder'
      ? null
      : { id: t.sub_id!, lineNumber: t.sub_line_number!, quantity: Number(t.sub_quantity), status: t.sub_status!, open: OPEN_STATUS[type] };
  if (sub) {
    if (sub.status !== sub.open) notOpen(type, sub.id, sub.status);
  } else if (!['open', 'partially_shipped'].includes(t.status)) {
    notOpen(type, orderId, t.status);
  }
  return {
    type,
    lineId,
    soLineId: t.so_line_id,
    locationId: t.location_id,
    locationName: t.location_name,
    documentId: sub?.id ?? orderId,
    lineNumber: sub?.lineNumber ?? t.line_number,
    product,
    needed: sub
      ? sub.quantity
      : Number(t.quantity) - unitsOut({ shippedQuantity: Number(t.shipped), invoicedQuantity: Number(t.invoiced) }),
    label: sub ? `${NAMES[type]} #${sub.id} line ${sub.lineNumber} (${t.sku})` : `Sales order #${orderId} line ${t.line_number} (${t.sku})`,
    ledger: { documentType: 'sales_order', documentId: orderId, customerId: t.customer_id },
  };
}
