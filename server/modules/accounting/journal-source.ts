import { buildJournal, type JournalResult, type PostingAccounts, type ValuedKind, type ValuedMovement } from '../../domain/journals.ts';
import type { Db } from '../../db/types.ts';
import type { ClaimedPosting } from './claims.ts';

/** What a journal says it is, by kind: the narration people read in the ledger. */
const LABELS: Record<ValuedKind, (documentType: string | null, documentId: number | null) => string> = {
  receipt: (_, id) => `Goods received on purchase order #${id}`,
  sale: (type, id) => `Cost of goods sold: ${type === 'invoice' ? 'invoice' : 'shipment'} #${id}`,
  adjustment: () => 'Stock adjustment',
  stocktake: (_, id) => `Stocktake #${id} variances`,
  opening: () => 'Opening stock',
  production: (_, id) => `Work order #${id}`,
};

export function journalLabel(posting: Pick<ClaimedPosting, 'kind' | 'document_type' | 'document_id'>): string {
  return LABELS[posting.kind as ValuedKind](posting.document_type, posting.document_id);
}

/** The movements of each posting's business event (one query for them all) and the journal each makes with these accounts. */
export async function journalsOf(db: Db, postings: ClaimedPosting[], accounts: PostingAccounts): Promise<Map<number, JournalResult>> {
  const rows = await db.$queryRaw<(ValuedMovement & { posting_id: number })[]>`
    SELECT q.id AS posting_id, p.sku, m.quantity::text AS "quantity", m.unit_cost::text AS "unitCost", m.gl_code AS "glCode",
           p.asset_gl_code AS "assetGlCode", p.cogs_gl_code AS "cogsGlCode"
    FROM accounting_posting q
    JOIN stock_movement m ON m.tx_id = q.tx_id AND m.kind = q.kind
      AND m.document_type IS NOT DISTINCT FROM q.document_type AND m.document_id IS NOT DISTINCT FROM q.document_id
    JOIN product p ON p.id = m.product_id
    WHERE q.id = ANY(${postings.map((p) => p.id)}::int[])
    ORDER BY m.id`;
  const byPosting = new Map<number, ValuedMovement[]>();
  for (const { posting_id, ...movement } of rows) {
    const list = byPosting.get(posting_id);
    if (list) list.push(movement);
    else byPosting.set(posting_id, [movement]);
  }
  return new Map(postings.map((p) => [p.id, buildJournal(p.kind as ValuedKind, byPosting.get(p.id) ?? [], accounts)]));
}

/** The day the movement happened in the organisation's time zone (YYYY-MM-DD), unless re-dated. */
export function journalDate(posting: Pick<ClaimedPosting, 'occurred_at' | 'redated_to'>, timeZone: string): string {
  if (posting.redated_to) return posting.redated_to.toISOString().slice(0, 10);
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(posting.occurred_at);
}
