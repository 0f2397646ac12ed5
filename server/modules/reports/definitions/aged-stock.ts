import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import { defineReport } from '../definition.ts';
import { dayEnd, filters, movementValue, reportParams, today } from '../params.ts';

/** The age bands, in whole days since receipt (inclusive). */
const BANDS = [
  { key: 'd0to30', label: '0–30 days', from: 0, to: 30 },
  { key: 'd31to60', label: '31–60 days', from: 31, to: 60 },
  { key: 'd61to90', label: '61–90 days', from: 61, to: 90 },
  { key: 'd90plus', label: '90+ days', from: 91, to: null },
] as const;

/**
 * Stock on hand at the end of a day by product and location, split by how long it has been there:
 * 0–30, 31–60, 61–90 and 90+ days since receipt, in quantity and value, with the average age
 * (quantity-weighted) and the earliest and latest receipt of what is on hand.
 *
 * How old a unit is (the rule):
 * - A serial is as old as its own receipt: the first movement that brought it into stock
 *   (receipt, opening, production, a found count), wherever it went after. It is on hand at the
 *   day's end when its last movement by then left it in stock or allocated, at that movement's location.
 * - Batches and plain quantities are aged FIFO per product, location and batch: what is on hand is
 *   the newest of what came in there (every movement into the place: receipts, opening stock, work
 *   order outputs, positive adjustments and count variances, tracking changes), since what went out
 *   went oldest first. Stock found by a stocktake is therefore as old as the stocktake, and a serial
 *   converted into a batch as old as the conversion.
 * - Age in days = the report's day - the day of the receipt, both in the organisation's time zone:
 *   a receipt today is 0 days old.
 *
 * Values: the row's value is the ledger's value of the product at that location at the day's end,
 * the sum of its movements' values there (movementValue), which is what the valuation report shows
 * for the location, so the report's total value is the valuation's. A unit is valued at the average
 * of its place (product, location and batch: a batch at its own cost, plain stock and serials at
 * what the ledger holds there over the quantity), so the bands' exact values add up to the row's;
 * each band is shown as the step in the rounded running total (0–30, + 31–60, …), so the bands add
 * up to the row's value to the cent.
 *
 * One statement over the ledger up to the end of the day: the on-hand per place (an aggregate), the
 * FIFO layers by a running SUM window over inbound movements (one sort of them), the serials' last
 * state by DISTINCT ON over stock_movement_serial (its primary key and
 * stock_movement_serial_serial_id_idx). It reads the whole ledger up to the day, or one product's
 * movements by stock_movement_product_id_created_at_idx when a product is asked for; each page runs
 * it again.
 */
