// The stock-to-ledger reconciliation's one computation, shared by the summary (reconciliation.ts)
// and its drill-down (reconciliation-detail.ts), so the two always agree to the cent.
//
// Balances at the end of the period, per stock account:
//   Subledger closing S: every movement up to the end of `to`, each at its recorded cost to the cent
//     (as the valuation report sums them); the account is the product's asset GL code, else the
//     settings' stock account (as the journals are built).
//   GL closing G: the lines of the general ledger read (gl_journal_line) on that account dated up
//     to `to`; opening = dated before `from`.
//   Difference = S − G, explained in buckets:
//     A  not yet posted: postings pending or being sent, and postings posted after the ledger was
//        last read (not in the copy yet; Sync ledger);
//     B  failed, or sent without an answer (uncertain: it may be in the ledger, matched to nothing);
//     C  posted, but the ledger's lines for that journal on the account (all dates) differ from what
//        the posting carries: edited, partly deleted or voided in the ledger;
//     D  the ledger's lines on the account, up to `to`, that are not Stocksheet's journals (another
//        source type: a bill coded to stock; or a manual journal whose id is no posting's), less the
//        value of postings skipped as already in the ledger (opening stock the accountant entered,
//        what moved before the first connection): that value is expected among those lines;
//     E  timing: posted, but dated in the ledger on the other side of the period's end (re-dated
//        after a lock, or the journal's date changed in the ledger);
//     R  rounding: a journal rounds each account's value of a posting to the cent, the subledger
//        each movement's; the sum of those differences (never more than half a cent a movement);
//     F  unexplained = Difference − (A + B + C − D + E + R): skipped postings not in the ledger, and
//        movements that have no posting at all. Flagged whenever it is not 0.
// so that Difference = A + B + C − D + E + R + F, to the cent, by construction; F is what is left,
// and its drill-down lists what makes it up.
import { Prisma } from '../../../db/generated/client.ts';
import { DomainError } from '../../../domain/errors.ts';
import type { LedgerReadStatus } from '../../accounting/ledger-sync.ts';
import { dayEnd, dayStart, movementValue, today } from '../params.ts';

export const BUCKETS = ['A', 'B', 'C', 'D', 'E', 'R', 'F'] as const;
export type Bucket = (typeof BUCKETS)[number];

export const BUCKET_NAMES: Record<Bucket, string> = {
  A: 'Not yet posted',
  B: 'Failed or uncertain',
  C: 'Amount differs in the ledger',
  D: 'In the ledger, not from Stocksheet',
  E: 'Posted in another period',
  R: 'Rounding',
  F: 'Unexplained',
};

export interface Period {
  from: string;
  to: string;
}

/** The period asked for: both days, or the month of the one given, or the previous calendar month (a closed one). */
export function periodOf(p: { from?: string; to?: string }, timeZone: string): Period {
  const now = today(timeZone);
  const monthStart = (day: string) => `${day.slice(0, 7)}-01`;
  const monthEnd = (day: string) => {
    const [y, m] = day.split('-').map(Number) as [number, number];
    return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  };
  let period: Period;
  if (p.from && p.to) period = { from: p.from, to: p.to };
  else if (p.to) period = { from: monthStart(p.to), to: p.to };
  else if (p.from) period = { from: p.from, to: now < p.from ? monthEnd(p.from) : now };
  else {
    const lastMonth = new Date(Date.UTC(Number(now.slice(0, 4)), Number(now.slice(5, 7)) - 2, 1)).toISOString().slice(0, 10);
    period = { from: lastMonth, to: monthEnd(lastMonth) };
  }
  if (period.from > period.to) throw new DomainError('INVALID_INPUT', `The period starts (${period.from}) after it ends (${period.to}).`);
  return period;
}

/**
 * The common table expressions both reports select from:
 *   mv  every movement up to the end, with its account, value and posting;
 *   pp  each (posting, account): what it carries (up to the end), what the ledger holds for its
 *       journal (all dates, and up to `to`), and its class (A, B, D, F, or P: posted and read);
 *   gl  the ledger's lines (the read's complete generation), with the posting each is Stocksheet's for.
 */
