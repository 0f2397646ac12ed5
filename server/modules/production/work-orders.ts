import type { PrismaClient } from '../../db/generated/client.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { Db, Tx } from '../../db/types.ts';
import { isFullyAllocated } from '../../domain/allocation.ts';
import { DomainError, found, type Problem } from '../../domain/errors.ts';
import { lessQuantity } from '../../domain/quantity.ts';
import { releaseOrderHoldings } from '../allocations/index.ts';
import { resolvePlace } from '../locations/service.ts';
import { page } from '../pagination.ts';

export type WorkOrderStatus = 'draft' | 'in_progress' | 'completed' | 'cancelled';

export interface NewWorkOrder {
  locationId: number;
  reference?: string | null;
  inputs: { productId: number; quantity: number }[];
  outputs: { productId: number; quantity: number }[];
}

/** Inputs are consumed from the location, outputs put into stock there. */
export function createWorkOrder(prisma: PrismaClient, userId: number, input: NewWorkOrder) {
  return inTransaction(prisma, async (tx) => {
    await resolvePlace(tx, input.locationId, null);
    const ids = [...new Set([...input.inputs, ...input.outputs].map((l) => l.productId))];
    const products = await tx.product.findMany({
      where: { id: { in: ids } },
      select: { id: true, sku: true, serialised: true, stockTracked: true, active: true },
    });
    const lines = [
      ...input.inputs.map((l) => ({ ...l, role: 'input' as const })),
      ...input.outputs.map((l) => ({ ...l, role: 'output' as const })),
    ];
    for (const line of lines) {
      const product = products.find((p) => p.id === line.productId);
      if (!product) throw new DomainError('NOT_FOUND', `Product ${line.productId} does not exist.`);
      if (!product.active)
        throw new DomainError('PRODUCT_INACTIVE', `${product.sku} is inactive; reactivate it before using it in a work order.`);
      if (line.role === 'output' && !product.stockTracked) {
        throw new DomainError(
          'PRODUCT_NOT_STOCK_TRACKED',
          `${product.sku} is not stock tracked, so a work order cannot put it into stock; make it stock tracked or leave it out of the outputs.`,
        );
      }
      if (product.serialised && !Number.isInteger(line.quantity)) {
        throw new DomainError('INVALID_INPUT', `${product.sku} is serialised: use a whole number of units.`);
      }
    }
    const order = await tx.workOrder.create({
      data: {
        locationId: input.locationId,
        reference: input.reference ?? null,
        createdById: userId,
        lines: { create: lines.map((l, i) => ({ lineNumber: i + 1, role: l.role, productId: l.productId, quantity: l.quantity })) },
      },
      select: { id: true },
    });
    return getWorkOrder(tx, order.id);
  });
}

/** Locks the work order row (its allocations, start, completion and cancel go one at a time). */
export async function lockWorkOrder(tx: Tx, id: number) {
  const [row] = await tx.$queryRaw<{ id: number; status: WorkOrderStatus; location_id: number }[]>`
    SELECT id, status::text AS status, location_id FROM work_order WHERE id = ${id} FOR UPDATE`;
  return found(row, 'Work order', id);
}

export function assertStatus(order: { id: number; status: WorkOrderStatus }, wanted: WorkOrderStatus[], doing: string) {
  if (wanted.includes(order.status)) return;
  const hint = order.status === 'draft' ? ' Start it first.' : '';
  throw new DomainError('DOCUMENT_NOT_OPEN', `Work order #${order.id} is ${order.status.replace('_', ' ')}; it cannot ${doing}.${hint}`);
}

/** A work order line with its product's tracking, as the start and completion read it. */
export interface LineState {
  id: number;
  line_number: number;
  product_id: number;
  sku: string;
  quantity: string;
  serialised: boolean;
  batch_tracked: boolean;
}

interface InputState extends LineState {
  stock_tracked: boolean;
  average_cost: string;
  serials_held: number;
  batches_held: string;
  on_hand: string;
}

export async function inputStates(tx: Tx, workOrderId: number, locationId: number) {
  return tx.$queryRaw<InputState[]>`
    SELECT l.id, l.line_number, p.id AS product_id, p.sku, l.quantity::text, p.serialised, p.batch_tracked, p.stock_tracked, p.average_cost::text,
           (SELECT count(*)::int FROM serial_number s WHERE s.wo_line_id = l.id AND s.status = 'allocated') AS serials_held,
           COALESCE((SELECT SUM(quantity) FROM batch_allocation a WHERE a.wo_line_id = l.id), 0)::text AS batches_held,
           COALESCE((SELECT SUM(quantity) FROM stock_level sl WHERE sl.product_id = p.id AND sl.location_id = ${locationId} AND sl.batch_id IS NULL), 0)::text AS on_hand
    FROM work_order_line l JOIN product p ON p.id = l.product_id
    WHERE l.work_order_id = ${workOrderId} AND l.role = 'input'
    ORDER BY l.line_number`;
}

/**
 * Starts a draft work order: every serialised input names its serials and every batch input its
 * batches (SERIALS_REQUIRED otherwise, naming each line), and plain inputs are on hand. The serials
 * and batches were allocated when named, so nobody else can take them from here on.
 */
