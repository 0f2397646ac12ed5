import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, expect } from 'vitest';
import { accountingOf, createContext } from '../../server/context.ts';
import type { Accounting } from '../../server/modules/accounting/runtime.ts';
import type { RoleName } from '../../server/domain/roles.ts';
import { createCaller } from '../../server/router.ts';
import { createUser } from '../../server/modules/users/service.ts';
import { freshDatabase, type TestDatabase } from './database.ts';

export type Caller = ReturnType<typeof createCaller>;

/** A migrated database with one user per role, and the router called as each (no HTTP). */
export interface TestApp {
  db: TestDatabase;
  as(role: RoleName): Caller;
  anonymous: Caller;
  /** The accounting runtime the callers use: point its endpoints at a stand-in, give it a clock. */
  accounting: Accounting;
  close(): Promise<void>;
}

export async function testApp(): Promise<TestApp> {
  const db = await freshDatabase();
  const roles: RoleName[] = ['admin', 'purchasing', 'warehouse', 'sales', 'accountant', 'viewer'];
  const callers = new Map<RoleName, Caller>();
  for (const role of roles) {
    const { user } = await createUser(db.prisma, { name: `${role}-user`, role });
    callers.set(role, createCaller(createContext(db, user)));
  }
  return {
    db,
    as: (role) => callers.get(role)!,
    anonymous: createCaller(createContext(db, null)),
    accounting: accountingOf(db),
    close: () => db.drop(),
  };
}

/**
 * The file's test app: started before its tests, closed after them. It and its callers can be
 * taken at the top of the file (`const app = useTestApp(); const admin = app.as('admin');`); they
 * reach the app only when a test or hook uses them.
 */
export function useTestApp(): TestApp {
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await testApp();
  });
  afterAll(() => started?.close());
  const current = () => started ?? expect.fail('useTestApp: the app starts in beforeAll; use it from a test or a hook');
  const callers = new Map<RoleName, Caller>();
  const as = (role: RoleName) => {
    if (!callers.has(role)) callers.set(role, new Proxy({} as Caller, { get: (_, key) => Reflect.get(current().as(role), key) }));
    return callers.get(role)!;
  };
  return new Proxy({} as TestApp, { get: (_, key) => (key === 'as' ? as : Reflect.get(current(), key)) });
}

export const key = () => randomUUID();

/** The refusal a call ends in: its tRPC code, reason code, message and problems. */
export async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => expect.fail('expected the call to be refused, but it succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  const trpc = error as TRPCError;
  const cause = trpc.cause as
    | { reason?: string; problems?: { index: number | null; token: string | null; reason: string; message: string; field?: string }[] }
    | undefined;
  return { code: trpc.code, reason: cause?.reason, message: trpc.message, problems: cause?.problems ?? [] };
}
