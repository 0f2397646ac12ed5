// Every product with the fields a products sheet carries (products.export, GET /products.xlsx),
// in SKU order: what "Export products to sheet" writes and the import reads back.
import type { Db } from '../../db/types.ts';
import type { ProductSheetRecord } from '../../domain/product-sheet.ts';
import { maySeeCosts, type RoleName } from '../../domain/roles.ts';

/** At most this many products in one export (a sheet of them is about 2 MB per 10,000). */
export const MAX_EXPORT_PRODUCTS = 200_000;

export async function exportProducts(
  db: Db,
  role: RoleName,
): Promise<{ withCost: boolean; products: ProductSheetRecord[]; truncated: boolean }> {
  const withCost = maySeeCosts(role);
  const rows = await db.product.findMany({
    orderBy: { sku: 'asc' },
    take: MAX_EXPORT_PRODUCTS + 1,
    select: {
      sku: true,
      name: true,
      stockTracked: true,
      serialised: true,
      batchTracked: true,
      sellable: true,
      purchasable: true,
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
    },
  });
  return {
    withCost,
    truncated: rows.length > MAX_EXPORT_PRODUCTS,
    products: rows
      .slice(0, MAX_EXPORT_PRODUCTS)
      .map(({ averageCost, ...row }) => (withCost ? { ...row, unitCost: Number(averageCost) } : row)),
  };
}
