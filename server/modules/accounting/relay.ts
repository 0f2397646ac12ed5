import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { accountProblem, ACCOUNT_ROLE_NAMES, centsText, type PostingAccounts } from '../../domain/journals.ts';
import { claimPostings, markSending, settle, settlePosted, type ClaimedPosting, type Outcome } from './claims.ts';
import type { ElementResult, ProductForItem, ProviderClient } from './client.ts';
import { providerFacts, type ProviderFactsNow } from './provider-facts.ts';
import { loadConnection, pauseConnection, type StoredConnection } from './connection.ts';
import { ProviderCallError } from './errors.ts';
import { journalDate, journalLabel, journalsOf } from './journal-source.ts';
import { PROVIDERS, type ProviderName } from './providers.ts';
import { forgetOldCalls } from './rate-limit.ts';
import type { Accounting } from './runtime.ts';
import { myobClient } from './myob/index.ts';
import { xeroClient } from './xero/index.ts';

export const CLIENTS: Record<ProviderName, ProviderClient> = { xero: xeroClient, myob: myobClient };

/** Back-off after an uncertain or failed call: 2 s doubling to 5 minutes, with jitter. */
function backoff(attempts: number): number {
  return Math.min(300_000, 2000 * 2 ** Math.max(0, attempts - 1)) * (0.75 + Math.random() * 0.5);
}

interface Pass {
  accounting: Accounting;
  provider: ProviderName;
  client: ProviderClient;
  connection: StoredConnection;
  settings: { accounts: PostingAccounts; timeZone: string; installationId: string; openingStockInLedger: boolean };
}

export type DrainResult = { state: 'idle' | 'not_connected' | 'paused'; sent: number };

/**
 * One pass of the relay: items first (a journal never needs one, but people look for their
 * products first), then journals, each in batches as large as the provider takes, until nothing
 * is due. Safe in several processes at once: each claims its own postings.
 */
export async function drainOnce(accounting: Accounting, log?: Logger): Promise<DrainResult> {
  const settings = await accounting.db.prisma.settings.findUnique({ where: { id: 1 } });
  const provider = settings?.accountingProvider;
  if (!provider) return { state: 'idle', sent: 0 };
  const client = CLIENTS[provider];
  const connection = await loadConnection(accounting, provider);
  if (!connection) return { state: 'not_connected', sent: 0 };
  if (connection.pausedReason) return { state: 'paused', sent: 0 };
  const pass: Pass = {
    accounting,
    provider,
    client,
    connection,
    settings: {
      accounts: {
        stockAccount: settings.stockAccount,
        costOfSalesAccount: settings.costOfSalesAccount,
        receivedNotBilledAccount: settings.receivedNotBilledAccount,
        adjustmentAccount: settings.adjustmentAccount,
        openingBalanceAccount: settings.openingBalanceAccount,
      },
      timeZone: settings.accountingTimezone,
      openingStockInLedger: settings.openingStockInLedger,
      installationId: settings.installationId ?? (await makeInstallationId(accounting)),
    },
  };
  await forgetOldCalls(accounting);
  let sent = 0;
  try {
    for (const entity of ['item', 'journal'] as const) {
      const size = entity === 'item' ? PROVIDERS[provider].itemsPerRequest : PROVIDERS[provider].journalsPerRequest;
      for (;;) {
        const claimed = await claimPostings(accounting, entity, size);
        if (claimed.length === 0) break;
        sent += await (entity === 'item' ? sendItems(pass, claimed) : sendJournals(pass, claimed));
      }
    }
  } catch (error) {
    if (error instanceof ProviderCallError && error.failure.kind === 'disconnected') {
      await pauseConnection(accounting, provider, error.failure.message);
      log?.warn({ provider }, error.failure.message);
      return { state: 'paused', sent };
    }
    throw error;
  }
  return { state: 'idle', sent };
}

/** Names this installation in markers: made on the first pass that has work, then read with the settings. */
async function makeInstallationId(accounting: Accounting): Promise<string> {
  const [row] = await accounting.db.prisma.$queryRaw<{ installation_id: string }[]>`
    UPDATE settings SET installation_id = COALESCE(installation_id, substr(md5(random()::text), 1, 8)) WHERE id = 1 RETURNING installation_id`;
  return row!.installation_id;
}

const markerOf = (pass: Pass, posting: { id: number }) => `[ss:${pass.settings.installationId}:${posting.id}]`;

