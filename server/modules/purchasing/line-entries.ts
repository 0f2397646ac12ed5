import type { Db, Tx } from '../../db/types.ts';
import { DomainError, found, type Problem } from '../../domain/errors.ts';
import {
  isSerialEntry,
  judgeEntries,
  type BatchEntry,
  type Entry,
  type EntryFacts,
  type LineInfo,
  type SerialConflicts,
} from '../../domain/purchase-entries.ts';
import { assertTakesSerials, type OrderStatus } from '../../domain/purchasing.ts';
import { roundQuantity } from '../../domain/quantity.ts';
import { checkSerialList, expandSerialText } from '../../domain/serial-syntax.ts';
import { serialConflicts } from '../serials/check.ts';

/** An order as entering and receiving need it: its place, status and lines. */
export interface OrderInfo {
  id: number;
  status: OrderStatus;
  locationId: number;
  bayId: number | null;
  lines: LineInfo[];
}

export async function loadOrderInfo(db: Db, orderId: number, lock: boolean): Promise<OrderInfo> {
  if (lock) {
    await db.$queryRaw`SELECT id FROM purchase_order WHERE id = ${orderId} FOR UPDATE`;
    // Entering and receiving act on the products' tracking: hold it steady (see holdProduct in
    // stock/ledger.ts), every product of the order in one statement, in id order.
    await db.$queryRaw`
      SELECT p.id FROM product p
      WHERE p.id IN (SELECT product_id FROM purchase_order_line WHERE purchase_order_id = ${orderId})
      ORDER BY p.id FOR KEY SHARE`;
  }
  const order = found(
    await db.purchaseOrder.findUnique({
      where: { id: orderId },
      select: {
        id: true,
        status: true,
        locationId: true,
        bayId: true,
        lines: {
          orderBy: { lineNumber: 'asc' },
          select: {
            id: true,
            lineNumber: true,
            quantity: true,
            receivedQuantity: true,
            product: { select: { id: true, sku: true, serialised: true, batchTracked: true } },
          },
        },
      },
    }),
    'Purchase order',
    orderId,
  );
  return {
    id: order.id,
    status: order.status,
    locationId: order.locationId,
    bayId: order.bayId,
    lines: order.lines.map((line) => ({
      id: line.id,
      lineNumber: line.lineNumber,
      productId: line.product.id,
      sku: line.product.sku,
      serialised: line.product.serialised,
      batchTracked: line.product.batchTracked,
      quantity: Number(line.quantity),
      received: Number(line.receivedQuantity),
    })),
  };
}

export async function orderOfLine(db: Db, lineId: number): Promise<number> {
  const line = found(
    await db.purchaseOrderLine.findUnique({ where: { id: lineId }, select: { purchaseOrderId: true } }),
    'Purchase order line',
    lineId,
  );
  return line.purchaseOrderId;
}

/** Every problem with entries for lines of one order: the facts in set-based queries, then the rules. */
export async function checkEntries(db: Db, order: OrderInfo, entries: Entry[]): Promise<Problem[]> {
  assertTakesSerials(order.id, order.status);
  return judgeEntries(await loadEntryFacts(db, order, entries));
}

/**
 * What the database knows of the entries: one query per product for its serials, one for the
 * batches. Serials no serial can be are left out of the query (serialConflicts); the rules judge them.
 */
async function loadEntryFacts(db: Db, order: OrderInfo, entries: Entry[]): Promise<EntryFacts> {
  const productOf = new Map(order.lines.map((line) => [line.id, line.productId]));
  const serialsByProduct = new Map<number, Set<string>>();
  for (const entry of entries) {
    if (!isSerialEntry(entry)) continue;
    const productId = productOf.get(entry.lineId)!;
    const serials = serialsByProduct.get(productId);
    if (serials) serials.add(entry.serial.trim());
    else serialsByProduct.set(productId, new Set([entry.serial.trim()]));
  }
  // The lines whose entries these replace: their own serials are no conflict.
  const replacedLines = [...new Set(entries.map((e) => e.lineId))];
  const conflicts = new Map<number, SerialConflicts>();
  for (const [productId, serials] of serialsByProduct)
    conflicts.set(productId, await serialConflicts(db, productId, [...serials], replacedLines));

  const batchKeys = new Map<string, { productId: number; number: string }>();
  for (const entry of entries) {
    if (isSerialEntry(entry)) continue;
    const productId = productOf.get(entry.lineId)!;
    batchKeys.set(`${productId}\0${entry.batch}`, { productId, number: entry.batch });
  }
  const knownBatches =
    batchKeys.size === 0
      ? []
      : await db.batch.findMany({ where: { OR: [...batchKeys.values()] }, select: { productId: true, number: true, expiry: true } });
  return {
    lines: order.lines,
    entries,
    serialConflicts: conflicts,
    knownBatches: knownBatches.map((batch) => ({ ...batch, expiry: batch.expiry?.toISOString().slice(0, 10) ?? null })),
  };
}

