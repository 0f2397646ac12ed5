// Products from a sheet (products.previewImport, products.import): the rows checked field by field
// (inputs.ts), then judged by the product rules with what the database knows about each product
// (server/domain/product-import.ts), then applied in one transaction. Set-based: one statement loads
// the stored products and their facts, one the barcodes' owners, one inserts every new product, one
// updates every changed one; only un-serialising a product (rare) does per-product ledger work.
import type { PrismaClient } from '../../db/generated/client.ts';
import type { Db, Tx } from '../../db/types.ts';
import { gtinSpellings } from '../../domain/barcode.ts';
import { DomainError, type Problem, type Reason } from '../../domain/errors.ts';
import {
  byCell,
  judgeImport,
  type ImportField,
  type ImportPlan,
  type ImportProblem,
  type ImportRow,
  type ProductValues,
  type StoredProduct,
} from '../../domain/product-import.ts';
import type { ProductFacts } from '../../domain/products.ts';
import { retireSerials } from '../../ledger/index.ts';
import { applyOnce } from '../idempotency.ts';
import { checkImportRows, type ImportRowInput } from './inputs.ts';
import { lockBarcodes, uniqueRefusal } from './service.ts';

export interface ImportPreview {
  /** Rows sent. */
  rows: number;
  creates: number;
  updates: number;
  unchanged: number;
  /** Every problem, by row (0-based, as sent) and column (the row's field). None: the import would apply. */
  problems: ImportProblem[];
  /** What each row would do; null for a row that cannot be judged (its SKU is unreadable or repeated). */
  plan: (
    | { row: number; sku: string; action: 'create' }
    | { row: number; sku: string; action: 'update'; id: number; changed: ImportField[] }
    | { row: number; sku: string; action: 'unchanged'; id: number }
    | null
  )[];
}

export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
  /** The rows that changed something: the product made or the fields changed. */
  changes: (
    | { row: number; sku: string; id: number; action: 'create' }
    | { row: number; sku: string; id: number; action: 'update'; changed: ImportField[] }
  )[];
}

interface StoredRow {
  id: number;
  sku: string;
  name: string;
  sellable: boolean;
  purchasable: boolean;
  stock_tracked: boolean;
  serialised: boolean;
  batch_tracked: boolean;
  active: boolean;
  sale_gl_code: string | null;
  selling_tax_rate: string | null;
  purchase_gl_code: string | null;
  purchase_tax_rate: string | null;
  asset_gl_code: string | null;
  cogs_gl_code: string | null;
  barcode: string | null;
  average_cost: string;
  accounting_provider: 'xero' | 'myob' | null;
  history: boolean;
  on_hand: boolean;
  allocated: number;
  on_orders: number;
}

