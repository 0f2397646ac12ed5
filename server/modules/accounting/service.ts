import { inTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../domain/errors.ts';
import { page } from '../pagination.ts';
import { loadConnection, saveConnection, type StoredConnection, type TokenSet } from './connection.ts';
import { ProviderCallError } from './errors.ts';
import { syncLedger } from './ledger-sync.ts';
import { forgetProviderFacts } from './provider-facts.ts';
import { PROVIDERS } from './providers.ts';
import { CLIENTS, drainOnce } from './relay.ts';
import type { Accounting } from './runtime.ts';

/** What connecting takes; a provider's own fields beside the OAuth client's. */
export type ConnectInput =
  | { provider: 'xero'; clientId: string; clientSecret: string; tenantId: string; refreshToken: string }
  | {
      provider: 'myob';
      clientId: string;
      clientSecret: string;
      companyFileId: string;
      companyFileUser?: string;
      companyFilePassword?: string;
      refreshToken: string;
    };

function connectionOf(input: ConnectInput): Omit<StoredConnection, 'pausedReason'> {
  const common = { provider: input.provider, tenantName: null, clientId: input.clientId, clientSecret: input.clientSecret };
  if (input.provider === 'xero') return { ...common, tenantId: input.tenantId, companyFileAuth: null };
  const auth = input.companyFileUser ? Buffer.from(`${input.companyFileUser}:${input.companyFilePassword ?? ''}`).toString('base64') : null;
  return { ...common, tenantId: input.companyFileId, companyFileAuth: auth };
}

/**
 * Connects with a refresh token (a server without a browser): the token is exchanged at once, so a
 * wrong one is refused here, and the rotated one is what is stored.
 */
export async function connect(accounting: Accounting, input: ConnectInput) {
  const connection = connectionOf(input);
  let tokens: TokenSet;
  try {
    tokens = await CLIENTS[input.provider].refresh(accounting, { ...connection, pausedReason: null }, input.refreshToken);
  } catch (error) {
    if (error instanceof ProviderCallError)
      throw new DomainError(
        'ACCOUNTING_CONNECT_FAILED',
        `${PROVIDERS[input.provider].name} did not accept these details: ${'message' in error.failure ? error.failure.message : error.message}`,
      );
    throw error;
  }
  return completeConnection(accounting, connection, tokens);
}

/**
 * Stores a connection whose tokens were just issued (by a refresh token, or the OAuth callback):
 * the accounting system becomes the one the settings name, and a paused queue goes on.
 */
export async function completeConnection(accounting: Accounting, connection: Omit<StoredConnection, 'pausedReason'>, tokens: TokenSet) {
  const name = PROVIDERS[connection.provider].name;
  await saveConnection(accounting, connection, tokens);
  await inTransaction(accounting.db.prisma, async (tx) => {
    const settings = await tx.settings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {}, select: { accountingSince: true } });
    const now = new Date(accounting.now());
    await tx.settings.update({
      where: { id: 1 },
      data: { accountingProvider: connection.provider, accountingSince: settings.accountingSince ?? now },
    });
    // The first connection is the baseline: what moved before it is in the opening balance the
    // accountant enters in the ledger, so its journals are skipped (items are still pushed).
    if (!settings.accountingSince) {
      await tx.accountingPosting.updateMany({
        where: { entity: 'journal', state: 'pending', occurredAt: { lt: now } },
        data: {
          state: 'skipped',
          inLedger: true,
          skippedReason: `Moved before Stocksheet was first connected to ${name}: part of the opening balance.`,
        },
      });
    }
  });
  forgetProviderFacts(accounting);
  accounting.wake?.();
  return status(accounting);
}

export async function disconnect(accounting: Accounting) {
  await accounting.db.prisma.accountingConnection.deleteMany({});
  return status(accounting);
}

