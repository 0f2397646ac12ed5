import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { VALUED_KINDS } from '../../../domain/journals.ts';
import { defineReport } from '../definition.ts';
import { dayEnd, dayStart, filters, movementValue } from '../params.ts';

/**
 * What a posting's accounting state is, one word each (the state filter takes these):
 * in_ledger (skipped because its value is in the ledger already: opening stock the accountant
 * entered, or moved before the first connection), uncertain (sent without an answer: it may be in
 * the ledger, and is looked up before anything is sent again), else the outbox state itself
 * (pending, in_flight, posted, failed, skipped). Every posting has exactly one.
 */
export const ACCOUNTING_STATES = ['pending', 'in_flight', 'posted', 'failed', 'skipped', 'uncertain', 'in_ledger'] as const;

const STATUS = Prisma.sql`CASE WHEN q.in_ledger THEN 'in_ledger' WHEN q.uncertain AND q.state <> 'posted' THEN 'uncertain' ELSE q.state::text END`;

/**
 * Every valued posting (the journal of an adjustment, stocktake, receipt, shipment or invoice, work
 * order, or opening stock) with its accounting state: the provider's reference when posted, what
 * went wrong when it failed, why it was skipped, and the stock value its movements changed (from
 * the ledger: the sum of their values as the movements report shows them; the journal rounds per
 * account instead, so its stock lines may differ from it by a cent or so). Items (products pushed to
 * the accounting system) are not valued and not listed.
 *
 * Dated by when the movement happened (occurred_at) in the organisation's time zone; the journal
 * date is that day unless re-dated. There is no index on accounting_posting.occurred_at (the outbox
 * has its primary key, (state, next_attempt_at) and (product_id)): a period is a scan of the outbox,
 * which holds one row per business event. The stock value is one lookup per posting by
 * stock_movement_tx_id_idx.
 */
export const accountingStateReport = defineReport({
  id: 'accountingState',
  title: 'Accounting state of stock postings',
  description:
    'Adjustments, stocktakes and every other valued stock event with its accounting state (posted, pending, failed, skipped, in the ledger already, uncertain) and the provider’s reference.',
  keywords: ['accounting', 'xero', 'myob', 'journal', 'posted', 'sync', 'failed', 'pending', 'skipped', 'adjustment', 'stocktake'],
  params: z
    .object({
      from: z.iso
        .date('From must be a day like 2026-07-01')
        .optional()
        .meta({ label: 'From', kind: 'date', hint: 'The first day included (when the stock moved)' }),
      to: z.iso
        .date('To must be a day like 2026-07-01')
        .optional()
        .meta({ label: 'To', kind: 'date', hint: 'The last day included (when the stock moved)' }),
      state: z.enum(ACCOUNTING_STATES).optional().meta({ label: 'State', kind: 'choice' }),
      kind: z.enum(VALUED_KINDS).optional().meta({ label: 'Kind', kind: 'choice' }),
    })
    .refine((p) => !p.from || !p.to || p.from <= p.to, { message: 'From must be on or before To', path: ['to'] }),
  columns: [
    { key: 'postingId', label: 'Posting', type: 'integer' },
    { key: 'occurredAt', label: 'When', type: 'datetime' },
    { key: 'journalDate', label: 'Journal date', type: 'date' },
    { key: 'kind', label: 'Kind', type: 'text' },
    { key: 'document', label: 'Document', type: 'text' },
    { key: 'state', label: 'Accounting state', type: 'text' },
    { key: 'queueState', label: 'Queue state', type: 'text' },
    { key: 'provider', label: 'Provider', type: 'text' },
    { key: 'externalId', label: 'Provider reference', type: 'text' },
    { key: 'stockValue', label: 'Stock value', type: 'money', cost: true, total: 'sum' },
    { key: 'amount', label: 'Journal amount', type: 'money', cost: true, total: 'sum' },
    { key: 'attempts', label: 'Attempts', type: 'integer' },
    { key: 'lastErrorCode', label: 'Error code', type: 'text' },
    { key: 'lastError', label: 'Last error', type: 'text' },
    { key: 'skippedReason', label: 'Skipped because', type: 'text' },
    { key: 'redatedTo', label: 'Re-dated to', type: 'date' },
    { key: 'postedAt', label: 'Posted at', type: 'datetime' },
  ],
  keyset: [{ key: 'postingId', type: 'int' }],
  async source(_db, p, { timeZone }) {
    return Prisma.sql`
      SELECT q.id AS "postingId", q.occurred_at AS "occurredAt",
             COALESCE(q.redated_to, (q.occurred_at AT TIME ZONE ${timeZone})::date) AS "journalDate",
             q.kind::text AS "kind",
             CASE WHEN q.document_type IS NULL THEN NULL ELSE q.document_type || ' #' || q.document_id END AS "document",
             ${STATUS} AS "state", q.state::text AS "queueState", q.provider::text AS "provider", q.external_id AS "externalId",
             (SELECT SUM(${movementValue()}) FROM stock_movement m
              WHERE m.tx_id = q.tx_id AND m.kind = q.kind
                AND m.document_type IS NOT DISTINCT FROM q.document_type AND m.document_id IS NOT DISTINCT FROM q.document_id) AS "stockValue",
             q.amount AS "amount", q.attempts AS "attempts", q.last_error_code AS "lastErrorCode", q.last_error AS "lastError",
             q.skipped_reason AS "skippedReason", q.redated_to AS "redatedTo", q.posted_at AS "postedAt"
      FROM accounting_posting q
      WHERE q.entity = 'journal' ${filters(
        p.from && Prisma.sql`q.occurred_at >= ${dayStart(p.from, timeZone)}`,
        p.to && Prisma.sql`q.occurred_at < ${dayEnd(p.to, timeZone)}`,
        p.state && Prisma.sql`${STATUS} = ${p.state}`,
        p.kind && Prisma.sql`q.kind = ${p.kind}::"MovementKind"`,
      )}`;
  },
});
