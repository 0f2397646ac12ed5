import { DomainError } from '../../domain/errors.ts';
import type { Accounting } from './runtime.ts';
import type { ProviderName } from './providers.ts';
import { ProviderCallError } from './errors.ts';

/** A token set as the identity endpoint answers it. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export interface StoredConnection {
  provider: ProviderName;
  tenantId: string;
  tenantName: string | null;
  clientId: string;
  clientSecret: string;
  /** MYOB: the company file's sign-in, `base64(user:password)` as its x-myobapi-cftoken header wants it. */
  companyFileAuth: string | null;
  pausedReason: string | null;
}

/** Refresh ahead of expiry, so a call never leaves with a token about to lapse. */
const REFRESH_AHEAD_MS = 2 * 60_000;

export async function loadConnection(accounting: Accounting, provider: ProviderName): Promise<StoredConnection | null> {
  const row = await accounting.db.prisma.accountingConnection.findUnique({ where: { provider } });
  if (!row) return null;
  return {
    provider,
    tenantId: row.tenantId,
    tenantName: row.tenantName,
    clientId: row.clientId,
    clientSecret: accounting.secrets.open(row.clientSecret),
    companyFileAuth: row.companyFileAuth ? accounting.secrets.open(row.companyFileAuth) : null,
    pausedReason: row.pausedReason,
  };
}

export async function saveConnection(
  accounting: Accounting,
  connection: Omit<StoredConnection, 'pausedReason'>,
  tokens: TokenSet,
): Promise<void> {
  const { secrets } = accounting;
  const data = {
    tenantId: connection.tenantId,
    tenantName: connection.tenantName,
    clientId: connection.clientId,
    clientSecret: secrets.seal(connection.clientSecret),
    companyFileAuth: connection.companyFileAuth ? secrets.seal(connection.companyFileAuth) : null,
    accessToken: secrets.seal(tokens.accessToken),
    accessExpiresAt: new Date(tokens.expiresAt),
    refreshToken: secrets.seal(tokens.refreshToken),
    pausedReason: null,
    blockedUntil: null,
    connectedAt: new Date(accounting.now()),
  };
  await accounting.db.prisma.accountingConnection.upsert({
    where: { provider: connection.provider },
    create: { provider: connection.provider, ...data },
    update: data,
  });
}

export async function pauseConnection(accounting: Accounting, provider: ProviderName, reason: string): Promise<void> {
  await accounting.db.prisma.accountingConnection.updateMany({ where: { provider }, data: { pausedReason: reason.slice(0, 500) } });
}

type Refresh = (connection: StoredConnection, refreshToken: string) => Promise<TokenSet>;

/** One refresh at a time in this process (PGlite: the only process); PostgreSQL adds a row lock. */
let refreshing: Promise<unknown> = Promise.resolve();

/**
 * A valid access token. Refresh tokens are single-use and rotate, so a refresh happens once across
 * every process: on PostgreSQL under the connection row's lock (a second process waits and then
 * finds the new token), and the new set is stored before it is used.
 */
export async function accessToken(accounting: Accounting, provider: ProviderName, refresh: Refresh, force = false): Promise<string> {
  const current = await accounting.db.prisma.accountingConnection.findUnique({ where: { provider } });
  if (!current) throw new DomainError('ACCOUNTING_NOT_CONNECTED', `Stocksheet is not connected to ${provider}: connect it first.`);
  if (current.pausedReason) throw new ProviderCallError({ kind: 'disconnected', message: current.pausedReason });
  const valid = (row: typeof current) =>
    row.accessToken && row.accessExpiresAt && row.accessExpiresAt.getTime() - REFRESH_AHEAD_MS > accounting.now();
  if (!force && valid(current)) return accounting.secrets.open(current.accessToken!);
  const staleToken = current.accessToken;

  const run = async () => {
    const work = async (lock: (() => Promise<void>) | null) => {
      await lock?.();
      const row = await accounting.db.prisma.accountingConnection.findUniqueOrThrow({ where: { provider } });
      // Someone refreshed while this waited: use theirs.
      if (row.accessToken !== staleToken && valid(row)) return accounting.secrets.open(row.accessToken!);
      const connection = (await loadConnection(accounting, provider))!;
      let tokens: TokenSet;
      try {
        tokens = await refresh(connection, accounting.secrets.open(row.refreshToken));
      } catch (error) {
        if (error instanceof ProviderCallError && error.failure.kind === 'disconnected')
          await pauseConnection(accounting, provider, error.failure.message);
        throw error;
      }
      await accounting.db.prisma.accountingConnection.update({
        where: { provider },
        data: {
          accessToken: accounting.secrets.seal(tokens.accessToken),
          refreshToken: accounting.secrets.seal(tokens.refreshToken),
          accessExpiresAt: new Date(tokens.expiresAt),
        },
      });
      return tokens.accessToken;
    };
    if (accounting.db.kind === 'pglite') return work(null);
    // PostgreSQL: the lock is an advisory lock on a session of its own, held across the refresh call.
    return accounting.db.prisma.$transaction(
      async (tx) => {
        const lock = async () => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`stocksheet.accounting.refresh.${provider}`}))`;
        };
        return work(lock);
      },
      { maxWait: 30_000, timeout: 120_000 },
    );
  };
  const next = refreshing.then(run, run);
  refreshing = next.catch(() => undefined);
  return next;
}
