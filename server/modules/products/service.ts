import type { PrismaClient } from '../../db/generated/client.ts';
import { inTransaction, pgErrorCode } from '../../db/transaction.ts';
import type { Db, Tx } from '../../db/types.ts';
import { barcodeTaken, decideBarcode, gtin14, gtinSpellings } from '../../domain/barcode.ts';
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
  cogsGlCode: true,
  barcode: true,
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

export function skuTaken(sku: string): DomainError {
  return new DomainError('SKU_TAKEN', `SKU "${sku}" is already used by another product; SKUs are unique.`);
}

/** What a product has besides the fields its rules are about: its name, COGS GL code and barcode (as sent). */
export interface ProductDetails {
  name?: string;
  cogsGlCode?: string | null;
  barcode?: string | null;
}

/**
 * Writes of barcodes queue on one lock, so two transactions cannot both find a GTIN free and both
 * take it (in two spellings the unique index would not catch). Product edits are rare; a whole
 * import takes it once.
 */
export async function lockBarcodes(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('stocksheet.product.barcode'))`;
}

/** The products with this GTIN in any spelling (a UPC-A and its EAN-13 with a leading 0 are one). */
async function barcodeOwners(db: Db, barcode: string) {
  return db.product.findMany({ where: { barcode: { in: gtinSpellings(barcode) } }, select: { id: true, sku: true, barcode: true } });
}

/** Checks the barcode sent (BARCODE_INVALID) and that no other product has it (BARCODE_TAKEN, naming it). */
async function decideProductBarcode(tx: Tx, sent: string | null | undefined, productId: number | null) {
  const barcode = decideBarcode(sent);
  if (!barcode) return barcode;
  await lockBarcodes(tx);
  const other = (await barcodeOwners(tx, barcode)).find((p) => p.id !== productId);
  if (other) throw barcodeTaken(barcode, other);
  return barcode;
}

/** A unique index refused the write: the SKU's, or the barcode's (only when a writer skipped lockBarcodes). */
export function uniqueRefusal(error: unknown, sku: string, barcode: string | null | undefined): DomainError | null {
  if (pgErrorCode(error) !== '23505') return null;
  if (barcode && /barcode/i.test(JSON.stringify((error as { meta?: unknown }).meta ?? '') + String((error as Error).message))) {
    return new DomainError(
      'BARCODE_TAKEN',
      `Barcode ${barcode} is already the barcode of another product; a barcode belongs to one product.`,
    );
  }
  return skuTaken(sku);
}

export async function createProduct(prisma: PrismaClient, input: ProductPatch & ProductDetails & { sku: string; name: string }) {
  return inTransaction(prisma, async (tx) => {
    const { name, cogsGlCode, barcode: sent, ...rules } = input;
    const { next } = decideProductChange(null, rules, {
      hasStockHistory: false,
      hasStockOnHand: false,
      allocatedSerials: 0,
      serialsOnOrders: 0,
      ...(await accountingFacts(tx)),
    });
    const barcode = await decideProductBarcode(tx, sent, null);
    const { accountingProvider: _linkedLater, ...data } = next;
    try {
      return toDto(await tx.product.create({ data: { ...data, name, cogsGlCode, barcode }, select: PRODUCT_SELECT }));
    } catch (error) {
      throw uniqueRefusal(error, input.sku, barcode) ?? error;
    }
  });
}

/** Applies a patch through the product rules, carrying out what a tracking change does to stock. */
async function changeProduct(
  tx: Tx,
  id: number,
  patch: ProductPatch & ProductDetails,
  userId: number,
  options: { convertSerialsToBatches?: boolean } = {},
) {
  const current = await loadProduct(tx, id, true);
  const { name, cogsGlCode, barcode: sent, ...rules } = patch;
  const { next, effect } = decideProductChange(stateOf(current), rules, await productFacts(tx, id), options);
  const barcode = await decideProductBarcode(tx, sent, id);
  await applyTrackingEffect(tx, id, effect, userId);
  const { accountingProvider: _unchanged, ...data } = next;
  try {
    return toDto(await tx.product.update({ where: { id }, data: { ...data, name, cogsGlCode, barcode }, select: PRODUCT_SELECT }));
  } catch (error) {
    throw uniqueRefusal(error, next.sku, barcode) ?? error;
  }
}

async function applyTrackingEffect(tx: Tx, productId: number, effect: TrackingEffect, userId: number) {
  if (effect === 'retire_serials') await retireSerials(tx, productId, userId);
  if (effect === 'serials_to_batches') await convertSerialsToBatches(tx, productId, userId);
}

export function updateProduct(prisma: PrismaClient, id: number, patch: ProductPatch & ProductDetails, userId: number) {
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

export async function listProducts(
  db: Db,
  input: { search?: string; barcode?: string; cursor?: number; limit: number; includeInactive?: boolean },
) {
  const trimmed = input.search?.trim();
  const search = trimmed ? likeLiteral(trimmed) : undefined;
  const barcode = input.barcode === undefined ? undefined : decideBarcode(input.barcode);
  const rows = await db.product.findMany({
    where: {
      ...(input.includeInactive ? {} : { active: true }),
      ...(barcode ? { barcode: { in: gtinSpellings(barcode) } } : {}),
      ...(search ? { OR: [{ sku: { contains: search, mode: 'insensitive' } }, { name: { contains: search, mode: 'insensitive' } }] } : {}),
      ...(input.cursor ? { id: { gt: input.cursor } } : {}),
    },
    orderBy: { id: 'asc' },
    take: input.limit + 1,
    select: PRODUCT_SELECT,
  });
  return page(rows.map(toDto), input.limit);
}

/**
 * The product a scanned or typed barcode belongs to (its GTIN in any spelling: a scanner may send a
 * UPC-A as 12 digits or as 13 with a leading 0). A misread (wrong check digit) is BARCODE_INVALID,
 * naming the digit expected; no product with it is NOT_FOUND.
 */
export async function productByBarcode(db: Db, scanned: string) {
  const barcode = decideBarcode(scanned);
  if (!barcode) throw new DomainError('BARCODE_INVALID', 'The barcode is blank: scan or type the digits under the bars.');
  const [owner] = await barcodeOwners(db, barcode);
  if (!owner) throw new DomainError('NOT_FOUND', `No product has barcode ${barcode} (GTIN ${gtin14(barcode)}).`);
  return getProduct(db, owner.id);
}
