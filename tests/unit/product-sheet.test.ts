import { describe, expect, it } from 'vitest';
import { judgeImport, type ImportContext } from '../../server/domain/product-import.ts';
import { NEW_PRODUCT_FACTS } from '../../server/domain/products.ts';
import { productSheetHeader, productSheetRows, readProductSheet } from '../../server/domain/product-sheet.ts';

const HEADER = productSheetHeader({ withCost: true });
const record = {
  sku: '000123',
  name: 'Cable',
  stockTracked: true,
  serialised: false,
  batchTracked: false,
  sellable: false,
  purchasable: false,
  active: true,
  saleGlCode: null,
  sellingTaxRate: null,
  purchaseGlCode: null,
  purchaseTaxRate: null,
  assetGlCode: null,
  cogsGlCode: null,
  barcode: '036000291452',
  unitCost: 2.5,
  accountingProvider: 'xero' as const,
};

describe('the products sheet', () => {
  it('writes a product as it reads it back (the accounting link is shown, not read)', () => {
    const rows = productSheetRows([record], { withCost: true });
    expect(rows).toEqual([
      ['000123', 'Cable', true, false, false, false, false, true, '', '', '', '', '', '', '036000291452', 2.5, 'Xero'],
    ]);
    const read = readProductSheet([HEADER, ...rows]);
    if ('error' in read) throw new Error(read.error);
    const { accountingProvider: _shown, ...fields } = record;
    expect(read.rows).toEqual([fields]);
    expect(read.problems).toEqual([]);
  });

  it('leaves Unit cost out for those who may not see costs', () => {
    expect(productSheetHeader({ withCost: false })).not.toContain('Unit cost');
    expect(productSheetRows([record], { withCost: false })[0]).toHaveLength(HEADER.length - 1);
  });

  it('reads flags as TRUE/FALSE or yes/no, blank as not given, anything else as a problem at its cell', () => {
    const read = readProductSheet([
      ['sku', 'stock tracked', 'SELLABLE', 'Active', 'Unit cost', 'Other column'],
      ['A', 'yes', 'FALSE', '', '', 'ignored'],
      ['B', true, 'maybe', 'n', 'ten', ''],
      ['', '', '', '', '', ''],
      ['', 'TRUE', '', '', '', ''],
    ]);
    if ('error' in read) throw new Error(read.error);
    expect(read.rows).toEqual([
      { sku: 'A', stockTracked: true, sellable: false },
      { sku: 'B', stockTracked: true, active: false },
      { sku: '', stockTracked: true },
    ]);
    expect(read.sources).toEqual([1, 2, 4]);
    expect(read.problems.map((p) => [p.row, p.column])).toEqual([
      [1, 'sellable'],
      [1, 'unitCost'],
    ]);
    expect(read.fields.sort()).toEqual(['active', 'sellable', 'sku', 'stockTracked', 'unitCost']);
  });

  it('reports a code Excel turned into a number, and needs an SKU column', () => {
    const read = readProductSheet(
      [
        ['SKU', 'Barcode'],
        ['A', 9.300601e12],
      ],
      [
        ['SKU', 'Barcode'],
        ['A', '9.30E+12'],
      ],
    );
    if ('error' in read) throw new Error(read.error);
    expect(read.problems).toEqual([expect.objectContaining({ row: 0, column: 'barcode', reason: 'INVALID_INPUT' })]);
    expect(readProductSheet([['Name'], ['x']])).toEqual({ error: expect.stringContaining('SKU column') });
  });
});

describe('judgeImport', () => {
  const context: ImportContext = { existing: new Map(), barcodeOwners: [], newProductFacts: NEW_PRODUCT_FACTS };

  it('judges each row with the product rules, at the field each rule is about', () => {
    const { problems, plans } = judgeImport(
      [
        { sku: 'A', name: 'a', serialised: true, batchTracked: true },
        { sku: 'B', name: 'b', purchasable: true, purchaseTaxRate: 'GST' },
        { sku: 'C', name: 'c', barcode: '9300601000005' },
      ],
      context,
    );
    expect(problems.map((p) => [p.row, p.column, p.reason])).toEqual([
      [0, 'batchTracked', 'TRACKING_CONFLICT'],
      [1, 'purchaseGlCode', 'ACCOUNTING_DETAILS_REQUIRED'],
    ]);
    expect(plans[2]).toMatchObject({ action: 'create', values: { barcode: '9300601000005', stockTracked: false, averageCost: 0 } });
  });

  it('does not report again a cell the input checks refused', () => {
    const { problems } = judgeImport([{ sku: 'A' }], context, new Set(['0:name']));
    expect(problems).toEqual([]);
    expect(judgeImport([{ sku: 'A' }], context).problems.map((p) => p.column)).toEqual(['name']);
  });
});
