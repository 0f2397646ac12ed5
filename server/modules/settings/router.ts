import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { code } from '../inputs.ts';
import * as settings from './service.ts';

export const settingsRouter = router({
  get: readProcedure.query(({ ctx }) => settings.getSettings(ctx.db.prisma)),
  update: writeProcedure('settings.update')
    .input(
      z.object({
        baseCurrency: z
          .string()
          .regex(/^[A-Z]{3}$/, 'baseCurrency is a three-letter ISO code such as AUD')
          .optional(),
        accountingProvider: z.enum(['xero', 'myob']).nullable().optional(),
        stocktakeGlCode: code('stocktakeGlCode', { max: 32 }).nullable().optional(),
      }),
    )
    .mutation(({ ctx, input }) => settings.updateSettings(ctx.db.prisma, input)),
});
