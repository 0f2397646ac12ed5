import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { MAX_SERIAL_LENGTH } from '../../../domain/serial-syntax.ts';
import { defineReport } from '../definition.ts';

/** How many serials one lookup takes (a pasted column of a sheet). */
export const MAX_LOOKUP_SERIALS = 10_000;

/**
 * The serials to look up: a list (one per cell, as the pane reads a selection), or one text with a
 * serial per line (or per tab: cells pasted from a sheet). Each is trimmed and blanks are left out;
 * plain spaces, commas and semicolons stay inside a serial, as they do in a cell. Repeats are kept:
 * the list comes back whole, one row (or one per product) per entry, in the order given.
 */
const serials = z
  // The bounds are checked once the list is read (below), so a refusal says which one; the
  // request's size is bounded before anything is parsed (the server's body limit).
  .union([z.array(z.string()), z.string()], { error: 'give the serials as a list, or as text with one serial per line' })
  .transform((given) => (typeof given === 'string' ? given.split(/[\r\n\t]+/) : given).map((s) => s.trim()).filter((s) => s !== ''))
  .pipe(
    z
      .array(
        z
          .string()
          .max(MAX_SERIAL_LENGTH, `each serial must be at most ${MAX_SERIAL_LENGTH} characters`)
          // PostgreSQL text cannot hold U+0000; no stored serial has one.
          .refine((s) => !s.includes('\u0000'), 'a serial contains a NUL character (U+0000); remove it'),
      )
      .min(1, 'give at least one serial')
      .max(MAX_LOOKUP_SERIALS, 'look up at most 10,000 serials at once'),
  )
  .meta({ label: 'Serials', kind: 'serials', hint: 'One serial, or many pasted (one per line or cell), of any product' });

/** A day in the organisation's time zone, as the database computes it. */
const dayOf = (instant: Prisma.Sql, timeZone: string) => Prisma.sql`((${instant}) AT TIME ZONE ${timeZone})::date`;

/**
 * Where each of a list of serials is and what happened to it: product, status, place, the document
 * holding it, its cost, where it came from and who it went to, and when. A serial entered for two
 * products gives a row for each; one that exists nowhere gives a row saying "not found", so the
 * list comes back whole, in the order it was given.
 */
