import { z } from 'zod';
import { readProcedure, router } from '../../trpc.ts';
import { code } from '../inputs.ts';
import * as settings from './service.ts';

const account = (label: string) => code(label, { max: 32 }).nullable().optional();

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const settingsRouter = router({
  get: readProcedure.query(({ ctx }) => settings.getSettings(ctx.db.prisma)),
  update: readProcedure
    .input(
      z.object({
        accounting: z
          .object({
            stockAccount: account('stockAccount'),
            costOfSalesAccount: account('costOfSalesAccount'),
            receivedNotBilledAccount: account('receivedNotBilledAccount'),
            adjustmentAccount: account('adjustmentAccount'),
            openingBalanceAccount: account('openingBalanceAccount'),
            timezone: z.string().max(64).refine(isTimeZone, 'timezone must be an IANA time zone such as Pacific/Auckland').optional(),
            openingStock: z
              .enum(['post', 'in_ledger'], {
                error: 'openingStock is "post" (against opening balances) or "in_ledger" (entered there already)',
              })
              .optional(),
          })
          .optional(),
        baseCurrency: z
          .string()
          .regex(/^[A-Z]{3}$/, 'baseCurrency is a three-letter ISO code such as AUD')
          .optional(),
        accountingProvider: z.enum(['xero', 'myob']).nullable().optional(),
        stocktakeGlCode: code('stocktakeGlCode', { max: 32 }).nullable().optional(),
      }),
    )
    .mutation(({ ctx, input }) => settings.updateSettings(ctx.db.prisma, ctx.user.role, input)),
});
