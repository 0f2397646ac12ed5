// Products from a sheet: every row judged by the product rules (judgeProductChange, the rules one
// product at a time goes through, so a row gets the answer products.create or products.update would
// give), plus the rules about the set: an SKU or a barcode on two rows, a barcode another product
// has. What each row would do comes back with every problem at once, each at its row and column.
// Pure: the service loads what is stored and applies the plan.

import { barcodeTakenMessage, checkBarcode, gtin14 } from './barcode.ts';
import type { Reason } from './errors.ts';
import {
  decideUnitCost,
  judgeProductChange,
  type ProductFacts,
  type ProductPatch,
  type ProductState,
  type TrackingEffect,
} from './products.ts';

/** The fields of a product a sheet carries, in the sheet's order. */
export const IMPORT_FIELDS = [
  'sku',
  'name',
  'stockTracked',
  'serialised',
  'batchTracked',
  'sellable',
  'purchasable',
  'active',
  'saleGlCode',
  'sellingTaxRate',
  'purchaseGlCode',
  'purchaseTaxRate',
  'assetGlCode',
  'cogsGlCode',
  'barcode',
  'unitCost',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

const FLAGS = ['stockTracked', 'serialised', 'batchTracked', 'sellable', 'purchasable', 'active'] as const;
const CODES = ['saleGlCode', 'sellingTaxRate', 'purchaseGlCode', 'purchaseTaxRate', 'assetGlCode'] as const;

/**
 * One row, its fields read and bounded by the input checks. A field left out (undefined) is not
 * given: an existing product keeps what it has, a new one gets the default (flags off but Active,
 * no codes, no barcode, unit cost 0). Null (or a blank code) clears a code or the barcode.
 */
export interface ImportRow {
  sku: string;
  name?: string;
  stockTracked?: boolean;
  serialised?: boolean;
  batchTracked?: boolean;
  sellable?: boolean;
  purchasable?: boolean;
  active?: boolean;
  saleGlCode?: string | null;
  sellingTaxRate?: string | null;
  purchaseGlCode?: string | null;
  purchaseTaxRate?: string | null;
  assetGlCode?: string | null;
  cogsGlCode?: string | null;
  barcode?: string | null;
  unitCost?: number;
}

/** A product as stored, with what the rules need to know about it. */
export interface StoredProduct {
  id: number;
  state: ProductState;
  name: string;
  cogsGlCode: string | null;
  barcode: string | null;
  averageCost: number;
  facts: ProductFacts;
}

/** Every column a product row is written with. */
export interface ProductValues extends Omit<ProductState, 'accountingProvider'> {
  name: string;
  cogsGlCode: string | null;
  barcode: string | null;
  averageCost: number;
}

/** A problem at a row (0-based, in the rows sent) and column (the row's field). */
export interface ImportProblem {
  row: number;
  column: ImportField;
  reason: Reason;
  message: string;
  /** For a repeat (an SKU or barcode on an earlier row too): that row. */
  firstRow?: number;
}

export type ImportPlan =
  | { row: number; sku: string; action: 'create'; values: ProductValues }
  | { row: number; sku: string; action: 'update'; id: number; changed: ImportField[]; values: ProductValues; effect: TrackingEffect }
  | { row: number; sku: string; action: 'unchanged'; id: number };

export interface ImportContext {
  /** The stored products the rows' SKUs name, by SKU. */
  existing: ReadonlyMap<string, StoredProduct>;
  /** Stored products with one of the rows' barcodes (in any of its spellings). */
  barcodeOwners: readonly { id: number; sku: string; barcode: string }[];
  /** What the rules know for a product not made yet: only the accounting settings. */
  newProductFacts: ProductFacts;
}

/**
 * Judges every row. `refused` holds the cells ("row:column") the input checks refused already:
 * their fields are left out of the row, and no rule about the same cell is reported again.
 */
export function judgeImport(
  rows: readonly (ImportRow | null)[],
  context: ImportContext,
  refused: ReadonlySet<string> = new Set(),
): { plans: (ImportPlan | null)[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const report = (problem: ImportProblem) => {
    if (!refused.has(`${problem.row}:${problem.column}`)) problems.push(problem);
  };
  const plans: (ImportPlan | null)[] = rows.map(() => null);
  const firstRowOf = new Map<string, number>();
  /** The final barcode of each judged row, and whether the row sets it (rather than keeping the stored one). */
  const barcodes: { row: number; sku: string; barcode: string; sets: boolean }[] = [];

  rows.forEach((row, index) => {
    if (!row) return;
    const first = firstRowOf.get(row.sku);
    if (first !== undefined) {
      report({
        row: index,
        column: 'sku',
        reason: 'DUPLICATE_SKU',
        message: `SKU ${row.sku} is on more than one row; a product is one row of the sheet. Remove or merge the repeat.`,
        firstRow: first,
      });
      return;
    }
    firstRowOf.set(row.sku, index);
    const stored = context.existing.get(row.sku) ?? null;

    const patch: ProductPatch = { sku: row.sku };
    for (const flag of FLAGS) if (row[flag] !== undefined) patch[flag] = row[flag];
    for (const code of CODES) if (row[code] !== undefined) patch[code] = row[code];
    const judged = judgeProductChange(stored?.state ?? null, patch, stored?.facts ?? context.newProductFacts);
    for (const p of judged.problems) report({ row: index, column: p.field as ImportField, reason: p.reason, message: p.message });

    if (!stored && !row.name && !refused.has(`${index}:name`)) {
      report({ row: index, column: 'name', reason: 'INVALID_INPUT', message: `${row.sku} is a new product: give it a name.` });
    }

    let barcode = stored?.barcode ?? null;
    if (row.barcode !== undefined) {
      if (row.barcode === null || row.barcode.trim() === '') barcode = null;
      else {
        const checked = checkBarcode(row.barcode);
        if ('problem' in checked) {
          report({ row: index, column: 'barcode', reason: 'BARCODE_INVALID', message: `${row.sku}: ${checked.problem}` });
          barcode = stored?.barcode ?? null;
        } else barcode = checked.barcode;
      }
    }
    if (barcode !== null) barcodes.push({ row: index, sku: row.sku, barcode, sets: barcode !== stored?.barcode });

    const cost = decideUnitCost(
      stored ? { sku: row.sku, averageCost: stored.averageCost } : null,
      row.unitCost,
      stored?.facts ?? context.newProductFacts,
    );
    if (cost.problem) report({ row: index, column: 'unitCost', reason: cost.problem.reason, message: cost.problem.message });

    const { accountingProvider: _linkedElsewhere, ...state } = judged.next;
    const values: ProductValues = {
      ...state,
      name: row.name || stored?.name || '',
      cogsGlCode: row.cogsGlCode !== undefined ? row.cogsGlCode : (stored?.cogsGlCode ?? null),
      barcode,
      averageCost: cost.averageCost ?? stored?.averageCost ?? 0,
    };
    if (!stored) {
      plans[index] = { row: index, sku: row.sku, action: 'create', values };
      return;
    }
    const changed = changedFields(stored, values);
    plans[index] =
      changed.length === 0
        ? { row: index, sku: row.sku, action: 'unchanged', id: stored.id }
        : { row: index, sku: row.sku, action: 'update', id: stored.id, changed, values, effect: judged.effect };
  });

  barcodeProblems(barcodes, context, report);
  problems.sort(byCell);
  return { plans, problems };
}

/** Problems in sheet order: by row, then by column. */
export function byCell(a: ImportProblem, b: ImportProblem): number {
  return a.row - b.row || IMPORT_FIELDS.indexOf(a.column) - IMPORT_FIELDS.indexOf(b.column);
}

/**
 * One product per GTIN once the rows are applied: stored products the sheet does not change keep
 * theirs, and so do rows keeping the barcode they have; a row setting a barcode one of those has is
 * refused naming that product, and a second row setting one the sheet gives already is a repeat.
 */
function barcodeProblems(
  rows: { row: number; sku: string; barcode: string; sets: boolean }[],
  context: ImportContext,
  report: (problem: ImportProblem) => void,
) {
  const judgedIds = new Set([...context.existing.values()].map((p) => p.id));
  const holders = new Map<string, { sku: string; barcode: string; row?: number }>();
  for (const owner of context.barcodeOwners) {
    // A stored product on a row of the sheet has the barcode its row gives it (or none).
    if (!judgedIds.has(owner.id)) holders.set(gtin14(owner.barcode), owner);
  }
  for (const row of rows) if (!row.sets) holders.set(gtin14(row.barcode), { sku: row.sku, barcode: row.barcode });
  for (const row of rows) {
    if (!row.sets) continue;
    const key = gtin14(row.barcode);
    const holder = holders.get(key);
    if (!holder) {
      holders.set(key, { sku: row.sku, barcode: row.barcode, row: row.row });
      continue;
    }
    if (holder.row !== undefined) {
      report({
        row: row.row,
        column: 'barcode',
        reason: 'DUPLICATE_BARCODE',
        message: `Barcode ${row.barcode} is on more than one row (${holder.sku} has it too); a barcode belongs to one product.`,
        firstRow: holder.row,
      });
    } else {
      report({
        row: row.row,
        column: 'barcode',
        reason: 'BARCODE_TAKEN',
        message: `${row.sku}: ${barcodeTakenMessage(row.barcode, holder)}`,
      });
    }
  }
}

function changedFields(stored: StoredProduct, values: ProductValues): ImportField[] {
  const before: Record<string, unknown> = {
    ...stored.state,
    name: stored.name,
    cogsGlCode: stored.cogsGlCode,
    barcode: stored.barcode,
    unitCost: stored.averageCost,
  };
  const after: Record<string, unknown> = { ...values, unitCost: values.averageCost };
  return IMPORT_FIELDS.filter((field) => field !== 'sku' && before[field] !== after[field]);
}
