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
  const now = new Date(accounting.now());
  const until = new Date(accounting.now() + CLAIM_LEASE_MS);
  // One statement for the whole request: each row changes only while its claim is still this relay's.
  const rows = await accounting.db.prisma.$queryRaw<{ id: number }[]>`
    UPDATE accounting_posting p
    SET request_key = ${key}, request_body = b.body, first_sent_at = COALESCE(p.first_sent_at, ${now}),
        claimed_until = ${until}, updated_at = ${now}
    FROM unnest(${claimed.map((c) => c.id)}::int[], ${claimed.map((c) => c.claimed_until)}::timestamptz[],
                ${claimed.map((c) => JSON.stringify(bodies.get(c.id)))}::jsonb[]) AS b(id, claimed_until, body)
    WHERE p.id = b.id AND p.state = 'in_flight' AND p.claimed_until = b.claimed_until
    RETURNING p.id`;
  const held = new Set(rows.map((r) => r.id));
  for (const posting of claimed) {
    if (!held.has(posting.id)) continue;
    posting.claimed_until = until;
    posting.request_key = key;
    posting.request_body = bodies.get(posting.id);
    posting.first_sent_at ??= now;
  }
  return held;
}

/** Many postings posted at once (a request's results): one statement, each row only while the claim is still this relay's. */
export async function settlePosted(
  accounting: Accounting,
  posted: { posting: ClaimedPosting; externalId: string; amount: string | null }[],
): Promise<void> {
  if (posted.length === 0) return;
  const now = new Date(accounting.now());
  await accounting.db.prisma.$executeRaw`
    UPDATE accounting_posting p
    SET state = 'posted', external_id = b.external_id, amount = COALESCE(b.amount, p.amount), posted_at = ${now},
        uncertain = false, last_error = NULL, last_error_code = NULL, claimed_until = NULL, updated_at = ${now}
    FROM unnest(${posted.map((x) => x.posting.id)}::int[], ${posted.map((x) => x.posting.claimed_until)}::timestamptz[],
                ${posted.map((x) => x.externalId)}::text[], ${posted.map((x) => x.amount)}::numeric[]) AS b(id, claimed_until, external_id, amount)
    WHERE p.id = b.id AND p.state = 'in_flight' AND p.claimed_until = b.claimed_until`;
}

export type Outcome =
  | { state: 'posted'; externalId: string; amount?: string | null; warning?: string }
  | { state: 'failed'; code: string; message: string; amount?: string }
  /** `inLedger`: its value is in the ledger already (opening stock entered there). */
  | { state: 'skipped'; reason: string; inLedger?: boolean }
  /** Back in the queue: `uncertain` when it may have been applied. */
  | { state: 'pending'; afterMs: number; uncertain?: boolean; message?: string };

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
          ? {
              state: 'skipped' as const,
              skippedReason: outcome.reason.slice(0, 500),
              uncertain: false,
              inLedger: outcome.inLedger ?? false,
            }
          : {
              state: 'pending' as const,
              nextAttemptAt: new Date(accounting.now() + outcome.afterMs),
              ...(outcome.uncertain !== undefined ? { uncertain: outcome.uncertain } : {}),
              ...(outcome.message ? { lastError: outcome.message } : {}),
            };
  await accounting.db.prisma.accountingPosting.updateMany({ where: mine, data: { ...data, claimedUntil: null } });
}
