import { Prisma } from '../../db/generated/client.ts';
import { OPEN_STATUS } from '../../domain/allocation.ts';

/**
 * Shipments and invoices are the same shape: lines of one sales order, each a quantity of an order
 * line. A shipment takes goods out when shipped; an invoice bills them when issued (and takes out
 * whatever no shipment took yet). One set of functions serves both.
 */
export type SalesDocumentKind = 'shipment' | 'invoice';

/**
 * Each kind's name, the statuses it is open (still changeable) and done in, and its tables: the
 * document, its lines, the lines' column pointing at the document, and serial_number's column
 * naming the line (fixed identifiers, so one query serves both kinds).
 */
export const KIND = {
  shipment: {
    name: 'Shipment',
    open: OPEN_STATUS.shipment,
    done: 'shipped',
    table: Prisma.raw('shipment'),
    lineTable: Prisma.raw('shipment_line'),
    parent: Prisma.raw('shipment_id'),
    serialColumn: Prisma.raw('shipment_line_id'),
  },
  invoice: {
    name: 'Invoice',
    open: OPEN_STATUS.invoice,
    done: 'issued',
    table: Prisma.raw('invoice'),
    lineTable: Prisma.raw('invoice_line'),
    parent: Prisma.raw('invoice_id'),
    serialColumn: Prisma.raw('invoice_line_id'),
  },
} as const;
