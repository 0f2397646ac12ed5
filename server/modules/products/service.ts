import type { PrismaClient } from '../../db/generated/client.ts';
import { inTransaction, pgErrorCode } from '../../db/transaction.ts';
import type { Db, Tx } from '../../db/types.ts';
import { DomainError, found } from '../../domain/errors.ts';
import {
  decideProductChange,
  providerName,
  type ProductFacts,
  type ProductPatch,
  type ProductState,
  type TrackingEffect,
} from '../../domain/products.ts';
import { page } from '../pagination.ts';
import { convertSerialsToBatches, retireSerials } from '../../ledger/index.ts';

export const PRODUCT_SELECT = {
  id: true,
  sku: true,
  name: true,
  sellable: true,
  purchasable: true,
  stockTracked: true,
  serialised: true,
  batchTracked: true,
  active: true,
  saleGlCode: true,
  sellingTaxRate: true,
  purchaseGlCode: true,
  purchaseTaxRate: true,
  assetGlCode: true,
  averageCost: true,
  accountingProvider: true,
  accountingExternalId: true,
  accountingLinkedAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

type ProductRow = Awaited<ReturnType<typeof loadProduct>>;

function toDto(row: ProductRow) {
  return { ...row, averageCost: Number(row.averageCost) };
}
export type ProductDto = ReturnType<typeof toDto>;

async function loadProduct(db: Db, id: number, lock = false) {
  // Changes lock the row so two edits of one product apply one after the other.
  if (lock) await db.$queryRaw`SELECT id FROM product WHERE id = ${id} FOR UPDATE`;
  return found(await db.product.findUnique({ where: { id }, select: PRODUCT_SELECT }), 'Product', id);
}

/** Whether an accounting system is connected, and whether a default stock account is mapped. */
async function accountingFacts(db: Db): Promise<Pick<ProductFacts, 'accountingConnected' | 'defaultStockAccount'>> {
  const settings = await db.settings.findUnique({ where: { id: 1 }, select: { accountingProvider: true, stockAccount: true } });
  return { accountingConnected: Boolean(settings?.accountingProvider), defaultStockAccount: Boolean(settings?.stockAccount) };
}

async function productFacts(db: Db, productId: number): Promise<ProductFacts> {
  const [row] = await db.$queryRaw<{ history: boolean; on_hand: boolean; allocated: number; on_orders: number }[]>`
    SELECT EXISTS (SELECT 1 FROM stock_movement WHERE product_id = ${productId}) AS history,
           EXISTS (SELECT 1 FROM stock_level WHERE product_id = ${productId} AND quantity > 0) AS on_hand,
           (SELECT COUNT(*)::int FROM serial_number WHERE product_id = ${productId} AND status = 'allocated') AS allocated,
           (SELECT COUNT(*)::int FROM serial_number WHERE product_id = ${productId} AND status = 'on_order') AS on_orders`;
  return {
    hasStockHistory: row!.history,
    hasStockOnHand: row!.on_hand,
    allocatedSerials: row!.allocated,
    serialsOnOrders: row!.on_orders,
    ...(await accountingFacts(db)),
  };
}

function stateOf(row: ProductRow): ProductState {
  const { sku, sellable, purchasable, stockTracked, serialised, batchTracked, active } = row;
  const { saleGlCode, sellingTaxRate, purchaseGlCode, purchaseTaxRate, assetGlCode, accountingProvider } = row;
  return {
    sku,
    sellable,
    purchasable,
    stockTracked,
    serialised,
    batchTracked,
    active,
    saleGlCode,
    sellingTaxRate,
    purchaseGlCode,
    purchaseTaxRate,
    assetGlCode,
    accountingProvider,
  };
}

function skuTaken(sku: string): DomainError {
  return new DomainError('SKU_TAKEN', `SKU "${sku}" is already used by another product; SKUs are unique.`);
}

export async function createProduct(prisma: PrismaClient, input: ProductPatch & { sku: string; name: string }) {
  return inTransaction(prisma, async (tx) => {
    const { next } = decideProductChange(null, input, {
      hasStockHistory: false,
      hasStockOnHand: false,
      allocatedSerials: 0,
      serialsOnOrders: 0,
      ...(await accountingFacts(tx)),
    });
    const { accountingProvider: _linkedLater, ...data } = next;
    try {
      return toDto(await tx.product.create({ data: { ...data, name: input.name }, select: PRODUCT_SELECT }));
    } catch (error) {
      if (pgErrorCode(error) === '23505') throw skuTaken(input.sku);
      throw error;
    }
  });
}

/** Applies a patch through the product rules, carrying out what a tracking change does to stock. */
async function changeProduct(
  tx: Tx,
  id: number,
  patch: ProductPatch & { name?: string },
  userId: number,
  options: { convertSerialsToBatches?: boolean } = {},
) {
  const current = await loadProduct(tx, id, true);
  const { next, effect } = decideProductChange(stateOf(current), patch, await productFacts(tx, id), options);
  await applyTrackingEffect(tx, id, effect, userId);
  const { accountingProvider: _unchanged, ...data } = next;
  try {
    return toDto(await tx.product.update({ where: { id }, data: { ...data, name: patch.name }, select: PRODUCT_SELECT }));
  } catch (error) {
    if (pgErrorCode(error) === '23505') throw skuTaken(next.sku);
    throw error;
  }
}

async function applyTrackingEffect(tx: Tx, productId: number, effect: TrackingEffect, userId: number) {
  if (effect === 'retire_serials') await retireSerials(tx, productId, userId);
  if (effect === 'serials_to_batches') await convertSerialsToBatches(tx, productId, userId);
}

export function updateProduct(prisma: PrismaClient, id: number, patch: ProductPatch & { name?: string }, userId: number) {
  return inTransaction(prisma, (tx) => changeProduct(tx, id, patch, userId));
}

/** Mark as serialised / not serialised. Turning it off retires the serials; the stock stays as quantity. */
export function setSerialised(prisma: PrismaClient, id: number, serialised: boolean, userId: number) {
  return inTransaction(prisma, (tx) => changeProduct(tx, id, { serialised }, userId));
}

/** Serialised to batch tracked: every in-stock serial becomes a batch of one; nothing is lost. */
export function convertToBatchTracked(prisma: PrismaClient, id: number, userId: number) {
  return inTransaction(prisma, async (tx) => {
    const current = await loadProduct(tx, id, true);
    if (!current.serialised) {
      throw new DomainError(
        'PRODUCT_NOT_SERIALISED',
        `${current.sku} is not serialised; only a serialised product can be converted to batch tracked.`,
      );
    }
    return changeProduct(tx, id, { serialised: false, batchTracked: true }, userId, { convertSerialsToBatches: true });
  });
}

/** Records that the product exists in the accounting system (it has been synced as an item). */
export function linkAccounting(prisma: PrismaClient, id: number, provider: 'xero' | 'myob', externalId: string) {
  return inTransaction(prisma, async (tx) => {
    const current = await loadProduct(tx, id, true);
    if (current.accountingProvider && current.accountingProvider !== provider) {
      throw new DomainError(
        'ALREADY_LINKED',
        `${current.sku} is already linked to ${providerName(current.accountingProvider)}; a product syncs to one accounting system.`,
      );
    }
    // Linking is a change of state like any other: it must pass the accounting-details rules.
    decideProductChange({ ...stateOf(current), accountingProvider: provider }, {}, await productFacts(tx, id));
    return toDto(
      await tx.product.update({
        where: { id },
        data: { accountingProvider: provider, accountingExternalId: externalId, accountingLinkedAt: new Date() },
        select: PRODUCT_SELECT,
      }),
    );
  });
}

export async function getProduct(db: Db, id: number) {
  return toDto(await loadProduct(db, id));
}

/** Prisma's `contains` is a LIKE pattern: escape its wildcards so `_` and `%` match themselves. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function listProducts(db: Db, input: { search?: string; cursor?: number; limit: number; includeInactive?: boolean }) {
  const trimmed = input.search?.trim();
  const search = trimmed ? likeLiteral(trimmed) : undefined;
  const rows = await db.product.findMany({
    where: {
      ...(input.includeInactive ? {} : { active: true }),
      ...(search ? { OR: [{ sku: { contains: search, mode: 'insensitive' } }, { name: { contains: search, mode: 'insensitive' } }] } : {}),
      ...(input.cursor ? { id: { gt: input.cursor } } : {}),
    },
    orderBy: { id: 'asc' },
    take: input.limit + 1,
    select: PRODUCT_SELECT,
  });
  return page(rows.map(toDto), input.limit);
}