/** The stored products these SKUs name, with the facts the rules need, in one statement (locked first when applying). */
async function storedProducts(
  db: Db,
  skus: string[],
  settings: Pick<ProductFacts, 'accountingConnected' | 'defaultStockAccount'>,
  lock: boolean,
) {
  // Locked in id order, as a product change locks its row: stock changes on them wait, and they for it.
  if (lock) await db.$queryRaw`SELECT id FROM product WHERE sku = ANY(${skus}::text[]) ORDER BY id FOR UPDATE`;
  const rows = await db.$queryRaw<StoredRow[]>`
    SELECT p.id, p.sku, p.name, p.sellable, p.purchasable, p.stock_tracked, p.serialised, p.batch_tracked, p.active,
           p.sale_gl_code, p.selling_tax_rate, p.purchase_gl_code, p.purchase_tax_rate, p.asset_gl_code, p.cogs_gl_code,
           p.barcode, p.average_cost::text, p.accounting_provider::text AS accounting_provider,
           EXISTS (SELECT 1 FROM stock_movement m WHERE m.product_id = p.id) AS history,
           EXISTS (SELECT 1 FROM stock_level l WHERE l.product_id = p.id AND l.quantity > 0) AS on_hand,
           CASE WHEN p.serialised THEN (SELECT COUNT(*)::int FROM serial_number s WHERE s.product_id = p.id AND s.status = 'allocated') ELSE 0 END AS allocated,
           CASE WHEN p.serialised THEN (SELECT COUNT(*)::int FROM serial_number s WHERE s.product_id = p.id AND s.status = 'on_order') ELSE 0 END AS on_orders
    FROM product p WHERE p.sku = ANY(${skus}::text[])`;
  return new Map(
    rows.map((r): [string, StoredProduct] => [
      r.sku,
      {
        id: r.id,
        state: {
          sku: r.sku,
          sellable: r.sellable,
          purchasable: r.purchasable,
          stockTracked: r.stock_tracked,
          serialised: r.serialised,
          batchTracked: r.batch_tracked,
          active: r.active,
          saleGlCode: r.sale_gl_code,
          sellingTaxRate: r.selling_tax_rate,
          purchaseGlCode: r.purchase_gl_code,
          purchaseTaxRate: r.purchase_tax_rate,
          assetGlCode: r.asset_gl_code,
          accountingProvider: r.accounting_provider,
        },
        name: r.name,
        cogsGlCode: r.cogs_gl_code,
        barcode: r.barcode,
        averageCost: Number(r.average_cost),
        facts: {
          hasStockHistory: r.history,
          hasStockOnHand: r.on_hand,
          allocatedSerials: r.allocated,
          serialsOnOrders: r.on_orders,
          ...settings,
        },
      },
    ]),
  );
}

/** Everything the rules need, loaded in three statements, and the rows judged. */
async function judge(db: Db, input: readonly ImportRowInput[], lock: boolean) {
  const checked = checkImportRows(input);
  const rows = checked.rows;
  const settingsRow = await db.settings.findUnique({ where: { id: 1 }, select: { accountingProvider: true, stockAccount: true } });
  const settings = {
    accountingConnected: Boolean(settingsRow?.accountingProvider),
    defaultStockAccount: Boolean(settingsRow?.stockAccount),
  };
  const skus = [...new Set(rows.flatMap((r) => (r ? [r.sku] : [])))];
  const spellings = [
    ...new Set(rows.flatMap((r) => (r?.barcode && /^\d{8,14}$/.test(r.barcode.trim()) ? gtinSpellings(r.barcode.trim()) : []))),
  ];
  if (lock && spellings.length > 0) await lockBarcodes(db as Tx);
  const existing = await storedProducts(db, skus, settings, lock);
  const barcodeOwners =
    spellings.length === 0
      ? []
      : await db.$queryRaw<{ id: number; sku: string; barcode: string }[]>`
          SELECT id, sku, barcode FROM product WHERE barcode = ANY(${spellings}::text[])`;
  const refused = new Set(checked.problems.map((p) => `${p.row}:${p.column}`));
  const judged = judgeImport(rows, { existing, barcodeOwners, newProductFacts: { ...NO_HISTORY, ...settings } }, refused);
  const problems = [...checked.problems, ...judged.problems].sort(byCell);
  return { rows, plans: judged.plans, problems };
}

const NO_HISTORY = { hasStockHistory: false, hasStockOnHand: false, allocatedSerials: 0, serialsOnOrders: 0 };

function counts(plans: (ImportPlan | null)[]) {
  const count = (action: ImportPlan['action']) => plans.filter((p) => p?.action === action).length;
  return { creates: count('create'), updates: count('update'), unchanged: count('unchanged') };
}

