import type { PrismaClient } from '../../db/generated/client.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { Db, Tx } from '../../db/types.ts';
import { DomainError, found } from '../../domain/errors.ts';
import { checkFits, formatLimit, MONEY_COLUMN } from '../../domain/limits.ts';
import {
  assertEditable,
  assertIssuable,
  baseUnitCost,
  remainingQuantity,
  statusFromReceipts,
  type OrderStatus,
} from '../../domain/purchasing.ts';
import { roundQuantity } from '../../domain/quantity.ts';
import { resolvePlace } from '../locations/service.ts';
import { page } from '../pagination.ts';
import { deleteSerialsOnOrder } from './line-entries.ts';

export interface OrderLineInput {
  /** Present for a line that already exists (update); absent for a new line. */
  id?: number;
  productId: number;
  quantity: number;
  unitCost: number;
}

export interface OrderInput {
  supplierId: number;
  locationId: number;
  bayId?: number | null;
  currency: string;
  exchangeRate: number;
  expectedDate?: string | null;
  reference?: string | null;
  lines: OrderLineInput[];
}

/** Locks the order row: every change to an order, its lines or its receipts goes one at a time. */
export async function lockOrder(tx: Tx, id: number) {
  const [row] = await tx.$queryRaw<
    { id: number; status: OrderStatus; location_id: number; bay_id: number | null; exchange_rate: string; currency: string }[]
  >`
    SELECT id, status::text AS status, location_id, bay_id, exchange_rate::text, currency FROM purchase_order WHERE id = ${id} FOR UPDATE`;
  return found(row, 'Purchase order', id);
}

/** Lines must name purchasable products; each product is checked once. */
async function checkLineProducts(tx: Tx, lines: OrderLineInput[]) {
  const ids = [...new Set(lines.map((line) => line.productId))];
  const products = await tx.product.findMany({
    where: { id: { in: ids } },
    select: { id: true, sku: true, purchasable: true, active: true, serialised: true },
  });
  const byId = new Map(products.map((p) => [p.id, p]));
  for (const id of ids) {
    const product = byId.get(id);
    if (!product) throw new DomainError('NOT_FOUND', `Product ${id} does not exist.`);
    if (!product.purchasable) {
      throw new DomainError(
        'PRODUCT_NOT_PURCHASABLE',
        `${product.sku} is not purchasable: mark it purchasable (with its purchase GL code and tax rate) before ordering it.`,
      );
    }
    if (!product.active) throw new DomainError('PRODUCT_INACTIVE', `${product.sku} is inactive; reactivate it before ordering it.`);
  }
  // One serial per unit: a serialised line of 2.5 could never be received in full.
  lines.forEach((line, i) => {
    const product = byId.get(line.productId)!;
    if (product.serialised && !Number.isInteger(line.quantity)) {
      throw new DomainError(
        'INVALID_INPUT',
        `Line ${i + 1} (${product.sku}) is serialised: order a whole number of units, not ${line.quantity}.`,
      );
    }
  });
}

/**
 * Receipts value stock at the line's cost times the order's rate, in a unit-cost column: every line
 * must fit it once converted, or the order could be issued but never received.
 */
function checkBaseCosts(lines: { lineNumber: number; unitCost: number }[], exchangeRate: number) {
  for (const line of lines) {
    checkFits(
      baseUnitCost(line.unitCost, exchangeRate),
      MONEY_COLUMN,
      `Line ${line.lineNumber}'s unit cost in base currency (${formatLimit(line.unitCost)} at the exchange rate ${formatLimit(exchangeRate)})`,
      'lower the unit cost or the exchange rate',
    );
  }
}

async function checkSupplier(tx: Tx, supplierId: number) {
  found(await tx.supplier.findUnique({ where: { id: supplierId }, select: { id: true } }), 'Supplier', supplierId);
}

export function createOrder(prisma: PrismaClient, userId: number, input: OrderInput) {
  checkBaseCosts(
    input.lines.map((line, i) => ({ lineNumber: i + 1, unitCost: line.unitCost })),
    input.exchangeRate,
  );
  return inTransaction(prisma, async (tx) => {
    await checkSupplier(tx, input.supplierId);
    await resolvePlace(tx, input.locationId, input.bayId);
    await checkLineProducts(tx, input.lines);
    const order = await tx.purchaseOrder.create({
      data: {
        supplierId: input.supplierId,
        locationId: input.locationId,
        bayId: input.bayId ?? null,
        currency: input.currency,
        exchangeRate: input.exchangeRate,
        expectedDate: input.expectedDate ? new Date(input.expectedDate) : null,
        reference: input.reference ?? null,
        createdById: userId,
        lines: {
          create: input.lines.map((line, i) => ({
            lineNumber: i + 1,
            productId: line.productId,
            quantity: line.quantity,
            unitCost: line.unitCost,
          })),
        },
      },
      select: { id: true },
    });
    return getOrder(tx, order.id);
  });
}