export async function status(accounting: Accounting) {
  const settings = await accounting.db.prisma.settings.findUnique({ where: { id: 1 }, select: { accountingProvider: true } });
  const provider = settings?.accountingProvider ?? null;
  const connection = provider ? await loadConnection(accounting, provider) : null;
  const counts = await accounting.db.prisma.accountingPosting.groupBy({ by: ['state'], _count: { _all: true } });
  const last = await accounting.db.prisma.accountingPosting.findFirst({
    where: { state: 'posted' },
    orderBy: { postedAt: 'desc' },
    select: { postedAt: true },
  });
  const byState = { pending: 0, in_flight: 0, posted: 0, failed: 0, skipped: 0 };
  for (const c of counts) byState[c.state] = c._count._all;
  return {
    provider,
    connected: connection !== null && connection.pausedReason === null,
    tenantId: connection?.tenantId ?? null,
    tenantName: connection?.tenantName ?? null,
    pausedReason:
      connection?.pausedReason ??
      (provider && !connection ? `Not connected to ${PROVIDERS[provider].name}: connect it to start posting.` : null),
    counts: byState,
    lastPostedAt: last?.postedAt ?? null,
  };
}

type State = 'pending' | 'in_flight' | 'posted' | 'failed' | 'skipped';

export async function postings(accounting: Accounting, input: { state?: State; cursor?: number; limit: number }) {
  const rows = await accounting.db.prisma.accountingPosting.findMany({
    where: { state: input.state, ...(input.cursor ? { id: { gt: input.cursor } } : {}) },
    orderBy: { id: 'asc' },
    take: input.limit + 1,
  });
  return page(
    rows.map((r) => ({
      id: r.id,
      entity: r.entity,
      state: r.state,
      kind: r.kind,
      document: r.documentType ? { type: r.documentType, id: r.documentId } : null,
      productId: r.productId,
      occurredAt: r.occurredAt,
      redatedTo: r.redatedTo?.toISOString().slice(0, 10) ?? null,
      amount: r.amount === null ? null : Number(r.amount),
      key: r.sourceKey,
      attempts: r.attempts,
      uncertain: r.uncertain,
      lastError: r.lastError,
      lastErrorCode: r.lastErrorCode,
      skippedReason: r.skippedReason,
      inLedger: r.inLedger,
      externalId: r.externalId,
      postedAt: r.postedAt,
    })),
    input.limit,
  );
}

interface PostingFacts {
  id: number;
  state: State;
  entity: 'journal' | 'item';
  uncertain: boolean;
  kind: string | null;
  last_error_code: string | null;
}

/**
 * Changes the named postings all together, or refuses them all: each must pass `why` (null when it
 * may, else what it is: "#12 is posted"), under the rows' locks so the relay cannot change them meanwhile.
 */
async function change(
  accounting: Accounting,
  ids: number[],
  reason: 'POSTING_NOT_RETRYABLE' | 'POSTING_NOT_SKIPPABLE' | 'POSTING_NOT_REDATABLE' | 'POSTING_NOT_OPENING_STOCK',
  rule: string,
  why: (posting: PostingFacts) => string | null,
  data: object,
) {
  return inTransaction(accounting.db.prisma, async (tx) => {
    const rows = await tx.$queryRaw<PostingFacts[]>`
      SELECT id, state::text AS state, entity::text AS entity, uncertain, kind::text AS kind, last_error_code
      FROM accounting_posting WHERE id = ANY(${ids}::int[]) ORDER BY id FOR UPDATE`;
    const missing = ids.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length > 0) throw new DomainError('NOT_FOUND', `Posting ${missing.join(', ')} does not exist.`);
    const wrong = rows.map(why).filter((w): w is string => w !== null);
    if (wrong.length > 0) throw new DomainError(reason, `${rule}: ${wrong.join(', ')}. Nothing was changed.`);
    await tx.accountingPosting.updateMany({ where: { id: { in: ids } }, data });
    return { changed: ids.length };
  });
}

