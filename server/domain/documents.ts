import type { DocumentType } from './allocation.ts';
import type { WriteAction } from './roles.ts';

/**
 * What the rules say about each kind of document serials and batches are allocated to: its name in
 * messages and who may allocate to it. The server's allocation service and the pane's Allocate
 * panel both read this table, so the two can never disagree. (The tables and columns behind each
 * kind are the server's holder table, `server/modules/allocations/holders.ts`.)
 */
export const DOCUMENT_KINDS = {
  salesOrder: { name: 'Sales order', allocate: 'sales.allocate' },
  shipment: { name: 'Shipment', allocate: 'sales.allocate' },
  invoice: { name: 'Invoice', allocate: 'sales.allocate' },
  workOrder: { name: 'Work order', allocate: 'production.edit' },
} as const satisfies Record<DocumentType, { name: string; allocate: WriteAction }>;

/** The write permission allocating serials or batches to this kind of document needs. */
export function allocatePermission(type: DocumentType): WriteAction {
  return DOCUMENT_KINDS[type].allocate;
}
