import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError, z } from 'zod';
import type { AuthUser, Context } from './context.ts';
import { DomainError, REASONS, type Problem } from './domain/errors.ts';
import { mayWrite, refusalMessage, type RoleName, type WriteAction } from './domain/roles.ts';

export const INTERNAL_ERROR_MESSAGE = 'Internal server error; the server log has the details.';

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let reason: string | undefined;
    let problems: Problem[] | undefined;
    let fieldErrors: Record<string, string[]> | undefined;
    if (cause instanceof DomainError) {
      reason = cause.reason;
      problems = cause.problems;
    } else if (cause instanceof ZodError) {
      reason = 'INVALID_INPUT';
      fieldErrors = z.flattenError(cause).fieldErrors as Record<string, string[]>;
    } else if (error.code === 'UNAUTHORIZED') {
      reason = 'UNAUTHENTICATED';
    }
    return {
      ...shape,
      // Internal errors keep their details in the log, not in the response.
      message: error.code === 'INTERNAL_SERVER_ERROR' ? INTERNAL_ERROR_MESSAGE : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        ...(reason ? { reason } : {}),
        ...(problems ? { problems } : {}),
        ...(fieldErrors ? { fieldErrors } : {}),
      },
    };
  },
});

/**
 * The one mapping of a DomainError: its reason's tRPC code (REASONS), whose HTTP status is tRPC's.
 * Plain HTTP routes take their status from this too (server/http/respond.ts).
 */
export function trpcErrorOf(error: DomainError): TRPCError {
  return new TRPCError({ code: REASONS[error.reason], message: error.message, cause: error });
}

const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) throw trpcErrorOf(result.error.cause);
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors);

/** The user a request's token belongs to, or the 401 refusal (tRPC and plain HTTP routes alike). */
export function requireUser(user: AuthUser | null): AuthUser {
  if (!user) throw new DomainError('UNAUTHENTICATED', 'Sign in: send "Authorization: Bearer <token>" with a valid Stocksheet API token.');
  return user;
}

/** Any signed-in user: reads are open to every role. */
export const readProcedure = publicProcedure.use(({ ctx, next }) => next({ ctx: { ...ctx, user: requireUser(ctx.user) } }));

/** A write that only some roles may do (admin may do everything). */
export function writeProcedure(action: WriteAction) {
  return readProcedure.use(({ ctx, next }) => {
    requireWrite(ctx.user.role, action);
    return next();
  });
}

/** For a procedure whose permission depends on its input (which kind of document it changes). */
export function requireWrite(role: RoleName, action: WriteAction) {
  if (!mayWrite(role, action)) throw new DomainError('FORBIDDEN', refusalMessage(role, action));
}
