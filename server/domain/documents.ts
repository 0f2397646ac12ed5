import type { DocumentType } from './allocation.ts';
import type { Reason } from './errors.ts';
import type { WriteAction } from './roles.ts';

/**
 * What the rules say about each kind of document serials and batches are allocated to: its name in
 * messages, who may allocate to it, the statuses in which its allocations may still change, and
 * the reason given when they may not. The server's allocation service and the pane's Allocate
 * panel both read this table, so the two can never disagree. (The tables and columns behind each
 * kind are the server's holder table, `server/modules/allocations/holders.ts`.)
 */
export const DOCUMENT_KINDS = {
  salesOrder: { name: 'Sales order', allocate: 'sales.allocate', open: ['open', 'partially_shipped'], notOpen: 'ORDER_NOT_OPEN' },
  shipment: { name: 'Shipment', allocate: 'sales.allocate', open: ['to_pick'], notOpen: 'DOCUMENT_NOT_OPEN' },
  invoice: { name: 'Invoice', allocate: 'sales.allocate', open: ['draft'], notOpen: 'DOCUMENT_NOT_OPEN' },
  workOrder: { name: 'Work order', allocate: 'production.edit', open: ['draft'], notOpen: 'DOCUMENT_NOT_OPEN' },
} as const satisfies Record<DocumentType, { name: string; allocate: WriteAction; open: readonly string[]; notOpen: Reason }>;

/** The write permission allocating serials or batches to this kind of document needs. */
export function allocatePermission(type: DocumentType): WriteAction {
  return DOCUMENT_KINDS[type].allocate;
}

/** Whether a document of this kind in this status still takes allocations. */
export function takesAllocations(type: DocumentType, status: string): boolean {
  return (DOCUMENT_KINDS[type].open as readonly string[]).includes(status);
}
