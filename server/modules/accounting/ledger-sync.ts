// The general ledger, read from the accounting system into gl_journal_line, so the stock-to-ledger
// reconciliation (reports/definitions/reconciliation.ts) is a local query that spends none of the
// provider's calls. Xero: `GET /Journals?offset=<last JournalNumber>`, 100 journals a call, going on
// from the last number read (the mark is kept per provider). MYOB: its journal transactions, 1,000 a
// call, every read a whole one (MYOB numbers none in order). Each page is one call through the
// shared transport, so reads wait their turn under the same rate limits as postings, and a run
// reads a bounded number of pages, leaving the rest of a large first read to the next runs.
//
// Every account's lines are kept: neither API can be asked for one account's, so reading fewer
// would save nothing, and a stock account mapped later needs no second read.
import type { Logger } from 'pino';
import { Prisma } from '../../db/generated/client.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { LedgerLine, ProviderClient } from './client.ts';
import { loadConnection, pauseConnection, type StoredConnection } from './connection.ts';
import { ProviderCallError } from './errors.ts';
import { PROVIDERS, type ProviderName } from './providers.ts';
import { CLIENTS } from './relay.ts';
import type { Accounting } from './runtime.ts';

/** How often the relay reads the ledger again once it has read it to the end. */
export const LEDGER_SYNC_INTERVAL_MS = 15 * 60_000;
/** A read that has not reached the end goes on this soon (the first read of a large ledger). */
const BEHIND_INTERVAL_MS = 60_000;
/**
 * Pages one run reads at most. Postings share the provider's limits (Xero: 60 calls a minute, 5,000
 * a day), so a first read of a large ledger is spread over several runs instead of taking them all.
 */
export const PAGES_PER_RUN = 20;
/** A run's claim; another process may take the read over once it has passed (the first died). */
const CLAIM_MS = 5 * 60_000;

export type LedgerSyncState =
  | 'read' // read to the end
  | 'behind' // pages read, more to come (the next run goes on)
  | 'busy' // another process is reading it
  | 'idle' // no accounting system chosen
  | 'not_connected'
  | 'paused'
  | 'limited' // a rate limit stopped the read; it goes on after the wait
  | 'refused' // the provider refused the read (e.g. the connection lacks the journals scope)
  | 'failed'; // no answer, or an answer that could not be read

export interface LedgerSyncResult {
  state: LedgerSyncState;
  /** Lines stored by this run. */
  lines: number;
  pages: number;
  /** When the ledger was last read to its end (the reconciliation's "GL read at"), or null. */
  readAt: Date | null;
  message: string | null;
}

interface SyncRow {
  tenant_id: string | null;
  generation: number;
  reading: number | null;
  position: string | null;
  read_started_at: Date | null;
  read_at: Date | null;
}

/**
 * Reads the ledger from where the last read ended (or, with `full`, again from the start into a
 * new generation that replaces the current one once complete): at most `maxPages` pages.
 */
