import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { ledgerReadStatus } from '../../accounting/ledger-sync.ts';
import { defineReport } from '../definition.ts';
import { reconciliationParams } from './reconciliation.ts';
import { BUCKET_NAMES, BUCKETS, periodOf, reconciliationCtes, SHARE } from './reconciliation-sql.ts';

/**
 * The reconciliation's drill-down: every posting, ledger line and movement behind each bucket of
 * the summary (the same computation, reconciliation-sql.ts), one row each with its share of the
 * bucket, so a bucket's rows total its figure in the summary. A report of its own rather than
 * rows in the summary: its columns are a document's (posting, state, provider reference, journal
 * number and date, what it carries and what the ledger holds), and the summary's totals stay
 * per account; the pane inserts each as its own table.
 */
export const reconciliationDetailReport = defineReport({
  id: 'reconciliationDetail',
  title: 'Stock to general ledger reconciliation: drill-down',
  description:
    'What makes up each bucket of the reconciliation: the postings not yet posted, failed or uncertain, posted with another amount or in another period, skipped, and the ledger lines not from Stocksheet.',
  keywords: ['reconciliation', 'drill-down', 'general ledger', 'xero', 'myob', 'difference', 'unexplained', 'bucket'],
  params: z.object({
    ...reconciliationParams,
    bucket: z
      .enum(BUCKETS)
      .optional()
      .meta({ label: 'Bucket', kind: 'choice', hint: 'A, B, C, D, E, R (rounding) or F; every bucket when empty' }),
  }),
  columns: [
    { key: 'account', label: 'Stock account', type: 'text' },
    { key: 'bucket', label: 'Bucket', type: 'text' },
    { key: 'bucketName', label: 'Explains', type: 'text' },
    { key: 'item', label: 'Item', type: 'text' },
    { key: 'postingId', label: 'Posting', type: 'integer' },
    { key: 'document', label: 'Document', type: 'text' },
    { key: 'movedOn', label: 'Moved on', type: 'date' },
    { key: 'state', label: 'Posting state', type: 'text' },
    { key: 'externalId', label: 'Provider reference', type: 'text' },
    { key: 'journalNumbers', label: 'GL journal', type: 'text' },
    { key: 'journalDate', label: 'GL date', type: 'date' },
    { key: 'sourceType', label: 'GL source', type: 'text' },
    { key: 'reference', label: 'GL reference', type: 'text' },
    { key: 'subledgerAmount', label: 'Stocksheet amount', type: 'money', cost: true },
    { key: 'glAmount', label: 'GL amount', type: 'money', cost: true },
    { key: 'amount', label: 'Share of the bucket', type: 'money', cost: true, total: 'sum' },
    { key: 'note', label: 'Why', type: 'text' },
    { key: 'glReadAt', label: 'GL read at', type: 'datetime' },
    { key: 'key', label: 'Key', type: 'text' },
  ],
  keyset: [
    { key: 'account', type: 'text' },
    { key: 'bucket', type: 'text' },
    { key: 'key', type: 'text' },
  ],
  async source(db, p, { timeZone }) {
    const period = periodOf(p, timeZone);
    const gl = await ledgerReadStatus(db);
    const names = Prisma.join(
      BUCKETS.map((b) => Prisma.sql`(${b}, ${BUCKET_NAMES[b]})`),
      ', ',
    );
    // Without a ledger read only what the subledger alone says is listed (A, B, rounding).
    const buckets = p.bucket ? [p.bucket] : gl.usable ? [...BUCKETS] : ['A', 'B', 'R'];
    const document = (alias: string) =>
      Prisma.raw(
        `CASE WHEN ${alias}.document_type IS NULL THEN ${alias}.kind ELSE ${alias}.document_type || ' #' || ${alias}.document_id END`,
      );
    return Prisma.sql`
      WITH ${reconciliationCtes(period, timeZone, gl, p.account)},
      names (bucket, name) AS (VALUES ${names}),
      items AS (
        SELECT pp.account, s.bucket, 'P' || lpad(pp.posting_id::text, 12, '0') AS key, 'posting' AS item, pp.posting_id,
               ${document('pp')} AS document, (pp.occurred_at AT TIME ZONE ${timeZone})::date AS moved_on,
               CASE WHEN pp.in_ledger THEN 'skipped (in the ledger)' WHEN pp.uncertain AND pp.state <> 'posted' THEN pp.state || ' (uncertain)'
                    ELSE pp.state END AS state,
               pp.external_id, pp.numbers AS journal_numbers, COALESCE(pp.last_date, pp.first_date) AS journal_date,
               NULL::text AS source_type, NULL::text AS reference, pp.expected AS subledger_amount,
               CASE WHEN pp.class = 'P' THEN pp.gl_all END AS gl_amount, s.amount,
               CASE s.bucket
                 WHEN 'A' THEN CASE WHEN pp.state = 'posted'
                                    THEN 'Posted at ' || to_char(pp.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC, after the general ledger was read: read it again (Sync ledger).'
                                    WHEN pp.state = 'in_flight' THEN 'Being sent.'
                                    ELSE 'Waiting to be sent.' END
                 WHEN 'B' THEN CASE WHEN pp.state = 'failed' THEN 'Failed: ' || COALESCE(pp.last_error, 'no reason recorded')
                                    ELSE 'Sent without an answer: it may be in the ledger; the relay looks it up before sending it again.' END
                 WHEN 'C' THEN 'Posted with ' || pp.expected::text || ' on this account; the ledger holds ' || pp.gl_all::text
                               || ' for its journal: changed in the ledger?'
                 WHEN 'D' THEN 'Skipped as already in the ledger (' || COALESCE(pp.skipped_reason, '') || '): its value is expected among the lines not from Stocksheet.'
                 WHEN 'E' THEN 'Moved on ' || ((pp.occurred_at AT TIME ZONE ${timeZone})::date)::text || ', dated '
                               || COALESCE(pp.last_date::text, '?') || ' in the ledger'
                               || CASE WHEN pp.redated_to IS NOT NULL THEN ' (re-dated to ' || pp.redated_to::text || ')' ELSE '' END || '.'
                 ELSE 'Skipped, and not in the ledger: ' || COALESCE(pp.skipped_reason, 'no reason recorded') || '.'
               END AS note
        FROM pp
        CROSS JOIN LATERAL (VALUES ('A', ${SHARE.A}), ('B', ${SHARE.B}), ('C', ${SHARE.C}), ('D', ${SHARE.Dposting}), ('E', ${SHARE.E}),
                                   ('F', ${SHARE.F})) AS s(bucket, amount)
        WHERE s.amount <> 0
        UNION ALL
        SELECT gl.account, 'D', 'G' || lpad(gl.id::text, 19, '0'), 'ledger line', NULL, NULL, NULL, NULL, NULL, gl.journal_number,
               gl.journal_date, gl.source_type, gl.reference, NULL, gl.amount, gl.amount,
               CASE WHEN gl.source_type = ${gl.ownSourceType} THEN 'A journal in the ledger that no Stocksheet posting made (typed there?).'
                    ELSE 'A ' || COALESCE(gl.source_type, 'ledger') || ' transaction on the stock account, not from Stocksheet.' END
        FROM gl WHERE gl.posting_id IS NULL AND gl.journal_date <= ${period.to}::date AND gl.amount <> 0
        UNION ALL
        SELECT mv.account, 'F', 'M' || lpad(mv.id::text, 12, '0'), 'movement', NULL, ${document('mv')},
               (mv.created_at AT TIME ZONE ${timeZone})::date, NULL, NULL, NULL, NULL, NULL, NULL, mv.value, NULL, mv.value,
               'A valued movement with no posting: it never reached the outbox.'
        FROM mv WHERE mv.posting_id IS NULL AND mv.value <> 0 AND mv.account IN (SELECT account FROM accounts)
        UNION ALL
        SELECT r.account, 'R', 'R', 'rounding', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, r.amount,
               'Journals round each account’s value of a posting to the cent; the subledger rounds each movement.'
        FROM rounding r WHERE r.amount <> 0
      )
      SELECT i.account AS "account", i.bucket AS "bucket", n.name AS "bucketName", i.item AS "item", i.posting_id AS "postingId",
             i.document AS "document", i.moved_on AS "movedOn", i.state AS "state", i.external_id AS "externalId",
             i.journal_numbers AS "journalNumbers", i.journal_date AS "journalDate", i.source_type AS "sourceType",
             i.reference AS "reference", i.subledger_amount AS "subledgerAmount", i.gl_amount AS "glAmount", i.amount AS "amount",
             i.note AS "note", ${gl.readAt}::timestamptz AS "glReadAt", i.key AS "key"
      FROM items i JOIN names n ON n.bucket = i.bucket
      WHERE i.bucket IN (${Prisma.join(buckets)})`;
  },
});