export async function startWorkOrder(tx: Tx, id: number) {
  const order = await lockWorkOrder(tx, id);
  assertStatus(order, ['draft'], 'start');
  const inputs = await inputStates(tx, id, order.location_id);
  const problems: Problem[] = [];
  inputs.forEach((line, index) => {
    const label = `Input line ${line.line_number} (${line.sku})`;
    const quantity = Number(line.quantity);
    const product = { serialised: line.serialised, batchTracked: line.batch_tracked };
    if (line.serialised && !isFullyAllocated(product, line.serials_held, quantity)) {
      problems.push({
        index,
        token: line.sku,
        reason: 'SERIALS_REQUIRED',
        message: `${label} has ${line.serials_held} of its ${quantity} serials`,
      });
    } else if (line.batch_tracked && !isFullyAllocated(product, Number(line.batches_held), quantity)) {
      problems.push({
        index,
        token: line.sku,
        reason: 'SERIALS_REQUIRED',
        message: `${label} has batches for ${Number(line.batches_held)} of its ${quantity} units`,
      });
    }
  });
  if (problems.length > 0) {
    throw new DomainError(
      'SERIALS_REQUIRED',
      `Work order #${id} cannot start until every serialised and batch input is allocated: ${problems.map((p) => p.message).join('; ')}.`,
      problems,
    );
  }
  const short = inputs.find(
    (l) => l.stock_tracked && !l.serialised && !l.batch_tracked && lessQuantity(Number(l.on_hand), Number(l.quantity)),
  );
  if (short) {
    throw new DomainError(
      'INSUFFICIENT_STOCK',
      `Work order #${id} needs ${Number(short.quantity)} of ${short.sku} and only ${Number(short.on_hand)} are on hand at its location.`,
    );
  }
  await tx.workOrder.update({ where: { id }, data: { status: 'in_progress', startedAt: new Date() } });
}

/** Cancels a draft or started work order: its serials and batches go back to stock for anyone. */
export async function cancelWorkOrder(tx: Tx, userId: number, id: number) {
  const order = await lockWorkOrder(tx, id);
  assertStatus(order, ['draft', 'in_progress'], 'be cancelled');
  await releaseOrderHoldings(tx, 'workOrder', id, order.location_id, {
    kind: 'allocation',
    userId,
    narrative: `Work order #${id} cancelled`,
    documentType: 'work_order',
    documentId: id,
  });
  await tx.workOrder.update({ where: { id }, data: { status: 'cancelled' } });
}

const PRODUCT = { select: { id: true, sku: true, name: true, serialised: true, batchTracked: true } } as const;

export async function getWorkOrder(db: Db, id: number) {
  const order = found(
    await db.workOrder.findUnique({
      where: { id },
      select: {
        id: true,
        status: true,
        reference: true,
        createdAt: true,
        startedAt: true,
        completedAt: true,
        location: { select: { id: true, name: true } },
      },
    }),
    'Work order',
    id,
  );
  const lines = await db.workOrderLine.findMany({
    where: { workOrderId: id },
    orderBy: { lineNumber: 'asc' },
    select: {
      id: true,
      lineNumber: true,
      role: true,
      quantity: true,
      product: PRODUCT,
      serials: { select: { serial: true }, orderBy: { serial: 'asc' } },
      batchAllocations: { select: { quantity: true, batch: { select: { number: true, expiry: true } } }, orderBy: { id: 'asc' } },
    },
  });
  // What a completed order consumed from batches and made is in the ledger, by line.
  const made = await db.$queryRaw<
    { line_id: number; serial: string | null; batch: string | null; expiry: string | null; quantity: string }[]
  >`
    SELECT m.document_line_id AS line_id, s.serial, b.number AS batch, to_char(b.expiry, 'YYYY-MM-DD') AS expiry, m.quantity::text
    FROM stock_movement m LEFT JOIN stock_movement_serial ms ON ms.movement_id = m.id LEFT JOIN serial_number s ON s.id = ms.serial_id
    LEFT JOIN batch b ON b.id = m.batch_id
    WHERE m.document_type = 'work_order' AND m.document_id = ${id} AND m.kind = 'production'
    ORDER BY m.id, s.serial`;
  const view = (line: (typeof lines)[number]) => {
    const output = line.role === 'output';
    const ledger = made.filter((m) => m.line_id === line.id);
    const batches =
      line.batchAllocations.length > 0
        ? line.batchAllocations.map((a) => ({
            batch: a.batch.number,
            expiry: a.batch.expiry?.toISOString().slice(0, 10) ?? null,
            quantity: Number(a.quantity),
          }))
        : ledger.filter((m) => m.batch).map((m) => ({ batch: m.batch!, expiry: m.expiry, quantity: Math.abs(Number(m.quantity)) }));
    return {
      id: line.id,
      lineNumber: line.lineNumber,
      productId: line.product.id,
      product: line.product,
      quantity: Number(line.quantity),
      serials: output ? ledger.flatMap((m) => (m.serial ? [m.serial] : [])) : line.serials.map((s) => s.serial),
      batches,
    };
  };
  return {
    ...order,
    inputs: lines.filter((l) => l.role === 'input').map(view),
    outputs: lines.filter((l) => l.role === 'output').map(view),
  };
}

export async function listWorkOrders(db: Db, input: { status?: WorkOrderStatus; cursor?: number; limit: number }) {
  const rows = await db.workOrder.findMany({
    where: { status: input.status, ...(input.cursor ? { id: { gt: input.cursor } } : {}) },
    orderBy: { id: 'asc' },
    take: input.limit + 1,
    select: { id: true, status: true, reference: true, createdAt: true, location: { select: { id: true, name: true } } },
  });
  return page(rows, input.limit);
}
