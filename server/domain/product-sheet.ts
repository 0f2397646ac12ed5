// The products sheet's layout, shared by the add-in (a table written into Excel and read back) and
// the .xlsx download and upload: one row per product, a column per field, matched to stored
// products by SKU. Flags are Excel's TRUE and FALSE; codes, names and barcodes are text. Pure.

import { IMPORT_FIELDS, type ImportField, type ImportProblem, type ImportRow } from './product-import.ts';
import { cellText, type SheetCell } from './sheet-cells.ts';

/** The header of each field's column. */
export const PRODUCT_COLUMN_NAMES: Readonly<Record<ImportField, string>> = {
  sku: 'SKU',
  name: 'Name',
  stockTracked: 'Stock tracked',
  serialised: 'Serialised',
  batchTracked: 'Batch tracked',
  sellable: 'Sellable',
  purchasable: 'Purchasable',
  active: 'Active',
  saleGlCode: 'Sale GL code',
  sellingTaxRate: 'Selling tax rate',
  purchaseGlCode: 'Purchase GL code',
  purchaseTaxRate: 'Purchase tax rate',
  assetGlCode: 'Asset GL code',
  cogsGlCode: 'COGS GL code',
  barcode: 'Barcode',
  unitCost: 'Unit cost',
};
/** Shown, never read: which accounting system the product is synced to. */
export const LINK_COLUMN = 'Accounting link';

const FLAG_FIELDS = new Set<ImportField>(['stockTracked', 'serialised', 'batchTracked', 'sellable', 'purchasable', 'active']);
const TEXT_FIELDS = new Set<ImportField>([
  'sku',
  'name',
  'saleGlCode',
  'sellingTaxRate',
  'purchaseGlCode',
  'purchaseTaxRate',
  'assetGlCode',
  'cogsGlCode',
  'barcode',
]);

/** The sheet's header: every field (Unit cost only for those who may see costs), then the accounting link. */
export function productSheetHeader(options: { withCost: boolean }): string[] {
  return [...IMPORT_FIELDS.filter((f) => options.withCost || f !== 'unitCost').map((f) => PRODUCT_COLUMN_NAMES[f]), LINK_COLUMN];
}

/** Columns kept exactly as typed (Excel's Text format): 00123 stays 00123, a barcode keeps its zeros and digits. */
export const PRODUCT_TEXT_COLUMNS: readonly string[] = [...TEXT_FIELDS].map((f) => PRODUCT_COLUMN_NAMES[f]).concat(LINK_COLUMN);

/** A product as the export lists it. */
export interface ProductSheetRecord {
  sku: string;
  name: string;
  stockTracked: boolean;
  serialised: boolean;
  batchTracked: boolean;
  sellable: boolean;
  purchasable: boolean;
  active: boolean;
  saleGlCode: string | null;
  sellingTaxRate: string | null;
  purchaseGlCode: string | null;
  purchaseTaxRate: string | null;
  assetGlCode: string | null;
  cogsGlCode: string | null;
  barcode: string | null;
  /** Absent for those who may not see costs. */
  unitCost?: number;
  accountingProvider: 'xero' | 'myob' | null;
}

/** The rows under the header, column for column with productSheetHeader. */
export function productSheetRows(products: readonly ProductSheetRecord[], options: { withCost: boolean }): SheetCell[][] {
  const fields = IMPORT_FIELDS.filter((f) => options.withCost || f !== 'unitCost');
  return products.map((p) => [
    ...fields.map((field): SheetCell => {
      const value = p[field];
      return value === null || value === undefined ? '' : value;
    }),
    p.accountingProvider === 'xero' ? 'Xero' : p.accountingProvider === 'myob' ? 'MYOB' : '',
  ]);
}

export interface ReadProductSheet {
  rows: ImportRow[];
  /** For each row, its index in `values` (the header is 0). */
  sources: number[];
  /** Cells that cannot be read as their field (at the row index in `rows`); the field is left out of the row. */
  problems: ImportProblem[];
  /** Fields whose column the sheet has. */
  fields: ImportField[];
}

const YES = new Set(['true', 'yes', 'y', '1']);
const NO = new Set(['false', 'no', 'n', '0']);

/**
 * Reads a products sheet (header first): every row with anything in it, matched to its fields by
 * the header (case does not matter; unknown columns, such as Accounting link, are ignored; a
 * missing column leaves its field unchanged). A blank flag or unit cost is not given (kept, or the
 * default for a new product); a blank code or barcode clears it. `shown` is what each cell shows
 * (Excel's `text`), when known: text read through cellText, so a code Excel turned into a number is
 * reported at its cell. An error when the header has no SKU column.
 */
export function readProductSheet(values: SheetCell[][], shown?: string[][]): ReadProductSheet | { error: string } {
  const header = (values[0] ?? []).map((cell) =>
    String(cell ?? '')
      .trim()
      .toLowerCase(),
  );
  const columnOf = new Map<ImportField, number>();
  for (const field of IMPORT_FIELDS) {
    const at = header.indexOf(PRODUCT_COLUMN_NAMES[field].toLowerCase());
    if (at >= 0) columnOf.set(field, at);
  }
  if (!columnOf.has('sku')) {
    return { error: 'The first row must name the columns, with an SKU column: use the sheet as exported, header row included.' };
  }
  const out: ReadProductSheet = { rows: [], sources: [], problems: [], fields: [...columnOf.keys()] };
  for (let r = 1; r < values.length; r++) {
    const cells = values[r] ?? [];
    if (!cells.some((cell) => cell !== '' && cell !== null && cell !== undefined && String(cell).trim() !== '')) continue;
    const index = out.rows.length;
    const row: ImportRow = { sku: '' };
    const record = row as unknown as Record<string, unknown>;
    const problem = (field: ImportField, message: string) =>
      out.problems.push({ row: index, column: field, reason: 'INVALID_INPUT', message: `${PRODUCT_COLUMN_NAMES[field]}: ${message}` });
    for (const [field, column] of columnOf) {
      const value = cells[column];
      const blank = value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
      if (TEXT_FIELDS.has(field)) {
        const read = cellText(value, shown?.[r]?.[column]);
        if ('problem' in read) problem(field, read.problem);
        else if (field === 'sku') row.sku = read.text;
        else if (field === 'name') {
          if (read.text !== '') row.name = read.text;
        } else record[field] = read.text === '' ? null : read.text;
      } else if (FLAG_FIELDS.has(field)) {
        if (blank) continue;
        const word = String(value).trim().toLowerCase();
        if (typeof value === 'boolean') record[field] = value;
        else if (YES.has(word)) record[field] = true;
        else if (NO.has(word)) record[field] = false;
        else problem(field, `"${String(value).trim()}" is not TRUE or FALSE; write TRUE (or yes) or FALSE (or no).`);
      } else if (field === 'unitCost') {
        if (blank) continue;
        const number = typeof value === 'number' ? value : Number(String(value).trim().replace(/^\$/, '').replaceAll(',', ''));
        if (typeof value === 'boolean' || !Number.isFinite(number)) problem(field, `"${String(value).trim()}" is not a number.`);
        else row.unitCost = number;
      }
    }
    out.rows.push(row);
    out.sources.push(r);
  }
  return out;
}