export const agedStockReport = defineReport({
  id: 'agedStock',
  title: 'Aged stock',
  description:
    'Stock on hand at a day by product and location, in 0–30, 31–60, 61–90 and 90+ days since receipt, by quantity and value, with its average age.',
  keywords: ['aged', 'ageing', 'aging', 'age', 'slow moving', 'old stock', 'fifo', 'dead stock'],
  params: z.object({ at: reportParams.at, locationId: reportParams.locationId, productId: reportParams.productId }),
  columns: [
    { key: 'sku', label: 'SKU', type: 'text' },
    { key: 'productName', label: 'Product', type: 'text' },
    { key: 'location', label: 'Location', type: 'text' },
    { key: 'quantity', label: 'On hand', type: 'quantity', total: 'sum' },
    { key: 'value', label: 'Value', type: 'money', cost: true, total: 'sum' },
    ...BANDS.map((b) => ({ key: `${b.key}Quantity`, label: `${b.label} qty`, type: 'quantity', total: 'sum' }) as const),
    ...BANDS.map((b) => ({ key: `${b.key}Value`, label: `${b.label} value`, type: 'money', cost: true, total: 'sum' }) as const),
    { key: 'averageAge', label: 'Average age (days)', type: 'quantity' },
    { key: 'earliestReceipt', label: 'Earliest receipt', type: 'date' },
    { key: 'latestReceipt', label: 'Latest receipt', type: 'date' },
  ],
  keyset: [
    { key: 'sku', type: 'text' },
    { key: 'locationId', type: 'int' },
  ],
  async source(_db, p, { timeZone }) {
    const at = p.at ?? today(timeZone);
    const end = dayEnd(at, timeZone);
    const product = (alias: string) => p.productId && Prisma.sql`${Prisma.raw(alias)}.product_id = ${p.productId}`;
    const location = (alias: string) => p.locationId && Prisma.sql`${Prisma.raw(alias)}.location_id = ${p.locationId}`;
    const inBand = (b: (typeof BANDS)[number]) => `a.age >= ${b.from}${b.to === null ? '' : ` AND a.age <= ${b.to}`}`;
    // The rounded value of the first `upTo` bands; all four: the row's value.
    const running = (upTo: number) =>
      upTo === BANDS.length
        ? Prisma.raw('ROUND(t.value, 2)')
        : Prisma.raw(
            `ROUND(0${BANDS.slice(0, upTo)
              .map((b) => ` + COALESCE(g."${b.key}Exact", 0)`)
              .join('')}, 2)`,
          );
    return Prisma.sql`
      WITH place AS (
        -- What each product, location and batch holds at the day's end, from the ledger.
        SELECT m.product_id, m.location_id, COALESCE(m.batch_id, 0) AS batch, SUM(m.quantity) AS quantity, SUM(${movementValue()}) AS value
        FROM stock_movement m
        WHERE m.created_at < ${end} ${filters(product('m'), location('m'))}
        GROUP BY m.product_id, m.location_id, COALESCE(m.batch_id, 0)
      ), inbound AS (
        -- Everything that came into each place of a product not serialised, newest first, with what came in at it and after.
        SELECT m.product_id, m.location_id, COALESCE(m.batch_id, 0) AS batch, m.quantity, m.created_at,
               SUM(m.quantity) OVER (PARTITION BY m.product_id, m.location_id, COALESCE(m.batch_id, 0) ORDER BY m.created_at DESC, m.id DESC) AS newer
        FROM stock_movement m JOIN product pr ON pr.id = m.product_id AND NOT pr.serialised
        WHERE m.created_at < ${end} AND m.quantity > 0 ${filters(product('m'), location('m'))}
      ), fifo AS (
        -- The newest inbound quantities that make up what is there (what went out went oldest first).
        SELECT i.product_id, i.location_id, i.created_at AS received_at, LEAST(i.quantity, pl.quantity - (i.newer - i.quantity)) AS quantity,
               pl.value / pl.quantity AS unit_value
        FROM inbound i
        JOIN place pl ON pl.product_id = i.product_id AND pl.location_id = i.location_id AND pl.batch = i.batch
        WHERE pl.quantity > 0 AND i.newer - i.quantity < pl.quantity
      ), serial_last AS (
        -- Each serial of a serialised product as its last movement by the day's end left it.
        SELECT DISTINCT ON (ms.serial_id) ms.serial_id, ms.status, m.product_id, m.location_id
        FROM stock_movement_serial ms
        JOIN stock_movement m ON m.id = ms.movement_id
        JOIN product pr ON pr.id = m.product_id AND pr.serialised
        WHERE m.created_at < ${end} ${filters(product('m'))}
        ORDER BY ms.serial_id, m.id DESC
      ), serial_in AS (
        -- When each serial first came into stock (its first movement, if none brought it in).
        SELECT ms.serial_id, COALESCE(MIN(m.created_at) FILTER (WHERE m.quantity > 0), MIN(m.created_at)) AS received_at
        FROM stock_movement_serial ms
        JOIN stock_movement m ON m.id = ms.movement_id
        WHERE m.created_at < ${end} AND ms.serial_id IN (SELECT serial_id FROM serial_last WHERE status IN ('in_stock', 'allocated'))
        GROUP BY ms.serial_id
      ), layer AS (
        SELECT f.product_id, f.location_id, f.received_at, f.quantity, f.unit_value FROM fifo f
        UNION ALL
        SELECT s.product_id, s.location_id, i.received_at, 1, pl.value / NULLIF(pl.quantity, 0)
        FROM serial_last s
        JOIN serial_in i ON i.serial_id = s.serial_id
        LEFT JOIN place pl ON pl.product_id = s.product_id AND pl.location_id = s.location_id AND pl.batch = 0
        WHERE s.status IN ('in_stock', 'allocated') ${filters(location('s'))}
      ), aged AS (
        SELECT a.product_id, a.location_id, a.quantity, a.quantity * COALESCE(a.unit_value, 0) AS value, a.received_at,
               ${at}::date - (a.received_at AT TIME ZONE ${timeZone})::date AS age
        FROM layer a
      ), bands AS (
        SELECT a.product_id, a.location_id,
               ${Prisma.raw(
                 BANDS.map(
                   (b) =>
                     `COALESCE(SUM(a.quantity) FILTER (WHERE ${inBand(b)}), 0) AS "${b.key}Quantity", ` +
                     `COALESCE(SUM(a.value) FILTER (WHERE ${inBand(b)}), 0) AS "${b.key}Exact"`,
                 ).join(', '),
               )},
               ROUND(SUM(a.quantity * a.age) / NULLIF(SUM(a.quantity), 0), 1) AS "averageAge",
               (MIN(a.received_at) AT TIME ZONE ${timeZone})::date AS "earliestReceipt",
               (MAX(a.received_at) AT TIME ZONE ${timeZone})::date AS "latestReceipt"
        FROM aged a
        GROUP BY a.product_id, a.location_id
      ), total AS (
        SELECT product_id, location_id, SUM(quantity) AS quantity, SUM(value) AS value
        FROM place GROUP BY product_id, location_id
      )
      SELECT pr.sku AS "sku", pr.name AS "productName", l.id AS "locationId", l.name AS "location",
             t.quantity AS "quantity", ROUND(t.value, 2) AS "value",
             ${Prisma.join(
               BANDS.map((b) => Prisma.sql`COALESCE(g.${Prisma.raw(`"${b.key}Quantity"`)}, 0) AS ${Prisma.raw(`"${b.key}Quantity"`)}`),
               ', ',
             )},
             ${Prisma.join(
               BANDS.map((b, i) => Prisma.sql`${running(i + 1)} - ${running(i)} AS ${Prisma.raw(`"${b.key}Value"`)}`),
               ', ',
             )},
             g."averageAge", g."earliestReceipt", g."latestReceipt"
      FROM total t
      JOIN product pr ON pr.id = t.product_id
      JOIN location l ON l.id = t.location_id
      LEFT JOIN bands g ON g.product_id = t.product_id AND g.location_id = t.location_id
      WHERE t.quantity > 0`;
  },
});
