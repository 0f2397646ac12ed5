import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { text } from '../../inputs.ts';
import { defineReport } from '../definition.ts';
import { reportParams } from '../params.ts';

export const TRACE_DIRECTIONS = ['backward', 'forward', 'both'] as const;

/** How deep the genealogy is followed (work orders inside work orders); a loop stops here too. */
const MAX_LEVELS = 50;

/**
 * The ledger rows of one lot (a serial, or a batch of a product) named by the columns `lot_kind`,
 * `lot_id` and `product_id` of `node`. Indexes: stock_movement_serial(serial_id) then
 * stock_movement's key for a serial; stock_movement(product_id, created_at) for a batch (there is
 * no index on stock_movement.batch_id).
 */
const lotMovements = (node: string) => {
  const n = Prisma.raw(node);
  return Prisma.sql`
    SELECT m.id, m.kind, m.quantity, m.document_type, m.document_id, m.document_line_id, sign(m.quantity) AS lot_quantity,
           m.location_id, m.bay_id, m.customer_id, m.created_at
    FROM stock_movement_serial ms JOIN stock_movement m ON m.id = ms.movement_id
    WHERE ${n}.lot_kind = 's' AND ms.serial_id = ${n}.lot_id
    UNION ALL
    SELECT m.id, m.kind, m.quantity, m.document_type, m.document_id, m.document_line_id, m.quantity AS lot_quantity,
           m.location_id, m.bay_id, m.customer_id, m.created_at
    FROM stock_movement m
    WHERE ${n}.lot_kind = 'b' AND m.product_id = ${n}.product_id AND m.batch_id = ${n}.lot_id`;
};

/**
 * The lots a completed work order consumed (its input lines) or made (its output lines), from the
 * production movements it wrote for each line: each serial ('s'), each batch ('b'), or the product
 * itself for untracked quantities ('p', traced no further). Indexes: work_order_line(work_order_id,
 * line_number), then stock_movement(product_id, created_at) filtered to the work order's line (a
 * stock_movement(document_type, document_id) index would make this direct), then
 * stock_movement_serial's key (movement_id, serial_id).
 */
const workOrderLots = (workOrder: Prisma.Sql, role: 'input' | 'output') => Prisma.sql`
  SELECT CASE WHEN ms.serial_id IS NOT NULL THEN 's' WHEN m.batch_id IS NOT NULL THEN 'b' ELSE 'p' END AS lot_kind,
         COALESCE(ms.serial_id, m.batch_id, m.product_id) AS lot_id, m.product_id
  FROM work_order_line wl
  JOIN stock_movement m ON m.product_id = wl.product_id AND m.kind = 'production' AND m.document_type = 'work_order'
                       AND m.document_id = wl.work_order_id AND m.document_line_id = wl.id
  LEFT JOIN stock_movement_serial ms ON ms.movement_id = m.id
  WHERE wl.work_order_id = ${workOrder} AND wl.role = ${role}::"WorkOrderLineRole"`;

/**
 * Serial and batch traceability: from a serial or a batch, backward to what it was made of (and
 * where that was received from), forward to what was made from it and every customer who received
 * any of that, through receipts, work orders, shipments and invoices.
 *
 * A completed work order records, per line, the production movements it wrote (document
 * `work_order` #id, the line as `document_line_id`): its inputs' serials and batches going out, its
 * outputs' coming in. Every output of a work order is made of all of its inputs (the ledger keeps
 * no finer split), so the genealogy is two recursive walks over work orders: backward, from a lot
 * to the work order that made it and on to that order's inputs; forward, from a lot to the work
 * orders that consumed it and on to their outputs.
 *
 * Each lot reached is a node (level, direction, and the work order linking it to the level before);
 * its rows are its ledger events: the start's whole life (received or entered, made, consumed,
 * shipped, invoiced); backward, where each ancestor came from and what of it went into the linking
 * work order; forward, what the linking work order made, where that went on to (shipments and
 * invoices to customers, further work orders).
 */
