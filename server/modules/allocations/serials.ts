import type { Db, Tx } from '../../db/types.ts';
import { judgeSerial, type SerialState } from '../../domain/allocation.ts';
import { DomainError, type Problem } from '../../domain/errors.ts';
import { checkSerialList, expandSerialText } from '../../domain/serial-syntax.ts';
import { KIND } from '../sales/kinds.ts';
import { recordSerialStatus, type MovementInput } from '../stock/ledger.ts';
import type { LineTarget } from './targets.ts';

interface SerialRow {
  id: number;
  serial: string;
  status: string;
  location_id: number | null;
  location: string | null;
  so_line_id: number | null;
  wo_line_id: number | null;
  shipment_line_id: number | null;
  invoice_line_id: number | null;
  holder: string | null;
  on_shipment: string | null;
  on_invoice: string | null;
}

function state(row: SerialRow): SerialState {
  return {
    serial: row.serial,
    status: row.status,
    locationId: row.location_id,
    locationName: row.location,
    soLineId: row.so_line_id,
    woLineId: row.wo_line_id,
    shipmentLineId: row.shipment_line_id,
    invoiceLineId: row.invoice_line_id,
    holder: row.holder,
    onShipment: row.on_shipment,
    onInvoice: row.on_invoice,
  };
}

/** Reads named serials with who holds them, described for messages. */
async function readSerials(db: Db, productId: number, serials: string[]) {
  return db.$queryRaw<SerialRow[]>`
    SELECT s.id, s.serial, s.status::text, s.location_id, l.name AS location, s.so_line_id, s.wo_line_id, s.shipment_line_id, s.invoice_line_id,
           CASE WHEN sol.id IS NOT NULL THEN 'sales order #' || sol.sales_order_id || ' line ' || sol.line_number
                WHEN wol.id IS NOT NULL THEN 'work order #' || wol.work_order_id || ' line ' || wol.line_number END AS holder,
           'shipment #' || shl.shipment_id || ' line ' || shl.line_number AS on_shipment,
           'invoice #' || il.invoice_id || ' line ' || il.line_number AS on_invoice
    FROM serial_number s
    JOIN unnest(${serials}::text[]) AS w(serial) ON w.serial = s.serial
    LEFT JOIN location l ON l.id = s.location_id
    LEFT JOIN sales_order_line sol ON sol.id = s.so_line_id
    LEFT JOIN work_order_line wol ON wol.id = s.wo_line_id
    LEFT JOIN shipment_line shl ON shl.id = s.shipment_line_id
    LEFT JOIN invoice_line il ON il.id = s.invoice_line_id
    WHERE s.product_id = ${productId}
    ORDER BY s.id`;
}

/**
 * Locks, in id order, the named serials and every serial the line's order line holds: two requests
 * reaching for the same serials (from any server process) queue, and the second sees them taken.
 * The read comes after the lock, in its own statement: a row re-checked after a lock wait keeps
 * the joined rows of its first look, which would name a stale holder.
 */
async function lockSerials(tx: Tx, target: LineTarget, serials: string[]) {
  const orderLine = target.type === 'workOrder' ? null : target.soLineId;
  const workLine = target.type === 'workOrder' ? target.lineId : null;
  await tx.$queryRaw`
    SELECT id FROM serial_number
    WHERE product_id = ${target.product.id}
      AND (serial = ANY(${serials}::text[]) OR so_line_id = ${orderLine} OR wo_line_id = ${workLine})
    ORDER BY id FOR UPDATE`;
}

export interface SerialRequest {
  serials?: string[];
  text?: string;
}

/** Parses and judges the serials named for a line. `lock` for a real allocation, not a check. */
export async function judgeSerials(db: Db, target: LineTarget, request: SerialRequest, lock: boolean) {
  if (!target.product.serialised) {
    throw new DomainError('PRODUCT_NOT_SERIALISED', `${target.label}: ${target.product.sku} is not serialised; it takes no serials.`);
  }
  const parsed =
    request.text !== undefined
      ? expandSerialText(request.text, { quantity: target.needed })
      : checkSerialList(request.serials ?? [], { quantity: target.needed });
  if (lock) await lockSerials(db as Tx, target, parsed.serials);
  const rows = await readSerials(db, target.product.id, parsed.serials);
  const bySerial = new Map(rows.map((r) => [r.serial, r]));
  const problems: Problem[] = [...parsed.problems];
  const invalid = new Set(parsed.problems.map((p) => p.index));
  const free: number[] = [];
  const named: number[] = [];
  parsed.serials.forEach((serial, i) => {
    const index = parsed.sources[i]!;
    if (invalid.has(index)) return;
    const row = bySerial.get(serial);
    if (!row) {
      problems.push({
        index,
        token: serial,
        reason: 'SERIAL_NOT_FOUND',
        message: `Serial ${serial} does not exist for ${target.product.sku}`,
      });
      return;
    }
    const verdict = judgeSerial(target, state(row));
    if ('reason' in verdict) problems.push({ index, token: serial, reason: verdict.reason, message: verdict.message });
    else {
      named.push(row.id);
      if (verdict.take === 'free') free.push(row.id);
    }
  });
  problems.sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));
  return { problems, free, named };
}

const movementFor = (userId: number, target: LineTarget, narrative: string) => ({
  kind: 'allocation' as const,
  userId,
  narrative,
  documentType: target.ledger.documentType,
  documentId: target.ledger.documentId,
  customerId: target.ledger.customerId,
});

type Movement = Omit<MovementInput, 'quantity' | 'unitCost'>;

