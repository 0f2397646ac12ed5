import { ProviderCallError } from './errors.ts';
import type { Accounting } from './runtime.ts';
import { PROVIDERS, type ProviderName } from './providers.ts';

/** A call in flight older than this is taken to have died with its process. */
const CALL_LEASE_MS = 2 * 60_000;

/**
 * Windows are counted a little longer than the provider's: a call arrives there a moment after it
 * starts here, so an exact window could let the provider see one call too many.
 */
const MINUTE = 60_000 + 1000;
const SECOND = 1000 + 100;

/**
 * Waits for a turn to call the provider within its limits, counted in the database so every
 * server process on it shares them: calls started in the last second, minute and day, calls in
 * flight, and any block a 429 (Retry-After) or a spent day set. Returns the call's id, to end it.
 */
export async function startCall(accounting: Accounting, provider: ProviderName, maxWaitMs = 90_000): Promise<bigint> {
  const limits = PROVIDERS[provider].limits;
  const giveUpAt = accounting.now() + maxWaitMs;
  for (;;) {
    const wait = await accounting.db.prisma.$transaction(async (tx) => {
      const now = accounting.now();
      // One process at a time decides (the connection row is the lock); the decision is quick.
      const [connection] = await tx.$queryRaw<{ blocked_until: Date | null }[]>`
        SELECT blocked_until FROM accounting_connection WHERE provider = ${provider}::"AccountingProvider" FOR UPDATE`;
      if (connection?.blocked_until && connection.blocked_until.getTime() > now) return connection.blocked_until.getTime() - now;
      const at = (ms: number) => new Date(now - ms);
      const [counts] = await tx.$queryRaw<
        { second: number; minute: number; day: number; open: number; oldest_minute: Date | null; oldest_second: Date | null }[]
      >`
        SELECT COUNT(*) FILTER (WHERE started_at > ${at(SECOND)})::int AS second,
               COUNT(*) FILTER (WHERE started_at > ${at(MINUTE)})::int AS minute,
               COUNT(*)::int AS day,
               COUNT(*) FILTER (WHERE ended_at IS NULL AND started_at > ${at(CALL_LEASE_MS)})::int AS open,
               MIN(started_at) FILTER (WHERE started_at > ${at(MINUTE)}) AS oldest_minute,
               MIN(started_at) FILTER (WHERE started_at > ${at(SECOND)}) AS oldest_second
        FROM accounting_call WHERE provider = ${provider}::"AccountingProvider" AND started_at > ${at(86_400_000)}`;
      const c = counts!;
      if (limits.perDay !== null && c.day >= limits.perDay) return 60_000;
      if (limits.perMinute !== null && c.minute >= limits.perMinute) return c.oldest_minute!.getTime() + MINUTE - now;
      if (limits.perSecond !== null && c.second >= limits.perSecond) return c.oldest_second!.getTime() + SECOND - now;
      if (limits.concurrent !== null && c.open >= limits.concurrent) return 50;
      const [row] = await tx.$queryRaw<{ id: bigint }[]>`
        INSERT INTO accounting_call (provider, started_at) VALUES (${provider}::"AccountingProvider", ${new Date(now)}) RETURNING id`;
      return row!.id;
    });
    if (typeof wait === 'bigint') return wait;
    // A long wait (the day's calls spent) gives the postings back rather than holding their claim.
    if (accounting.now() + wait > giveUpAt) throw new ProviderCallError({ kind: 'limited', retryAfterMs: wait, problem: 'waiting' });
    // A little jitter, so processes that waited for the same moment do not all ask at once.
    await accounting.sleep(Math.max(wait, 1) + Math.random() * 20);
  }
}

export async function endCall(accounting: Accounting, id: bigint): Promise<void> {
  await accounting.db.prisma.$executeRaw`UPDATE accounting_call SET ended_at = ${new Date(accounting.now())} WHERE id = ${id}`;
}

/** No call before `until` (a 429's Retry-After, the day's calls spent). */
export async function blockCalls(accounting: Accounting, provider: ProviderName, until: number): Promise<void> {
  await accounting.db.prisma.$executeRaw`
    UPDATE accounting_connection SET blocked_until = GREATEST(COALESCE(blocked_until, to_timestamp(0)), ${new Date(until)})
    WHERE provider = ${provider}::"AccountingProvider"`;
}

/** Calls older than a day count for nothing. */
export async function forgetOldCalls(accounting: Accounting): Promise<void> {
  await accounting.db.prisma
    .$executeRaw`DELETE FROM accounting_call WHERE started_at < ${new Date(accounting.now() - 86_400_000 - 60_000)}`;
}