/**
 * Changes an open order. Lines are the full new list: existing ones by id (a received line keeps
 * its product and cannot drop below what was received, nor be removed), new ones without id.
 * Currency, rate and place are fixed once anything was received: stock was valued and put with them.
 */
export function updateOrder(prisma: PrismaClient, id: number, patch: Partial<OrderInput>) {
  return inTransaction(prisma, async (tx) => {
    const order = await lockOrder(tx, id);
    assertEditable(id, order.status);
    const existing = await tx.purchaseOrderLine.findMany({
      where: { purchaseOrderId: id },
      select: { id: true, lineNumber: true, productId: true, receivedQuantity: true, unitCost: true },
    });
    if (patch.exchangeRate !== undefined || patch.lines) {
      // The lines and rate the order will have: each kept or new line at the new rate (or the current one).
      const byId = new Map(existing.map((line) => [line.id, line.lineNumber]));
      let next = Math.max(0, ...existing.map((line) => line.lineNumber));
      const lines = patch.lines
        ? patch.lines.map((line) => ({
            lineNumber: (line.id !== undefined ? byId.get(line.id) : undefined) ?? ++next,
            unitCost: line.unitCost,
          }))
        : existing.map((line) => ({ lineNumber: line.lineNumber, unitCost: Number(line.unitCost) }));
      checkBaseCosts(lines, patch.exchangeRate ?? Number(order.exchange_rate));
    }
    const anyReceived = existing.some((line) => Number(line.receivedQuantity) > 0);
    // A form that sends the whole header back unchanged is fine; only a change is refused.
    const changes = {
      currency: patch.currency !== undefined && patch.currency !== order.currency,
      exchangeRate: patch.exchangeRate !== undefined && patch.exchangeRate !== Number(order.exchange_rate),
      locationId: patch.locationId !== undefined && patch.locationId !== order.location_id,
      bayId: patch.bayId !== undefined && (patch.bayId ?? null) !== order.bay_id,
    };
    if (anyReceived && Object.values(changes).some(Boolean)) {
      throw new DomainError(
        'ORDER_HAS_RECEIPTS',
        `Purchase order #${id} has receipts, so its currency, exchange rate and location can no longer change.`,
      );
    }
    if (patch.supplierId !== undefined) await checkSupplier(tx, patch.supplierId);
    if (patch.locationId !== undefined || patch.bayId !== undefined) {
      await resolvePlace(tx, patch.locationId ?? order.location_id, patch.bayId === undefined ? order.bay_id : patch.bayId);
    }
    if (patch.lines) await replaceLines(tx, id, existing, patch.lines);
    if (patch.locationId !== undefined && patch.locationId !== order.location_id) await checkEntriesFitLocation(tx, id);
    await tx.purchaseOrder.update({
      where: { id },
      data: {
        supplierId: patch.supplierId,
        locationId: patch.locationId,
        bayId: patch.bayId,
        currency: patch.currency,
        exchangeRate: patch.exchangeRate,
        expectedDate: patch.expectedDate === undefined ? undefined : patch.expectedDate ? new Date(patch.expectedDate) : null,
        reference: patch.reference,
      },
    });
    // Changed quantities or removed lines can complete (or reopen) what the receipts cover.
    if (patch.lines) await refreshStatus(tx, id, order.status);
    return getOrder(tx, id);
  });
}

/**
 * Serials and batches entered for bays of the order's current location would be received into a
 * bay of another location: the order cannot move while any entry names a bay.
 */
async function checkEntriesFitLocation(tx: Tx, orderId: number) {
  const rows = await tx.$queryRaw<{ line_number: number; sku: string; bay: string }[]>`
    SELECT l.line_number, p.sku, b.name AS bay
    FROM (SELECT po_line_id AS line_id, bay_id FROM serial_number WHERE status = 'on_order' AND bay_id IS NOT NULL
          UNION SELECT line_id, bay_id FROM pending_batch WHERE bay_id IS NOT NULL) e
    JOIN purchase_order_line l ON l.id = e.line_id
    JOIN product p ON p.id = l.product_id
    JOIN bay b ON b.id = e.bay_id
    WHERE l.purchase_order_id = ${orderId}
    ORDER BY l.line_number, b.name`;
  if (rows.length === 0) return;
  const first = rows[0]!;
  const lines = [...new Set(rows.map((r) => r.line_number))];
  throw new DomainError(
    'BAY_NOT_IN_LOCATION',
    `Line ${first.line_number} (${first.sku}) has serials or batches entered for bay ${first.bay} of the order's current location` +
      (lines.length > 1 ? ` (so do lines ${lines.slice(1).join(', ')})` : '') +
      '; enter them again without a bay (or with bays of the new location after moving) before moving the order to another location.',
  );
}