/** Serials promised to nobody again: back in stock, off every document line, with a ledger row. */
export async function releaseSerials(tx: Tx, place: { productId: number; locationId: number }, ids: number[], movement: Movement) {
  if (ids.length === 0) return;
  await tx.$executeRaw`
    UPDATE serial_number SET status = 'in_stock', so_line_id = NULL, wo_line_id = NULL, shipment_line_id = NULL, invoice_line_id = NULL
    WHERE id = ANY(${ids}::int[])`;
  await recordSerialStatus(tx, place, ids, 'in_stock', movement);
}

/**
 * Writes a judged allocation: the line now names exactly `named`. Free serials become allocated to
 * the order line; what the line held and no longer names goes back to stock (sales and work order
 * lines) or off the shipment/invoice line. A shipment or invoice naming new serials can leave its
 * order line holding more than it orders: the surplus that no document names goes back to stock.
 */
export async function applySerials(tx: Tx, userId: number, target: LineTarget, judged: { free: number[]; named: number[] }) {
  const place = { productId: target.product.id, locationId: target.locationId };
  const movement = movementFor(userId, target, target.label);
  const { free, named } = judged;
  if (target.type === 'workOrder') {
    const dropped = await tx.$queryRaw<{ id: number }[]>`
      SELECT id FROM serial_number WHERE wo_line_id = ${target.lineId} AND status = 'allocated' AND NOT id = ANY(${named}::int[])`;
    await releaseSerials(
      tx,
      place,
      dropped.map((r) => r.id),
      { ...movement, narrative: `${target.label}: released` },
    );
    await tx.$executeRaw`UPDATE serial_number SET status = 'allocated', wo_line_id = ${target.lineId} WHERE id = ANY(${free}::int[])`;
  } else {
    if (target.type === 'salesOrder') {
      const dropped = await tx.$queryRaw<{ id: number }[]>`
        SELECT id FROM serial_number WHERE so_line_id = ${target.lineId} AND status = 'allocated' AND NOT id = ANY(${named}::int[])`;
      await releaseSerials(
        tx,
        place,
        dropped.map((r) => r.id),
        { ...movement, narrative: `${target.label}: released` },
      );
    }
    await tx.$executeRaw`UPDATE serial_number SET status = 'allocated', so_line_id = ${target.soLineId} WHERE id = ANY(${free}::int[])`;
    if (target.type === 'shipment' || target.type === 'invoice') {
      const column = KIND[target.type].serialColumn;
      const dropped = await tx.$queryRaw<{ id: number }[]>`
        UPDATE serial_number SET ${column} = NULL WHERE ${column} = ${target.lineId} AND NOT id = ANY(${named}::int[]) RETURNING id`;
      await tx.$executeRaw`UPDATE serial_number SET ${column} = ${target.lineId} WHERE id = ANY(${named}::int[])`;
      await trimOrderLine(
        tx,
        target,
        dropped.map((r) => r.id),
        movement,
      );
    }
  }
  await recordSerialStatus(tx, place, free, 'allocated', movement);
  return { lineId: target.lineId, allocated: named.length };
}

/** Releases every serial a cancelled sales or work order holds, product by product. */
export async function releaseOrderSerials(
  tx: Tx,
  order: { salesOrderId: number } | { workOrderId: number },
  locationId: number,
  movement: Movement,
) {
  const held =
    'salesOrderId' in order
      ? await tx.$queryRaw<{ id: number; product_id: number }[]>`
        SELECT s.id, s.product_id FROM serial_number s JOIN sales_order_line l ON l.id = s.so_line_id
        WHERE l.sales_order_id = ${order.salesOrderId} AND s.status = 'allocated' ORDER BY s.id FOR UPDATE OF s`
      : await tx.$queryRaw<{ id: number; product_id: number }[]>`
        SELECT s.id, s.product_id FROM serial_number s JOIN work_order_line l ON l.id = s.wo_line_id
        WHERE l.work_order_id = ${order.workOrderId} AND s.status = 'allocated' ORDER BY s.id FOR UPDATE OF s`;
  for (const productId of new Set(held.map((h) => h.product_id))) {
    await releaseSerials(
      tx,
      { productId, locationId },
      held.filter((h) => h.product_id === productId).map((h) => h.id),
      movement,
    );
  }
}

/** The order line holds more serials than it orders: give back the spare ones, those this document just let go first. */
async function trimOrderLine(tx: Tx, target: LineTarget, dropped: number[], movement: Movement) {
  const [line] = await tx.$queryRaw<{ quantity: string; held: number; line_number: number }[]>`
    SELECT l.quantity::text, l.line_number, (SELECT count(*)::int FROM serial_number s WHERE s.so_line_id = l.id AND s.status IN ('allocated', 'shipped')) AS held
    FROM sales_order_line l WHERE l.id = ${target.soLineId}`;
  const surplus = line!.held - Number(line!.quantity);
  if (surplus <= 0) return;
  const spare = await tx.$queryRaw<{ id: number }[]>`
    SELECT id FROM serial_number
    WHERE so_line_id = ${target.soLineId} AND status = 'allocated' AND shipment_line_id IS NULL AND invoice_line_id IS NULL
    ORDER BY (id = ANY(${dropped}::int[])) DESC, id DESC LIMIT ${surplus}`;
  if (spare.length < surplus) {
    throw new DomainError(
      'ALLOCATION_EXCEEDS_LINE',
      `Sales order #${target.ledger.documentId} line ${line!.line_number} orders ${Number(line!.quantity)} and its serials are all on shipments or invoices; name serials the order line already holds, or take some off the other document first.`,
    );
  }
  await releaseSerials(
    tx,
    { productId: target.product.id, locationId: target.locationId },
    spare.map((r) => r.id),
    { ...movement, narrative: `${target.label}: replaced on the order line` },
  );
}
