import { z } from 'zod';
import { Prisma } from '../../../db/generated/client.ts';
import type { ReportColumn } from '../definition.ts';
import { defineReport } from '../definition.ts';
import { dayEnd, dayStart, filters, movementValue, reportParams, today } from '../params.ts';

/**
 * What moved a period's stock from its opening to its closing, by kind of movement. Every kind of
 * the ledger is one of these, so closing = opening + the period's columns, exactly.
 */
const FLOWS = [
  { key: 'receipts', label: 'Receipts', kinds: ['receipt'] },
  { key: 'shipments', label: 'Shipments (sales)', kinds: ['sale'] },
  { key: 'adjustments', label: 'Adjustments', kinds: ['adjustment'] },
  { key: 'stocktakes', label: 'Stocktakes', kinds: ['stocktake'] },
  { key: 'workOrders', label: 'Work orders', kinds: ['production'] },
  { key: 'openingEntered', label: 'Opening stock entered', kinds: ['opening'] },
  // Serials turned into batches or plain quantity (and allocations, which move nothing): they net to
  // zero quantity, and to zero value but for the cents each movement's value is rounded to.
  { key: 'trackingChanges', label: 'Tracking changes', kinds: ['tracking_change', 'allocation'] },
] as const;

const flowColumns: ReportColumn[] = FLOWS.flatMap((f) => [
  { key: `${f.key}Quantity`, label: `${f.label} qty`, type: 'quantity', total: 'sum' } as const,
  { key: `${f.key}Value`, label: `${f.label} value`, type: 'money', cost: true, total: 'sum' } as const,
]);

const kindsIn = (kinds: readonly string[]) => Prisma.sql`m.kind IN (${Prisma.join(kinds.map((k) => Prisma.sql`${k}::"MovementKind"`))})`;

/**
 * The movement summary (opening → receipts, shipments, adjustments, stocktakes, work orders,
 * opening stock entered, tracking changes → closing), in quantity and value, per product or per
 * stock account (the product's asset GL code, else the settings' stock account, as the valuation).
 *
 * Opening is everything before `from` (nothing when `from` is empty: the period starts with the
 * ledger); closing is everything up to the end of `to` (today when empty), so it is the valuation
 * report's value at `to`, and one period's closing is the next one's opening.
 *
 * Cents: every figure is a sum of movements' values, each its quantity at its recorded cost to the
 * cent (movementValue, as the valuation and the movements report value them), so a row adds up
 * exactly (opening + the columns = closing), a column is what the movements report's Value column
 * sums to for those movements, and an account's row is the sum of its products' rows.
 *
 * One statement: one pass over the ledger up to the end of `to` with FILTERed aggregates per
 * product, as the valuation reads it: every movement up to then (a sequential scan and a hash
 * aggregate; no index makes a whole-ledger sum cheaper), or those of one location by
 * stock_movement_location_id_created_at_idx. Each page runs it again (keyset paging over an aggregate).
 */