type ExistingLine = { id: number; lineNumber: number; productId: number; receivedQuantity: unknown };

async function replaceLines(tx: Tx, orderId: number, existing: ExistingLine[], lines: OrderLineInput[]) {
  await checkLineProducts(tx, lines);
  const byId = new Map(existing.map((line) => [line.id, line]));
  const kept = new Set<number>();
  for (const line of lines) {
    if (line.id === undefined) continue;
    const current = byId.get(line.id);
    if (!current) throw new DomainError('LINE_NOT_ON_ORDER', `Line ${line.id} is not on purchase order #${orderId}.`);
    const received = Number(current.receivedQuantity);
    if (received > 0 && line.productId !== current.productId) {
      throw new DomainError('ORDER_HAS_RECEIPTS', `Line ${current.lineNumber} has receipts, so its product cannot change.`);
    }
    if (line.quantity < received) {
      throw new DomainError('OVER_RECEIPT', `Line ${current.lineNumber} already received ${received}; its quantity cannot go below that.`);
    }
    if (line.productId === current.productId) {
      // Entered serials and batches wait for what is still to come: never more of them than that.
      const entered = await enteredOnLine(tx, current.id);
      const remaining = remainingQuantity({ quantity: line.quantity, received });
      if (entered.count > remaining) {
        throw new DomainError(
          'SERIAL_COUNT_MISMATCH',
          `Line ${current.lineNumber} (${entered.sku}) has ${entered.count} entered ${entered.what} waiting to be received, more than the ${remaining} its new quantity leaves to come; remove ${roundQuantity(entered.count - remaining)} of them first.`,
        );
      }
    }
    kept.add(line.id);
  }
  for (const line of existing) {
    if (kept.has(line.id)) continue;
    if (Number(line.receivedQuantity) > 0) {
      throw new DomainError(
        'ORDER_HAS_RECEIPTS',
        `Line ${line.lineNumber} has receipts and cannot be removed; set its quantity to what was received instead.`,
      );
    }
  }
  // Entered serials belong to a line's product: a line whose product changes loses them.
  for (const line of lines) {
    const current = line.id !== undefined ? byId.get(line.id) : undefined;
    if (current && current.productId !== line.productId) {
      await deleteSerialsOnOrder(tx, [current.id]);
      await tx.pendingBatch.deleteMany({ where: { lineId: current.id } });
    }
  }
  await tx.purchaseOrderLine.deleteMany({ where: { purchaseOrderId: orderId, id: { notIn: [...kept] } } });
  let next = Math.max(0, ...existing.map((line) => line.lineNumber));
  for (const line of lines) {
    const data = { productId: line.productId, quantity: line.quantity, unitCost: line.unitCost };
    if (line.id !== undefined) await tx.purchaseOrderLine.update({ where: { id: line.id }, data });
    else await tx.purchaseOrderLine.create({ data: { ...data, purchaseOrderId: orderId, lineNumber: ++next } });
  }
}

/** How many serials (or batch units) are entered on a line, waiting to be received. */
async function enteredOnLine(tx: Tx, lineId: number) {
  const [row] = await tx.$queryRaw<{ sku: string; serialised: boolean; count: string }[]>`
    SELECT p.sku, p.serialised,
           ((SELECT COUNT(*) FROM serial_number WHERE status = 'on_order' AND po_line_id = l.id) +
            (SELECT COALESCE(SUM(quantity), 0) FROM pending_batch WHERE line_id = l.id))::text AS count
    FROM purchase_order_line l JOIN product p ON p.id = l.product_id
    WHERE l.id = ${lineId}`;
  return { sku: row!.sku, count: Number(row!.count), what: row!.serialised ? 'serials' : 'batch units' };
}

export function issueOrder(prisma: PrismaClient, id: number) {
  return inTransaction(prisma, async (tx) => {
    const order = await lockOrder(tx, id);
    assertIssuable(id, order.status);
    await tx.purchaseOrder.update({ where: { id }, data: { status: 'issued' } });
    return getOrder(tx, id);
  });
}

