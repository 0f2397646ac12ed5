import type { Problem, Reason } from './errors.ts';
import { lessQuantity, sameQuantity, sumQuantities } from './quantity.ts';

/**
 * The documents serials and batches are allocated to (their names and permissions are in
 * documents.ts, their tables in the server's holder table).
 */
export const DOCUMENT_TYPES = ['salesOrder', 'shipment', 'invoice', 'workOrder'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/**
 * The line being allocated to, as the rules need it. Sales order and work order lines hold serials
 * themselves; shipment and invoice lines carry serials their order line (the `owner`) holds.
 */
export interface AllocationTarget {
  type: DocumentType;
  lineId: number;
  /** The line that holds the serials: the line itself, or a carrier's sales order line. */
  ownerLineId: number;
  /** A shipment or invoice line: it names which of its owner line's serials it carries. */
  carrier: boolean;
  locationId: number;
  locationName: string;
}

/** A serial as it stands, seen from one target line (its holder columns already resolved). */
export interface SerialState {
  serial: string;
  status: string;
  locationId: number | null;
  locationName: string | null;
  /** The line of the target's owner kind that holds it (so_line_id or wo_line_id), or null. */
  heldBy: number | null;
  /** For a carrier target: the line of the target's kind that carries it, or null. */
  carriedBy: number | null;
  /** "sales order #3 line 1", "work order #2 line 1", or null. */
  holder: string | null;
  /** For a carrier target: "shipment #4 line 1" carrying it, or null. */
  carrierName: string | null;
}

/** `free`: in stock and promised to nobody; `held`: already this line's (or its order line's). */
export type Verdict = { take: 'free' | 'held' } | { reason: Reason; message: string };

const refuse = (reason: Reason, message: string): Verdict => ({ reason, message });

/** Decides whether a named serial may go on the target line. The one place this rule lives. */
export function judgeSerial(target: AllocationTarget, s: SerialState): Verdict {
  const heldByOwner = s.heldBy !== null && s.heldBy === target.ownerLineId;
  const carriedElsewhere = target.carrier && s.carriedBy !== null && s.carriedBy !== target.lineId;
  if (s.status === 'in_stock') {
    if (s.locationId !== target.locationId)
      return refuse('SERIAL_NOT_IN_STOCK', `Serial ${s.serial} is at ${s.locationName}, not at ${target.locationName}`);
    return { take: 'free' };
  }
  if (s.status === 'allocated') {
    if (!heldByOwner) return refuse('SERIAL_ALLOCATED', `Serial ${s.serial} is already allocated to ${s.holder}`);
    return carriedElsewhere ? refuse('SERIAL_ALLOCATED', `Serial ${s.serial} is already allocated to ${s.carrierName}`) : { take: 'held' };
  }
  // Goods that went out on an invoice are the ones a shipment for the same goods carries, and the
  // other way round: naming them takes nothing out of stock a second time.
  if (s.status === 'shipped' && target.carrier && heldByOwner && !carriedElsewhere) return { take: 'held' };
  return refuse('SERIAL_NOT_IN_STOCK', `Serial ${s.serial} is not in stock (it is ${s.status.replace('_', ' ')})`);
}

/**
 * Whether a line names all it must before it can leave stock (ship, issue, start): a serialised
 * line as many serials as it needs, a batch line batches for as many units. Lines of products
 * tracked neither way need nothing named. The one place this rule lives.
 */
export function isFullyAllocated(product: { serialised: boolean; batchTracked: boolean }, named: number, needed: number): boolean {
  if (!product.serialised && !product.batchTracked) return true;
  return !lessQuantity(named, needed);
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
  const total = sumQuantities(requests, (r) => r.quantity);
  if (problems.length === 0 && !sameQuantity(total, needed)) {
    problems.push({
      index: null,
      token: null,
      reason: 'BATCH_QUANTITY_MISMATCH',
      message: `The batch quantities add up to ${total}; the line needs ${needed}`,
    });
  }
  return { problems, take };
}