/** What importing the rows would do, and every problem that would stop it. Writes nothing. */
export async function previewImport(db: Db, input: readonly ImportRowInput[]): Promise<ImportPreview> {
  const { plans, problems } = await judge(db, input, false);
  return {
    rows: input.length,
    ...counts(plans),
    problems,
    plan: plans.map((p) => {
      if (!p) return null;
      if (p.action === 'update') return { row: p.row, sku: p.sku, action: p.action, id: p.id, changed: p.changed };
      if (p.action === 'unchanged') return { row: p.row, sku: p.sku, action: p.action, id: p.id };
      return { row: p.row, sku: p.sku, action: p.action };
    }),
  };
}

/**
 * Applies every row or none: judged again inside the transaction on locked rows (the sheet may be
 * older than the last check), refused whole with every problem when one row breaks a rule. A retry
 * with the same key applies once and answers as the first time.
 */
export function importProducts(prisma: PrismaClient, input: readonly ImportRowInput[], idempotencyKey: string, userId: number) {
  return applyOnce(prisma, { userId, procedure: 'products.import', key: idempotencyKey, input }, async (tx) => {
    const { plans, problems } = await judge(tx, input, true);
    if (problems.length > 0) throw importRefused(problems);
    const creates = plans.filter((p): p is Extract<ImportPlan, { action: 'create' }> => p?.action === 'create');
    const updates = plans.filter((p): p is Extract<ImportPlan, { action: 'update' }> => p?.action === 'update');
    try {
      // A barcode moving from one product to another in the same sheet: cleared first, so no
      // statement finds it on two rows halfway through.
      const moving = updates.filter((p) => p.changed.includes('barcode')).map((p) => p.id);
      if (moving.length > 0) await tx.$executeRaw`UPDATE product SET barcode = NULL WHERE id = ANY(${moving}::int[])`;
      await updateAll(tx, updates);
      for (const plan of updates) if (plan.effect === 'retire_serials') await retireSerials(tx, plan.id, userId);
      const ids = await insertAll(tx, creates);
      const result: ImportResult = {
        created: creates.length,
        updated: updates.length,
        unchanged: plans.filter((p) => p?.action === 'unchanged').length,
        changes: [
          ...creates.map((p) => ({ row: p.row, sku: p.sku, id: ids.get(p.sku)!, action: 'create' as const })),
          ...updates.map((p) => ({ row: p.row, sku: p.sku, id: p.id, action: 'update' as const, changed: p.changed })),
        ].sort((a, b) => a.row - b.row),
      };
      return result;
    } catch (error) {
      // Another request made a product with one of these SKUs after this one was judged (a new SKU is
      // not locked): the unique index refused it, and nothing of this import was written.
      if (uniqueRefusal(error, '', null)) {
        throw new DomainError(
          'SKU_TAKEN',
          'Nothing was imported: another request created a product with one of these new SKUs meanwhile. Check the sheet again and apply it.',
        );
      }
      throw error;
    }
  });
}

/** The column arrays of a set of rows, for one unnest() statement. */
function columns(values: ProductValues[]) {
  return {
    sku: values.map((v) => v.sku),
    name: values.map((v) => v.name),
    sellable: values.map((v) => v.sellable),
    purchasable: values.map((v) => v.purchasable),
    stockTracked: values.map((v) => v.stockTracked),
    serialised: values.map((v) => v.serialised),
    batchTracked: values.map((v) => v.batchTracked),
    active: values.map((v) => v.active),
    saleGlCode: values.map((v) => v.saleGlCode),
    sellingTaxRate: values.map((v) => v.sellingTaxRate),
    purchaseGlCode: values.map((v) => v.purchaseGlCode),
    purchaseTaxRate: values.map((v) => v.purchaseTaxRate),
    assetGlCode: values.map((v) => v.assetGlCode),
    cogsGlCode: values.map((v) => v.cogsGlCode),
    barcode: values.map((v) => v.barcode),
    averageCost: values.map((v) => String(v.averageCost)),
  };
}

