import { z } from 'zod';
import { readProcedure, router } from '../../trpc.ts';
import { listReports, runReport } from './engine.ts';

export const reportsRouter = router({
  list: readProcedure.query(({ ctx }) => listReports(ctx.user.role)),
  run: readProcedure
    .input(
      z.object({
        report: z.string().min(1).max(64),
        // Each report's own schema checks them (engine.ts), naming the field to fix.
        params: z.record(z.string().max(64), z.unknown()).optional(),
        cursor: z.string().max(4000).optional(),
        limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(5000, 'must be at most 5,000').default(200),
      }),
    )
    .query(({ ctx, input }) => runReport(ctx.db.prisma, ctx.user.role, input)),
});
