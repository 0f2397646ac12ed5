import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { text } from '../../inputs.ts';
import { defineReport } from '../definition.ts';
import { dayEnd, dayStart, filters, reportParams } from '../params.ts';

/** A line lists this many of its serials and batches in its cell (a cell holds 32,767 characters), then says how many more. */
export const NUMBERS_SHOWN = 200;

/**
 * What one "prior items" report reads: a kind of document line and how to find, on it, the
 * document, customer, product, quantity and price, and the serials and batches it carried. The two
 * reports (prior items sold, prior items invoiced) are one builder over two of these.
 *
 * Aliases the fragments may use: `x` the line, `d` its document.
 */
export interface PriorItemsLines {
  id: string;
  title: string;
  description: string;
  keywords: readonly string[];
  /** The document's name in messages and hints ("sales order"). */
  noun: string;
  /** FROM: the lines `x` joined to their document `d` (and whatever else the fragments need). */
  from: Prisma.Sql;
  documentNo: Prisma.Sql;
  /** The instant the document is dated by (the day is taken in the organisation's time zone). */
  documentDate: Prisma.Sql;
  documentStatus: Prisma.Sql;
  customerId: Prisma.Sql;
  productId: Prisma.Sql;
  /** The sales order line the line is (or is for). */
  orderLineId: Prisma.Sql;
  quantity: Prisma.Sql;
  unitPrice: Prisma.Sql;
  /**
   * Every serial and batch number on a line of this kind, as rows (line_id, order_line_id,
   * product_id, number): one UNION ALL over where they are recorded. Read both ways: one line's
   * numbers (line, order line and product given, so each branch reads by an index), and the lines
   * whose numbers match a search (each branch scanned once).
   */
  numbers: Prisma.Sql;
}

/**
 * The batch numbers that left stock on one kind of delivery document's lines (the sale movements
 * each line wrote), as `numbers` rows for the sales order line the delivery line is for. Indexes:
 * a line's: shipment_line/invoice_line(so_line_id), then stock_movement(product_id, created_at)
 * filtered to the delivery line (a stock_movement(document_type, document_id) index would make
 * this direct); a search's: batch, then stock_movement(product_id, created_at) by the batch's
 * product.
 */
export const deliveredBatchNumbers = (delivery: 'shipment' | 'invoice', lineId: Prisma.Sql) => {
  const line = Prisma.raw(delivery === 'shipment' ? 'shipment_line' : 'invoice_line');
  const parent = Prisma.raw(delivery === 'shipment' ? 'shipment_id' : 'invoice_id');
  return Prisma.sql`
    SELECT ${lineId} AS line_id, dl.so_line_id AS order_line_id, m.product_id, bn.number
    FROM ${line} dl
    JOIN stock_movement m ON m.kind = 'sale' AND m.document_type = ${delivery} AND m.document_id = dl.${parent} AND m.document_line_id = dl.id
    JOIN batch bn ON bn.id = m.batch_id AND bn.product_id = m.product_id`;
};

