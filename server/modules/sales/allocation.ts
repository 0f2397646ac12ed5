import type { PrismaClient } from '../../db/generated/client.ts';
import type { Db, Tx } from '../../db/types.ts';
import { DomainError, found, listRejected, type Problem } from '../../domain/errors.ts';
import { checkSerialList, expandSerialText } from '../../domain/serial-syntax.ts';
import { applyOnce } from '../idempotency.ts';
import { holdProduct, recordSerialStatus } from '../stock/ledger.ts';
import { assertOpen, lockSalesOrder, type SalesOrderStatus } from './orders.ts';

async function lineOf(db: Db, lineId: number) {
  return found(
    await db.salesOrderLine.findUnique({
      where: { id: lineId },
      select: { id: true, lineNumber: true, salesOrderId: true, quantity: true, shippedQuantity: true, product: { select: { id: true, sku: true, serialised: true } } },
    }),
    'Sales order line',
    lineId,
  );
}

/** Releases the serials allocated to these lines back to stock, with a ledger row saying so. */
export async function releaseLines(tx: Tx, order: { id: number; location_id: number }, lines: { id: number; productId: number }[], userId: number, narrative: string) {
  for (const line of lines) {
    const released = await tx.$queryRaw<{ id: number }[]>`
      UPDATE serial_number SET status = 'in_stock', so_line_id = NULL
      WHERE so_line_id = ${line.id} AND status = 'allocated' RETURNING id`;
    await recordSerialStatus(tx, { productId: line.productId, locationId: order.location_id }, released.map((r) => r.id), 'in_stock', {
      kind: 'allocation', userId, narrative, documentType: 'sales_order', documentId: order.id,
    });
  }
}

/**
 * Names the serials a line ships: exactly as many as it still has to ship, each in stock at the
 * order's location and promised to no other open document. Replaces the line's allocation, all or
 * nothing. The serials' rows are locked in id order, so two requests reaching for the same serial
 * (from any server process) queue, and the second sees it taken.
 */
export function allocateSerials(prisma: PrismaClient, userId: number, input: { lineId: number; serials?: string[]; text?: string; idempotencyKey: string }) {
  const { idempotencyKey, ...request } = input;
  return applyOnce(prisma, { userId, procedure: 'salesOrders.allocateSerials', key: idempotencyKey, input: request }, async (tx) => {
    const line = await lineOf(tx, input.lineId);
    const order = await lockSalesOrder(tx, line.salesOrderId);
    assertOpen(order);
    await holdProduct(tx, line.product.id);
    if (!line.product.serialised) {
      throw new DomainError('PRODUCT_NOT_SERIALISED', `Line ${line.lineNumber} (${line.product.sku}) is not serialised; it takes no serials.`);
    }
    const needed = Number(line.quantity) - Number(line.shippedQuantity);
    const parsed = input.text !== undefined ? expandSerialText(input.text, { quantity: needed }) : checkSerialList(input.serials ?? [], { quantity: needed });
    const problems: Problem[] = [...parsed.problems];
    const label = `Line ${line.lineNumber} (${line.product.sku})`;

    // Give back what the line held, then take the named serials (the line may keep some of its own).
    const given = await tx.$queryRaw<{ id: number }[]>`
      UPDATE serial_number SET status = 'in_stock', so_line_id = NULL WHERE so_line_id = ${line.id} AND status = 'allocated' RETURNING id`;
    // Lock first, then read: a row re-checked after waiting for a lock (FOR UPDATE in READ COMMITTED)
    // keeps the joined rows of its first look, so the holder of a serial just taken by another
    // request read as null ("sales order #null"). A fresh statement after the lock sees it.
    await tx.$queryRaw`
      SELECT s.id FROM serial_number s JOIN unnest(${parsed.serials}::text[]) AS w(serial) ON w.serial = s.serial
      WHERE s.product_id = ${line.product.id} ORDER BY s.id FOR UPDATE OF s`;
    const rows = await tx.$queryRaw<{ id: number; serial: string; status: string; location_id: number | null; location: string | null; holder_order: number | null; holder_line: number | null }[]>`
      SELECT s.id, s.serial, s.status::text, s.location_id, l.name AS location, sl.sales_order_id AS holder_order, sl.line_number AS holder_line
      FROM serial_number s
      JOIN unnest(${parsed.serials}::text[]) AS w(serial) ON w.serial = s.serial
      LEFT JOIN location l ON l.id = s.location_id
      LEFT JOIN sales_order_line sl ON sl.id = s.so_line_id
      WHERE s.product_id = ${line.product.id}
      ORDER BY s.id`;
    const bySerial = new Map(rows.map((r) => [r.serial, r]));
    const invalid = new Set(parsed.problems.map((p) => p.index));
    const ids: number[] = [];
    parsed.serials.forEach((serial, i) => {
      const index = parsed.sources[i]!;
      if (invalid.has(index)) return;
      const row = bySerial.get(serial);
      const say = (reason: Problem['reason'], message: string) => problems.push({ index, token: serial, reason, message });
      if (!row) say('SERIAL_NOT_FOUND', `Serial ${serial} does not exist for ${line.product.sku}`);
      else if (row.status === 'allocated') say('SERIAL_ALLOCATED', `Serial ${serial} is already allocated to sales order #${row.holder_order} line ${row.holder_line}`);
      else if (row.status !== 'in_stock') say('SERIAL_NOT_IN_STOCK', `Serial ${serial} is not in stock (it is ${row.status.replace('_', ' ')})`);
      else if (row.location_id !== order.location_id) say('SERIAL_NOT_IN_STOCK', `Serial ${serial} is at ${row.location}, not at the order's location`);
      else ids.push(row.id);
    });
    if (problems.length > 0) throw listRejected(problems.sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity)));
    await tx.$executeRaw`UPDATE serial_number SET status = 'allocated', so_line_id = ${line.id} WHERE id = ANY(${ids}::int[])`;
    // Serials the line held and no longer does are back in stock: the ledger says so, as a cancel would.
    const kept = new Set(ids);
    await recordSerialStatus(tx, { productId: line.product.id, locationId: order.location_id }, given.map((r) => r.id).filter((id) => !kept.has(id)), 'in_stock', {
      kind: 'allocation', userId, narrative: `Sales order #${order.id}, ${label}: reallocated`, documentType: 'sales_order', documentId: order.id,
    });
    await recordSerialStatus(tx, { productId: line.product.id, locationId: order.location_id }, ids, 'allocated', {
      kind: 'allocation', userId, narrative: `Sales order #${order.id}, ${label}`, documentType: 'sales_order', documentId: order.id,
    });
    return { lineId: line.id, allocated: ids.length };
  });
}

/** The serials to allocate: in stock at the order's location, free, oldest first (first in, first out). */
export async function suggestSerials(db: Db, lineId: number) {
  const line = await lineOf(db, lineId);
  const order = found(await db.salesOrder.findUnique({ where: { id: line.salesOrderId }, select: { id: true, status: true, locationId: true } }), 'Sales order', line.salesOrderId);
  assertOpen({ id: order.id, status: order.status as SalesOrderStatus });
  const needed = Number(line.quantity) - Number(line.shippedQuantity);
  const rows = await db.$queryRaw<{ serial: string }[]>`
    SELECT serial FROM serial_number
    WHERE product_id = ${line.product.id} AND location_id = ${order.locationId}
      AND (status = 'in_stock' OR (status = 'allocated' AND so_line_id = ${line.id}))
    ORDER BY created_at, id
    LIMIT ${needed}`;
  return { serials: rows.map((r) => r.serial), needed };
}
