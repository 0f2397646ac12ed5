import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { code as codeText, id, idempotencyKey, search } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import { exportProducts } from './export.ts';
import { importProducts, previewImport } from './import.ts';
import { accountCode, barcode, importRows, productName, sku } from './inputs.ts';
import * as products from './service.ts';

const code = accountCode('code');
const flagsAndCodes = {
  name: productName,
  sellable: z.boolean().optional(),
  purchasable: z.boolean().optional(),
  stockTracked: z.boolean().optional(),
  serialised: z.boolean().optional(),
  batchTracked: z.boolean().optional(),
  active: z.boolean().optional(),
  saleGlCode: code,
  sellingTaxRate: code,
  purchaseGlCode: code,
  purchaseTaxRate: code,
  assetGlCode: code,
  cogsGlCode: code,
  /** A GTIN-8/12/13/14 (check digit verified), as text; null or blank for none. */
  barcode,
};

export const productsRouter = router({
  create: writeProcedure('products.edit')
    .input(z.object({ sku, ...flagsAndCodes }))
    .mutation(({ ctx, input }) => products.createProduct(ctx.db.prisma, input)),
  update: writeProcedure('products.edit')
    .input(z.object({ id, sku: sku.optional(), ...flagsAndCodes, name: flagsAndCodes.name.optional() }))
    .mutation(({ ctx, input: { id, ...patch } }) => products.updateProduct(ctx.db.prisma, id, patch, ctx.user.id)),
  get: readProcedure.input(z.object({ id })).query(({ ctx, input }) => products.getProduct(ctx.db.prisma, input.id)),
  list: readProcedure
    .input(
      z
        .object({
          search,
          /** Only the product with this GTIN (in any spelling). */
          barcode: z.string().max(100, 'barcode must be at most 100 characters').optional(),
          includeInactive: z.boolean().optional(),
          ...pageInput,
        })
        .default({ limit: 100 }),
    )
    .query(({ ctx, input }) => products.listProducts(ctx.db.prisma, input)),
  /** The product a scanned barcode belongs to: BARCODE_INVALID for a misread, NOT_FOUND when none has it. */
  byBarcode: readProcedure
    .input(z.object({ barcode: z.string().max(100, 'barcode must be at most 100 characters') }))
    .query(({ ctx, input }) => products.productByBarcode(ctx.db.prisma, input.barcode)),
  /** Every product with the fields a products sheet carries (unit cost only for roles that may see costs). */
  export: readProcedure.query(({ ctx }) => exportProducts(ctx.db.prisma, ctx.user.role)),
  /** What importing these rows would do, and every problem at its row and column. Writes nothing. */
  previewImport: writeProcedure('products.edit')
    .input(z.object({ rows: importRows }))
    .query(({ ctx, input }) => previewImport(ctx.db.prisma, input.rows)),
  /** Creates and updates every row in one transaction, or nothing (refused with every problem); once per key. */
  import: writeProcedure('products.edit')
    .input(z.object({ rows: importRows, idempotencyKey }))
    .mutation(({ ctx, input }) => importProducts(ctx.db.prisma, input.rows, input.idempotencyKey, ctx.user.id)),
  setSerialised: writeProcedure('products.edit')
    .input(z.object({ id, serialised: z.boolean() }))
    .mutation(({ ctx, input }) => products.setSerialised(ctx.db.prisma, input.id, input.serialised, ctx.user.id)),
  convertToBatchTracked: writeProcedure('products.edit')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => products.convertToBatchTracked(ctx.db.prisma, input.id, ctx.user.id)),
  linkAccounting: writeProcedure('products.linkAccounting')
    .input(z.object({ id, provider: z.enum(['xero', 'myob']), externalId: codeText('externalId', { max: 100 }) }))
    .mutation(({ ctx, input }) => products.linkAccounting(ctx.db.prisma, input.id, input.provider, input.externalId)),
});
