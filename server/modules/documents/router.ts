import { z } from 'zod';
import { readProcedure, router } from '../../trpc.ts';
import {
  allocate,
  allocationCheckInput,
  allocationInput,
  available,
  checkAllocation,
  documentType,
  suggest,
} from '../allocations/index.ts';
import { id } from '../inputs.ts';
import { allocationDocument } from './view.ts';

/**
 * The pane's "Allocate serials" panel, for any document: its lines, what a line may take, a check
 * that writes nothing, and the allocation itself. Each document's own allocateSerials is the same.
 * Who may allocate depends on the document (domain/documents.ts); the allocation service checks it.
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
  // Open to every role here: the allocation service refuses those the document kind's permission leaves out.
  allocate: readProcedure.input(allocationInput).mutation(({ ctx, input }) => allocate(ctx.db.prisma, ctx.user, input)),
});
