import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { code as codeText, id, name as nameText, search } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import * as products from './service.ts';

const code = codeText('code', { max: 32, min: 0 })
  .nullable()
  .optional()
  .transform((v) => (v === '' ? null : v));
const flagsAndCodes = {
  name: nameText('name', { max: 200 }),
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
};
const sku = codeText('SKU', { max: 64 });

export const productsRouter = router({
  create: writeProcedure('products.edit')
    .input(z.object({ sku, ...flagsAndCodes }))
    .mutation(({ ctx, input }) => products.createProduct(ctx.db.prisma, input)),
  update: writeProcedure('products.edit')
    .input(z.object({ id, sku: sku.optional(), ...flagsAndCodes, name: flagsAndCodes.name.optional() }))
    .mutation(({ ctx, input: { id, ...patch } }) => products.updateProduct(ctx.db.prisma, id, patch, ctx.user.id)),
  get: readProcedure.input(z.object({ id })).query(({ ctx, input }) => products.getProduct(ctx.db.prisma, input.id)),
  list: readProcedure
    .input(z.object({ search, includeInactive: z.boolean().optional(), ...pageInput }).default({ limit: 100 }))
    .query(({ ctx, input }) => products.listProducts(ctx.db.prisma, input)),
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
