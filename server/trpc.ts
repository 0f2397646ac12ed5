import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import superjson from 'superjson';
import { ZodError, z } from 'zod';
import type { AuthUser, Context } from './context.ts';
import { DomainError, REASONS, type Problem, type Reason } from './domain/errors.ts';
import { formatLimit } from './domain/limits.ts';
import { mayWrite, refusalMessage, type RoleName, type WriteAction } from './domain/roles.ts';

export const INTERNAL_ERROR_MESSAGE = 'Internal server error; the server log has the details.';

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
      message: 'Sign in: send "Authorization: Bearer <token>" with a valid Stocksheet API token.',
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

// ---- input refusals -------------------------------------------------------------------------

type Issue = z.core.$ZodIssue;

/** The reason of an input refusal: the issues' own (set by a schema's params) when they share one, else INVALID_INPUT. */
export function inputReason(error: ZodError): Reason {
  const reasons = new Set<Reason>(
    error.issues.map((issue) => {
      const given: unknown = issue.code === 'custom' ? issue.params?.reason : undefined;
      return typeof given === 'string' && given in REASONS ? (given as Reason) : 'INVALID_INPUT';
    }),
  );
  return reasons.size === 1 ? [...reasons][0]! : 'INVALID_INPUT';
}

/** One sentence per problem, naming the field ("quantity must be at most 100,000"; "lines.3.unitCost: ..."). */
export function inputRefusalMessage(error: ZodError): string {
  const sentences = [...new Set(error.issues.map((issue) => describeIssue(issue)))];
  const more = sentences.length > 3 ? ` (and ${sentences.length - 3} more problems; see fieldErrors)` : '';
  return `${sentences.slice(0, 3).join('; ')}${more}.`;
}

// zod's own English messages ("Too big: expected number to be <=100", "Invalid input: ..."): replaced by ours.
const ZOD_DEFAULT = /^(Too (big|small)|Invalid|Unrecognized key)/;
const STARTS_WITH_VERB = /^(must|is|has|cannot|may|needs)\b/;

function describeIssue(issue: Issue, prefix: PropertyKey[] = []): string {
  const at = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && ZOD_DEFAULT.test(issue.message)) {
    // The alternative that came closest says best what to fix.
    const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]?.[0];
    if (closest) return describeIssue(closest, at);
  }
  const path = at.map(String).join('.');
  const message = ZOD_DEFAULT.test(issue.message) ? plainMessage(issue) : issue.message.replace(/\.$/, '');
  if (path === '') return STARTS_WITH_VERB.test(message) ? `the input ${message}` : message;
  if (STARTS_WITH_VERB.test(message)) return `${path} ${message}`;
  const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (at.length === 1 && squash(message).startsWith(squash(path))) return message;
  return `${path}: ${message}`;
}

function plainMessage(issue: Issue): string {
  const count = (n: number | bigint, one: string, many: string) => `${formatLimit(Number(n))} ${n === 1 || n === 1n ? one : many}`;
  switch (issue.code) {
    case 'invalid_type':
      return / received undefined$/.test(issue.message) ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_big': {
      const bound = issue.inclusive === false ? 'less than' : 'at most';
      if (issue.origin === 'string') return `must be ${bound} ${count(issue.maximum, 'character', 'characters')}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have ${bound} ${count(issue.maximum, 'entry', 'entries')}`;
      return `must be ${bound} ${formatLimit(Number(issue.maximum))}`;
    }
    case 'too_small': {
      const bound = issue.inclusive === false ? 'more than' : 'at least';
      if (issue.origin === 'string') {
        return Number(issue.minimum) === 1 && issue.inclusive !== false
          ? 'cannot be blank'
          : `must be ${bound} ${count(issue.minimum, 'character', 'characters')}`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') return `must have ${bound} ${count(issue.minimum, 'entry', 'entries')}`;
      return `must be ${bound} ${formatLimit(Number(issue.minimum))}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `has ${issue.keys.length === 1 ? 'an unknown field' : 'unknown fields'} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length === 1 ? 'it' : 'them'}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'has the wrong format' : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_union':
      return 'does not match any form this input takes';
    default:
      return 'is not valid';
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  date: 'a date',
  bigint: 'a number',
  null: 'null',
};

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
