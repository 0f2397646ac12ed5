import { Prisma } from '../../db/generated/client.ts';
import type { DocumentType } from '../../domain/allocation.ts';
import { DOCUMENT_KINDS } from '../../domain/documents.ts';

const identifier = Prisma.raw;

/**
 * The holder table: for each kind of document that serials and batches are allocated to, the
 * tables and columns behind it. Locking, judging, applying, listing and taking out serials and
 * batches are written once against this table (serials.ts, batches.ts, available.ts, take-out.ts),
 * so a new kind of document is one more entry here plus its own document rules.
 *
 * Two roles: an *owner* line holds serials itself (their status is `allocated` and serial_number
 * names the line) and batch quantities (batch_allocation names it); a *carrier* line (a shipment
 * or invoice line) carries some of what its owner line (the sales order line) holds, and
 * serial_number names it beside the owner.
 */
interface HolderTables {
  type: DocumentType;
  /** The document's table, its lines' table, and the lines' column naming the document. */
  documentTable: Prisma.Sql;
  lineTable: Prisma.Sql;
  documentColumn: Prisma.Sql;
  /** serial_number's column naming the line. */
  serialColumn: Prisma.Sql;
  /** How messages name one of its lines: "sales order #3 line 1". */
  noun: string;
}

export interface OwnerHolder extends HolderTables {
  type: OwnerType;
  role: 'owner';
  /** batch_allocation's column naming the line. */
  batchColumn: Prisma.Sql;
  /** What ledger rows of allocations and releases name as their document. */
  ledgerDocumentType: 'sales_order' | 'work_order';
}

export interface CarrierHolder extends HolderTables {
  role: 'carrier';
  /** The kind of line it carries for, and its lines' column naming that line. */
  owner: OwnerType;
  ownerLineColumn: Prisma.Sql;
}

export type Holder = OwnerHolder | CarrierHolder;
export type OwnerType = 'salesOrder' | 'workOrder';

const OWNER_HOLDERS: Record<OwnerType, OwnerHolder> = {
  salesOrder: {
    type: 'salesOrder',
    role: 'owner',
    documentTable: identifier('sales_order'),
    lineTable: identifier('sales_order_line'),
    documentColumn: identifier('sales_order_id'),
    serialColumn: identifier('so_line_id'),
    batchColumn: identifier('so_line_id'),
    noun: 'sales order',
    ledgerDocumentType: 'sales_order',
  },
  workOrder: {
    type: 'workOrder',
    role: 'owner',
    documentTable: identifier('work_order'),
    lineTable: identifier('work_order_line'),
    documentColumn: identifier('work_order_id'),
    serialColumn: identifier('wo_line_id'),
    batchColumn: identifier('wo_line_id'),
    noun: 'work order',
    ledgerDocumentType: 'work_order',
  },
};

export const HOLDERS: Record<DocumentType, Holder> = {
  ...OWNER_HOLDERS,
  shipment: {
    type: 'shipment',
    role: 'carrier',
    owner: 'salesOrder',
    documentTable: identifier('shipment'),
    lineTable: identifier('shipment_line'),
    documentColumn: identifier('shipment_id'),
    serialColumn: identifier('shipment_line_id'),
    ownerLineColumn: identifier('so_line_id'),
    noun: 'shipment',
  },
  invoice: {
    type: 'invoice',
    role: 'carrier',
    owner: 'salesOrder',
    documentTable: identifier('invoice'),
    lineTable: identifier('invoice_line'),
    documentColumn: identifier('invoice_id'),
    serialColumn: identifier('invoice_line_id'),
    ownerLineColumn: identifier('so_line_id'),
    noun: 'invoice',
  },
};

/** The holder whose lines hold what a line of this kind names: itself, or a carrier's owner. */
export function ownerOf(type: DocumentType): OwnerHolder {
  const holder = HOLDERS[type];
  return holder.role === 'owner' ? holder : OWNER_HOLDERS[holder.owner];
}

/** The carriers of an owner kind (a sales order line's shipments and invoices). */
export function carriersOf(owner: OwnerType): CarrierHolder[] {
  return Object.values(HOLDERS).filter((h): h is CarrierHolder => h.role === 'carrier' && h.owner === owner);
}

export const OWNERS = Object.values(OWNER_HOLDERS);

export const ownerHolder = (type: OwnerType): OwnerHolder => OWNER_HOLDERS[type];

/** `, so_line_id = NULL, wo_line_id = NULL, …`: a serial promised to nobody is named by no line. */
export const CLEAR_HOLDERS = Prisma.sql`, ${Prisma.join(
  Object.values(HOLDERS).map((h) => Prisma.sql`${h.serialColumn} = NULL`),
  ', ',
)}`;

/** "sales order #3 line 1" for whichever owner line holds serial `s` (NULL when none), for messages. */
export const HOLDER_NAME = Prisma.sql`CASE ${Prisma.join(
  OWNERS.map(
    (h) =>
      Prisma.sql`WHEN s.${h.serialColumn} IS NOT NULL THEN (SELECT ${`${h.noun} #`} || l.${h.documentColumn} || ' line ' || l.line_number FROM ${h.lineTable} l WHERE l.id = s.${h.serialColumn})`,
  ),
  ' ',
)} END`;

export const kindName = (type: DocumentType) => DOCUMENT_KINDS[type].name;