/** Cancels what is still to come: receipts stand, entered serials and batches are released. */
export function cancelOrder(prisma: PrismaClient, id: number) {
  return inTransaction(prisma, async (tx) => {
    const order = await lockOrder(tx, id);
    assertEditable(id, order.status);
    const lines = await tx.purchaseOrderLine.findMany({ where: { purchaseOrderId: id }, select: { id: true } });
    await deleteSerialsOnOrder(
      tx,
      lines.map((l) => l.id),
    );
    await tx.pendingBatch.deleteMany({ where: { line: { purchaseOrderId: id } } });
    await tx.purchaseOrder.update({ where: { id }, data: { status: 'cancelled' } });
    return getOrder(tx, id);
  });
}

/** Recounts the status from the lines after receipts. */
export async function refreshStatus(tx: Tx, id: number, current: OrderStatus): Promise<OrderStatus> {
  const lines = await tx.purchaseOrderLine.findMany({ where: { purchaseOrderId: id }, select: { quantity: true, receivedQuantity: true } });
  const status = statusFromReceipts(
    current,
    lines.map((l) => ({ quantity: Number(l.quantity), received: Number(l.receivedQuantity) })),
  );
  if (status !== current) await tx.purchaseOrder.update({ where: { id }, data: { status } });
  return status;
}

const ORDER_SELECT = {
  id: true,
  status: true,
  currency: true,
  exchangeRate: true,
  expectedDate: true,
  reference: true,
  createdAt: true,
  updatedAt: true,
  supplier: { select: { id: true, name: true } },
  location: { select: { id: true, name: true } },
  bay: { select: { id: true, name: true } },
} as const;

export async function getOrder(db: Db, id: number) {
  const order = found(await db.purchaseOrder.findUnique({ where: { id }, select: ORDER_SELECT }), 'Purchase order', id);
  const lines = await db.purchaseOrderLine.findMany({
    where: { purchaseOrderId: id },
    orderBy: { lineNumber: 'asc' },
    select: {
      id: true,
      lineNumber: true,
      quantity: true,
      unitCost: true,
      receivedQuantity: true,
      product: { select: { id: true, sku: true, name: true, serialised: true, batchTracked: true, stockTracked: true } },
      serials: {
        where: { status: 'on_order' },
        select: { serial: true, bay: { select: { id: true, name: true } } },
        orderBy: { id: 'asc' },
      },
      pendingBatches: {
        select: { number: true, expiry: true, quantity: true, bay: { select: { id: true, name: true } } },
        orderBy: { id: 'asc' },
      },
    },
  });
  const receipts = await db.receipt.findMany({
    where: { purchaseOrderId: id },
    orderBy: { id: 'asc' },
    select: {
      id: true,
      createdAt: true,
      user: { select: { name: true } },
      lines: { select: { lineId: true, quantity: true, unitCost: true } },
    },
  });
  return {
    ...order,
    exchangeRate: Number(order.exchangeRate),
    expectedDate: order.expectedDate?.toISOString().slice(0, 10) ?? null,
    lines: lines.map(({ product, serials: pendingSerials, pendingBatches, quantity, unitCost, receivedQuantity, ...line }) => ({
      ...line,
      productId: product.id,
      product,
      quantity: Number(quantity),
      unitCost: Number(unitCost),
      receivedQuantity: Number(receivedQuantity),
      pendingSerials: pendingSerials.map((p) => p.serial),
      pendingSerialBays: pendingSerials.map((p) => p.bay?.name ?? null),
      pendingBatches: pendingBatches.map((b) => ({
        number: b.number,
        expiry: b.expiry?.toISOString().slice(0, 10) ?? null,
        quantity: Number(b.quantity),
        bayName: b.bay?.name ?? null,
      })),
    })),
    receipts: receipts.map((r) => ({
      id: r.id,
      createdAt: r.createdAt,
      userName: r.user.name,
      lines: r.lines.map((l) => ({ lineId: l.lineId, quantity: Number(l.quantity), unitCost: Number(l.unitCost) })),
    })),
  };
}

export async function listOrders(db: Db, input: { status?: OrderStatus; supplierId?: number; cursor?: number; limit: number }) {
  const rows = await db.purchaseOrder.findMany({
    where: { status: input.status, supplierId: input.supplierId, ...(input.cursor ? { id: { gt: input.cursor } } : {}) },
    orderBy: { id: 'asc' },
    take: input.limit + 1,
    select: { ...ORDER_SELECT, _count: { select: { lines: true } } },
  });
  return page(
    rows.map(({ _count, exchangeRate, expectedDate, ...row }) => ({
      ...row,
      exchangeRate: Number(exchangeRate),
      expectedDate: expectedDate?.toISOString().slice(0, 10) ?? null,
      lineCount: _count.lines,
    })),
    input.limit,
  );
}