/**
 * A key for one request: the postings it carries, their versions and bodies. The same request sent
 * again is the same key (the provider replays its answer); a changed body is a new key, since
 * Xero refuses a key it has seen with another body.
 */
function requestKey(pass: Pass, postings: ClaimedPosting[], bodies: Map<number, unknown>): string {
  const digest = createHash('sha256')
    .update(postings.map((p) => `${p.id}.${p.version}.${JSON.stringify(bodies.get(p.id))}`).join('\n'))
    .digest('base64url')
    .slice(0, 32);
  return `stocksheet:${pass.settings.installationId}:${postings[0]!.entity}:${digest}`;
}

/** Settles every posting of a failed call the same way; a disconnection pauses and is raised. */
async function settleFailure(pass: Pass, postings: ClaimedPosting[], error: unknown): Promise<void> {
  if (!(error instanceof ProviderCallError)) {
    for (const p of postings)
      await settle(pass.accounting, p, {
        state: 'pending',
        afterMs: backoff(p.attempts),
        uncertain: p.request_key !== null,
        message: String(error),
      });
    throw error;
  }
  const failure = error.failure;
  for (const p of postings) {
    const outcome: Outcome =
      failure.kind === 'refused'
        ? { state: 'failed', code: failure.code, message: failure.message }
        : failure.kind === 'limited'
          ? {
              state: 'pending',
              afterMs: failure.retryAfterMs,
              message: `Rate limited (${failure.problem}): waiting ${Math.ceil(failure.retryAfterMs / 1000)} s.`,
            }
          : failure.kind === 'uncertain'
            ? { state: 'pending', afterMs: backoff(p.attempts), uncertain: true, message: failure.message }
            : { state: 'pending', afterMs: 0, message: failure.message };
    await settle(pass.accounting, p, outcome);
  }
  if (failure.kind === 'disconnected') throw error;
}

/**
 * Gives claimed postings back after a read they needed failed (the chart, a look-up): nothing of
 * theirs was sent, so none fails for it; they wait and go again. A disconnection pauses the queue.
 */
async function release(pass: Pass, postings: ClaimedPosting[], error: unknown): Promise<void> {
  const failure = error instanceof ProviderCallError ? error.failure : null;
  const wait = (p: ClaimedPosting) =>
    failure?.kind === 'limited' ? failure.retryAfterMs : failure?.kind === 'disconnected' ? 0 : backoff(p.attempts);
  const message = error instanceof Error ? error.message : String(error);
  for (const p of postings) await settle(pass.accounting, p, { state: 'pending', afterMs: wait(p), message });
  if (!failure || failure.kind === 'disconnected') throw error;
}

async function settleResults(
  pass: Pass,
  postings: ClaimedPosting[],
  results: ElementResult[],
  amounts?: Map<number, string>,
): Promise<number> {
  const posted: { posting: ClaimedPosting; externalId: string; amount: string | null }[] = [];
  for (const [i, p] of postings.entries()) {
    const result = results[i]!;
    if (result.ok && result.warnings.length === 0) {
      posted.push({ posting: p, externalId: result.id, amount: amounts?.get(p.id) ?? null });
    } else if (result.ok) {
      await settle(pass.accounting, p, {
        state: 'posted',
        externalId: result.id,
        amount: amounts?.get(p.id),
        warning: `Posted with warnings: ${result.warnings.join(' ')}`,
      });
    } else {
      // The provider's own lock-date refusal (its lock date moved since it was read) reads like ours.
      const code = result.code ?? (/lock date/i.test(result.message) ? 'PERIOD_LOCKED' : 'PROVIDER_VALIDATION');
      await settle(pass.accounting, p, { state: 'failed', code, message: result.message, amount: amounts?.get(p.id) });
    }
  }
  await settlePosted(pass.accounting, posted);
  await linkProducts(
    pass,
    postings.flatMap((p, i) => {
      const result = results[i]!;
      return result.ok && p.entity === 'item' ? [{ productId: p.product_id!, externalId: result.id }] : [];
    }),
  );
  return postings.filter((_, i) => results[i]!.ok).length;
}

/**
 * Postings whose request may have reached the provider: found by marker, they are posted; the
 * rest are sent again, with the same key and body while the provider still replays it, else as
 * a new request. Nothing is sent again before it has been looked for.
 */
