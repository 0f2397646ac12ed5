import type { PrismaClient } from '../../db/generated/client.ts';
import { inTransaction, pgErrorCode } from '../../db/transaction.ts';
import type { Db, Tx } from '../../db/types.ts';
import { DomainError, found } from '../../domain/errors.ts';
import { resolvePlace } from '../locations/service.ts';
import { page } from '../pagination.ts';
import { releaseOrderHoldings } from '../allocations/index.ts';

export type SalesOrderStatus = 'open' | 'partially_shipped' | 'shipped' | 'invoiced' | 'cancelled';

export async function createCustomer(prisma: PrismaClient, name: string) {
  try {
    return await prisma.customer.create({ data: { name }, select: { id: true, name: true, createdAt: true } });
  } catch (error) {
    if (pgErrorCode(error) === '23505') throw new DomainError('CUSTOMER_NAME_TAKEN', `A customer named "${name}" already exists.`);
    throw error;
  }
}

export async function listCustomers(db: Db) {
  return {
    items: await db.customer.findMany({ select: { id: true, name: true, createdAt: true }, orderBy: { name: 'asc' } }),
    nextCursor: null,
  };
}

/** Locks the order row: allocating, shipping and cancelling one order go one at a time. */
export async function lockSalesOrder(tx: Tx, id: number) {
  const [row] = await tx.$queryRaw<{ id: number; status: SalesOrderStatus; location_id: number }[]>`
    SELECT id, status::text AS status, location_id FROM sales_order WHERE id = ${id} FOR UPDATE`;
  return found(row, 'Sales order', id);
}

export function assertOpen(order: { id: number; status: SalesOrderStatus }) {
  if (order.status === 'shipped' || order.status === 'invoiced' || order.status === 'cancelled') {
    throw new DomainError('ORDER_NOT_OPEN', `Sales order #${order.id} is ${order.status}; it can no longer change.`);
  }
}

export interface NewSalesOrder {
  customerId: number;
  locationId: number;
  reference?: string | null;
  lines: { productId: number; quantity: number; unitPrice: number }[];
}

export function createSalesOrder(prisma: PrismaClient, userId: number, input: NewSalesOrder) {
  return inTransaction(prisma, async (tx) => getSalesOrder(tx, await insertSalesOrder(tx, userId, input)));
}

/** Checks and writes a new order (also behind a shipment or invoice made on its own); returns its id. */
export async function insertSalesOrder(tx: Tx, userId: number, input: NewSalesOrder) {
  found(await tx.customer.findUnique({ where: { id: input.customerId }, select: { id: true } }), 'Customer', input.customerId);
  await resolvePlace(tx, input.locationId, null);
  const ids = [...new Set(input.lines.map((l) => l.productId))];
  const products = await tx.product.findMany({
    where: { id: { in: ids } },
    select: { id: true, sku: true, sellable: true, serialised: true, active: true },
  });
  for (const line of input.lines) {
    const product = products.find((p) => p.id === line.productId);
    if (!product) throw new DomainError('NOT_FOUND', `Product ${line.productId} does not exist.`);
    if (!product.sellable)
      throw new DomainError(
        'PRODUCT_NOT_SELLABLE',
        `${product.sku} is not sellable: mark it sellable (with its sale GL code and tax rate) first.`,
      );
    if (!product.active) throw new DomainError('PRODUCT_INACTIVE', `${product.sku} is inactive; reactivate it before selling it.`);
    if (product.serialised && !Number.isInteger(line.quantity)) {
      throw new DomainError('INVALID_INPUT', `${product.sku} is serialised: order a whole number of units.`);
    }
  }
  const order = await tx.salesOrder.create({
    data: {
      customerId: input.customerId,
      locationId: input.locationId,
      reference: input.reference ?? null,
      createdById: userId,
      lines: {
        create: input.lines.map((l, i) => ({ lineNumber: i + 1, productId: l.productId, quantity: l.quantity, unitPrice: l.unitPrice })),
      },
    },
    select: { id: true },
  });
  return order.id;
}

/**
 * Cancels what is left of an order: its allocated serials and batches go back to stock, available
 * to anyone, and its shipments still to pick and draft invoices are cancelled. What already went
 * out stays out (the ledger has it).
 */
export function cancelSalesOrder(prisma: PrismaClient, userId: number, id: number) {
  return inTransaction(prisma, async (tx) => {
    const order = await lockSalesOrder(tx, id);
    assertOpen(order);
    // Released serials are named by no line any more, so the open shipments and invoices let go of them too.
    await releaseOrderHoldings(tx, 'salesOrder', id, order.location_id, {
      kind: 'allocation',
      userId,
      narrative: `Sales order #${id} cancelled`,
      documentType: 'sales_order',
      documentId: id,
    });
    await tx.shipment.updateMany({ where: { salesOrderId: id, status: 'to_pick' }, data: { status: 'cancelled' } });
    await tx.invoice.updateMany({ where: { salesOrderId: id, status: 'draft' }, data: { status: 'cancelled' } });
    await tx.salesOrder.update({ where: { id }, data: { status: 'cancelled' } });
    return getSalesOrder(tx, id);
  });
}

const ORDER_SELECT = {
  id: true,
  status: true,
  reference: true,
  createdAt: true,
  customer: { select: { id: true, name: true } },
  location: { select: { id: true, name: true } },
} as const;

export async function getSalesOrder(db: Db, id: number) {
  const order = found(await db.salesOrder.findUnique({ where: { id }, select: ORDER_SELECT }), 'Sales order', id);
  const lines = await db.salesOrderLine.findMany({
    where: { salesOrderId: id },
    orderBy: { lineNumber: 'asc' },
    select: {
      id: true,
      lineNumber: true,
      quantity: true,
      unitPrice: true,
      shippedQuantity: true,
      invoicedQuantity: true,
      product: { select: { id: true, sku: true, name: true, serialised: true, batchTracked: true } },
      serials: { where: { status: 'allocated' }, select: { serial: true }, orderBy: { serial: 'asc' } },
      batchAllocations: { select: { quantity: true, batch: { select: { number: true, expiry: true } } }, orderBy: { id: 'asc' } },
    },
  });
  return {
    ...order,
    lines: lines.map(({ product, serials, batchAllocations, quantity, unitPrice, shippedQuantity, invoicedQuantity, ...line }) => ({
      ...line,
      productId: product.id,
      product,
      quantity: Number(quantity),
      unitPrice: Number(unitPrice),
      shippedQuantity: Number(shippedQuantity),
      invoicedQuantity: Number(invoicedQuantity),
      serials: serials.map((s) => s.serial),
      batches: batchAllocations.map((a) => ({
        batch: a.batch.number,
        expiry: a.batch.expiry?.toISOString().slice(0, 10) ?? null,
        quantity: Number(a.quantity),
      })),
    })),
  };
}

export async function listSalesOrders(db: Db, input: { status?: SalesOrderStatus; customerId?: number; cursor?: number; limit: number }) {
  const rows = await db.salesOrder.findMany({
    where: { status: input.status, customerId: input.customerId, ...(input.cursor ? { id: { gt: input.cursor } } : {}) },
    orderBy: { id: 'asc' },
    take: input.limit + 1,
    select: ORDER_SELECT,
  });
  return page(rows, input.limit);
}
