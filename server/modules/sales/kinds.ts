import { DOCUMENT_KINDS } from '../../domain/documents.ts';
import { HOLDERS } from '../allocations/index.ts';

/**
 * Shipments and invoices are the same shape: lines of one sales order, each a quantity of an order
 * line. A shipment takes goods out when shipped; an invoice bills them when issued (and takes out
 * whatever no shipment took yet). One set of functions serves both.
 */
export type SalesDocumentKind = 'shipment' | 'invoice';

/**
 * Each kind's name, the status it is open (still changeable) and done in, and its tables (from the
 * holder table): the document, its lines, the lines' column pointing at the document, and
 * serial_number's column naming the line (fixed identifiers, so one query serves both kinds).
 */
function salesDocument(kind: SalesDocumentKind, done: string) {
  const holder = HOLDERS[kind];
  return {
    name: DOCUMENT_KINDS[kind].name,
    open: DOCUMENT_KINDS[kind].open[0],
    done,
    table: holder.documentTable,
    lineTable: holder.lineTable,
    parent: holder.documentColumn,
    serialColumn: holder.serialColumn,
  };
}

export const KIND = { shipment: salesDocument('shipment', 'shipped'), invoice: salesDocument('invoice', 'issued') } as const;
