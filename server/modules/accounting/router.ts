import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { id, text } from '../inputs.ts';
import { pageInput } from '../pagination.ts';
import * as accounting from './service.ts';

const secret = (label: string) => text(label, { min: 1, max: 4000 });
const ids = z.array(id).min(1, 'name at least one posting').max(1000, 'at most 1,000 postings at once');
const STATES = ['pending', 'in_flight', 'posted', 'failed', 'skipped'] as const;

export const accountingRouter = router({
  connect: writeProcedure('accounting.connect')
    .input(
      z.object({
        provider: z.enum(['xero', 'myob']),
        clientId: text('clientId', { min: 1, max: 200 }),
        clientSecret: secret('clientSecret'),
        tenantId: text('tenantId', { min: 1, max: 100 }),
        refreshToken: secret('refreshToken'),
      }),
    )
    .mutation(({ ctx, input }) => accounting.connect(ctx.accounting, input)),
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
  redate: writeProcedure('accounting.manage')
    .input(z.object({ ids, date: z.iso.date('date must be a day like 2026-07-01') }))
    .mutation(({ ctx, input }) => accounting.redate(ctx.accounting, input.ids, input.date)),
  syncNow: writeProcedure('accounting.manage').mutation(({ ctx }) => accounting.syncNow(ctx.accounting)),
});
