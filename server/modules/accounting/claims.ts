import { Prisma } from '../../db/generated/client.ts';
import type { Accounting } from './runtime.ts';

/**
 * A relay holds what it claimed this long; past it (the process died, or is slow) another takes it
 * over. Short is safe: a posting taken over after its request may have left is looked up, and
 * within the provider's replay window sent again with the same key and body, so two relays sending
 * it make one journal.
 */
export const CLAIM_LEASE_MS = 60_000;

/**
 * On the embedded database this process is the only one (the data folder's lock), so whatever is
 * in flight was left by a process that died: it can be taken over now rather than after the lease.
 */
export async function releaseOrphans(accounting: Accounting): Promise<number> {
  return accounting.db.prisma.$executeRaw`
    UPDATE accounting_posting SET claimed_until = ${new Date(accounting.now() - 1)} WHERE state = 'in_flight'`;
}

export interface ClaimedPosting {
  id: number;
  entity: 'journal' | 'item';
  kind: string | null;
  document_type: string | null;
  document_id: number | null;
  tx_id: bigint | null;
  product_id: number | null;
  occurred_at: Date;
  redated_to: Date | null;
  attempts: number;
  version: number;
  request_key: string | null;
  request_body: unknown;
  first_sent_at: Date | null;
  uncertain: boolean;
  claimed_until: Date;
}

/**
 * Claims postings due for sending, oldest first, skipping rows another process holds (SKIP
 * LOCKED), and rows whose claim lapsed (their process died mid-send: their outcome is unknown).
 */
export async function claimPostings(accounting: Accounting, entity: 'journal' | 'item', limit: number): Promise<ClaimedPosting[]> {
  const now = new Date(accounting.now());
  const until = new Date(accounting.now() + CLAIM_LEASE_MS);
  return accounting.db.prisma.$queryRaw<ClaimedPosting[]>`
    UPDATE accounting_posting p
    SET state = 'in_flight', claimed_until = ${until}, updated_at = ${now}, attempts = p.attempts + 1,
        uncertain = p.uncertain OR (p.state = 'in_flight' AND p.request_key IS NOT NULL)
    FROM (SELECT id FROM accounting_posting
          WHERE entity = ${entity}::"PostingEntity"
            AND ((state = 'pending' AND next_attempt_at <= ${now}) OR (state = 'in_flight' AND claimed_until < ${now}))
          ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED) c
    WHERE p.id = c.id
    RETURNING p.id, p.entity::text AS entity, p.kind::text AS kind, p.document_type, p.document_id, p.tx_id, p.product_id,
              p.occurred_at, p.redated_to, p.attempts, p.version, p.request_key, p.request_body, p.first_sent_at, p.uncertain, p.claimed_until`;
}

/**
 * Records what is about to be sent (key and body) while the claim is still this relay's: a relay
 * that takes over later knows the request may have gone and looks it up before sending anything.
 * Returns the ids still held.
 */
export async function markSending(
  accounting: Accounting,
  claimed: ClaimedPosting[],
  key: string,
  bodies: Map<number, unknown>,
): Promise<Set<number>> {
  const held = new Set<number>();
  const now = new Date(accounting.now());
  const until = new Date(accounting.now() + CLAIM_LEASE_MS);
  for (const posting of claimed) {
    const changed = await accounting.db.prisma.$executeRaw`
      UPDATE accounting_posting
      SET request_key = ${key}, request_body = ${JSON.stringify(bodies.get(posting.id))}::jsonb,
          first_sent_at = COALESCE(first_sent_at, ${now}), claimed_until = ${until}, updated_at = ${now}
      WHERE id = ${posting.id} AND state = 'in_flight' AND claimed_until = ${posting.claimed_until}`;
    if (changed === 1) {
      held.add(posting.id);
      posting.claimed_until = until;
      posting.request_key = key;
      posting.request_body = bodies.get(posting.id);
      posting.first_sent_at ??= now;
    }
  }
  return held;
}

export type Outcome =
  | { state: 'posted'; externalId: string; amount?: string | null; warning?: string }
  | { state: 'failed'; code: string; message: string; amount?: string }
  | { state: 'skipped'; reason: string }
  /** Back in the queue: `uncertain` when it may have been applied; `forget` drops the request sent. */
  | { state: 'pending'; afterMs: number; uncertain?: boolean; message?: string; forget?: boolean };

/** Ends this relay's claim on a posting with its outcome (only while the claim is still its own). */
export async function settle(accounting: Accounting, posting: ClaimedPosting, outcome: Outcome): Promise<void> {
  const now = new Date(accounting.now());
  const mine = { id: posting.id, state: 'in_flight' as const, claimedUntil: posting.claimed_until };
  const data =
    outcome.state === 'posted'
      ? {
          state: 'posted' as const,
          externalId: outcome.externalId,
          postedAt: now,
          uncertain: false,
          lastError: outcome.warning ?? null,
          lastErrorCode: null,
          ...(outcome.amount !== undefined ? { amount: outcome.amount } : {}),
        }
      : outcome.state === 'failed'
        ? {
            state: 'failed' as const,
            lastErrorCode: outcome.code,
            lastError: outcome.message,
            uncertain: false,
            requestKey: null,
            requestBody: Prisma.DbNull,
          }
        : outcome.state === 'skipped'
          ? { state: 'skipped' as const, skippedReason: outcome.reason.slice(0, 500), uncertain: false }
          : {
              state: 'pending' as const,
              nextAttemptAt: new Date(accounting.now() + outcome.afterMs),
              ...(outcome.uncertain !== undefined ? { uncertain: outcome.uncertain } : {}),
              ...(outcome.message ? { lastError: outcome.message } : {}),
              ...(outcome.forget ? { requestKey: null, requestBody: Prisma.DbNull, firstSentAt: null } : {}),
            };
  await accounting.db.prisma.accountingPosting.updateMany({ where: mine, data: { ...data, claimedUntil: null } });
}
