import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { id, text } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import { oauthProcedures } from './oauth-router.ts';
import * as accounting from './service.ts';

const secret = (label: string) => text(label, { min: 1, max: 4000 });
/** The OAuth client registered with the provider (Xero's app, MYOB's API key). */
const client = { clientId: text('clientId', { min: 1, max: 200 }), clientSecret: secret('clientSecret') };
const ids = z.array(id).min(1, 'name at least one posting').max(1000, 'at most 1,000 postings at once');
const STATES = ['pending', 'in_flight', 'posted', 'failed', 'skipped'] as const;

export const accountingRouter = router({
  connect: writeProcedure('accounting.connect')
    .input(
      z.discriminatedUnion('provider', [
        z.object({
          provider: z.literal('xero'),
          ...client,
          tenantId: text('tenantId', { min: 1, max: 100 }),
          refreshToken: secret('refreshToken'),
        }),
        z.object({
          provider: z.literal('myob'),
          ...client,
          companyFileId: z.uuid("companyFileId must be the company file's id (a GUID, from the company file list)"),
          companyFileUser: text('companyFileUser', { min: 1, max: 100 }).optional(),
          companyFilePassword: text('companyFilePassword', { min: 0, max: 200, trim: false }).optional(),
          refreshToken: secret('refreshToken'),
        }),
      ]),
    )
    .mutation(({ ctx, input }) => accounting.connect(ctx.accounting, input)),
  ...oauthProcedures,
  disconnect: writeProcedure('accounting.connect').mutation(({ ctx }) => accounting.disconnect(ctx.accounting)),
  status: readProcedure.query(({ ctx }) => accounting.status(ctx.accounting)),
  postings: readProcedure
    .input(z.object({ state: z.enum(STATES).optional(), ...pageInput }).default({ limit: 100 }))
    .query(({ ctx, input }) => accounting.postings(ctx.accounting, input)),
  retry: writeProcedure('accounting.manage')
    .input(z.object({ ids }))
    .mutation(({ ctx, input }) => accounting.retry(ctx.accounting, input.ids)),
  skip: writeProcedure('accounting.manage')
    .input(z.object({ ids, reason: text('reason', { min: 1, max: 500 }) }))
    .mutation(({ ctx, input }) => accounting.skip(ctx.accounting, input.ids, input.reason)),
  markInLedger: writeProcedure('accounting.manage')
    .input(z.object({ ids }))
    .mutation(({ ctx, input }) => accounting.markInLedger(ctx.accounting, input.ids, ctx.user.name)),
  redate: writeProcedure('accounting.manage')
    .input(z.object({ ids, date: z.iso.date('date must be a day like 2026-07-01') }))
    .mutation(({ ctx, input }) => accounting.redate(ctx.accounting, input.ids, input.date)),
  syncNow: writeProcedure('accounting.manage').mutation(({ ctx }) => accounting.syncNow(ctx.accounting)),
  syncLedger: writeProcedure('accounting.manage')
    .input(z.object({ full: z.boolean().default(false) }).default({ full: false }))
    .mutation(({ ctx, input }) => accounting.syncLedgerNow(ctx.accounting, input.full)),
});