async function insertAll(tx: Tx, creates: Extract<ImportPlan, { action: 'create' }>[]): Promise<Map<string, number>> {
  if (creates.length === 0) return new Map();
  const c = columns(creates.map((p) => p.values));
  const made = await tx.$queryRaw<{ id: number; sku: string }[]>`
    INSERT INTO product (sku, name, sellable, purchasable, stock_tracked, serialised, batch_tracked, active, sale_gl_code,
                         selling_tax_rate, purchase_gl_code, purchase_tax_rate, asset_gl_code, cogs_gl_code, barcode,
                         average_cost, updated_at)
    SELECT *, now() FROM unnest(
      ${c.sku}::text[], ${c.name}::text[], ${c.sellable}::boolean[], ${c.purchasable}::boolean[], ${c.stockTracked}::boolean[],
      ${c.serialised}::boolean[], ${c.batchTracked}::boolean[], ${c.active}::boolean[], ${c.saleGlCode}::text[],
      ${c.sellingTaxRate}::text[], ${c.purchaseGlCode}::text[], ${c.purchaseTaxRate}::text[], ${c.assetGlCode}::text[],
      ${c.cogsGlCode}::text[], ${c.barcode}::text[], ${c.averageCost}::numeric[])
    RETURNING id, sku`;
  return new Map(made.map((m) => [m.sku, m.id]));
}

async function updateAll(tx: Tx, updates: Extract<ImportPlan, { action: 'update' }>[]): Promise<void> {
  if (updates.length === 0) return;
  const c = columns(updates.map((p) => p.values));
  const ids = updates.map((p) => p.id);
  await tx.$executeRaw`
    UPDATE product p SET
      name = u.name, sellable = u.sellable, purchasable = u.purchasable, stock_tracked = u.stock_tracked,
      serialised = u.serialised, batch_tracked = u.batch_tracked, active = u.active, sale_gl_code = u.sale_gl_code,
      selling_tax_rate = u.selling_tax_rate, purchase_gl_code = u.purchase_gl_code, purchase_tax_rate = u.purchase_tax_rate,
      asset_gl_code = u.asset_gl_code, cogs_gl_code = u.cogs_gl_code, barcode = u.barcode, average_cost = u.average_cost,
      updated_at = now()
    FROM unnest(
      ${ids}::int[], ${c.name}::text[], ${c.sellable}::boolean[], ${c.purchasable}::boolean[], ${c.stockTracked}::boolean[],
      ${c.serialised}::boolean[], ${c.batchTracked}::boolean[], ${c.active}::boolean[], ${c.saleGlCode}::text[],
      ${c.sellingTaxRate}::text[], ${c.purchaseGlCode}::text[], ${c.purchaseTaxRate}::text[], ${c.assetGlCode}::text[],
      ${c.cogsGlCode}::text[], ${c.barcode}::text[], ${c.averageCost}::numeric[])
      AS u(id, name, sellable, purchasable, stock_tracked, serialised, batch_tracked, active, sale_gl_code, selling_tax_rate,
           purchase_gl_code, purchase_tax_rate, asset_gl_code, cogs_gl_code, barcode, average_cost)
    WHERE p.id = u.id`;
}

/** The refusal of a whole import: every problem, in the API's list-problem form (index: the row; field: the column). */
export function importRefused(problems: ImportProblem[]): DomainError {
  const reasons = new Set(problems.map((p) => p.reason));
  const reason: Reason = reasons.size === 1 ? problems[0]!.reason : 'INVALID_ROWS';
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more; see the list)` : '';
  const listed: Problem[] = problems.map((p) => ({
    index: p.row,
    token: null,
    reason: p.reason,
    message: p.message,
    field: p.column,
    ...(p.firstRow !== undefined ? { firstIndex: p.firstRow } : {}),
  }));
  return new DomainError(
    reason,
    `Nothing was imported: row ${first.row + 1}, ${first.column}: ${first.message.replace(/\.$/, '')}${more}. Fix the rows listed and send them again.`,
    listed,
  );
}

export type { ImportRow };
