import type { Problem, Reason } from './errors.ts';

/**
 * The documents serials and batches are allocated to. A sales order line holds its serials
 * (serial_number.so_line_id); its shipment and invoice lines name which of them they carry
 * (shipment_line_id, invoice_line_id). A work order input line holds its own (wo_line_id).
 */
export const DOCUMENT_TYPES = ['salesOrder', 'shipment', 'invoice', 'workOrder'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** The status in which a shipment, invoice or work order still takes allocations. */
export const OPEN_STATUS = { shipment: 'to_pick', invoice: 'draft', workOrder: 'draft' } as const;

/** The line being allocated to, as the rules need it. */
export interface AllocationTarget {
  type: DocumentType;
  lineId: number;
  /** The sales order line behind a sales order, shipment or invoice line. */
  soLineId: number | null;
  locationId: number;
  locationName: string;
}

/** A serial as it stands, with who holds it (already described for messages). */
export interface SerialState {
  serial: string;
  status: string;
  locationId: number | null;
  locationName: string | null;
  soLineId: number | null;
  woLineId: number | null;
  shipmentLineId: number | null;
  invoiceLineId: number | null;
  /** "sales order #3 line 1", "work order #2 line 1", or null. */
  holder: string | null;
  /** "shipment #4" / "invoice #5" naming the serial, or null. */
  onShipment: string | null;
  onInvoice: string | null;
}

/** `free`: in stock and promised to nobody; `held`: already this line's (or its order line's). */
export type Verdict = { take: 'free' | 'held' } | { reason: Reason; message: string };

const refuse = (reason: Reason, message: string): Verdict => ({ reason, message });

/** Decides whether a named serial may go on the target line. The one place this rule lives. */
export function judgeSerial(target: AllocationTarget, s: SerialState): Verdict {
  const heldByOrderLine = s.soLineId !== null && s.soLineId === target.soLineId;
  if (s.status === 'in_stock') {
    if (s.locationId !== target.locationId)
      return refuse('SERIAL_NOT_IN_STOCK', `Serial ${s.serial} is at ${s.locationName}, not at ${target.locationName}`);
    return { take: 'free' };
  }
  if (s.status === 'allocated') {
    if (target.type === 'workOrder' && s.woLineId === target.lineId) return { take: 'held' };
    if (target.type === 'salesOrder' && heldByOrderLine) return { take: 'held' };
    if (target.type === 'shipment' && heldByOrderLine) {
      return s.shipmentLineId === null || s.shipmentLineId === target.lineId
        ? { take: 'held' }
        : refuse('SERIAL_ALLOCATED', `Serial ${s.serial} is already allocated to ${s.onShipment}`);
    }
    if (target.type === 'invoice' && heldByOrderLine) {
      return s.invoiceLineId === null || s.invoiceLineId === target.lineId
        ? { take: 'held' }
        : refuse('SERIAL_ALLOCATED', `Serial ${s.serial} is already allocated to ${s.onInvoice}`);
    }
    return refuse('SERIAL_ALLOCATED', `Serial ${s.serial} is already allocated to ${s.holder}`);
  }
  // Goods that went out on an invoice are the ones a shipment for the same goods carries, and the
  // other way round: naming them takes nothing out of stock a second time.
  if (s.status === 'shipped' && heldByOrderLine) {
    if (target.type === 'shipment' && (s.shipmentLineId === null || s.shipmentLineId === target.lineId)) return { take: 'held' };
    if (target.type === 'invoice' && (s.invoiceLineId === null || s.invoiceLineId === target.lineId)) return { take: 'held' };
  }
  return refuse('SERIAL_NOT_IN_STOCK', `Serial ${s.serial} is not in stock (it is ${s.status.replace('_', ' ')})`);
}

/** Stock leaves once per unit: a shipment and the invoice for the same goods overlap. */
export function unitsOut(line: { shippedQuantity: number; invoicedQuantity: number }): number {
  return Math.max(line.shippedQuantity, line.invoicedQuantity);
}

/** How many more units leave stock when a line's shipped or invoiced quantity grows. */
export function unitsLeaving(
  before: { shippedQuantity: number; invoicedQuantity: number },
  after: { shippedQuantity: number; invoicedQuantity: number },
): number {
  return unitsOut(after) - unitsOut(before);
}

export type SalesOrderProgress = 'open' | 'partially_shipped' | 'shipped' | 'invoiced';

/** The order's status from its lines: shipped when every unit is out, invoiced when also billed. */
export function salesOrderProgress(lines: { quantity: number; shippedQuantity: number; invoicedQuantity: number }[]): SalesOrderProgress {
  const allOut = lines.every((l) => unitsOut(l) >= l.quantity);
  if (allOut) return lines.every((l) => l.invoicedQuantity >= l.quantity) ? 'invoiced' : 'shipped';
  return lines.some((l) => unitsOut(l) > 0) ? 'partially_shipped' : 'open';
}

export interface BatchRequest {
  batch: string;
  quantity: number;
}

export interface BatchState {
  id: number;
  number: string;
  expiry: string | null;
  expired: boolean;
  /** On hand at the location less what other lines hold. */
  available: number;
}

/**
 * Checks batch quantities for a line: each batch known, not expired, available at the location,
 * named once, and together exactly the quantity needed. Every problem, by index.
 */
export function judgeBatches(
  requests: BatchRequest[],
  batches: Map<string, BatchState>,
  needed: number,
  where: string,
): { problems: Problem[]; take: { batchId: number; quantity: number }[] } {
  const problems: Problem[] = [];
  const take: { batchId: number; quantity: number }[] = [];
  const seen = new Set<string>();
  requests.forEach((r, index) => {
    const say = (reason: Reason, message: string) => problems.push({ index, token: r.batch, reason, message });
    const batch = batches.get(r.batch);
    if (seen.has(r.batch)) return say('DUPLICATE_BATCH', `Batch ${r.batch} is named twice; give its quantity once`);
    seen.add(r.batch);
    if (!batch) return say('BATCH_NOT_FOUND', `Batch ${r.batch} does not exist for this product`);
    if (batch.expired) return say('BATCH_EXPIRED', `Batch ${r.batch} expired on ${batch.expiry}; it cannot be allocated`);
    if (r.quantity > batch.available)
      return say(
        'INSUFFICIENT_STOCK',
        `Only ${batch.available} of batch ${r.batch} is available at ${where}; cannot allocate ${r.quantity}`,
      );
    take.push({ batchId: batch.id, quantity: r.quantity });
  });
  const total = requests.reduce((sum, r) => sum + r.quantity, 0);
  if (problems.length === 0 && Math.abs(total - needed) > 1e-9) {
    problems.push({
      index: null,
      token: null,
      reason: 'BATCH_QUANTITY_MISMATCH',
      message: `The batch quantities add up to ${total}; the line needs ${needed}`,
    });
  }
  return { problems, take };
}
