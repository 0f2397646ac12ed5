import type { Db, Tx } from '../../db/types.ts';
import { DomainError, found, type Problem } from '../../domain/errors.ts';
import { assertTakesSerials, remainingQuantity, type OrderStatus } from '../../domain/purchasing.ts';
import { checkSerialList, expandSerialText } from '../../domain/serial-syntax.ts';
import { serialConflicts } from '../serials/check.ts';

/**
 * Serials and batches entered on purchase order lines before the goods arrive. One checker serves
 * every way of entering them (a line's list, a line's typed text, a table filling many lines): it
 * takes entries that already name their line and reports every problem by the entry's index.
 */
export interface LineInfo {
  id: number;
  lineNumber: number;
  productId: number;
  sku: string;
  serialised: boolean;
  batchTracked: boolean;
  quantity: number;
  received: number;
}

export interface OrderInfo {
  id: number;
  status: OrderStatus;
  locationId: number;
  bayId: number | null;
  lines: LineInfo[];
}

export type Entry =
  | { index: number; lineId: number; serial: string; bayId: number | null }
  | { index: number; lineId: number; batch: string; expiry: string | null; quantity: number; bayId: number | null };

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

const isSerial = (entry: Entry): entry is Extract<Entry, { serial: string }> => 'serial' in entry;

/** Every problem with entries for lines of one order, checked as a whole (set-based queries). */
export async function checkEntries(db: Db, order: OrderInfo, entries: Entry[]): Promise<Problem[]> {
  assertTakesSerials(order.id, order.status);
  const problems: Problem[] = [];
  const lines = new Map(order.lines.map((line) => [line.id, line]));
  const problem = (index: number | null, token: string | null, reason: Problem['reason'], message: string, field?: string) =>
    problems.push({ index, token, reason, message, ...(field ? { field } : {}) });

  // Tracking: serials only on serialised lines, batches only on batch-tracked ones.
  const usable: Entry[] = [];
  for (const entry of entries) {
    const line = lines.get(entry.lineId)!;
    if (isSerial(entry) && !line.serialised) {
      problem(
        entry.index,
        entry.serial,
        'PRODUCT_NOT_SERIALISED',
        `Line ${line.lineNumber} (${line.sku}) is not serialised; it takes no serials`,
        'serial',
      );
    } else if (!isSerial(entry) && !line.batchTracked) {
      problem(
        entry.index,
        entry.batch,
        'PRODUCT_NOT_BATCH_TRACKED',
        `Line ${line.lineNumber} (${line.sku}) is not batch tracked; it takes no batches`,
        'batch',
      );
    } else {
      usable.push(entry);
    }
  }

  // Serials, per product: values, repeats, already in the system, waiting on another order line.
  const serialEntries = usable.filter(isSerial);
  const byProduct = new Map<number, typeof serialEntries>();
  for (const entry of serialEntries) {
    const productId = lines.get(entry.lineId)!.productId;
    const group = byProduct.get(productId);
    if (group) group.push(entry);
    else byProduct.set(productId, [entry]);
  }
  const replacedLines = [...new Set(entries.map((e) => e.lineId))];
  for (const [productId, group] of byProduct) {
    const checked = checkSerialList(group.map((e) => e.serial));
    for (const p of checked.problems) {
      if (p.index === null) continue;
      problems.push({
        ...p,
        index: group[p.index]!.index,
        field: 'serial',
        ...(p.firstIndex !== undefined ? { firstIndex: group[p.firstIndex]!.index } : {}),
      });
    }
    const valid = new Set(checked.problems.map((p) => p.index));
    const candidates = group.filter((_, i) => !valid.has(i));
    const values = candidates.map((e) => e.serial.trim());
    const { existing, onOrders: elsewhere } = await serialConflicts(db, productId, values, replacedLines);
    candidates.forEach((entry, i) => {
      const serial = values[i]!;
      if (existing.has(serial))
        problem(entry.index, serial, 'SERIAL_EXISTS', `Serial ${serial} already exists for ${lines.get(entry.lineId)!.sku}`, 'serial');
      const other = elsewhere.get(serial);
      if (other)
        problem(
          entry.index,
          serial,
          'SERIAL_ON_OTHER_ORDER',
          `Serial ${serial} is already entered on purchase order #${other.orderId} line ${other.lineNumber}`,
          'serial',
        );
    });
  }

  // Batches: a number, a positive quantity, one expiry per batch number.
  for (const entry of usable) {
    if (isSerial(entry)) continue;
    if (!entry.batch.trim()) problem(entry.index, entry.batch, 'BATCH_REQUIRED', 'Give the batch number', 'batch');
    if (!(entry.quantity > 0))
      problem(entry.index, entry.batch, 'BATCH_QUANTITY_MISMATCH', `Batch ${entry.batch} needs a quantity above zero`, 'quantity');
  }
  const batchExpiry = new Map<string, string | null>();
  for (const entry of usable) {
    if (isSerial(entry)) continue;
    const key = `${lines.get(entry.lineId)!.productId}\0${entry.batch}`;
    if (batchExpiry.has(key) && batchExpiry.get(key) !== entry.expiry) {
      problem(entry.index, entry.batch, 'BATCH_EXPIRY_MISMATCH', `Batch ${entry.batch} is listed with two expiry dates`, 'expiry');
    }
    batchExpiry.set(key, entry.expiry);
  }
  await checkKnownBatchExpiry(db, usable, lines, problem);

  // Never more than the line still expects.
  for (const line of order.lines) {
    const mine = entries.filter((e) => e.lineId === line.id);
    // Quantities have four decimals: sum them without binary noise (0.1 + 0.2 is 0.3 here).
    const count = Math.round(mine.reduce((sum, e) => sum + (isSerial(e) ? 1 : e.quantity), 0) * 1e4) / 1e4;
    const remaining = remainingQuantity(line);
    if (count > remaining) {
      problem(
        null,
        null,
        'SERIAL_COUNT_MISMATCH',
        `Line ${line.lineNumber} (${line.sku}) expects ${remaining} more, but ${count} are entered: remove ${count - remaining}`,
      );
    }
  }
  return problems.sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));
}

