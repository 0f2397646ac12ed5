import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import superjson from 'superjson';
import { ZodError, z } from 'zod';
import type { AuthUser, Context } from './context.ts';
import { DomainError, REASONS, type Problem, type Reason } from './domain/errors.ts';
import { inputReason, inputRefusalMessage } from './input-refusals.ts';
import { assertMayWrite, type WriteAction } from './domain/roles.ts';

export const INTERNAL_ERROR_MESSAGE = 'Internal server error; the server log has the details.';
const SIGN_IN_MESSAGE = 'Sign in: send "Authorization: Bearer <token>" with a valid Stocksheet API token.';

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error, path }) {
    const cause = error.cause;
    let reason: Reason;
    let message: string;
    let problems: Problem[] | undefined;
    let fieldErrors: Record<string, string[]> | undefined;
    if (cause instanceof DomainError) {
      reason = cause.reason;
      // Internal errors keep their details in the log, not in the response.
      message = error.code === 'INTERNAL_SERVER_ERROR' ? INTERNAL_ERROR_MESSAGE : shape.message;
      problems = cause.problems;
    } else if (cause instanceof ZodError && error.code === 'BAD_REQUEST') {
      reason = inputReason(cause);
      message = inputRefusalMessage(cause);
      fieldErrors = z.flattenError(cause).fieldErrors as Record<string, string[]>;
    } else {
      // Refused by tRPC itself (or failed): a stable reason by its code, never its internal message.
      ({ reason, message } = refusalOf(error, path));
    }
    return {
      ...shape,
      message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        reason,
        ...(problems ? { problems } : {}),
        ...(fieldErrors ? { fieldErrors } : {}),
      },
    };
  },
});

/**
 * What a TRPCError without a DomainError or input cause says: the refusals tRPC makes before any
 * procedure runs (body not JSON, too large, unknown procedure, wrong method or content type), each
 * with its reason and a message a person can act on. Anything else is a failure of the server.
 */
function refusalOf(error: TRPCError, path: string | undefined): { reason: Reason; message: string } {
  const procedure = path ? `"${path}"` : 'this path';
  const refusals: Partial<Record<TRPC_ERROR_CODE_KEY, () => { reason: Reason; message: string }>> = {
    PARSE_ERROR: () => ({
      reason: 'MALFORMED_REQUEST',
      message:
        'The request could not be read: its input is not valid JSON. Send the input as JSON, the way a tRPC client with the superjson transformer does.',
    }),
    BAD_REQUEST: () => ({
      reason: 'MALFORMED_REQUEST',
      message:
        error.cause instanceof SyntaxError
          ? 'The request could not be read: its body is not valid JSON. Send the input as JSON, the way a tRPC client with the superjson transformer does.'
          : error.cause instanceof RangeError
            ? 'The request could not be read: its input is nested too deeply. Send plain objects and lists, the way a tRPC client with the superjson transformer does.'
            : 'The request could not be read: it is not in the form tRPC expects. Send it the way a tRPC client with the superjson transformer does.',
    }),
    NOT_FOUND: () => ({
      reason: 'UNKNOWN_PROCEDURE',
      message: `There is no procedure ${procedure}; check its name against the API section of the README (e.g. "products.list").`,
    }),
    METHOD_NOT_SUPPORTED: () => ({
      reason: 'METHOD_NOT_ALLOWED',
      message: `${path ? `"${path}"` : 'This procedure'} does not take this HTTP method: send queries as GET (or as POST, with tRPC's method override) and mutations as POST.`,
    }),
    PAYLOAD_TOO_LARGE: () => ({
      reason: 'PAYLOAD_TOO_LARGE',
      message: 'The request is larger than the server accepts; send it in smaller parts (fewer serials or rows at a time).',
    }),
    UNSUPPORTED_MEDIA_TYPE: () => ({
      reason: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'The request body must be JSON: send it with "Content-Type: application/json".',
    }),
    UNAUTHORIZED: () => ({
      reason: 'UNAUTHENTICATED',
      message: SIGN_IN_MESSAGE,
    }),
    FORBIDDEN: () => ({ reason: 'FORBIDDEN', message: 'Your role may not do this; ask an admin.' }),
    CLIENT_CLOSED_REQUEST: () => ({
      reason: 'REQUEST_CANCELLED',
      message:
        'The request was cancelled before it finished; nothing was changed by it unless its answer says so. Send it again if it is still needed.',
    }),
  };
  const known = refusals[error.code];
  if (known) return known();
  if (SERVER_FAILURES.has(error.code)) return { reason: 'INTERNAL_ERROR', message: INTERNAL_ERROR_MESSAGE };
  return { reason: 'REQUEST_REFUSED', message: 'The request was refused; check it and send it again.' };
}

const SERVER_FAILURES = new Set<TRPC_ERROR_CODE_KEY>([
  'INTERNAL_SERVER_ERROR',
  'NOT_IMPLEMENTED',
  'BAD_GATEWAY',
  'SERVICE_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
  'TIMEOUT',
]);

/**
 * The one mapping of a DomainError: its reason's tRPC code (REASONS), whose HTTP status is tRPC's.
 * Plain HTTP routes take their status from this too (server/http/respond.ts).
 */
export function trpcErrorOf(error: DomainError): TRPCError {
  return new TRPCError({ code: REASONS[error.reason], message: error.message, cause: error });
}

/**
 * Every refusal leaves a procedure in one form: a DomainError with its reason's code, and input
 * that fails its schema with a sentence naming each field (the ZodError stays the cause, for its
 * issues; the error formatter gives it its reason and fieldErrors).
 */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const { cause, code } = result.error;
    if (cause instanceof DomainError) throw trpcErrorOf(cause);
    if (cause instanceof ZodError && code === 'BAD_REQUEST') throw new TRPCError({ code, message: inputRefusalMessage(cause), cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors);

/** The user a request's token belongs to, or the 401 refusal (tRPC and plain HTTP routes alike). */
export function requireUser(user: AuthUser | null): AuthUser {
  if (!user) throw new DomainError('UNAUTHENTICATED', SIGN_IN_MESSAGE);
  return user;
}

/** Any signed-in user: reads are open to every role. */
export const readProcedure = publicProcedure.use(({ ctx, next }) => next({ ctx: { ...ctx, user: requireUser(ctx.user) } }));

/** A write that only some roles may do (admin may do everything). */
export function writeProcedure(action: WriteAction) {
  return readProcedure.use(({ ctx, next }) => {
    assertMayWrite(ctx.user.role, action);
    return next();
  });
}