async function resolveUncertain(pass: Pass, postings: ClaimedPosting[]): Promise<ClaimedPosting[]> {
  // Two minutes before the first send: room for the two clocks to differ.
  const since = new Date(Math.min(...postings.map((p) => p.first_sent_at!.getTime())) - 2 * 60_000);
  const found = await pass.client.findJournals(pass.accounting, pass.connection, new Set(postings.map((p) => markerOf(pass, p))), since);
  const left: ClaimedPosting[] = [];
  for (const p of postings) {
    const id = found.get(markerOf(pass, p));
    if (id) await settle(pass.accounting, p, { state: 'posted', externalId: id });
    else left.push(p);
  }
  return left;
}

async function sendJournals(pass: Pass, claimed: ClaimedPosting[]): Promise<number> {
  const { accounting } = pass;
  let posted = 0;
  // First, those that may already be there.
  const maybeSent = claimed.filter((p) => p.uncertain && p.request_key && p.first_sent_at);
  let fresh = claimed.filter((p) => !maybeSent.includes(p));
  if (maybeSent.length > 0) {
    let left: ClaimedPosting[];
    try {
      left = await resolveUncertain(pass, maybeSent);
    } catch (error) {
      await release(pass, claimed, error);
      return 0;
    }
    posted += maybeSent.length - left.length;
    // One request's postings, all still unposted and within the replay window: the same request again.
    const byKey = new Map<string, ClaimedPosting[]>();
    for (const p of left) byKey.set(p.request_key!, [...(byKey.get(p.request_key!) ?? []), p]);
    for (const [key, group] of byKey) {
      const whole = await accounting.db.prisma.accountingPosting.count({ where: { requestKey: key } });
      const inWindow = accounting.now() - group[0]!.first_sent_at!.getTime() < PROVIDERS[pass.provider].idempotencyWindowMs;
      if (whole === group.length && inWindow) {
        group.sort((a, b) => a.id - b.id);
        posted += await post(pass, group, key, new Map(group.map((p) => [p.id, p.request_body])));
      } else {
        // Looked for and not there: a new request (a new version, so a new key).
        for (const p of group) p.version += 1;
        await accounting.db.prisma.accountingPosting.updateMany({
          where: { id: { in: group.map((p) => p.id) } },
          data: { version: { increment: 1 }, uncertain: false },
        });
        fresh = [...fresh, ...group];
      }
    }
  }
  if (fresh.length === 0) return posted;

  let facts: ProviderFactsNow;
  try {
    facts = await providerFacts(accounting, pass.client, pass.connection);
  } catch (error) {
    await release(pass, fresh, error);
    return posted;
  }
  const bodies = new Map<number, unknown>();
  const amounts = new Map<number, string>();
  const ready: ClaimedPosting[] = [];
  const journals = await journalsOf(accounting.db.prisma, fresh, pass.settings.accounts);
  for (const p of fresh.sort((a, b) => a.id - b.id)) {
    if (p.kind === 'opening' && pass.settings.openingStockInLedger) {
      await settle(accounting, p, { state: 'skipped', inLedger: true, reason: IN_LEDGER_BY_SETTING });
      continue;
    }
    const built = journals.get(p.id)!;
    if ('nothing' in built) {
      await settle(accounting, p, { state: 'skipped', reason: built.nothing });
      continue;
    }
    if ('missing' in built) {
      await settle(accounting, p, { state: 'failed', code: 'ACCOUNT_NOT_MAPPED', message: built.missing.message });
      continue;
    }
    const problem = built.journal.lines.map((l) => accountProblem(l.account, roleOf(pass, l.account), facts.chart)).find((m) => m !== null);
    if (problem) {
      await settle(accounting, p, {
        state: 'failed',
        code: 'ACCOUNT_INVALID',
        message: problem,
        amount: centsText(built.journal.debitCents),
      });
      continue;
    }
    const date = journalDate(p, pass.settings.timeZone);
    if (facts.lockDate && date <= facts.lockDate) {
      await settle(accounting, p, {
        state: 'failed',
        code: 'PERIOD_LOCKED',
        amount: centsText(built.journal.debitCents),
        message: `The journal is dated ${date}, but ${PROVIDERS[pass.provider].name} is locked up to ${facts.lockDate}: re-date it to the first open day, or ask the adviser to unlock the period, then retry.`,
      });
      continue;
    }
    bodies.set(
      p.id,
      pass.client.journalBody({ marker: markerOf(pass, p), narration: journalLabel(p), date, lines: built.journal.lines }, facts),
    );
    amounts.set(p.id, centsText(built.journal.debitCents));
    ready.push(p);
  }
  if (ready.length === 0) return posted;
  return posted + (await post(pass, ready, requestKey(pass, ready, bodies), bodies, amounts));
}

