import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { ledgerReadStatus } from '../../accounting/ledger-sync.ts';
import { defineReport } from '../definition.ts';
import { reportParams } from '../params.ts';
import { periodOf, reconciliationCtes, SHARE } from './reconciliation-sql.ts';

export const reconciliationParams = {
  from: reportParams.from,
  to: reportParams.to,
  account: z
    .string()
    .trim()
    .min(1)
    .max(32)
    .optional()
    .meta({ label: 'Stock account', kind: 'text', hint: 'One stock account’s code; every stock account when empty' }),
};

/**
 * The stock-to-ledger reconciliation (issue #14): per stock account, the subledger's opening,
 * movements and closing beside the general ledger's (as last read from Xero or MYOB into
 * gl_journal_line: "GL read at" says when), and the difference explained in buckets A–F plus
 * rounding (reconciliation-sql.ts says what counts where). F is what no bucket explains, flagged
 * when not 0; the drill-down (reconciliationDetail) lists each bucket's documents and lines.
 * The period defaults to the previous calendar month. Without a ledger read (not connected, not
 * read yet) the ledger's columns and what depends on them are empty, and the note says why.
 *
 * Totals: only the subledger's columns and A, B and rounding are totalled (the engine totals an
 * empty column as 0, and a ledger column without a ledger must not read 0).
 */
