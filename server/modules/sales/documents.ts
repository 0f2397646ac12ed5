import type { Db, Tx } from '../../db/types.ts';
import { DomainError, found, type Problem } from '../../domain/errors.ts';
import { carryOwnerSerials, releaseCarrierDocument } from '../allocations/index.ts';
import { page } from '../pagination.ts';
import { KIND, type SalesDocumentKind } from './kinds.ts';
import { lockSalesOrder } from './orders.ts';

interface OrderLineState {
  id: number;
  line_number: number;
  quantity: string;
  shipped_quantity: string;
  invoiced_quantity: string;
  unit_price: string;
  serialised: boolean;
  sku: string;
  /** Units of this order line on open documents of the kind being created. */
  pending: string;
}

async function orderLines(tx: Tx, kind: SalesDocumentKind, salesOrderId: number) {
  const k = KIND[kind];
  return tx.$queryRaw<OrderLineState[]>`
    SELECT l.id, l.line_number, l.quantity::text, l.shipped_quantity::text, l.invoiced_quantity::text, l.unit_price::text, p.serialised, p.sku,
           COALESCE((SELECT SUM(d.quantity) FROM ${k.lineTable} d JOIN ${k.table} doc ON doc.id = d.${k.parent}
                     WHERE d.so_line_id = l.id AND doc.status::text = ${k.open}), 0)::text AS pending
    FROM sales_order_line l JOIN product p ON p.id = l.product_id WHERE l.sales_order_id = ${salesOrderId} ORDER BY l.line_number`;
}

/** What is still to ship (or to invoice) on an order line, after what is done and on open documents. */
function openQuantity(kind: SalesDocumentKind, line: OrderLineState) {
  const done = Number(kind === 'shipment' ? line.shipped_quantity : line.invoiced_quantity);
  return Number(line.quantity) - done - Number(line.pending);
}

/**
 * Creates a shipment or invoice for an order: the lines named, or everything still open. Serialised
 * lines carry the serials their order line holds (ones already out on the other kind of document
 * first: the same goods), so an order allocated in full ships without naming serials again.
 */
export async function createSalesDocument(
  tx: Tx,
  userId: number,
  kind: SalesDocumentKind,
  salesOrderId: number,
  requested?: { lineId: number; quantity: number }[],
) {
  const order = await lockSalesOrder(tx, salesOrderId);
  const closed = kind === 'shipment' ? ['shipped', 'invoiced', 'cancelled'] : ['invoiced', 'cancelled'];
  if (closed.includes(order.status)) {
    throw new DomainError(
      'ORDER_NOT_OPEN',
      `Sales order #${salesOrderId} is ${order.status.replace('_', ' ')}; nothing on it is left to ${kind === 'shipment' ? 'ship' : 'invoice'}.`,
    );
  }
  const lines = await orderLines(tx, kind, salesOrderId);
  const verb = kind === 'shipment' ? 'ship' : 'invoice';
  const wanted =
    requested ?? lines.filter((l) => openQuantity(kind, l) > 0).map((l) => ({ lineId: l.id, quantity: openQuantity(kind, l) }));
  const problems: Problem[] = [];
  wanted.forEach((w, index) => {
    const line = lines.find((l) => l.id === w.lineId);
    if (!line)
      return problems.push({
        index,
        token: String(w.lineId),
        reason: 'LINE_NOT_ON_ORDER',
        message: `Line ${w.lineId} is not on sales order #${salesOrderId}`,
      });
    if (wanted.findIndex((other) => other.lineId === w.lineId) !== index) {
      return problems.push({
        index,
        token: String(w.lineId),
        reason: 'INVALID_INPUT',
        message: `Line ${line.line_number} (${line.sku}) is named twice; give its quantity once`,
      });
    }
    const open = openQuantity(kind, line);
    if (w.quantity > open) {
      return problems.push({
        index,
        token: String(w.lineId),
        reason: 'OVER_SHIPMENT',
        message: `Line ${line.line_number} (${line.sku}) has ${open} left to ${verb} (${Number(line.quantity)} ordered, the rest done or on open ${kind}s); cannot ${verb} ${w.quantity}`,
      });
    }
    if (line.serialised && !Number.isInteger(w.quantity)) {
      return problems.push({
        index,
        token: String(w.lineId),
        reason: 'INVALID_INPUT',
        message: `Line ${line.line_number} (${line.sku}) is serialised: ${verb} a whole number of units`,
      });
    }
  });
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new DomainError(first.reason, `Nothing was saved: ${first.message}.`, problems);
  }
  if (wanted.length === 0) throw new DomainError('NOTHING_TO_SHIP', `Sales order #${salesOrderId} has nothing left to ${verb}.`);
  const data = { salesOrderId, createdById: userId };
  const created =
    kind === 'shipment'
      ? await tx.shipment.create({
          data: { ...data, lines: { create: wanted.map((w, i) => ({ lineNumber: i + 1, soLineId: w.lineId, quantity: w.quantity })) } },
          select: { id: true, lines: { select: { id: true, soLineId: true, quantity: true } } },
        })
      : await tx.invoice.create({
          data: {
            ...data,
            lines: {
              create: wanted.map((w, i) => ({
                lineNumber: i + 1,
                soLineId: w.lineId,
                quantity: w.quantity,
                unitPrice: lines.find((l) => l.id === w.lineId)!.unit_price,
              })),
            },
          },
          select: { id: true, lines: { select: { id: true, soLineId: true, quantity: true } } },
        });
  await carryOwnerSerials(
    tx,
    'salesOrder',
    created.lines.map((l) => l.soLineId),
  );
  return created.id;
}