export async function syncLedger(
  accounting: Accounting,
  options: { full?: boolean; maxPages?: number } = {},
  log?: Logger,
): Promise<LedgerSyncResult> {
  const prisma = accounting.db.prisma;
  const settings = await prisma.settings.findUnique({ where: { id: 1 }, select: { accountingProvider: true } });
  const provider = settings?.accountingProvider ?? null;
  const none = (state: LedgerSyncState, message: string | null, readAt: Date | null = null): LedgerSyncResult => ({
    state,
    lines: 0,
    pages: 0,
    readAt,
    message,
  });
  if (!provider) return none('idle', 'No accounting system is chosen: there is no general ledger to read.');
  const name = PROVIDERS[provider].name;
  const connection = await loadConnection(accounting, provider);
  if (!connection) return none('not_connected', `Not connected to ${name}: connect it to read its general ledger.`);
  if (connection.pausedReason) return none('paused', connection.pausedReason);

  const now = () => new Date(accounting.now());
  await prisma.$executeRaw`INSERT INTO gl_sync_state (provider) VALUES (${provider}::"AccountingProvider") ON CONFLICT DO NOTHING`;
  const [claimed] = await prisma.$queryRaw<SyncRow[]>`
    UPDATE gl_sync_state SET running_until = ${new Date(accounting.now() + CLAIM_MS)}, last_attempt_at = ${now()}
    WHERE provider = ${provider}::"AccountingProvider" AND (running_until IS NULL OR running_until < ${now()})
    RETURNING tenant_id, generation, reading, position, read_started_at, read_at`;
  if (!claimed) return none('busy', `The ${name} ledger is being read by another run.`);

  const client = CLIENTS[provider];
  const row = { ...claimed };
  let lines = 0;
  let pages = 0;
  try {
    if (row.tenant_id !== connection.tenantId) {
      // Another organisation (or the first read): nothing read before is its ledger.
      await prisma.$executeRaw`DELETE FROM gl_journal_line WHERE provider = ${provider}::"AccountingProvider"`;
      Object.assign(row, { tenant_id: connection.tenantId, reading: null, position: null, read_at: null, read_started_at: null });
    }
    if (row.reading === null && (options.full || !client.ledger.incremental || row.read_at === null)) {
      // A whole read, into the next generation: the current one stays what reports read until it is complete.
      Object.assign(row, { reading: row.generation + 1, position: null, read_started_at: now() });
    }
    await saveRow(accounting, provider, row, { behind: true });
    const target = row.reading ?? row.generation;
    for (; pages < (options.maxPages ?? PAGES_PER_RUN);) {
      const askedAt = now();
      const page = await readPage(accounting, client, connection, row.position);
      pages += 1;
      lines += await storeLines(accounting, provider, target, page.lines, async (tx) => {
        row.position = page.position;
        if (page.done && row.reading !== null) {
          // The read is complete: it replaces the one reports read.
          await tx.$executeRaw`
            DELETE FROM gl_journal_line WHERE provider = ${provider}::"AccountingProvider" AND generation <> ${row.reading}`;
          row.generation = row.reading;
          row.reading = null;
          if (!client.ledger.incremental) row.position = null;
        }
        if (page.done) row.read_at = client.ledger.incremental ? askedAt : (row.read_started_at ?? askedAt);
        await saveRow(accounting, provider, row, { behind: !page.done, extendClaim: true }, tx);
      });
      if (page.done) {
        await release(accounting, provider, null);
        return { state: 'read', lines, pages, readAt: row.read_at, message: null };
      }
    }
    await release(accounting, provider, null);
    return {
      state: 'behind',
      lines,
      pages,
      readAt: row.read_at,
      message: `Read ${pages} pages of the ${name} ledger; the rest follows in the next runs.`,
    };
  } catch (error) {
    const failure = error instanceof ProviderCallError ? error.failure : null;
    const message =
      failure?.kind === 'refused' || failure?.kind === 'disconnected'
        ? `${name} refused reading its general ledger: ${failure.message}`
        : failure?.kind === 'limited'
          ? `Rate limited (${failure.problem}): the ledger read goes on after ${Math.ceil(failure.retryAfterMs / 1000)} s.`
          : error instanceof Error
            ? error.message
            : String(error);
    await release(accounting, provider, message);
    // As the relay does: the connection itself is refused, so postings wait for a reconnect too.
    if (failure?.kind === 'disconnected') await pauseConnection(accounting, provider, failure.message);
    log?.warn({ provider, pages }, `general ledger read stopped: ${message}`);
    const state: LedgerSyncState = !failure
      ? 'failed'
      : failure.kind === 'limited'
        ? 'limited'
        : failure.kind === 'uncertain'
          ? 'failed'
          : 'refused';
    if (!failure) throw error;
    return { state, lines, pages, readAt: row.read_at, message };
  }
}

/** A read without an answer (a timeout, a dropped connection, a 5xx) changes nothing: it is asked again, twice at most. */
const READ_ATTEMPTS = 3;

async function readPage(accounting: Accounting, client: ProviderClient, connection: StoredConnection, position: string | null) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.ledgerLines(accounting, connection, position);
    } catch (error) {
      if (!(error instanceof ProviderCallError) || error.failure.kind !== 'uncertain' || attempt >= READ_ATTEMPTS) throw error;
      await accounting.sleep(1000 * attempt);
    }
  }
}

/**
 * Reads the ledger if it is due: 15 minutes after the last run (across processes: the time is in
 * the database), or a minute after a run that did not reach the end. Errors are logged, not raised.
 */
export async function syncLedgerIfDue(accounting: Accounting, log?: Logger, intervalMs = LEDGER_SYNC_INTERVAL_MS) {
  const [state] = await accounting.db.prisma.$queryRaw<{ last_attempt_at: Date | null; behind: boolean }[]>`
    SELECT g.last_attempt_at, g.behind FROM gl_sync_state g JOIN settings s ON s.id = 1 AND s.accounting_provider = g.provider`;
  const wait = state?.behind ? Math.min(BEHIND_INTERVAL_MS, intervalMs) : intervalMs;
  if (state?.last_attempt_at && accounting.now() - state.last_attempt_at.getTime() < wait) return null;
  try {
    return await syncLedger(accounting, {}, log);
  } catch (error) {
    log?.error({ err: error }, 'the general ledger read failed; it tries again');
    return null;
  }
}