export const movementSummaryReport = defineReport({
  id: 'movementSummary',
  title: 'Stock movement summary',
  description:
    'Opening stock, what the period received, shipped, adjusted, counted and made, and closing stock, in quantity and value, per product or per stock account.',
  keywords: ['summary', 'movement', 'opening', 'closing', 'roll forward', 'month end', 'account', 'cogs'],
  params: z
    .object({
      from: day('From', 'The first day of the period; the ledger’s start when empty'),
      to: day('To', 'The last day of the period; today when empty'),
      by: z.enum(['product', 'account']).default('product').meta({ label: 'By', kind: 'choice' }),
      locationId: reportParams.locationId,
    })
    .refine((p) => !p.from || !p.to || p.from <= p.to, { message: 'From must be on or before To', path: ['to'] }),
  columns: [
    { key: 'account', label: 'Stock account', type: 'text' },
    { key: 'sku', label: 'SKU', type: 'text' },
    { key: 'productName', label: 'Product', type: 'text' },
    { key: 'openingQuantity', label: 'Opening qty', type: 'quantity', total: 'sum' },
    { key: 'openingValue', label: 'Opening value', type: 'money', cost: true, total: 'sum' },
    ...flowColumns,
    { key: 'closingQuantity', label: 'Closing qty', type: 'quantity', total: 'sum' },
    { key: 'closingValue', label: 'Closing value', type: 'money', cost: true, total: 'sum' },
  ],
  keyset: [
    { key: 'account', type: 'text' },
    { key: 'rowKey', type: 'text' },
  ],
  async source(_db, p, { timeZone }) {
    // No `to`: today, or `from` when that is later (the period from a day ahead has moved nothing yet).
    const now = today(timeZone);
    const end = dayEnd(p.to ?? (p.from && p.from > now ? p.from : now), timeZone);
    const before = p.from ? Prisma.sql`m.created_at < ${dayStart(p.from, timeZone)}` : Prisma.sql`false`;
    const during = p.from ? Prisma.sql`m.created_at >= ${dayStart(p.from, timeZone)}` : Prisma.sql`true`;
    const sums = FLOWS.map(
      (f) => Prisma.sql`COALESCE(SUM(m.quantity) FILTER (WHERE ${during} AND ${kindsIn(f.kinds)}), 0) AS ${Prisma.raw(`"${f.key}Q"`)},
         COALESCE(SUM(${movementValue()}) FILTER (WHERE ${during} AND ${kindsIn(f.kinds)}), 0) AS ${Prisma.raw(`"${f.key}V"`)}`,
    );
    const steps = FLOWS.map((f) => Prisma.raw(`x."${f.key}Q" AS "${f.key}Quantity", x."${f.key}V" AS "${f.key}Value"`));
    const perProduct = Prisma.sql`
      SELECT COALESCE(pr.asset_gl_code, st.stock_account, '(not mapped)') AS "account", pr.sku AS "sku", pr.name AS "productName",
             x.oq AS "openingQuantity", x.ov AS "openingValue", ${Prisma.join(steps, ', ')},
             x.oq ${Prisma.raw(FLOWS.map((f) => ` + x."${f.key}Q"`).join(''))} AS "closingQuantity",
             x.ov ${Prisma.raw(FLOWS.map((f) => ` + x."${f.key}V"`).join(''))} AS "closingValue"
      FROM (
        SELECT m.product_id,
               COALESCE(SUM(m.quantity) FILTER (WHERE ${before}), 0) AS oq,
               COALESCE(SUM(${movementValue()}) FILTER (WHERE ${before}), 0) AS ov,
               ${Prisma.join(sums, ', ')},
               COUNT(*) FILTER (WHERE ${during} AND m.kind <> 'allocation') AS moved
        FROM stock_movement m
        WHERE m.created_at < ${end} ${filters(p.locationId && Prisma.sql`m.location_id = ${p.locationId}`)}
        GROUP BY m.product_id
      ) x
      JOIN product pr ON pr.id = x.product_id
      CROSS JOIN (SELECT stock_account FROM settings WHERE id = 1 UNION ALL SELECT NULL LIMIT 1) st
      -- Products with stock at either end, or that moved in the period.
      WHERE x.oq <> 0 OR x.ov <> 0 OR x.moved > 0`;
    if (p.by === 'product') return Prisma.sql`SELECT s.*, s."sku" AS "rowKey" FROM (${perProduct}) s`;
    const summed = ['openingQuantity', 'openingValue', ...flowColumns.map((c) => c.key), 'closingQuantity', 'closingValue'];
    return Prisma.sql`
      SELECT s."account", NULL::text AS "sku", NULL::text AS "productName", '' AS "rowKey",
             ${Prisma.raw(summed.map((k) => `SUM(s."${k}") AS "${k}"`).join(', '))}
      FROM (${perProduct}) s
      GROUP BY s."account"`;
  },
});

function day(label: string, hint: string) {
  return z.iso.date(`${label} must be a day like 2026-07-01`).optional().meta({ label, kind: 'date', hint });
}