/** "Prior items sold" and "prior items invoiced": the same report over different document lines. */
export function priorItemsReport(lines: PriorItemsLines) {
  return defineReport({
    id: lines.id,
    title: lines.title,
    description: lines.description,
    keywords: lines.keywords,
    params: z
      .object({
        serialOrBatch: text('serialOrBatch', { max: 100, min: 1 })
          .optional()
          .meta({
            label: 'Serial or batch',
            kind: 'text',
            hint: `Only ${lines.noun} lines with a serial or batch number that equals or contains this text, ignoring case`,
          }),
        customerId: reportParams.customerId,
        productId: reportParams.productId,
        from: reportParams.from,
        to: reportParams.to,
      })
      .refine((p) => !p.from || !p.to || p.from <= p.to, { path: ['to'], message: 'to must be on or after from' }),
    columns: [
      { key: 'documentNo', label: 'Doc no', type: 'integer' },
      { key: 'lineNumber', label: 'Line', type: 'integer' },
      { key: 'documentDate', label: 'Doc date', type: 'date' },
      { key: 'customer', label: 'Customer', type: 'text' },
      { key: 'sku', label: 'SKU', type: 'text' },
      { key: 'productName', label: 'Product', type: 'text' },
      { key: 'quantity', label: 'Qty', type: 'quantity', total: 'sum' },
      // Per unit to 6 decimals as the lines keep it (the unitCost type), so quantity × unit price gives the line total.
      { key: 'unitPrice', label: 'Unit price', type: 'unitCost' },
      { key: 'lineTotal', label: 'Line total', type: 'money', total: 'sum' },
      { key: 'serialsOrBatches', label: 'Serial or batch numbers', type: 'text' },
      { key: 'matching', label: 'Matching serial or batch', type: 'text' },
      { key: 'documentStatus', label: 'Doc status', type: 'text' },
    ],
    // Documents in the order they were made, each one's lines in order: unique together, and the
    // order of the lines' unique index (sales_order_line and invoice_line by document and line
    // number), so a first page reads only its lines and their serials and batches.
    keyset: [
      { key: 'documentNo', type: 'int' },
      { key: 'lineNumber', type: 'int' },
    ],
    async source(_db, p, { timeZone }) {
      const search = p.serialOrBatch;
      const shown = Prisma.raw(String(NUMBERS_SHOWN));
      const hit = (value: Prisma.Sql) => (search ? Prisma.sql`strpos(lower(${value}), lower(${search})) > 0` : Prisma.sql`false`);
      // One line's numbers, each once, sorted; the first NUMBERS_SHOWN of them shown, and those
      // matching the search.
      const numbers = Prisma.sql`
        SELECT DISTINCT ln.number AS v FROM (${lines.numbers}) ln
        WHERE ln.line_id = x.id AND ln.order_line_id = ${lines.orderLineId} AND ln.product_id = ${lines.productId}`;
      // The lines with a matching number: found once, then joined (a serial's text has no index to
      // search it by, so the serials are scanned once, not once per line).
      const matched = search && Prisma.sql`x.id IN (SELECT ln.line_id FROM (${lines.numbers}) ln WHERE ${hit(Prisma.sql`ln.number`)})`;
      return Prisma.sql`
        SELECT ${lines.documentNo} AS "documentNo", x.line_number AS "lineNumber",
               ((${lines.documentDate}) AT TIME ZONE ${timeZone})::date AS "documentDate", c.name AS "customer",
               pr.sku AS "sku", pr.name AS "productName", ${lines.quantity} AS "quantity", ${lines.unitPrice} AS "unitPrice",
               ROUND(${lines.quantity} * ${lines.unitPrice}, 2) AS "lineTotal",
               CASE WHEN nb.total > ${shown} THEN nb.shown || ' and ' || (nb.total - ${shown}) || ' more' ELSE nb.shown END
                 AS "serialsOrBatches",
               nb.matching AS "matching", ${lines.documentStatus} AS "documentStatus"
        FROM ${lines.from}
        JOIN customer c ON c.id = ${lines.customerId}
        JOIN product pr ON pr.id = ${lines.productId}
        LEFT JOIN LATERAL (
          SELECT string_agg(u.v, ', ' ORDER BY u.v) FILTER (WHERE u.n <= ${shown}) AS shown, COUNT(*) AS total,
                 string_agg(u.v, ', ' ORDER BY u.v) FILTER (WHERE u.hit AND u.hn <= ${shown}) AS matching
          FROM (SELECT t.v, t.hit, row_number() OVER (ORDER BY t.v) AS n, row_number() OVER (PARTITION BY t.hit ORDER BY t.v) AS hn
                FROM (SELECT s.v, ${hit(Prisma.sql`s.v`)} AS hit FROM (${numbers}) s) t) u
        ) nb ON true
        WHERE true ${filters(
          p.customerId && Prisma.sql`${lines.customerId} = ${p.customerId}`,
          p.productId && Prisma.sql`${lines.productId} = ${p.productId}`,
          p.from && Prisma.sql`${lines.documentDate} >= ${dayStart(p.from, timeZone)}`,
          p.to && Prisma.sql`${lines.documentDate} < ${dayEnd(p.to, timeZone)}`,
          matched,
        )}`;
    },
  });
}
