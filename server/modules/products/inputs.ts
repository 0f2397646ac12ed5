// The product fields' input checks, shared by products.create/update and the import, which runs
// them row by row (importRowProblems) so a sheet's unreadable cells are reported at their row and
// column with the words products.create would use, instead of refusing the whole request.
import { z } from 'zod';
import { inputReason } from '../../input-refusals.ts';
import { IMPORT_FIELDS, type ImportField, type ImportProblem, type ImportRow } from '../../domain/product-import.ts';
import { code as codeText, name as nameText, unitCost } from '../inputs.ts';

/** A GL code or tax rate: blank (or null) clears it. */
export const accountCode = (label: string) =>
  codeText(label, { max: 32, min: 0 })
    .nullable()
    .optional()
    .transform((v) => (v === '' ? null : v));
export const sku = codeText('SKU', { max: 64 });
export const productName = nameText('name', { max: 200 });
/** A barcode as typed or scanned; its GTIN check (server/domain/barcode.ts) follows in the service. */
export const barcode = z
  .string()
  .max(100, 'barcode must be at most 100 characters (a GTIN has 14 digits at most)')
  .refine((s) => !s.includes('\u0000'), 'barcode contains a NUL character (U+0000); remove it')
  .nullable()
  .optional();

/** The most rows one import (or preview) takes. */
export const MAX_IMPORT_ROWS = 10_000;

/**
 * A row as sent: each field of its type and bounded in size, checked further row by row. Unknown
 * keys are dropped.
 */
const loose = z.string().max(1000, 'must be at most 1,000 characters');
export const importRowInput = z.object({
  sku: loose,
  name: loose.optional(),
  stockTracked: z.boolean().optional(),
  serialised: z.boolean().optional(),
  batchTracked: z.boolean().optional(),
  sellable: z.boolean().optional(),
  purchasable: z.boolean().optional(),
  active: z.boolean().optional(),
  saleGlCode: loose.nullable().optional(),
  sellingTaxRate: loose.nullable().optional(),
  purchaseGlCode: loose.nullable().optional(),
  purchaseTaxRate: loose.nullable().optional(),
  assetGlCode: loose.nullable().optional(),
  cogsGlCode: loose.nullable().optional(),
  barcode: loose.nullable().optional(),
  unitCost: z.number().nullable().optional(),
});
export type ImportRowInput = z.infer<typeof importRowInput>;
export const importRows = z
  .array(importRowInput)
  .max(MAX_IMPORT_ROWS, `send at most ${MAX_IMPORT_ROWS.toLocaleString('en-US')} rows at once; split the sheet`);

/** Each field's own check, as products.create applies it. */
const FIELD_CHECKS: Record<ImportField, z.ZodType> = {
  sku,
  name: productName.optional(),
  stockTracked: z.boolean().optional(),
  serialised: z.boolean().optional(),
  batchTracked: z.boolean().optional(),
  sellable: z.boolean().optional(),
  purchasable: z.boolean().optional(),
  active: z.boolean().optional(),
  saleGlCode: accountCode('sale GL code'),
  sellingTaxRate: accountCode('selling tax rate'),
  purchaseGlCode: accountCode('purchase GL code'),
  purchaseTaxRate: accountCode('purchase tax rate'),
  assetGlCode: accountCode('asset GL code'),
  cogsGlCode: accountCode('COGS GL code'),
  barcode,
  unitCost: unitCost.nullable().optional(),
};

/** A whole row checked at once: the common case, a row with nothing wrong, costs one parse. */
const ROW_CHECK = z.object(FIELD_CHECKS);

/**
 * The rows with every field checked as products.create checks it: a field that fails is left out of
 * its row and reported at its row and column (a row whose SKU fails is left out whole: it matches
 * no product). Blank names are not given; a null unit cost is not given.
 */
export function checkImportRows(rows: readonly ImportRowInput[]): { rows: (ImportRow | null)[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const checked = rows.map((row, index): ImportRow | null => {
    const given = typeof row.name === 'string' && row.name.trim() === '' ? { ...row, name: undefined } : row;
    const whole = ROW_CHECK.safeParse(given);
    if (whole.success) return kept(whole.data);
    // Something is wrong: each field on its own, so the others are kept and each problem is at its column.
    const out: Record<string, unknown> = {};
    let skuOk = true;
    for (const field of IMPORT_FIELDS) {
      const result = FIELD_CHECKS[field].safeParse(given[field]);
      if (result.success) {
        out[field] = result.data;
        continue;
      }
      if (field === 'sku') skuOk = false;
      const message = result.error.issues.map((issue) => issue.message).join('; ');
      problems.push({ row: index, column: field, reason: inputReason(result.error), message: capitalise(message) });
    }
    return skuOk ? kept(out) : null;
  });
  return { rows: checked, problems };
}

/** The fields given: undefined ones dropped, and a null unit cost (none given). */
function kept(parsed: Record<string, unknown>): ImportRow {
  const row: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(parsed)) {
    if (value !== undefined && !(field === 'unitCost' && value === null)) row[field] = value;
  }
  return row as unknown as ImportRow;
}

const capitalise = (text: string) => (text ? text[0]!.toUpperCase() + text.slice(1) : text);
