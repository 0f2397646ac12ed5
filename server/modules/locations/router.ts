import { z } from 'zod';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { id, name as nameText } from '../inputs.ts';
import * as locations from './service.ts';

const name = nameText('name', { max: 100 });

export const locationsRouter = router({
  create: writeProcedure('locations.edit')
    .input(z.object({ name }))
    .mutation(({ ctx, input }) => locations.createLocation(ctx.db.prisma, input.name)),
  rename: writeProcedure('locations.edit')
    .input(z.object({ id, name }))
    .mutation(({ ctx, input }) => locations.renameLocation(ctx.db.prisma, input.id, input.name)),
  addBay: writeProcedure('locations.edit')
    .input(z.object({ locationId: id, name }))
    .mutation(({ ctx, input }) => locations.addBay(ctx.db.prisma, input.locationId, input.name)),
  list: readProcedure.query(({ ctx }) => locations.listLocations(ctx.db.prisma)),
  delete: writeProcedure('locations.edit')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => locations.deleteLocation(ctx.db.prisma, input.id)),
});