export const reconciliationReport = defineReport({
  id: 'reconciliation',
  title: 'Stock to general ledger reconciliation',
  description:
    'Per stock account, the subledger’s opening, movements and closing beside the general ledger’s, and the difference explained: not yet posted, failed, amounts that differ, not from Stocksheet, another period, rounding, unexplained.',
  keywords: ['reconciliation', 'reconcile', 'general ledger', 'gl', 'xero', 'myob', 'difference', 'month end', 'stock on hand account'],
  params: z.object(reconciliationParams),
  columns: [
    { key: 'account', label: 'Stock account', type: 'text' },
    { key: 'from', label: 'From', type: 'date' },
    { key: 'to', label: 'To', type: 'date' },
    { key: 'subledgerOpening', label: 'Subledger opening', type: 'money', cost: true, total: 'sum' },
    { key: 'receipts', label: 'Receipts', type: 'money', cost: true, total: 'sum' },
    { key: 'sales', label: 'Sales (cost)', type: 'money', cost: true, total: 'sum' },
    { key: 'adjustments', label: 'Adjustments', type: 'money', cost: true, total: 'sum' },
    { key: 'stocktakes', label: 'Stocktakes', type: 'money', cost: true, total: 'sum' },
    { key: 'production', label: 'Work orders', type: 'money', cost: true, total: 'sum' },
    { key: 'openingStock', label: 'Opening stock', type: 'money', cost: true, total: 'sum' },
    { key: 'otherMovements', label: 'Other movements', type: 'money', cost: true, total: 'sum' },
    { key: 'subledgerClosing', label: 'Subledger closing', type: 'money', cost: true, total: 'sum' },
    { key: 'glOpening', label: 'GL opening', type: 'money', cost: true },
    { key: 'glMovement', label: 'GL movement', type: 'money', cost: true },
    { key: 'glClosing', label: 'GL closing', type: 'money', cost: true },
    { key: 'difference', label: 'Difference', type: 'money', cost: true },
    { key: 'notYetPosted', label: 'A: not yet posted', type: 'money', cost: true, total: 'sum' },
    { key: 'failed', label: 'B: failed or uncertain', type: 'money', cost: true, total: 'sum' },
    { key: 'amountsDiffer', label: 'C: amount differs in the ledger', type: 'money', cost: true },
    { key: 'notFromStocksheet', label: 'D: in the ledger, not from Stocksheet', type: 'money', cost: true },
    { key: 'otherPeriod', label: 'E: posted in another period', type: 'money', cost: true },
    { key: 'rounding', label: 'Rounding', type: 'money', cost: true, total: 'sum' },
    { key: 'unexplained', label: 'F: unexplained', type: 'money', cost: true },
    { key: 'flagged', label: 'Unexplained difference', type: 'boolean' },
    { key: 'verdict', label: 'Status', type: 'text' },
    { key: 'glReadAt', label: 'GL read at', type: 'datetime' },
    { key: 'glNote', label: 'General ledger', type: 'text' },
  ],
  keyset: [{ key: 'account', type: 'text' }],
  async source(db, p, { timeZone }) {
    const period = periodOf(p, timeZone);
    const gl = await ledgerReadStatus(db);
    const usable = gl.usable;
    // Only with a ledger read: else empty, not 0 (the note says why).
    const withLedger = (value: Prisma.Sql) => (usable ? value : Prisma.sql`NULL::numeric`);
    return Prisma.sql`
      WITH ${reconciliationCtes(period, timeZone, gl, p.account)},
      shares AS (
        SELECT account, SUM(${SHARE.A}) AS a, SUM(${SHARE.B}) AS b, SUM(${SHARE.C}) AS c, SUM(${SHARE.Dposting}) AS d_postings,
               SUM(${SHARE.E}) AS e
        FROM pp GROUP BY account
      ),
      rows AS (
        SELECT a.account, COALESCE(s.opening, 0) AS sub_opening, COALESCE(s.receipts, 0) AS receipts, COALESCE(s.sales, 0) AS sales,
               COALESCE(s.adjustments, 0) AS adjustments, COALESCE(s.stocktakes, 0) AS stocktakes, COALESCE(s.production, 0) AS production,
               COALESCE(s.opening_stock, 0) AS opening_stock, COALESCE(s.other, 0) AS other, COALESCE(s.closing, 0) AS sub_closing,
               COALESCE(l.opening, 0) AS gl_opening, COALESCE(l.closing, 0) AS gl_closing,
               COALESCE(x.a, 0) AS a, COALESCE(x.b, 0) AS b, COALESCE(x.c, 0) AS c,
               COALESCE(l.foreign_lines, 0) + COALESCE(x.d_postings, 0) AS d, COALESCE(x.e, 0) AS e, r.amount AS r
        FROM accounts a
        LEFT JOIN sub s ON s.account = a.account
        LEFT JOIN ledger l ON l.account = a.account
        LEFT JOIN shares x ON x.account = a.account
        JOIN rounding r ON r.account = a.account
      ),
      explained AS (
        SELECT rows.*, sub_closing - gl_closing AS difference,
               (sub_closing - gl_closing) - (a + b + c - d + e + r) AS f
        FROM rows
      )
      SELECT account AS "account", ${period.from}::date AS "from", ${period.to}::date AS "to",
             sub_opening AS "subledgerOpening", receipts AS "receipts", sales AS "sales", adjustments AS "adjustments",
             stocktakes AS "stocktakes", production AS "production", opening_stock AS "openingStock", other AS "otherMovements",
             sub_closing AS "subledgerClosing",
             ${withLedger(Prisma.sql`gl_opening`)} AS "glOpening", ${withLedger(Prisma.sql`gl_closing - gl_opening`)} AS "glMovement",
             ${withLedger(Prisma.sql`gl_closing`)} AS "glClosing", ${withLedger(Prisma.sql`difference`)} AS "difference",
             a AS "notYetPosted", b AS "failed", ${withLedger(Prisma.sql`c`)} AS "amountsDiffer",
             ${withLedger(Prisma.sql`d`)} AS "notFromStocksheet", ${withLedger(Prisma.sql`e`)} AS "otherPeriod", r AS "rounding",
             ${withLedger(Prisma.sql`f`)} AS "unexplained",
             ${usable ? Prisma.sql`f <> 0` : Prisma.sql`NULL::boolean`} AS "flagged",
             ${
               usable
                 ? Prisma.sql`CASE WHEN f <> 0 THEN 'Unexplained difference of ' || f::text || ': see the drill-down, bucket F'
                                   WHEN difference = 0 THEN 'Reconciled'
                                   ELSE 'Difference explained: see the drill-down' END`
                 : Prisma.sql`'Not compared: no general ledger read'::text`
             } AS "verdict",
             ${gl.readAt}::timestamptz AS "glReadAt", ${gl.note}::text AS "glNote"
      FROM explained`;
  },
});