export function reconciliationCtes(period: Period, timeZone: string, gl: LedgerReadStatus, account: string | undefined): Prisma.Sql {
  const start = dayStart(period.from, timeZone);
  const end = dayEnd(period.to, timeZone);
  const provider = gl.usable ? gl.provider : null;
  const onlyAsked = account ? Prisma.sql`WHERE account = ${account}` : Prisma.empty;
  return Prisma.sql`
    st AS (SELECT stock_account FROM settings WHERE id = 1 UNION ALL SELECT NULL LIMIT 1),
    mv AS (
      SELECT m.id, m.created_at, m.kind::text AS kind, m.document_type, m.document_id,
             COALESCE(pr.asset_gl_code, st.stock_account, '(not mapped)') AS account,
             ${movementValue('m')} AS value, m.quantity * m.unit_cost AS exact, q.id AS posting_id
      FROM stock_movement m
      JOIN product pr ON pr.id = m.product_id
      CROSS JOIN st
      LEFT JOIN accounting_posting q ON q.source_key =
        m.kind::text || ':' || COALESCE(m.document_type, '-') || ':' || COALESCE(m.document_id::text, '-') || ':' || m.tx_id::text
      WHERE m.created_at < ${end}
    ),
    -- The stock accounts: each product's asset GL code, else the settings' stock account.
    accounts AS (
      SELECT account FROM (
        SELECT account FROM mv
        UNION SELECT stock_account FROM st WHERE stock_account IS NOT NULL
        UNION SELECT asset_gl_code FROM product WHERE asset_gl_code IS NOT NULL
      ) a ${onlyAsked}
    ),
    posted AS (
      SELECT id, lower(external_id) AS ext FROM accounting_posting
      WHERE entity = 'journal' AND state = 'posted' AND external_id IS NOT NULL
    ),
    gl AS (
      SELECT g.id, g.account_code AS account, g.journal_date, g.amount, g.journal_number, g.source_type, g.source_id, g.reference,
             g.description, p.id AS posting_id
      FROM gl_journal_line g
      LEFT JOIN posted p ON g.source_type = ${gl.ownSourceType} AND p.ext = g.source_id
      WHERE g.provider = ${provider}::"AccountingProvider" AND g.generation = ${gl.generation ?? 0}
        AND g.account_code IN (SELECT account FROM accounts)
    ),
    pa AS (SELECT posting_id, account, ROUND(SUM(exact), 2) AS expected FROM mv WHERE posting_id IS NOT NULL GROUP BY 1, 2),
    gp AS (
      SELECT posting_id, account, SUM(amount) AS gl_all, COALESCE(SUM(amount) FILTER (WHERE journal_date <= ${period.to}::date), 0) AS gl_to,
             MIN(journal_date) AS first_date, MAX(journal_date) AS last_date,
             string_agg(DISTINCT journal_number, ', ') AS numbers
      FROM gl WHERE posting_id IS NOT NULL GROUP BY 1, 2
    ),
    seen AS (SELECT DISTINCT posting_id FROM gl WHERE posting_id IS NOT NULL),
    pp AS (
      SELECT x.*, q.state::text AS state, q.uncertain, q.in_ledger, q.kind::text AS kind, q.document_type, q.document_id,
             q.occurred_at, q.redated_to, q.posted_at, q.external_id, q.last_error, q.skipped_reason,
             CASE
               WHEN q.state IN ('pending', 'in_flight') AND NOT q.uncertain THEN 'A'
               WHEN q.state = 'failed' OR q.state IN ('pending', 'in_flight') THEN 'B'
               WHEN q.state = 'skipped' AND q.in_ledger THEN 'D'
               WHEN q.state = 'skipped' THEN 'F'
               WHEN NOT EXISTS (SELECT 1 FROM seen WHERE seen.posting_id = q.id)
                    AND (${gl.readAt}::timestamptz IS NULL OR q.posted_at > ${gl.readAt}::timestamptz) THEN 'A'
               ELSE 'P'
             END AS class
      FROM (
        SELECT COALESCE(pa.posting_id, gp.posting_id) AS posting_id, COALESCE(pa.account, gp.account) AS account,
               pa.posting_id IS NOT NULL AS moved, COALESCE(pa.expected, 0) AS expected,
               COALESCE(gp.gl_all, 0) AS gl_all, COALESCE(gp.gl_to, 0) AS gl_to, gp.first_date, gp.last_date, gp.numbers
        FROM pa FULL JOIN gp ON gp.posting_id = pa.posting_id AND gp.account = pa.account
      ) x
      JOIN accounting_posting q ON q.id = x.posting_id
      WHERE x.account IN (SELECT account FROM accounts)
    ),
    -- Per account: the subledger (each movement to the cent), what its postings carry, and the ledger.
    sub AS (
      SELECT account,
             COALESCE(SUM(value) FILTER (WHERE created_at < ${start}), 0) AS opening,
             COALESCE(SUM(value) FILTER (WHERE created_at >= ${start} AND kind = 'receipt'), 0) AS receipts,
             COALESCE(SUM(value) FILTER (WHERE created_at >= ${start} AND kind = 'sale'), 0) AS sales,
             COALESCE(SUM(value) FILTER (WHERE created_at >= ${start} AND kind = 'adjustment'), 0) AS adjustments,
             COALESCE(SUM(value) FILTER (WHERE created_at >= ${start} AND kind = 'stocktake'), 0) AS stocktakes,
             COALESCE(SUM(value) FILTER (WHERE created_at >= ${start} AND kind = 'production'), 0) AS production,
             COALESCE(SUM(value) FILTER (WHERE created_at >= ${start} AND kind = 'opening'), 0) AS opening_stock,
             COALESCE(SUM(value) FILTER (WHERE created_at >= ${start} AND kind NOT IN ('receipt', 'sale', 'adjustment', 'stocktake',
                                                                                       'production', 'opening')), 0) AS other,
             COALESCE(SUM(value), 0) AS closing,
             COALESCE(SUM(value) FILTER (WHERE posting_id IS NULL), 0) AS unposted
      FROM mv GROUP BY account
    ),
    carried AS (SELECT account, SUM(expected) AS expected FROM pa GROUP BY account),
    ledger AS (
      SELECT account, COALESCE(SUM(amount) FILTER (WHERE journal_date < ${period.from}::date), 0) AS opening,
             COALESCE(SUM(amount) FILTER (WHERE journal_date <= ${period.to}::date), 0) AS closing,
             COALESCE(SUM(amount) FILTER (WHERE journal_date <= ${period.to}::date AND posting_id IS NULL), 0) AS foreign_lines
      FROM gl GROUP BY account
    ),
    -- Rounding: what the subledger holds beyond what its postings carry and the movements without one.
    rounding AS (
      SELECT a.account, COALESCE(s.closing, 0) - COALESCE(c.expected, 0) - COALESCE(s.unposted, 0) AS amount
      FROM accounts a LEFT JOIN sub s ON s.account = a.account LEFT JOIN carried c ON c.account = a.account
    )`;
}

/**
 * Each (posting, account)'s share of a bucket, as SQL over pp: A, B and F carry what the posting
 * carries; D the negative of it (in the ledger already, by other lines); a posted one its C (what
 * it carries less what the ledger holds for its journal) and E (the part of the ledger's lines on
 * the other side of the period's end).
 */
export const SHARE: Record<'A' | 'B' | 'C' | 'Dposting' | 'E' | 'F', Prisma.Sql> = {
  A: Prisma.sql`CASE WHEN pp.class = 'A' THEN pp.expected ELSE 0 END`,
  B: Prisma.sql`CASE WHEN pp.class = 'B' THEN pp.expected ELSE 0 END`,
  C: Prisma.sql`CASE WHEN pp.class = 'P' AND pp.moved THEN pp.expected - pp.gl_all ELSE 0 END`,
  Dposting: Prisma.sql`CASE WHEN pp.class = 'D' THEN -pp.expected ELSE 0 END`,
  E: Prisma.sql`CASE WHEN pp.class = 'P' THEN (CASE WHEN pp.moved THEN pp.gl_all ELSE 0 END) - pp.gl_to ELSE 0 END`,
  F: Prisma.sql`CASE WHEN pp.class = 'F' THEN pp.expected ELSE 0 END`,
};