async function checkKnownBatchExpiry(
  db: Db,
  entries: Entry[],
  lines: Map<number, LineInfo>,
  problem: (index: number, token: string, reason: Problem['reason'], message: string, field?: string) => void,
) {
  const batchEntries = entries.filter((e): e is Extract<Entry, { batch: string }> => !isSerial(e));
  if (batchEntries.length === 0) return;
  const known = await db.batch.findMany({
    where: { OR: batchEntries.map((e) => ({ productId: lines.get(e.lineId)!.productId, number: e.batch })) },
    select: { productId: true, number: true, expiry: true },
  });
  const expiryOf = new Map(known.map((b) => [`${b.productId}\0${b.number}`, b.expiry?.toISOString().slice(0, 10) ?? null]));
  for (const entry of batchEntries) {
    const key = `${lines.get(entry.lineId)!.productId}\0${entry.batch}`;
    if (expiryOf.has(key) && expiryOf.get(key) !== entry.expiry) {
      problem(
        entry.index,
        entry.batch,
        'BATCH_EXPIRY_MISMATCH',
        `Batch ${entry.batch} already exists with expiry ${expiryOf.get(key) ?? 'none'}`,
        'expiry',
      );
    }
  }
}

/** Replaces the pending serials and batches of every line the entries name (checked first). */
export async function replaceEntries(tx: Tx, order: OrderInfo, entries: Entry[], lineIds: number[]) {
  await deleteSerialsOnOrder(tx, lineIds);
  await tx.pendingBatch.deleteMany({ where: { lineId: { in: lineIds } } });
  const lines = new Map(order.lines.map((line) => [line.id, line]));
  const serials = entries.filter(isSerial);
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
  // entry of the rows' total quantity; the checks above made sure the rows agree on its expiry.
  const batches = new Map<string, Extract<Entry, { batch: string }>>();
  for (const entry of entries) {
    if (isSerial(entry)) continue;
    const key = `${entry.lineId}\0${entry.batch.trim()}\0${entry.bayId ?? ''}`;
    const same = batches.get(key);
    if (same) same.quantity = Math.round((same.quantity + entry.quantity) * 1e4) / 1e4;
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