const IN_LEDGER_BY_SETTING = 'Opening stock, which the accountant enters in the ledger (settings: opening stock is in the ledger already).';

function roleOf(pass: Pass, account: string): string {
  const role = (Object.keys(pass.settings.accounts) as (keyof PostingAccounts)[]).find((r) => pass.settings.accounts[r] === account);
  return role ? ACCOUNT_ROLE_NAMES[role] : 'mapped';
}

async function post(
  pass: Pass,
  postings: ClaimedPosting[],
  key: string,
  bodies: Map<number, unknown>,
  amounts?: Map<number, string>,
): Promise<number> {
  const held = await markSending(pass.accounting, postings, key, bodies);
  const sending = postings.filter((p) => held.has(p.id));
  if (sending.length === 0) return 0;
  if (sending.length !== postings.length && postings.some((p) => p.request_key === key && !held.has(p.id))) {
    // Lost part of a group to another relay: never send a partial copy under the group's key.
    for (const p of sending) await settle(pass.accounting, p, { state: 'pending', afterMs: 0, uncertain: true });
    return 0;
  }
  const send = sending[0]!.entity === 'item' ? pass.client.postItems : pass.client.postJournals;
  let results: ElementResult[];
  try {
    // Items are matched by code: sending one again updates it, never makes a second.
    results = await send(
      pass.accounting,
      pass.connection,
      sending.map((p) => bodies.get(p.id)),
      key,
    );
  } catch (error) {
    await settleFailure(pass, sending, error);
    return 0;
  }
  return settleResults(pass, sending, results, amounts);
}

async function sendItems(pass: Pass, claimed: ClaimedPosting[]): Promise<number> {
  const { accounting } = pass;
  const settings = pass.settings.accounts;
  let facts: ProviderFactsNow;
  try {
    facts = await providerFacts(accounting, pass.client, pass.connection);
  } catch (error) {
    await release(pass, claimed, error);
    return 0;
  }
  const products = await productsForItems(
    pass,
    claimed.map((p) => p.product_id!),
  );
  const bodies = new Map<number, unknown>();
  const ready: ClaimedPosting[] = [];
  for (const p of claimed) {
    const product = products.get(p.product_id!);
    if (!product) {
      await settle(accounting, p, { state: 'skipped', reason: `The product is linked to another accounting system.` });
      continue;
    }
    const made = pass.client.itemBody(product, settings.stockAccount, facts);
    if ('problem' in made) {
      await settle(accounting, p, { state: 'failed', code: 'ITEM_INVALID', message: made.problem });
      continue;
    }
    bodies.set(p.id, made.body);
    ready.push(p);
  }
  if (ready.length === 0) return 0;
  return post(pass, ready, requestKey(pass, ready, bodies), bodies);
}

/** The claimed items' products, as they are now; a product linked to another accounting system is left out. */
async function productsForItems(pass: Pass, productIds: number[]): Promise<Map<number, ProductForItem>> {
  const rows = await pass.accounting.db.prisma.product.findMany({ where: { id: { in: productIds } } });
  const mine = rows.filter((p) => !p.accountingProvider || p.accountingProvider === pass.provider);
  return new Map(
    mine.map((p) => [
      p.id,
      {
        id: p.id,
        sku: p.sku,
        name: p.name,
        sellable: p.sellable,
        purchasable: p.purchasable,
        stockTracked: p.stockTracked,
        saleGlCode: p.saleGlCode,
        sellingTaxRate: p.sellingTaxRate,
        purchaseGlCode: p.purchaseGlCode,
        purchaseTaxRate: p.purchaseTaxRate,
        assetGlCode: p.assetGlCode,
        externalId: p.accountingProvider === pass.provider ? p.accountingExternalId : null,
      },
    ]),
  );
}

/** The first successful push makes each product synced (un-serialising it is refused from then on): one statement. */
async function linkProducts(pass: Pass, links: { productId: number; externalId: string }[]): Promise<void> {
  if (links.length === 0) return;
  await pass.accounting.db.prisma.$executeRaw`
    UPDATE product p SET accounting_provider = ${pass.provider}::"AccountingProvider", accounting_external_id = l.external_id,
                         accounting_linked_at = ${new Date(pass.accounting.now())}
    FROM unnest(${links.map((l) => l.productId)}::int[], ${links.map((l) => l.externalId)}::text[]) AS l(product_id, external_id)
    WHERE p.id = l.product_id AND p.accounting_external_id IS NULL`;
}