/** Replaces the pending serials and batches of every line the entries name (checked first). */
export async function replaceEntries(tx: Tx, order: OrderInfo, entries: Entry[], lineIds: number[]) {
  await deleteSerialsOnOrder(tx, lineIds);
  await tx.pendingBatch.deleteMany({ where: { lineId: { in: lineIds } } });
  const lines = new Map(order.lines.map((line) => [line.id, line]));
  const serials = entries.filter(isSerialEntry);
  if (serials.length > 0) {
    // Entered serials are serials from now on, on order: the product's unique index keeps any
    // serial on one order line, and out of stock, until it is received.
    await tx.$executeRaw`
      INSERT INTO serial_number (po_line_id, product_id, serial, bay_id, status)
      SELECT line_id, product_id, serial, bay_id, 'on_order'
      FROM unnest(${serials.map((e) => e.lineId)}::int[], ${serials.map((e) => lines.get(e.lineId)!.productId)}::int[],
                  ${serials.map((e) => e.serial.trim())}::text[], ${serials.map((e) => e.bayId)}::int[]) AS x(line_id, product_id, serial, bay_id)`;
  }
  // A batch listed on several rows of one line and bay (a supplier's sheet per carton) is one
  // entry of the rows' total quantity; checkEntries made sure the rows agree on its expiry.
  const batches = new Map<string, BatchEntry>();
  for (const entry of entries) {
    if (isSerialEntry(entry)) continue;
    const key = `${entry.lineId}\0${entry.batch.trim()}\0${entry.bayId ?? ''}`;
    const same = batches.get(key);
    if (same) same.quantity = roundQuantity(same.quantity + entry.quantity);
    else batches.set(key, { ...entry });
  }
  await tx.pendingBatch.createMany({
    data: [...batches.values()].map((batch) => ({
      lineId: batch.lineId,
      number: batch.batch.trim(),
      expiry: batch.expiry ? new Date(batch.expiry) : null,
      quantity: batch.quantity,
      bayId: batch.bayId,
    })),
  });
  return { serials: serials.length, batches: batches.size };
}

const SYNTAX_REASONS = new Set(['INVALID_RANGE', 'RANGE_TOO_LARGE', 'QUANTITY_REQUIRED', 'NO_PREVIOUS_SERIAL']);

/** Entries for one line from a list or text of serials; `sources` maps each back to its token. */
export async function lineSerialEntries(
  order: OrderInfo,
  lineId: number,
  input: { serials?: string[]; text?: string },
  highest: () => Promise<string | null>,
) {
  const line = order.lines.find((l) => l.id === lineId);
  if (!line) throw new DomainError('LINE_NOT_ON_ORDER', `Line ${lineId} is not on purchase order #${order.id}.`);
  const parsed =
    input.text !== undefined
      ? expandSerialText(input.text, { highestExisting: input.text.includes('~') ? await highest() : null })
      : checkSerialList(input.serials ?? []);
  // Value problems and repeats are found again, per product, by checkEntries; keep only the syntax's own.
  const syntaxProblems = parsed.problems.filter((p) => SYNTAX_REASONS.has(p.reason));
  const entries: Entry[] = parsed.serials.map((serial, i) => ({ index: i, lineId, serial, bayId: null }));
  return { line, entries, sources: parsed.sources, serials: parsed.serials, syntaxProblems };
}

/** Forgets the serials still on order on these lines (received ones stay: they are stock). */
export async function deleteSerialsOnOrder(tx: Tx, lineIds: number[]): Promise<void> {
  if (lineIds.length === 0) return;
  // Naming the lines' products lets the (product, status) index find the rows; po_line_id alone
  // has no index and would scan every serial of every product.
  await tx.$executeRaw`
    DELETE FROM serial_number
    WHERE product_id IN (SELECT product_id FROM purchase_order_line WHERE id = ANY(${lineIds}::int[]))
      AND status = 'on_order' AND po_line_id = ANY(${lineIds}::int[])`;
}
