import { Prisma } from '../../db/generated/client.ts';
import type { Db, Tx } from '../../db/types.ts';
import { unitsOut, type AllocationTarget, type DocumentType } from '../../domain/allocation.ts';
import { DOCUMENT_KINDS, takesAllocations } from '../../domain/documents.ts';
import { DomainError, found } from '../../domain/errors.ts';
import { holdProduct } from '../../ledger/index.ts';
import { HOLDERS, kindName, ownerOf } from './holders.ts';

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

function notOpen(type: DocumentType, id: number, status: string): never {
  throw new DomainError(
    DOCUMENT_KINDS[type].notOpen,
    `${kindName(type)} #${id} is ${status.replace('_', ' ')}; its allocations can no longer change.`,
  );
}

/**
 * Finds the line, locks its order (so allocating, shipping and cancelling one order go one at a
 * time, from any server process), checks the document still takes allocations, and says how many
 * units the line must name. `lock: false` reads only (checks, suggestions).
 */
export async function resolveTarget(tx: Tx | Db, type: DocumentType, lineId: number, options: { lock: boolean }): Promise<LineTarget> {
  const orderId = found(await orderOf(tx, type, lineId), `${kindName(type)} line`, lineId);
  if (options.lock) {
    const owner = ownerOf(type);
    await tx.$queryRaw`SELECT id FROM ${owner.documentTable} WHERE id = ${orderId} FOR UPDATE`;
  }
  // Read after the lock: a request that waited for a shipment to ship sees it shipped.
  const target = await LINE_READERS[type](tx, type, lineId, orderId);
  if (options.lock) await holdProduct(tx, target.product.id);
  return target;
}

/**
 * The order (owner document) a line belongs to: looked up first, unlocked, so the order row can be
 * locked before anything that decides is read.
 */
async function orderOf(db: Db, type: DocumentType, lineId: number): Promise<number | null> {
  const holder = HOLDERS[type];
  const owner = ownerOf(type);
  const [row] =
    holder.role === 'owner'
      ? await db.$queryRaw<{ id: number }[]>`SELECT ${owner.documentColumn} AS id FROM ${owner.lineTable} WHERE id = ${lineId}`
      : await db.$queryRaw<{ id: number }[]>`
          SELECT o.${owner.documentColumn} AS id FROM ${holder.lineTable} d JOIN ${owner.lineTable} o ON o.id = d.${holder.ownerLineColumn}
          WHERE d.id = ${lineId}`;
  return row?.id ?? null;
}

interface LineRow {
  status: string;
  location_id: number;
  location_name: string;
  customer_id: number | null;
  line_number: number;
  quantity: string;
  product_id: number;
  sku: string;
  serialised: boolean;
  batch_tracked: boolean;
  stock_tracked: boolean;
}

type LineReader = (db: Db, type: DocumentType, lineId: number, orderId: number) => Promise<LineTarget>;

const PRODUCT_COLUMNS_SQL = Prisma.raw('p.id AS product_id, p.sku, p.serialised, p.batch_tracked, p.stock_tracked');

function targetOf(
  type: DocumentType,
  lineId: number,
  row: LineRow,
  facts: { ownerLineId: number; documentId: number; needed: number; orderId: number },
): LineTarget {
  const ledger = { documentType: ownerOf(type).ledgerDocumentType, documentId: facts.orderId, customerId: row.customer_id };
  return {
    type,
    lineId,
    ownerLineId: facts.ownerLineId,
    carrier: HOLDERS[type].role === 'carrier',
    locationId: row.location_id,
    locationName: row.location_name,
    documentId: facts.documentId,
    lineNumber: row.line_number,
    product: {
      id: row.product_id,
      sku: row.sku,
      serialised: row.serialised,
      batchTracked: row.batch_tracked,
      stockTracked: row.stock_tracked,
    },
    needed: facts.needed,
    label: `${kindName(type)} #${facts.documentId} line ${row.line_number} (${row.sku})`,
    ledger,
  };
}

/** Each kind's own line facts: status, location, quantity still to name. */
const LINE_READERS: Record<DocumentType, LineReader> = {
  async salesOrder(db, type, lineId, orderId) {
    const [row] = await db.$queryRaw<(LineRow & { shipped: string; invoiced: string })[]>`
      SELECT o.status::text, loc.id AS location_id, loc.name AS location_name, o.customer_id, l.line_number, l.quantity::text,
             l.shipped_quantity::text AS shipped, l.invoiced_quantity::text AS invoiced, ${PRODUCT_COLUMNS_SQL}
      FROM sales_order_line l JOIN sales_order o ON o.id = l.sales_order_id JOIN location loc ON loc.id = o.location_id JOIN product p ON p.id = l.product_id
      WHERE l.id = ${lineId}`;
    const r = row!;
    if (!takesAllocations(type, r.status)) notOpen(type, orderId, r.status);
    const needed = Number(r.quantity) - unitsOut({ shippedQuantity: Number(r.shipped), invoicedQuantity: Number(r.invoiced) });
    return targetOf(type, lineId, r, { ownerLineId: lineId, documentId: orderId, needed, orderId });
  },
  shipment: readCarrierLine,
  invoice: readCarrierLine,
  async workOrder(db, type, lineId, orderId) {
    const [row] = await db.$queryRaw<(LineRow & { role: string })[]>`
      SELECT o.status::text, loc.id AS location_id, loc.name AS location_name, NULL::int AS customer_id, l.line_number, l.quantity::text,
             l.role::text, ${PRODUCT_COLUMNS_SQL}
      FROM work_order_line l JOIN work_order o ON o.id = l.work_order_id JOIN location loc ON loc.id = o.location_id JOIN product p ON p.id = l.product_id
      WHERE l.id = ${lineId}`;
    const r = row!;
    if (r.role !== 'input') {
      throw new DomainError(
        'INVALID_INPUT',
        `Line ${r.line_number} of work order #${orderId} is an output: name its new serials or batches when completing the work order.`,
      );
    }
    if (!takesAllocations(type, r.status)) notOpen(type, orderId, r.status);
    return targetOf(type, lineId, r, { ownerLineId: lineId, documentId: orderId, needed: Number(r.quantity), orderId });
  },
};

/** A shipment or invoice line: its own document's status and quantity, its order line's product, location and customer. */
async function readCarrierLine(db: Db, type: DocumentType, lineId: number, orderId: number): Promise<LineTarget> {
  const holder = HOLDERS[type];
  if (holder.role !== 'carrier') throw new Error(`${type} is not a carrier`);
  const [row] = await db.$queryRaw<(LineRow & { document_id: number; owner_line_id: number })[]>`
    SELECT doc.status::text, loc.id AS location_id, loc.name AS location_name, o.customer_id, d.line_number, d.quantity::text,
           doc.id AS document_id, d.${holder.ownerLineColumn} AS owner_line_id, ${PRODUCT_COLUMNS_SQL}
    FROM ${holder.lineTable} d JOIN ${holder.documentTable} doc ON doc.id = d.${holder.documentColumn}
    JOIN sales_order_line l ON l.id = d.${holder.ownerLineColumn} JOIN sales_order o ON o.id = l.sales_order_id
    JOIN location loc ON loc.id = o.location_id JOIN product p ON p.id = l.product_id
    WHERE d.id = ${lineId}`;
  const r = row!;
  if (!takesAllocations(type, r.status)) notOpen(type, r.document_id, r.status);
  return targetOf(type, lineId, r, { ownerLineId: r.owner_line_id, documentId: r.document_id, needed: Number(r.quantity), orderId });
}