/** The document's header row, read after its order is locked: its status is then current. */
export async function documentHeader(tx: Db, kind: SalesDocumentKind, id: number) {
  const header =
    kind === 'shipment'
      ? await tx.shipment.findUnique({ where: { id }, select: { id: true, status: true, salesOrderId: true } })
      : await tx.invoice.findUnique({ where: { id }, select: { id: true, status: true, salesOrderId: true } });
  return found(header, KIND[kind].name, id);
}

/** Cancels a shipment still to pick or a draft invoice: its lines let go of the serials they named. */
export async function cancelSalesDocument(tx: Tx, kind: SalesDocumentKind, id: number) {
  const { salesOrderId } = await documentHeader(tx, kind, id);
  await lockSalesOrder(tx, salesOrderId);
  const header = await documentHeader(tx, kind, id);
  if (header.status !== KIND[kind].open) {
    throw new DomainError('DOCUMENT_NOT_OPEN', `${KIND[kind].name} #${id} is ${header.status}; it can no longer be cancelled.`);
  }
  const k = KIND[kind];
  await releaseCarrierDocument(tx, kind, id);
  await tx.$executeRaw`UPDATE ${k.table} SET status = 'cancelled' WHERE id = ${id}`;
}

const LINE_PRODUCT = { select: { id: true, sku: true, name: true, serialised: true, batchTracked: true } } as const;

/** A shipment or invoice with each line's serials and batches (held by the order line, or gone out). */
export async function getSalesDocument(db: Db, kind: SalesDocumentKind, id: number) {
  const select = {
    id: true,
    status: true,
    salesOrderId: true,
    createdAt: true,
    salesOrder: { select: { customer: { select: { id: true, name: true } }, location: { select: { id: true, name: true } } } },
  } as const;
  const lineSelect = {
    id: true,
    lineNumber: true,
    soLineId: true,
    quantity: true,
    serials: { select: { serial: true }, orderBy: { serial: 'asc' } },
    soLine: { select: { product: LINE_PRODUCT } },
  } as const;
  const doc =
    kind === 'shipment'
      ? await db.shipment.findUnique({
          where: { id },
          select: { ...select, shippedAt: true, lines: { select: lineSelect, orderBy: { lineNumber: 'asc' } } },
        })
      : await db.invoice.findUnique({
          where: { id },
          select: { ...select, issuedAt: true, lines: { select: { ...lineSelect, unitPrice: true }, orderBy: { lineNumber: 'asc' } } },
        });
  const { salesOrder, lines, ...header } = found(doc, KIND[kind].name, id);
  const done = header.status === KIND[kind].done;
  const batches = await documentBatches(
    db,
    kind,
    done,
    id,
    lines.map((l) => l.soLineId),
  );
  return {
    ...header,
    customer: salesOrder.customer,
    location: salesOrder.location,
    lines: lines.map(({ serials, soLine, quantity, ...line }) => ({
      ...line,
      ...('unitPrice' in line ? { unitPrice: Number(line.unitPrice) } : {}),
      quantity: Number(quantity),
      productId: soLine.product.id,
      product: soLine.product,
      serials: serials.map((s) => s.serial),
      batches: batches.filter((b) => b.key === (done ? line.id : line.soLineId)).map(({ key: _key, ...b }) => b),
    })),
  };
}

/** Batches a document carries: those that went out on each of its lines (from the ledger) or its order lines hold. */
async function documentBatches(db: Db, kind: SalesDocumentKind, done: boolean, id: number, soLineIds: number[]) {
  const rows = done
    ? await db.$queryRaw<{ key: number; batch: string; expiry: string | null; quantity: string }[]>`
        SELECT m.document_line_id AS key, b.number AS batch, to_char(b.expiry, 'YYYY-MM-DD') AS expiry, (-SUM(m.quantity))::text AS quantity
        FROM stock_movement m JOIN batch b ON b.id = m.batch_id
        WHERE m.document_type = ${kind} AND m.document_id = ${id} GROUP BY m.document_line_id, b.number, b.expiry ORDER BY b.expiry NULLS LAST, b.number`
    : await db.$queryRaw<{ key: number; batch: string; expiry: string | null; quantity: string }[]>`
        SELECT a.so_line_id AS key, b.number AS batch, to_char(b.expiry, 'YYYY-MM-DD') AS expiry, SUM(a.quantity)::text AS quantity
        FROM batch_allocation a JOIN batch b ON b.id = a.batch_id
        WHERE a.so_line_id = ANY(${soLineIds}::int[]) GROUP BY a.so_line_id, b.number, b.expiry ORDER BY b.expiry NULLS LAST, b.number`;
  return rows.map((r) => ({ ...r, quantity: Number(r.quantity) }));
}

export async function listSalesDocuments(
  db: Db,
  kind: SalesDocumentKind,
  input: { salesOrderId?: number; cursor?: number; limit: number },
) {
  const where = { salesOrderId: input.salesOrderId, ...(input.cursor ? { id: { gt: input.cursor } } : {}) };
  const select = {
    id: true,
    status: true,
    salesOrderId: true,
    createdAt: true,
    salesOrder: { select: { customer: { select: { id: true, name: true } } } },
  } as const;
  const rows =
    kind === 'shipment'
      ? await db.shipment.findMany({ where, select, orderBy: { id: 'asc' }, take: input.limit + 1 })
      : await db.invoice.findMany({ where, select, orderBy: { id: 'asc' }, take: input.limit + 1 });
  return page(
    rows.map(({ salesOrder, ...row }) => ({ ...row, customer: salesOrder.customer })),
    input.limit,
  );
}
