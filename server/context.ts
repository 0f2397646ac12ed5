import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Database } from './db/database.ts';
import { DomainError } from './domain/errors.ts';
import type { RoleName } from './domain/roles.ts';
import { accountingFor, type Accounting } from './modules/accounting/runtime.ts';
import { userForToken } from './modules/users/service.ts';
import { trpcErrorOf } from './trpc.ts';

export interface AuthUser {
  id: number;
  name: string;
  role: RoleName;
}

export interface Context {
  db: Database;
  user: AuthUser | null;
  log?: Logger;
  accounting: Accounting;
}

/** One accounting runtime per database unless the server gives its own (one secret key for all its contexts). */
const defaultAccounting = new WeakMap<Database, Accounting>();

/** The accounting runtime contexts of this database get when none is given (tests point its endpoints at stand-ins). */
export function accountingOf(db: Database): Accounting {
  if (!defaultAccounting.has(db)) defaultAccounting.set(db, accountingFor(db));
  return defaultAccounting.get(db)!;
}

/** Tests call this directly (no HTTP) with the user they act as. */
export function createContext(db: Database, user: AuthUser | null, log?: Logger, accounting?: Accounting): Context {
  return { db, user, log, accounting: accounting ?? accountingOf(db) };
}

/** The bearer token in an Authorization header, or null. */
export function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

export async function createHttpContext(db: Database, req: IncomingMessage, log?: Logger, accounting?: Accounting): Promise<Context> {
  const token = bearerToken(req);
  try {
    return createContext(db, token ? await userForToken(db.prisma, token) : null, log, accounting);
  } catch (error) {
    // A refusal while looking the token up (DATABASE_BUSY: the embedded database's queue is past its
    // bound) answers with its own status; tRPC would make any error from here a 500.
    if (error instanceof DomainError) throw trpcErrorOf(error);
    throw error;
  }
}