export const traceabilityReport = defineReport({
  id: 'traceability',
  title: 'Serial and batch traceability',
  description:
    'Backward to what a serial or batch was made of and who supplied it, forward to everything made from it and every customer who received any of it.',
  keywords: ['serial', 'batch', 'trace', 'traceability', 'recall', 'genealogy', 'lot', 'made from', 'where used'],
  params: z
    .object({
      serial: text('serial', { max: 100, min: 1 }).optional().meta({ label: 'Serial', kind: 'text', hint: 'A serial, exactly' }),
      batch: text('batch', { max: 100, min: 1 }).optional().meta({ label: 'Batch', kind: 'text', hint: 'A batch number, exactly' }),
      productId: reportParams.productId,
      direction: z.enum(TRACE_DIRECTIONS).default('both').meta({
        label: 'Direction',
        kind: 'choice',
        hint: 'Backward: what it was made of; forward: what was made of it, and where it went',
      }),
    })
    .superRefine((p, ctx) => {
      if (p.serial === undefined && p.batch === undefined)
        ctx.addIssue({ code: 'custom', path: ['serial'], message: 'give a serial or a batch to trace' });
      else if (p.serial !== undefined && p.batch !== undefined)
        ctx.addIssue({ code: 'custom', path: ['batch'], message: 'give a serial or a batch, not both' });
    }),
  columns: [
    { key: 'level', label: 'Level', type: 'integer' },
    { key: 'direction', label: 'Direction', type: 'text' },
    { key: 'event', label: 'Event', type: 'text' },
    { key: 'sku', label: 'SKU', type: 'text' },
    { key: 'productName', label: 'Product', type: 'text' },
    { key: 'serial', label: 'Serial', type: 'text' },
    { key: 'batch', label: 'Batch', type: 'text' },
    { key: 'expiry', label: 'Batch expiry', type: 'date' },
    { key: 'quantity', label: 'Qty', type: 'quantity' },
    { key: 'documentType', label: 'Document type', type: 'text' },
    { key: 'documentNo', label: 'Document no', type: 'integer' },
    { key: 'date', label: 'Date', type: 'date' },
    { key: 'location', label: 'Location', type: 'text' },
    { key: 'bay', label: 'Bay', type: 'text' },
    { key: 'party', label: 'Supplier / Customer', type: 'text' },
    { key: 'workOrder', label: 'Work order', type: 'integer' },
  ],
  // Ancestors first (deepest first), then the start, then descendants: raw materials to finished
  // goods to customers. `step` is the level, negative backward.
  keyset: [
    { key: 'step', type: 'int' },
    { key: 'sku', type: 'text' },
    { key: 'lot', type: 'text' },
    { key: 'lotRef', type: 'text' },
    { key: 'via', type: 'int' },
    { key: 'movementId', type: 'int' },
  ],
  async source(_db, p, { timeZone }) {
    // The start: every lot of that number (of the product, when given). Indexes: (product_id, serial)
    // and (product_id, number) with a product; without one there is no index on the number alone.
    const start = p.serial
      ? Prisma.sql`SELECT 's'::text AS lot_kind, sn.id AS lot_id, sn.product_id FROM serial_number sn
                   WHERE sn.serial = ${p.serial} ${p.productId ? Prisma.sql`AND sn.product_id = ${p.productId}` : Prisma.empty}`
      : Prisma.sql`SELECT 'b'::text AS lot_kind, b.id AS lot_id, b.product_id FROM batch b
                   WHERE b.number = ${p.batch} ${p.productId ? Prisma.sql`AND b.product_id = ${p.productId}` : Prisma.empty}`;
    const backward = Prisma.raw(p.direction !== 'forward' ? 'true' : 'false');
    const forward = Prisma.raw(p.direction !== 'backward' ? 'true' : 'false');
    return Prisma.sql`
      WITH RECURSIVE
      start AS (${start}),
      back (level, lot_kind, lot_id, product_id, via) AS (
        SELECT 0, lot_kind, lot_id, product_id, 0 FROM start WHERE ${backward}
        UNION
        SELECT n.level + 1, i.lot_kind, i.lot_id, i.product_id, w.work_order_id
        FROM back n
        CROSS JOIN LATERAL (
          SELECT DISTINCT lm.document_id AS work_order_id FROM (${lotMovements('n')}) lm
          WHERE lm.kind = 'production' AND lm.quantity > 0 AND lm.document_type = 'work_order'
        ) w
        CROSS JOIN LATERAL (${workOrderLots(Prisma.sql`w.work_order_id`, 'input')}) i
        WHERE n.lot_kind <> 'p' AND n.level < ${Prisma.raw(String(MAX_LEVELS))}
      ),
      fwd (level, lot_kind, lot_id, product_id, via) AS (
        SELECT 0, lot_kind, lot_id, product_id, 0 FROM start WHERE ${forward}
        UNION
        SELECT n.level + 1, o.lot_kind, o.lot_id, o.product_id, w.work_order_id
        FROM fwd n
        CROSS JOIN LATERAL (
          SELECT DISTINCT lm.document_id AS work_order_id FROM (${lotMovements('n')}) lm
          WHERE lm.kind = 'production' AND lm.quantity < 0 AND lm.document_type = 'work_order'
        ) w
        CROSS JOIN LATERAL (${workOrderLots(Prisma.sql`w.work_order_id`, 'output')}) o
        WHERE n.lot_kind <> 'p' AND n.level < ${Prisma.raw(String(MAX_LEVELS))}
      ),
      -- A lot reached by two paths through one work order is one node, at the shallower level.
      nodes AS (
        SELECT 'start'::text AS direction, 0 AS level, lot_kind, lot_id, product_id, 0 AS via FROM start
        UNION ALL
        SELECT 'backward', MIN(level), lot_kind, lot_id, product_id, via FROM back WHERE level > 0 GROUP BY lot_kind, lot_id, product_id, via
        UNION ALL
        SELECT 'forward', MIN(level), lot_kind, lot_id, product_id, via FROM fwd WHERE level > 0 GROUP BY lot_kind, lot_id, product_id, via
      ),
      events AS (
        SELECT n.direction, n.level, n.lot_kind, n.lot_id, n.product_id, n.via, e.*
        FROM nodes n
        CROSS JOIN LATERAL (
          ${lotMovements('n')}
          UNION ALL
          -- An untracked quantity: only the linking work order's movement of it is known.
          SELECT m.id, m.kind, m.quantity, m.document_type, m.document_id, m.document_line_id, m.quantity AS lot_quantity,
                 m.location_id, m.bay_id, m.customer_id, m.created_at
          FROM work_order_line wl
          JOIN stock_movement m ON m.product_id = wl.product_id AND m.kind = 'production' AND m.document_type = 'work_order'
                               AND m.document_id = wl.work_order_id AND m.document_line_id = wl.id AND m.batch_id IS NULL
          WHERE n.lot_kind = 'p' AND wl.work_order_id = n.via AND wl.product_id = n.product_id
            AND wl.role = (CASE WHEN n.direction = 'backward' THEN 'input' ELSE 'output' END)::"WorkOrderLineRole"
        ) e
        WHERE CASE n.direction
          WHEN 'start' THEN e.kind IN ('receipt', 'opening', 'production', 'sale')
          -- Where it came from, and what of it went into the work order that links it.
          WHEN 'backward' THEN e.kind IN ('receipt', 'opening')
                            OR (e.kind = 'production' AND (e.quantity > 0 OR e.document_id = n.via))
          -- What the linking work order made, and where that went on to.
          ELSE e.kind = 'sale' OR (e.kind = 'production' AND (e.quantity < 0 OR e.document_id = n.via))
        END
      )
      SELECT CASE WHEN ev.direction = 'backward' THEN -ev.level ELSE ev.level END AS "step",
             ev.level AS "level", ev.direction AS "direction",
             CASE ev.kind::text
               WHEN 'receipt' THEN 'received' WHEN 'opening' THEN 'entered'
               WHEN 'production' THEN CASE WHEN ev.quantity > 0 THEN 'made' ELSE 'consumed' END
               WHEN 'sale' THEN CASE WHEN ev.document_type = 'invoice' THEN 'invoiced' ELSE 'shipped' END
             END AS "event",
             pr.sku AS "sku", pr.name AS "productName", sn.serial AS "serial", ba.number AS "batch", ba.expiry AS "expiry",
             COALESCE(sn.serial, ba.number, '') AS "lot", ev.lot_kind || ev.lot_id AS "lotRef", ev.via AS "via",
             ev.lot_quantity AS "quantity", COALESCE(ev.document_type, ev.kind::text) AS "documentType", ev.document_id AS "documentNo",
             ((ev.created_at AT TIME ZONE ${timeZone})::date) AS "date", l.name AS "location", b.name AS "bay",
             COALESCE(c.name, su.name) AS "party", NULLIF(ev.via, 0) AS "workOrder", ev.id AS "movementId"
      FROM events ev
      JOIN product pr ON pr.id = ev.product_id
      LEFT JOIN serial_number sn ON ev.lot_kind = 's' AND sn.id = ev.lot_id
      LEFT JOIN batch ba ON ev.lot_kind = 'b' AND ba.id = ev.lot_id
      JOIN location l ON l.id = ev.location_id
      LEFT JOIN bay b ON b.id = ev.bay_id
      LEFT JOIN customer c ON c.id = ev.customer_id
      LEFT JOIN purchase_order po ON ev.document_type = 'purchase_order' AND po.id = ev.document_id
      LEFT JOIN supplier su ON su.id = po.supplier_id`;
  },
});
