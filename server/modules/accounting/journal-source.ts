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

/** The movements of a posting's business event and the journal they make with these accounts. */
export async function journalOf(db: Db, posting: ClaimedPosting, accounts: PostingAccounts): Promise<JournalResult> {
  const movements = await db.$queryRaw<ValuedMovement[]>`
    SELECT p.sku, m.quantity::text AS "quantity", m.unit_cost::text AS "unitCost", m.gl_code AS "glCode",
           p.asset_gl_code AS "assetGlCode", p.cogs_gl_code AS "cogsGlCode"
    FROM stock_movement m JOIN product p ON p.id = m.product_id
    WHERE m.tx_id = ${posting.tx_id} AND m.kind = ${posting.kind}::"MovementKind"
      AND m.document_type IS NOT DISTINCT FROM ${posting.document_type} AND m.document_id IS NOT DISTINCT FROM ${posting.document_id}
    ORDER BY m.id`;
  return buildJournal(posting.kind as ValuedKind, movements, accounts);
}

/** The day the movement happened in the organisation's time zone (YYYY-MM-DD), unless re-dated. */
export function journalDate(posting: Pick<ClaimedPosting, 'occurred_at' | 'redated_to'>, timeZone: string): string {
  if (posting.redated_to) return posting.redated_to.toISOString().slice(0, 10);
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(posting.occurred_at);
}
