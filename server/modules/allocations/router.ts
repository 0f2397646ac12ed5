import { z } from 'zod';
import { readProcedure, requireWrite, router } from '../../trpc.ts';
import { id } from '../inputs.ts';
import { allocationDocument } from './document.ts';
import { allocationCheckInput, allocationInput, documentType } from './inputs.ts';
import { allocate, available, checkAllocation, suggest } from './service.ts';

/**
 * The pane's "Allocate serials" panel, for any document: its lines, what a line may take, a check
 * that writes nothing, and the allocation itself. Each document's own allocateSerials is the same.
 * Who may allocate depends on the document: work orders need production.edit, the rest sales.allocate.
 */
export const allocationsRouter = router({
  document: readProcedure
    .input(z.object({ type: documentType, id }))
    .query(({ ctx, input }) => allocationDocument(ctx.db.prisma, input.type, input.id)),
  available: readProcedure
    .input(z.object({ type: documentType, lineId: id, limit: z.number().int().min(1).max(100_000).default(20_000) }))
    .query(({ ctx, input }) => available(ctx.db.prisma, input.type, input.lineId, input.limit)),
  suggest: readProcedure
    .input(z.object({ type: documentType, lineId: id }))
    .query(({ ctx, input }) => suggest(ctx.db.prisma, input.type, input.lineId)),
  check: readProcedure.input(allocationCheckInput).mutation(({ ctx, input }) => checkAllocation(ctx.db.prisma, input)),
  allocate: readProcedure.input(allocationInput).mutation(({ ctx, input }) => {
    requireWrite(ctx.user.role, input.type === 'workOrder' ? 'production.edit' : 'sales.allocate');
    return allocate(ctx.db.prisma, ctx.user.id, input);
  }),
});