/** A failed posting is sent again, built afresh from the ledger with today's mapping (a new version, so a new key). */
export async function retry(accounting: Accounting, ids: number[]) {
  const result = await change(accounting, ids, 'POSTING_NOT_RETRYABLE', 'Only failed postings can be retried', notFailed, {
    state: 'pending',
    nextAttemptAt: new Date(accounting.now()),
    version: { increment: 1 },
    lastErrorCode: null,
  });
  accounting.wake?.();
  return result;
}

const isState = (p: PostingFacts) => `#${p.id} is ${p.state.replace('_', ' ')}`;
const notFailed = (p: PostingFacts) => (p.state === 'failed' ? null : isState(p));

/** Why a posting may not be skipped, or null: it has gone (posted), or its request may have (uncertain). */
const notSkippable = (p: PostingFacts) =>
  p.state !== 'pending' && p.state !== 'failed'
    ? isState(p)
    : p.uncertain
      ? `#${p.id} may already be in the accounting system (its answer was lost): let the relay look it up first`
      : null;

/**
 * A posting nobody will send. Not one whose request may already have reached the accounting system
 * (uncertain): it may be there, and skipping it would hide a journal the ledger holds.
 */
export function skip(accounting: Accounting, ids: number[], reason: string) {
  return change(
    accounting,
    ids,
    'POSTING_NOT_SKIPPABLE',
    'Only pending or failed postings whose request has not gone can be skipped',
    notSkippable,
    { state: 'skipped', skippedReason: reason },
  );
}

/**
 * Opening stock the accountant has entered in the ledger already: never sent, and known to be
 * there (the reconciliation counts it as explained, where a skip is not).
 */
export function markInLedger(accounting: Accounting, ids: number[], by: string) {
  return change(
    accounting,
    ids,
    'POSTING_NOT_OPENING_STOCK',
    'Only opening stock journals not yet sent can be marked as already in the ledger',
    (p) => (p.entity === 'journal' && p.kind === 'opening' ? notSkippable(p) : `#${p.id} is not opening stock`),
    { state: 'skipped', inLedger: true, skippedReason: `Already in the ledger (marked by ${by}).`.slice(0, 500) },
  );
}

/** A journal refused for a locked period is dated again (the first open day, by default) and retried. */
export async function redate(accounting: Accounting, ids: number[], date: string) {
  const result = await change(
    accounting,
    ids,
    'POSTING_NOT_REDATABLE',
    'Only journals refused for a locked period can be re-dated',
    (p) => notFailed(p) ?? (p.entity === 'journal' && p.last_error_code === 'PERIOD_LOCKED' ? null : `#${p.id} failed for another reason`),
    {
      redatedTo: new Date(`${date}T00:00:00Z`),
      state: 'pending',
      nextAttemptAt: new Date(accounting.now()),
      version: { increment: 1 },
    },
  );
  accounting.wake?.();
  return result;
}

/** Drains the queue now, reading the chart, tax rates and lock date afresh (a mapping fixed in the ledger shows at once). */
export async function syncNow(accounting: Accounting) {
  forgetProviderFacts(accounting);
  const result = await drainOnce(accounting);
  return { ...result, status: await status(accounting) };
}

/**
 * Pages the ledger read may take when a person asks: more than a relay run, still bounded (a first
 * read of a large ledger would otherwise hold the request for an hour of Xero's calls).
 */
const LEDGER_PAGES_ON_DEMAND = 30;

/**
 * Reads the general ledger now, for the reconciliation: from where the last read ended, or with
 * `full` all of it again (after edits in the ledger the provider's numbering would not show). A
 * read not finished here goes on in the relay.
 */
export async function syncLedgerNow(accounting: Accounting, full = false) {
  const result = await syncLedger(accounting, { full, maxPages: LEDGER_PAGES_ON_DEMAND });
  return { ...result, readAt: result.readAt?.toISOString() ?? null };
}
