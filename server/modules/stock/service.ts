import type { PrismaClient } from '../../db/generated/client.ts';
import type { Db } from '../../db/types.ts';
import { DomainError, found } from '../../domain/errors.ts';
import { applyOnce } from '../idempotency.ts';
import { resolvePlace } from '../locations/service.ts';
import { page } from '../pagination.ts';
import { batchFor, dateOnly, holdProduct, moveStock } from '../../ledger/index.ts';

async function trackedProduct(db: Db, productId: number) {
  await holdProduct(db, productId);
  const product = found(
    await db.product.findUnique({
      where: { id: productId },
      select: { id: true, sku: true, stockTracked: true, serialised: true, batchTracked: true, averageCost: true },
    }),
    'Product',
    productId,
  );
  if (!product.stockTracked) {
    throw new DomainError('PRODUCT_NOT_STOCK_TRACKED', `${product.sku} is not stock tracked, so it has no stock to adjust.`);
  }
  return product;
}

export interface AddBatchInput {
  productId: number;
  locationId: number;
  bayId?: number | null;
  number: string;
  expiry?: string | null;
  quantity: number;
  unitCost?: number;
  narrative?: string;
  idempotencyKey: string;
}

/** Brings a quantity of a batch into stock at a location (and bay); the batch is created when new. */
export function addBatch(prisma: PrismaClient, userId: number, input: AddBatchInput) {
  const { idempotencyKey, ...request } = input;
  return applyOnce(prisma, { userId, procedure: 'batches.add', key: idempotencyKey, input: request }, async (tx) => {
    const product = await trackedProduct(tx, input.productId);
    if (!product.batchTracked) {
      throw new DomainError(
        'PRODUCT_NOT_BATCH_TRACKED',
        `${product.sku} is not batch tracked; mark it as batch tracked before adding batches.`,
      );
    }
    const { location, bay } = await resolvePlace(tx, input.locationId, input.bayId);
    const unitCost = input.unitCost ?? 0;
    const batchId = await batchFor(tx, product, input.number, input.expiry, unitCost);
    const place = { productId: product.id, locationId: location.id, bayId: bay?.id ?? null, batchId };
    await moveStock(tx, place, {
      kind: 'opening',
      quantity: input.quantity,
      unitCost,
      userId,
      narrative: input.narrative,
    });
    return { batchId, number: input.number, quantity: input.quantity, locationId: location.id, bayId: bay?.id ?? null };
  });
}

export interface AdjustStockInput {
  productId: number;
  locationId: number;
  bayId?: number | null;
  quantity: number;
  batchNumber?: string;
  expiry?: string | null;
  glCode: string;
  unitCost: number;
  narrative?: string;
  idempotencyKey: string;
}

/** A stock adjustment of a plain or batch-tracked product: signed quantity, never below zero. */
export function adjustStock(prisma: PrismaClient, userId: number, input: AdjustStockInput) {
  const { idempotencyKey, ...request } = input;
  return applyOnce(prisma, { userId, procedure: 'stock.adjust', key: idempotencyKey, input: request }, async (tx) => {
    const product = await trackedProduct(tx, input.productId);
    if (product.serialised) {
      throw new DomainError(
        'USE_SERIAL_ADJUSTMENT',
        `${product.sku} is serialised: adjust it serial by serial (serials.adjust), naming the serials added or removed.`,
      );
    }
    if (product.batchTracked && !input.batchNumber) {
      throw new DomainError('BATCH_REQUIRED', `${product.sku} is batch tracked: name the batch to adjust (batchNumber).`);
    }
    if (!product.batchTracked && input.batchNumber) {
      throw new DomainError('PRODUCT_NOT_BATCH_TRACKED', `${product.sku} is not batch tracked; leave batchNumber out.`);
    }
    const { location, bay } = await resolvePlace(tx, input.locationId, input.bayId);
    let batchId: number | null = null;
    if (input.batchNumber) {
      if (input.quantity > 0) {
        batchId = await batchFor(tx, product, input.batchNumber, input.expiry, input.unitCost);
      } else {
        const batch = await tx.batch.findUnique({
          where: { productId_number: { productId: product.id, number: input.batchNumber } },
          select: { id: true },
        });
        if (!batch)
          throw new DomainError(
            'INSUFFICIENT_STOCK',
            `Batch ${input.batchNumber} of ${product.sku} does not exist, so nothing can be taken out of it.`,
          );
        batchId = batch.id;
      }
    }
    const place = { productId: product.id, locationId: location.id, bayId: bay?.id ?? null, batchId };
    const movementId = await moveStock(tx, place, {
      kind: 'adjustment',
      quantity: input.quantity,
      unitCost: input.unitCost,
      userId,
      glCode: input.glCode,
      narrative: input.narrative,
    });
    return { movementId, productId: product.id, locationId: location.id, bayId: bay?.id ?? null, batchId, quantity: input.quantity };
  });
}

export async function stockLevels(db: Db, input: { productId?: number; locationId?: number; cursor?: number; limit: number }) {
  const rows = await db.stockLevel.findMany({
    where: {
      productId: input.productId,
      locationId: input.locationId,
      quantity: { gt: 0 },
      ...(input.cursor ? { id: { gt: input.cursor } } : {}),
    },
    orderBy: { id: 'asc' },
    take: input.limit + 1,
    select: {
      id: true,
      productId: true,
      locationId: true,
      bayId: true,
      batchId: true,
      quantity: true,
      product: { select: { sku: true } },
      location: { select: { name: true } },
      bay: { select: { name: true } },
      batch: { select: { number: true, expiry: true } },
    },
  });
  return page(
    rows.map(({ product, location, bay, batch, quantity, ...row }) => ({
      ...row,
      quantity: Number(quantity),
      sku: product.sku,
      locationName: location.name,
      bayName: bay?.name ?? null,
      batchNumber: batch?.number ?? null,
      expiry: dateOnly(batch?.expiry ?? null),
    })),
    input.limit,
  );
}

/** Batches with what each holds where (one item per batch and place with stock). */
export async function listBatches(db: Db, input: { productId?: number; locationId?: number; cursor?: number; limit: number }) {
  const levels = await db.stockLevel.findMany({
    where: {
      batchId: { not: null },
      productId: input.productId,
      locationId: input.locationId,
      quantity: { gt: 0 },
      ...(input.cursor ? { id: { gt: input.cursor } } : {}),
    },
    orderBy: { id: 'asc' },
    take: input.limit + 1,
    select: {
      id: true,
      productId: true,
      locationId: true,
      bayId: true,
      quantity: true,
      batch: { select: { id: true, number: true, expiry: true, unitCost: true } },
      location: { select: { name: true } },
      bay: { select: { name: true } },
    },
  });
  return page(
    levels.map(({ batch, location, bay, quantity, ...row }) => ({
      ...row,
      batchId: batch!.id,
      number: batch!.number,
      expiry: dateOnly(batch!.expiry),
      unitCost: Number(batch!.unitCost),
      quantity: Number(quantity),
      locationName: location.name,
      bayName: bay?.name ?? null,
    })),
    input.limit,
  );
}