export const serialLookupReport = defineReport({
  id: 'serialLookup',
  title: 'Serial lookup',
  description:
    'Where each serial is and its history: product, status, location and bay, the document holding it, cost, supplier and purchase order, customer and documents, and dates.',
  keywords: ['serial', 'lookup', 'where is', 'status', 'warranty', 'find'],
  params: z.object({ serials }),
  columns: [
    { key: 'position', label: '#', type: 'integer' },
    { key: 'serial', label: 'Serial', type: 'text' },
    { key: 'sku', label: 'SKU', type: 'text' },
    { key: 'productName', label: 'Product', type: 'text' },
    { key: 'status', label: 'Status', type: 'text' },
    { key: 'location', label: 'Location', type: 'text' },
    { key: 'bay', label: 'Bay', type: 'text' },
    { key: 'document', label: 'Document', type: 'text' },
    // Its own cost as the ledger keeps it; the total is the listed serials' value.
    { key: 'unitCost', label: 'Cost', type: 'unitCost', cost: true, total: 'sum' },
    { key: 'supplier', label: 'Supplier', type: 'text' },
    { key: 'purchaseOrder', label: 'Purchase order', type: 'integer' },
    { key: 'madeBy', label: 'Made by work order', type: 'integer' },
    { key: 'customer', label: 'Customer', type: 'text' },
    { key: 'salesOrder', label: 'Sales order', type: 'integer' },
    { key: 'shipment', label: 'Shipment', type: 'integer' },
    { key: 'invoice', label: 'Invoice', type: 'integer' },
    { key: 'workOrder', label: 'Work order', type: 'integer' },
    { key: 'receivedOn', label: 'Received', type: 'date' },
    { key: 'shippedOn', label: 'Shipped', type: 'date' },
    { key: 'invoicedOn', label: 'Invoiced', type: 'date' },
    { key: 'lastMovementOn', label: 'Last movement', type: 'date' },
  ],
  // The position in the list given, then the serial's id (0 when not found): two products' serial
  // of one text are two rows at one position.
  keyset: [
    { key: 'position', type: 'int' },
    { key: 'serialId', type: 'int' },
  ],
  async source(_db, p, { timeZone }) {
    // Indexes: serial_number by serial alone has none (the unique index is (product_id, serial)),
    // so the list is hash-joined against the serials (one pass, whatever the list's length); each
    // found serial's history reads stock_movement_serial(serial_id) and stock_movement's key; its
    // documents are read by primary key.
    return Prisma.sql`
      SELECT q.position::int AS "position", COALESCE(sn.id, 0) AS "serialId", q.serial AS "serial",
             pr.sku AS "sku", pr.name AS "productName", COALESCE(sn.status::text, 'not found') AS "status",
             l.name AS "location", b.name AS "bay",
             CASE WHEN sn.id IS NULL THEN NULL
                  WHEN sn.status = 'on_order' THEN 'purchase order #' || pol.purchase_order_id || ' line ' || pol.line_number
                  WHEN wol.id IS NOT NULL THEN 'work order #' || wol.work_order_id || ' line ' || wol.line_number
                  WHEN il.id IS NOT NULL THEN 'invoice #' || il.invoice_id || ' line ' || il.line_number
                  WHEN shl.id IS NOT NULL THEN 'shipment #' || shl.shipment_id || ' line ' || shl.line_number
                  WHEN sol.id IS NOT NULL THEN 'sales order #' || sol.sales_order_id || ' line ' || sol.line_number
             END AS "document",
             sn.unit_cost AS "unitCost",
             su.name AS "supplier", pol.purchase_order_id AS "purchaseOrder", h."madeBy",
             c.name AS "customer", sol.sales_order_id AS "salesOrder", shl.shipment_id AS "shipment", il.invoice_id AS "invoice",
             wol.work_order_id AS "workOrder",
             ${dayOf(Prisma.sql`h."receivedAt"`, timeZone)} AS "receivedOn",
             ${dayOf(Prisma.sql`h."shippedAt"`, timeZone)} AS "shippedOn",
             ${dayOf(Prisma.sql`CASE WHEN inv.status = 'issued' THEN inv.issued_at END`, timeZone)} AS "invoicedOn",
             ${dayOf(Prisma.sql`h."lastAt"`, timeZone)} AS "lastMovementOn"
      FROM unnest(${p.serials}::text[]) WITH ORDINALITY AS q(serial, position)
      LEFT JOIN serial_number sn ON sn.serial = q.serial
      LEFT JOIN product pr ON pr.id = sn.product_id
      LEFT JOIN location l ON l.id = sn.location_id
      LEFT JOIN bay b ON b.id = sn.bay_id
      LEFT JOIN purchase_order_line pol ON pol.id = sn.po_line_id
      LEFT JOIN purchase_order po ON po.id = pol.purchase_order_id
      LEFT JOIN supplier su ON su.id = po.supplier_id
      LEFT JOIN sales_order_line sol ON sol.id = sn.so_line_id
      LEFT JOIN sales_order so ON so.id = sol.sales_order_id
      LEFT JOIN customer c ON c.id = so.customer_id
      LEFT JOIN shipment_line shl ON shl.id = sn.shipment_line_id
      LEFT JOIN invoice_line il ON il.id = sn.invoice_line_id
      LEFT JOIN invoice inv ON inv.id = il.invoice_id
      LEFT JOIN work_order_line wol ON wol.id = sn.wo_line_id
      LEFT JOIN LATERAL (
        -- Its history, from the ledger: when it first came into stock (received, entered or made),
        -- which work order made it, when it last left on a sale, and its last movement of any kind.
        SELECT MIN(m.created_at) FILTER (WHERE m.quantity > 0 AND m.kind IN ('receipt', 'opening', 'production')) AS "receivedAt",
               MAX(m.document_id) FILTER (WHERE m.quantity > 0 AND m.kind = 'production') AS "madeBy",
               MAX(m.created_at) FILTER (WHERE m.kind = 'sale' AND m.quantity < 0) AS "shippedAt",
               MAX(m.created_at) AS "lastAt"
        FROM stock_movement_serial ms JOIN stock_movement m ON m.id = ms.movement_id
        WHERE ms.serial_id = sn.id
      ) h ON sn.id IS NOT NULL`;
  },
});
