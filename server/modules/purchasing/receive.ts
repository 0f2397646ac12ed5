import type { PrismaClient } from '../../db/generated/client.ts';
import type { Tx } from '../../db/types.ts';
import { listRejected, type Problem } from '../../domain/errors.ts';
import type { LineInfo } from '../../domain/purchase-entries.ts';
import { assertReceivable, baseUnitCost, remainingQuantity } from '../../domain/purchasing.ts';
import { sameQuantity, sumQuantities } from '../../domain/quantity.ts';
import { applyOnce } from '../idempotency.ts';
import { loadOrderInfo, type OrderInfo } from './line-entries.ts';
import { refreshStatus } from './orders.ts';
import { batchFor, moveStock, receiveOrderedSerials } from '../../ledger/index.ts';

export interface ReceiveInput {
  purchaseOrderId: number;
  lines: { lineId: number; quantity: number; serials?: string[] }[];
  idempotencyKey: string;
}

interface PlannedLine {
  line: LineInfo;
  quantity: number;
  unitCost: number;
  /** Serialised lines: how many serials are received and, when the request named them, which. */
  serialCount: number;
  namedSerials: string[] | null;
  /** The serials to receive counted per bay they were entered for, in bay order. */
  bayCounts: { bay_id: number | null; count: number }[];
  batches: { id: number; number: string; expiry: Date | null; quantity: number; bayId: number | null }[];
}

/**
 * Receives goods against an order: all or chosen quantities per line, never more than ordered.
 * A serialised line receives exactly as many of its entered serials as the quantity; a batch line
 * its entered batches, adding up. Stock, serials, batches, ledger and the order's status are written
 * in one transaction, at the line's cost in base currency.
 */
export function receive(prisma: PrismaClient, userId: number, input: ReceiveInput) {
  const { idempotencyKey, ...request } = input;
  return applyOnce(prisma, { userId, procedure: 'purchaseOrders.receive', key: idempotencyKey, input: request }, async (tx) => {
    // The order's row lock makes two receipts of one order queue: the second sees the first's counts.
    const order = await loadOrderInfo(tx, input.purchaseOrderId, true);
    assertReceivable(order.id, order.status);
    const plan = await planReceipt(tx, order, input.lines);

    const header = await tx.purchaseOrder.findUniqueOrThrow({ where: { id: order.id }, select: { exchangeRate: true } });
    const receipt = await tx.receipt.create({ data: { purchaseOrderId: order.id, userId }, select: { id: true } });
    const movement = {
      kind: 'receipt' as const,
      userId,
      documentType: 'purchase_order',
      documentId: order.id,
      narrative: `Purchase order #${order.id}, receipt #${receipt.id}`,
    };
    for (const planned of plan) {
      const unitCost = baseUnitCost(planned.unitCost, Number(header.exchangeRate));
      await tx.receiptLine.create({ data: { receiptId: receipt.id, lineId: planned.line.id, quantity: planned.quantity, unitCost } });
      await putAway(tx, order, planned, { ...movement, unitCost });
      await tx.$executeRaw`
        UPDATE purchase_order_line SET received_quantity = received_quantity + ${String(planned.quantity)}::numeric
        WHERE id = ${planned.line.id}`;
    }
    const status = await refreshStatus(tx, order.id, order.status);
    return {
      receiptId: receipt.id,
      purchaseOrderId: order.id,
      status,
      lines: plan.map((p) => ({ lineId: p.line.id, quantity: p.quantity, serials: p.serialCount, batches: p.batches.length })),
    };
  });
}

