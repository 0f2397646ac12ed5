import { z } from 'zod';
import { ROLES } from '../../domain/roles.ts';
import { readProcedure, router, writeProcedure } from '../../trpc.ts';
import { name } from '../inputs.ts';
import * as users from './service.ts';

export const userName = name('name', { max: 100 });

export const usersRouter = router({
  /** Who the token belongs to: the add-in's connection check. */
  me: readProcedure.query(({ ctx }) => ctx.user),
  create: writeProcedure('users.manage')
    .input(z.object({ name: userName, role: z.enum(ROLES) }))
    .mutation(({ ctx, input }) => users.createUser(ctx.db.prisma, input)),
  list: writeProcedure('users.manage').query(({ ctx }) => users.listUsers(ctx.db.prisma)),
});