/** Stores one page's lines (a page read twice stores nothing twice) and, in the same transaction, how far the read got. */
async function storeLines(
  accounting: Accounting,
  provider: ProviderName,
  generation: number,
  lines: LedgerLine[],
  after: (tx: Prisma.TransactionClient) => Promise<void>,
): Promise<number> {
  return inTransaction(accounting.db.prisma, async (tx) => {
    let stored = 0;
    // Bounded statements: a MYOB page of 1,000 transactions may hold many thousand lines.
    for (let start = 0; start < lines.length; start += 5000) {
      const part = lines.slice(start, start + 5000);
      const column = <K extends keyof LedgerLine>(key: K) => part.map((l) => l[key]);
      stored += await tx.$executeRaw`
        INSERT INTO gl_journal_line (provider, generation, journal_id, journal_number, journal_date, source_type, source_id, reference,
                                     line_no, account_code, account_id, description, amount)
        SELECT ${provider}::"AccountingProvider", ${generation}, l.journal_id, l.journal_number, l.journal_date::date, l.source_type,
               l.source_id, l.reference, l.line_no, l.account_code, l.account_id, l.description, l.amount::numeric
        FROM unnest(${column('journalId')}::text[], ${column('journalNumber')}::text[], ${column('journalDate')}::text[],
                    ${column('sourceType')}::text[], ${column('sourceId')}::text[], ${column('reference')}::text[],
                    ${column('lineNo')}::int[], ${column('accountCode')}::text[], ${column('accountId')}::text[],
                    ${column('description')}::text[], ${column('amount')}::text[])
          AS l(journal_id, journal_number, journal_date, source_type, source_id, reference, line_no, account_code, account_id,
               description, amount)
        ON CONFLICT (provider, generation, journal_id, line_no) DO NOTHING`;
    }
    await after(tx);
    return stored;
  });
}

async function saveRow(
  accounting: Accounting,
  provider: ProviderName,
  row: SyncRow,
  flags: { behind: boolean; extendClaim?: boolean },
  db: Prisma.TransactionClient | typeof accounting.db.prisma = accounting.db.prisma,
): Promise<void> {
  const claim = flags.extendClaim ? Prisma.sql`, running_until = ${new Date(accounting.now() + CLAIM_MS)}` : Prisma.empty;
  await db.$executeRaw`
    UPDATE gl_sync_state SET tenant_id = ${row.tenant_id}, generation = ${row.generation}, reading = ${row.reading},
           position = ${row.position}, read_started_at = ${row.read_started_at}, read_at = ${row.read_at}, behind = ${flags.behind} ${claim}
    WHERE provider = ${provider}::"AccountingProvider"`;
}

async function release(accounting: Accounting, provider: ProviderName, error: string | null): Promise<void> {
  await accounting.db.prisma.$executeRaw`
    UPDATE gl_sync_state SET running_until = NULL, last_error = ${error?.slice(0, 1000) ?? null}
    WHERE provider = ${provider}::"AccountingProvider"`;
}

/** What the reconciliation says of the ledger read: whose it is, when it was read to the end, and why it is missing if it is. */
export interface LedgerReadStatus {
  provider: ProviderName | null;
  generation: number | null;
  readAt: Date | null;
  /** The lines are there to use (read to the end at least once, from the connected organisation). */
  usable: boolean;
  /** For people: "Xero general ledger read at …", or why there is none. */
  note: string;
  /** The journals Stocksheet posts there, by source type (MANJOURNAL, GeneralJournal). */
  ownSourceType: string | null;
}

export async function ledgerReadStatus(db: Prisma.TransactionClient | Accounting['db']['prisma']): Promise<LedgerReadStatus> {
  const [row] = await db.$queryRaw<
    {
      provider: ProviderName | null;
      tenant_id: string | null;
      connected_tenant: string | null;
      paused_reason: string | null;
      generation: number | null;
      reading: number | null;
      read_at: Date | null;
      behind: boolean | null;
      last_error: string | null;
    }[]
  >`
    SELECT s.accounting_provider::text AS provider, g.tenant_id, c.tenant_id AS connected_tenant, c.paused_reason,
           g.generation, g.reading, g.read_at, g.behind, g.last_error
    FROM settings s
    LEFT JOIN accounting_connection c ON c.provider = s.accounting_provider
    LEFT JOIN gl_sync_state g ON g.provider = s.accounting_provider
    WHERE s.id = 1`;
  const provider = row?.provider ?? null;
  if (!provider || !row)
    return {
      provider: null,
      generation: null,
      readAt: null,
      usable: false,
      note: 'No accounting system is connected: there is no general ledger to compare with.',
      ownSourceType: null,
    };
  const client: ProviderClient = CLIENTS[provider];
  const name = PROVIDERS[provider].name;
  const base = { provider, generation: row.generation, readAt: row.read_at, ownSourceType: client.ledger.ownSourceType };
  if (!row.connected_tenant)
    return {
      ...base,
      usable: false,
      note: `Not connected to ${name}: the general ledger columns are empty until it is connected and read.`,
    };
  if (!row.read_at || row.tenant_id !== row.connected_tenant) {
    const why = row.last_error ? ` The last attempt stopped: ${row.last_error}` : row.behind ? ' A first read is under way.' : '';
    return {
      ...base,
      usable: false,
      note: `The ${name} general ledger has not been read to its end yet: the general ledger columns are empty until it has (Sync ledger).${why}`,
    };
  }
  const at = row.read_at.toISOString().replace('T', ' ').slice(0, 16);
  const notes = [
    `${name} general ledger read at ${at} UTC; what was posted there since is not in it.`,
    row.paused_reason ? `The connection is paused: ${row.paused_reason}` : null,
    row.last_error ? `The last read stopped: ${row.last_error}` : null,
  ];
  return { ...base, usable: true, note: notes.filter(Boolean).join(' ') };
}