/** Checks every requested line against the order and what was entered on it; lists every problem. */
async function planReceipt(tx: Tx, order: OrderInfo, requested: ReceiveInput['lines']): Promise<PlannedLine[]> {
  const problems: Problem[] = [];
  const plan: PlannedLine[] = [];
  const seen = new Set<number>();
  const costs = new Map(
    (await tx.purchaseOrderLine.findMany({ where: { purchaseOrderId: order.id }, select: { id: true, unitCost: true } })).map((l) => [
      l.id,
      Number(l.unitCost),
    ]),
  );
  for (const [index, want] of requested.entries()) {
    const say = (reason: Problem['reason'], message: string) => problems.push({ index, token: null, reason, message, field: 'lines' });
    const line = order.lines.find((l) => l.id === want.lineId);
    if (!line) {
      say('LINE_NOT_ON_ORDER', `Line ${want.lineId} is not on purchase order #${order.id}`);
      continue;
    }
    const label = `Line ${line.lineNumber} (${line.sku})`;
    if (seen.has(line.id)) {
      say('INVALID_ROWS', `${label} is listed twice; give each line once with its total quantity`);
      continue;
    }
    seen.add(line.id);
    const remaining = remainingQuantity(line);
    if (want.quantity > remaining) {
      say(
        'OVER_RECEIPT',
        `${label}: ${line.quantity} ordered and ${line.received} received, so at most ${remaining} more can be received, not ${want.quantity}`,
      );
      continue;
    }
    const planned: PlannedLine = {
      line,
      quantity: want.quantity,
      unitCost: costs.get(line.id)!,
      serialCount: 0,
      namedSerials: null,
      bayCounts: [],
      batches: [],
    };
    if (want.serials && !line.serialised) {
      say('PRODUCT_NOT_SERIALISED', `${label} is not serialised: leave out the serials`);
      continue;
    }
    if (line.serialised) {
      if (!Number.isInteger(want.quantity)) {
        say('INVALID_INPUT', `${label} is serialised: receive a whole number of units`);
        continue;
      }
      // Counted in the database: a line may wait for 100,000 serials, which need not travel here.
      if (want.serials) {
        const named = [...new Set(want.serials.map((serial) => serial.trim()))];
        const found = await tx.$queryRaw<{ serial: string }[]>`
          SELECT serial FROM serial_number
          WHERE product_id = ${line.productId} AND status = 'on_order' AND po_line_id = ${line.id} AND serial = ANY(${named}::text[])`;
        const entered = new Set(found.map((row) => row.serial));
        const missing = named.filter((serial) => !entered.has(serial));
        if (missing.length > 0) {
          say(
            'SERIAL_NOT_FOUND',
            `${label}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} not entered on this line; enter them first`,
          );
          continue;
        }
        planned.namedSerials = named;
      }
      // Counted per bay in the database, once: a line may wait for 100,000 serials, which need not
      // travel here, and putting away reuses the counts.
      planned.bayCounts = await tx.$queryRaw<{ bay_id: number | null; count: number }[]>`
        SELECT bay_id, COUNT(*)::int AS count FROM serial_number
        WHERE product_id = ${line.productId} AND status = 'on_order' AND po_line_id = ${line.id}
          AND (${planned.namedSerials}::text[] IS NULL OR serial = ANY(${planned.namedSerials}::text[]))
        GROUP BY bay_id ORDER BY bay_id NULLS FIRST`;
      planned.serialCount = planned.bayCounts.reduce((sum, group) => sum + group.count, 0);
      if (planned.serialCount !== want.quantity) {
        say(
          'SERIAL_COUNT_MISMATCH',
          `${label}: receiving ${want.quantity} needs exactly ${want.quantity} serials, but ${planned.serialCount} ${want.serials ? 'are named' : 'are entered'}` +
            (want.serials
              ? ''
              : `; enter ${want.quantity - planned.serialCount > 0 ? `${want.quantity - planned.serialCount} more` : 'fewer'} or name which serials to receive`),
        );
        continue;
      }
    } else if (line.batchTracked) {
      planned.batches = (
        await tx.pendingBatch.findMany({
          where: { lineId: line.id },
          select: { id: true, number: true, expiry: true, quantity: true, bayId: true },
          orderBy: { id: 'asc' },
        })
      ).map((b) => ({ ...b, quantity: Number(b.quantity) }));
      const total = sumQuantities(planned.batches, (b) => b.quantity);
      if (!sameQuantity(total, want.quantity)) {
        say(
          'BATCH_QUANTITY_MISMATCH',
          `${label}: receiving ${want.quantity} needs batches adding up to ${want.quantity}, but the entered batches add up to ${total}`,
        );
        continue;
      }
    }
    plan.push(planned);
  }
  if (problems.length > 0) throw listRejected(problems, 'line');
  return plan;
}

type ReceiptMovement = { kind: 'receipt'; userId: number; documentType: string; documentId: number; narrative: string; unitCost: number };

/** Puts a planned line's goods into stock at the order's location (each serial or batch in its bay). */
async function putAway(tx: Tx, order: OrderInfo, planned: PlannedLine, movement: ReceiptMovement) {
  const { line } = planned;
  if (line.serialised) {
    // Per bay the serials were entered for (none: the order's bay): the serials on order become
    // stock where they land, at the receipt's cost, one ledger row per bay listing them.
    const named = planned.namedSerials;
    for (const group of planned.bayCounts) {
      const bayId = group.bay_id ?? order.bayId;
      await receiveOrderedSerials(
        tx,
        { productId: line.productId, locationId: order.locationId, bayId },
        { poLineId: line.id, enteredBayId: group.bay_id, named, count: group.count },
        movement,
      );
    }
  } else if (line.batchTracked) {
    const product = { id: line.productId, sku: line.sku };
    for (const b of planned.batches) {
      const batchId = await batchFor(tx, product, b.number, b.expiry?.toISOString().slice(0, 10) ?? null, movement.unitCost);
      await moveStock(
        tx,
        { productId: line.productId, locationId: order.locationId, bayId: b.bayId ?? order.bayId, batchId },
        { ...movement, quantity: b.quantity },
      );
    }
    await tx.pendingBatch.deleteMany({ where: { lineId: line.id } });
  } else {
    const product = await tx.product.findUniqueOrThrow({ where: { id: line.productId }, select: { stockTracked: true } });
    if (product.stockTracked) {
      await moveStock(
        tx,
        { productId: line.productId, locationId: order.locationId, bayId: order.bayId, batchId: null },
        { ...movement, quantity: planned.quantity },
      );
    }
  }
}
